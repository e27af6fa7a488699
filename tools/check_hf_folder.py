#!/usr/bin/env python3
"""Loads a model folder prefixlab wrote (pretrain, a fine-tuning checkpoint's model/) with
transformers — weights (F32 or F16), config and tokenizer files — and prints the lm-score
contract's JSON for a pairs file, to compare with `prefixlab lm-score --model DIR --pairs FILE --json`.
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/check_hf_folder.py MODEL_DIR PAIRS.jsonl"""
import json, os, sys
import torch
from transformers import GPT2LMHeadModel, GPT2TokenizerFast
sys.path.insert(0, os.path.dirname(__file__))
from refcommon import lm_score

model_dir, pairs_file = sys.argv[1], sys.argv[2]
tok = GPT2TokenizerFast.from_pretrained(model_dir)
model = GPT2LMHeadModel.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
pairs = [json.loads(l) for l in open(pairs_file, encoding="utf-8") if l.strip()]
print(json.dumps(lm_score(lambda seq: model(input_ids=torch.tensor([seq])).logits[0], tok, pairs)))
