#!/bin/bash
# A/B speed of two prefixlab builds (e.g. the previous main, built in a clone, against this tree):
# training steps (prefix, finetune) and generation (greedy and beam 5 at 16 prompts), GPT-2
# small shapes, 2 threads, each pair back to back, two rounds. Prints one JSON line per run.
OLD=${1:?usage: tools/bench-ab.sh OLD_PREFIXLAB [NEW_PREFIXLAB]}
NEW=${2:-.build/release/prefixlab}
for round in 1 2; do
  for args in "train --method prefix --config gpt2 --batch 5 --seq 64" "train --method finetune --config gpt2 --batch 5 --seq 64" "generate --config gpt2 --beam 1 --batch 16" "generate --config gpt2 --beam 5 --batch 16"; do
    for which in OLD NEW; do
      bin=${!which}
      out=$($bin bench $args --threads 2 --json 2>&1 | tail -1)
      echo "round $round | $which | $args | $out"
    done
  done
done
