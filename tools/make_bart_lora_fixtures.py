#!/usr/bin/env python3
"""Reference fixtures for LoRA on BART (issue #17): PEFT 0.21.2's LoRA on a transformers 5.24
BART, trained by PEFT itself.

Run by hand (never by CI), with the torch engine's environment:
    PYTHONPATH=tools HF_HUB_OFFLINE=1 engines/torch/.venv/bin/python tools/make_bart_lora_fixtures.py

Reads Tests/Fixtures/bart/tiny (tools/make_bart_fixtures.py) and writes there, for each case
(every linear layer of both stacks; PEFT's default targets q_proj and v_proj, which select
the cross-attention's too), lora-<case>.safetensors and lora-<case>.json: A and B of every site
at the start (init.<name>, under this program's names, model.encoder.layers.0.self_attn.q_proj.
lora_A.weight), the loss on the fixture's padded batch, every gradient (grad.<name>) and θ₃ − θ₀
after 3 AdamW steps (delta.<name>, refcommon.train3). Both factors start random (PEFT's
init_lora_weights=False, scaled), so that A has a gradient too. And bart/peft-lora/: the
default-target adapter as PEFT saves it, with lm-score's numbers as PEFT's forward gives them
(PEFT writes target_modules from a set: their order in adapter_config.json may change between
runs; nothing else does).
"""
import json, os
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import BartForConditionalGeneration
from bart_fixture_data import gradients_and_steps, lm_scores, padded_batch

ROOT = "Tests/Fixtures/bart"
R, ALPHA = 2, 4
CASES = {"all": ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"], "default": ["q_proj", "v_proj"]}


def ours(name):
    return name.removeprefix("base_model.model.").replace(".default.", ".")


def lora_model(d, targets, seed):
    pm = get_peft_model(BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32),
                        LoraConfig(task_type="SEQ_2_SEQ_LM", r=R, lora_alpha=ALPHA, target_modules=targets, lora_dropout=0.0,
                                   init_lora_weights=False))
    pm.train()  # the fixture model has no dropout
    g = torch.Generator().manual_seed(seed)
    params = {n: p for n, p in pm.named_parameters() if p.requires_grad}
    with torch.no_grad():
        for p in params.values():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return pm, params


def make(case, targets):
    d = os.path.join(ROOT, "tiny")
    pm, params = lora_model(d, targets, seed=21)
    meta, ids, mask, dids, lab = padded_batch(d)
    tensors = {f"init.{ours(n)}": p.detach().clone().contiguous() for n, p in params.items()}

    loss = gradients_and_steps(params, lambda: pm(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss, tensors, "", ours)
    save_file(tensors, os.path.join(d, f"lora-{case}.safetensors"))
    with open(os.path.join(d, f"lora-{case}.json"), "w") as f:
        json.dump({"r": R, "lora_alpha": ALPHA, "targets": targets, "loss": loss.item(), "tensors": len(params)}, f, indent=1)
    print(case, "loss", loss.item(), len(params), "tensors")


for case, targets in CASES.items():
    make(case, targets)

# The adapter as PEFT saves it, and its lm-score.
d = os.path.join(ROOT, "tiny")
pm, _ = lora_model(d, CASES["default"], seed=22)
out = os.path.join(ROOT, "peft-lora")
pm.save_pretrained(out)
if os.path.exists(os.path.join(out, "README.md")):
    os.remove(os.path.join(out, "README.md"))
loaded = PeftModel.from_pretrained(BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32), out).eval()
with open(os.path.join(out, "lm_score.json"), "w") as f:
    json.dump(lm_scores(loaded, d, os.path.join(ROOT, "pairs.jsonl")), f, indent=1)
