#!/usr/bin/env bash
# Interim `make run` (until the workbench, issue #7): scores the bundled E2E sample pairs
# with a small fixture GPT-2 (random weights made by transformers) and the real GPT-2
# tokenizer from ../shared/tokenizers/gpt2.
set -euo pipefail
cd "$(dirname "$0")/.."
tok=${PREFIXLAB_SHARED:-../shared}/tokenizers/gpt2
[ -f "$tok/encoder.json" ] || { echo "error: $tok/encoder.json not found (set PREFIXLAB_SHARED to the shared folder)" >&2; exit 1; }
model=$(mktemp -d)
trap 'rm -rf "$model"' EXIT
cp Tests/Fixtures/models/tiny-f16/config.json Tests/Fixtures/models/tiny-f16/model.safetensors "$model/"
cp "$tok/encoder.json" "$model/vocab.json"
cp "$tok/vocab.bpe" "$model/merges.txt"
.build/release/prefixlab lm-score --model "$model" --pairs samples/data/e2e-mini.jsonl
