#!/usr/bin/env python3
"""PEFT adapters saved by PEFT itself, and the lm-score numbers PEFT computes with them.
Run by hand: HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_peft_fixtures.py --shared ../shared

Base model: Tests/Fixtures/models/tiny-f32 with the real GPT-2 tokenizer. Writes
Tests/Fixtures/peft/<name>/{adapter_config.json,adapter_model.safetensors} for PrefixTuning with
and without projection and PromptTuning, and Tests/Fixtures/peft/<name>.json with the lm-score
output for Tests/Fixtures/lmscore/pairs.jsonl (the contract: source + eos + " " + target + eos,
target tokens and final eos scored).

    tools/make_peft_fixtures.py --check-adapter DIR --pairs FILE
loads an adapter that prefixlab exported into PEFT (PrefixTuning, PromptTuning or LoRA) and prints
PEFT's lm-score JSON for it. The LoRA fixture (peft/lora) is made by tools/make_block_fixtures.py."""
import argparse, json, os, shutil, tempfile
import torch
from transformers import GPT2LMHeadModel, GPT2TokenizerFast
from refcommon import gpt2_tokenizer, lm_score
from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model, PeftModel, TaskType

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--check-adapter")
ap.add_argument("--model", default="Tests/Fixtures/models/tiny-f32")
ap.add_argument("--pairs", default="Tests/Fixtures/lmscore/pairs.jsonl")
a = ap.parse_args()
OUT = "Tests/Fixtures/peft"

tok = gpt2_tokenizer(a.shared)
pairs = [json.loads(l) for l in open(a.pairs) if l.strip()]


def peft_score(pm, prompt_tuning, P):
    return lm_score(lambda seq: pm(input_ids=torch.tensor([seq]), attention_mask=torch.ones(1, len(seq), dtype=torch.long)).logits[0],
                    tok, pairs, skip=P if prompt_tuning else 0)


if a.check_adapter:
    base = GPT2LMHeadModel.from_pretrained(a.model).eval()
    pm = PeftModel.from_pretrained(base, a.check_adapter).eval()
    cfg = pm.peft_config["default"]
    print(json.dumps(peft_score(pm, cfg.peft_type.value == "PROMPT_TUNING", getattr(cfg, "num_virtual_tokens", 0))))
    raise SystemExit

os.makedirs(OUT, exist_ok=True)
for name, pcfg in {
    "prefix-mlp": PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=4, prefix_projection=True, encoder_hidden_size=24),
    "prefix-none": PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=4, prefix_projection=False),
    "prompt": PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=4),
}.items():
    torch.manual_seed(21)
    base = GPT2LMHeadModel.from_pretrained(a.model).eval()
    pm = get_peft_model(base, pcfg)
    with torch.no_grad():  # larger than PEFT's init so that the prefix matters
        for n, p in pm.named_parameters():
            if p.requires_grad:
                p.mul_(3.0)
    pm.eval()
    pm.save_pretrained(os.path.join(OUT, name))
    # Score through a fresh load of what was saved, as a user of the adapter would.
    base2 = GPT2LMHeadModel.from_pretrained(a.model).eval()
    loaded = PeftModel.from_pretrained(base2, os.path.join(OUT, name)).eval()
    json.dump(peft_score(loaded, name == "prompt", 4), open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(name, "saved")
