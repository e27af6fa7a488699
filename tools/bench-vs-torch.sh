#!/usr/bin/env bash
# Runs an engine benchmark and its PyTorch twin back to back on the same machine and prints
# the ratio. Needs the reference venv (see tools/make_fixtures.py).
#   tools/bench-vs-torch.sh forward --config gpt2 --batch 5 --seq 64 --threads 2
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$HOME/.venvs/ref/bin/python}
ours=$(.build/release/prefixlab bench "$@" --json 2>&1 | tee /dev/stderr | tail -1)
theirs=$("$PY" tools/bench_torch.py "$@" | tee /dev/stderr | tail -1)
python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
line = f"ratio prefixlab/torch: tokens/s {a['tokens_per_s'] / b['tokens_per_s']:.2f}x"
if "peak_rss_mb" in a and "peak_rss_mb" in b:
    line += f", peak memory {a['peak_rss_mb'] / b['peak_rss_mb']:.2f}x"
print(line)
PY
