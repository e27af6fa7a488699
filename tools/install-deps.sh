#!/usr/bin/env bash
# Installs the Debian packages PrefixLab needs when any is missing (as root), or prints the
# exact command to run (otherwise). Does nothing on macOS, where Accelerate replaces OpenBLAS.
set -euo pipefail
[ "$(uname)" = "Linux" ] || exit 0
packages=(libncursesw5-dev libopenblas-dev zlib1g-dev tmux pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
else
  echo "missing Debian packages; run:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
