#!/usr/bin/env bash
# Training speed with the workbench open vs headless (issue #7: the UI must not slow training).
# Runs the same short training twice headless and twice while a workbench in tmux follows it
# live (A B A B), and prints the mean tokens/s of each and their ratio, and the CPU the
# workbench itself used while it followed each run.
#   tools/bench-workbench.sh MODEL_DIR TRAIN_SPEC [STEPS] [METHOD]
set -euo pipefail
model=$1; train=$2; steps=${3:-150}; method=${4:-prefix}
bin=$(cd "$(dirname "$0")/.." && pwd)/.build/release/prefixlab
ws=$(mktemp -d /tmp/prefixlab-benchwb-XXXX)
trap 'tmux -L prefixlab-bench kill-server 2>/dev/null || true; rm -rf "$ws"' EXIT
mean_tps() {  # mean tokens_per_s of a run's step events after the first 10 steps
  python3 -c "import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; v=[x['tokens_per_s'] for x in e if x['type']=='step'][10:]; print(sum(v)/len(v))" "$1/events.jsonl"
}
train() {
  "$bin" train --model "$model" --train "$train" --method "$method" --prefix-length 10 --epochs 100 --batch-size 10 \
    --max-steps "$steps" --checkpoint-every 100000 --out "$ws/runs/$1" 2>/dev/null
}
declare -a headless withui
for round in 1 2; do
  train "headless-$round"; headless+=("$(mean_tps "$ws/runs/headless-$round")")
  tmux -L prefixlab-bench -f /dev/null new-session -d -s wb -x 120 -y 36 "LANG=C.UTF-8 $bin --workspace $ws --samples /nonexistent --no-mouse"
  sleep 1
  wb=$(pgrep -f -- "^$bin --workspace $ws" | head -1)
  t0=$(awk '{print $14 + $15}' "/proc/$wb/stat"); s0=$(date +%s.%N)
  train "withui-$round"; withui+=("$(mean_tps "$ws/runs/withui-$round")")
  t1=$(awk '{print $14 + $15}' "/proc/$wb/stat"); s1=$(date +%s.%N)
  python3 -c "print(f'round $round: the workbench used {$t1 - $t0} CPU ticks in {$s1 - $s0:.1f} s of training ({100 * ($t1 - $t0) / $(getconf CLK_TCK) / ($s1 - $s0):.1f}% of one core)')"
  tmux -L prefixlab-bench capture-pane -p -t wb | grep -q "withui-$round" || { echo "the workbench did not show the run" >&2; exit 1; }
  tmux -L prefixlab-bench kill-server
done
python3 - "${headless[@]}" "${withui[@]}" <<'PY'
import sys
h, w = [float(x) for x in sys.argv[1:3]], [float(x) for x in sys.argv[3:5]]
mh, mw = sum(h) / 2, sum(w) / 2
print(f"headless     {h[0]:8.0f} {h[1]:8.0f}  mean {mh:8.0f} tokens/s")
print(f"workbench    {w[0]:8.0f} {w[1]:8.0f}  mean {mw:8.0f} tokens/s")
print(f"with the workbench open: {100 * mw / mh:.1f}% of headless")
PY
