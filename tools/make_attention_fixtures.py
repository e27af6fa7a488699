#!/usr/bin/env python3
"""Attention-share references from transformers for `prefixlab inspect attention`. Run by hand:
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_attention_fixtures.py --shared ../shared
Model: Tests/Fixtures/models/tiny-f32 (eager attention, output_attentions) with the real GPT-2
tokenizer. For the first three sources of Tests/Fixtures/lmscore/pairs.jsonl, one at a time:
  prefix: Tests/Fixtures/peft/prefix-none's prompt_embeddings as the KV cache (positions from P),
  prompt: Tests/Fixtures/peft/prompt's virtual embeddings before the prompt.
The greedy tokens (12 at most) come from an explicit loop; then one forward over prompt +
tokens gives each layer's probabilities, and for the query that predicted token k (the eos
for the first) the mass on the method's rows, on the prompt, and on the generated tokens, per
layer and head. Writes Tests/Fixtures/generation/attention.json."""
import argparse, json, os, sys
import torch
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel, DynamicCache
sys.path.insert(0, os.path.dirname(__file__))
from refcommon import gpt2_tokenizer

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
a = ap.parse_args()
tok = gpt2_tokenizer(a.shared)
model = GPT2LMHeadModel.from_pretrained("Tests/Fixtures/models/tiny-f32", attn_implementation="eager").eval()
cfg = model.config
EOS, NEW, L, C, NH = cfg.eos_token_id, 12, cfg.n_layer, cfg.n_embd, cfg.n_head
sources = []
for l in open("Tests/Fixtures/lmscore/pairs.jsonl"):
    s = json.loads(l)["source"]
    if s not in sources:
        sources.append(s)
sources = sources[:3]

pre = load_file("Tests/Fixtures/peft/prefix-none/adapter_model.safetensors")["prompt_embeddings"]
P = pre.shape[0]
emb = load_file("Tests/Fixtures/peft/prompt/adapter_model.safetensors")["prompt_embeddings"]
Pe = emb.shape[0]


def prefix_cache():
    cache = DynamicCache()
    kv = pre.view(P, 2 * L, NH, C // NH).permute(1, 2, 0, 3)
    for l in range(L):
        cache.update(kv[2 * l][None].contiguous(), kv[2 * l + 1][None].contiguous(), l)
    return cache


def run(ids, kind):
    """(logits, attentions) of one forward over ids, under the method."""
    T = len(ids)
    x = torch.tensor([ids])
    if kind == "prefix":
        o = model(input_ids=x, position_ids=torch.arange(P, P + T)[None], attention_mask=torch.ones(1, P + T, dtype=torch.long),
                  past_key_values=prefix_cache(), use_cache=True, output_attentions=True)
    else:
        e = torch.cat([emb, model.transformer.wte(x)[0]], 0)[None]
        o = model(inputs_embeds=e, position_ids=torch.arange(Pe + T)[None], output_attentions=True)
    return o.logits[0], o.attentions


def trace(prompt, kind):
    lead = P if kind == "prefix" else Pe  # the method's rows: before the prompt's keys
    ids, out = list(prompt), []
    with torch.no_grad():
        for _ in range(NEW):
            logits, _ = run(ids, kind)
            nxt = int(logits[-1].argmax())
            if nxt == EOS:
                break
            out.append(nxt)
            ids.append(nxt)
        _, atts = run(prompt + out[:-1], kind) if out else (None, None)
    shares = []
    n = len(prompt)
    for k in range(len(out)):
        # The query at the prompt's eos (k = 0) or at generated token k-1. Its row in the
        # attention matrix: queries are the real tokens (and, for prompt tuning, the virtual ones).
        q = (n - 1 + k) + (Pe if kind == "prompt" else 0)
        layers = []
        for l in range(L):
            p = atts[l][0, :, q].double()  # (heads, keys)
            # Keys: the method's rows first (the prefix's P, or the Pe virtual tokens), then
            # the prompt's n, then the generated ones.
            layers.append([[float(h[:lead].sum()), float(h[lead:lead + n].sum()), float(h[lead + n:].sum())] for h in p])
        shares.append(layers)
    return {"tokens": out, "shares": shares}


prompts = [tok.encode(s) + [EOS] for s in sources]
ref = {"prompts": prompts, "prefix": [trace(p, "prefix") for p in prompts], "prompt": [trace(p, "prompt") for p in prompts]}
json.dump(ref, open("Tests/Fixtures/generation/attention.json", "w"))
print({k: [len(t["tokens"]) for t in ref[k]] for k in ["prefix", "prompt"]})
