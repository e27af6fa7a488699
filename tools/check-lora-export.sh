#!/usr/bin/env bash
# A LoRA run exported with `prefixlab export --format peft`, loaded by PEFT: PEFT's lm-score
# numbers against prefixlab's on the same adapter. Needs the reference venv (~/.venvs/ref).
#   tools/check-lora-export.sh [SHARED=../shared]
set -euo pipefail
SHARED=${1:-../shared}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/model"
cp Tests/Fixtures/models/tiny-f32/config.json Tests/Fixtures/models/tiny-f32/model.safetensors "$W/model/"
cp "$SHARED/tokenizers/gpt2/encoder.json" "$W/model/vocab.json"
cp "$SHARED/tokenizers/gpt2/vocab.bpe" "$W/model/merges.txt"
P=Tests/Fixtures/lmscore/pairs.jsonl
PL=.build/release/prefixlab
$PL train --model "$W/model" --train $P --method lora --lora-r 4 --lora-targets c_attn,attn.c_proj,c_fc,mlp.c_proj \
    --lr 3e-2 --max-steps 20 --batch-size 4 --out "$W/run" >/dev/null 2>&1
$PL export --run "$W/run" --out "$W/peft"
$PL lm-score --model "$W/model" --adapter "$W/peft" --pairs $P --json > "$W/ours.json"
HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_peft_fixtures.py --shared "$SHARED" --check-adapter "$W/peft" --model "$W/model" \
    --pairs $P 2>/dev/null | tail -1 > "$W/peft.json"
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
a, b = json.load(open(w + "/ours.json")), json.load(open(w + "/peft.json"))
print(f"mean NLL prefixlab {a['mean_nll']:.9f}  PEFT {b['mean_nll']:.9f}")
print("max relative difference per pair", max(abs(x["nll_sum"] - y["nll_sum"]) / abs(y["nll_sum"]) for x, y in zip(a["examples"], b["examples"])))
PY
