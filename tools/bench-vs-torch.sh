#!/usr/bin/env bash
# Runs an engine benchmark and its PyTorch twin back to back on the same machine and prints
# the ratio. Needs the reference venv (see tools/make_fixtures.py).
#   tools/bench-vs-torch.sh forward --config gpt2 --batch 5 --seq 64 --threads 2
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$HOME/.venvs/ref/bin/python}
ours=$(.build/release/prefixlab bench "$@" --json | tee /dev/stderr | tail -1)
theirs=$("$PY" tools/bench_torch.py "$@" | tee /dev/stderr | tail -1)
python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(f'ratio prefixlab/torch tokens/s: {a[\"tokens_per_s\"]/b[\"tokens_per_s\"]:.2f}x')" "$ours" "$theirs"
