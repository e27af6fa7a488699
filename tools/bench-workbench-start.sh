#!/usr/bin/env bash
# The workbench's first launch and its idle cost (issues #7, #16): seconds from start to the
# first frame, to the frame that lists the bundled sample's runs in a fresh workspace, and to
# the end of loading (test outputs scored), and the CPU the open,
# idle workbench then uses over 20 s (from /proc). Run from the repository root.
#   tools/bench-workbench-start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/.build/release/prefixlab
ws=$(mktemp -d /tmp/prefixlab-benchstart-XXXX); rmdir "$ws"
trap 'tmux -L prefixlab-bench kill-server 2>/dev/null || true; rm -rf "$ws"' EXIT
start=$(date +%s.%N)
tmux -L prefixlab-bench -f /dev/null new-session -d -s wb -x 120 -y 34 "LANG=C.UTF-8 $bin --workspace $ws; sleep 60"
screen() { tmux -L prefixlab-bench capture-pane -p -t wb; }
until screen | grep -q "Runs"; do sleep 0.01; done; first=$(date +%s.%N)
until screen | grep -q "prefix-10"; do sleep 0.01; done; runs=$(date +%s.%N)
until ! screen | grep -q "loading:"; do sleep 0.01; done; loaded=$(date +%s.%N)
python3 -c "print(f'first frame: {$first - $start:.2f} s; the sample runs listed: {$runs - $start:.2f} s; workspace loaded: {$loaded - $start:.2f} s')"
pid=$(pgrep -f -- "^$bin --workspace $ws" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
a=$(ticks); sleep 20; b=$(ticks); hz=$(getconf CLK_TCK)
python3 -c "print(f'idle: {$b - $a} CPU ticks in 20 s = {100 * ($b - $a) / $hz / 20:.2f}% of one core')"
