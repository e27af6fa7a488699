#!/usr/bin/env python3
"""Greedy generation references from transformers. Run by hand:
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_generation_fixtures.py --shared ../shared
Model: Tests/Fixtures/models/tiny-f32 with the real GPT-2 tokenizer; prompts: encode(source) + [eos]
for the sources of Tests/Fixtures/lmscore/pairs.jsonl, one left-padded batch; 12 new tokens.
  plain:   model.generate(...) (greedy), and the same by an explicit loop (asserted equal)
  prefix:  Tests/Fixtures/peft/prefix-none's prompt_embeddings pre-filled as the KV cache, an
           attention mask with P leading ones, positions from P (as PEFT feeds a prefix; PEFT's
           own generate drops the prefix in this transformers/peft pair), explicit loop
  prompt:  Tests/Fixtures/peft/prompt's virtual embeddings before the prompt, explicit loop
  min:     plain with min_new_tokens 5 through generate
  beam:    generate(num_beams=5): plain, length_penalty 2 + no_repeat_ngram_size 2, min_new_tokens 5,
           and through the prefix (cache pre-expanded to batch × beams rows)
Writes Tests/Fixtures/generation/greedy.json and beam.json."""
import argparse, json, os, sys
import torch
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel, DynamicCache
sys.path.insert(0, os.path.dirname(__file__))
from refcommon import gpt2_tokenizer

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
a = ap.parse_args()
torch.manual_seed(0)
tok = gpt2_tokenizer(a.shared)
model = GPT2LMHeadModel.from_pretrained("Tests/Fixtures/models/tiny-f32").eval()
cfg = model.config
EOS, NEW = cfg.eos_token_id, 12
sources = []
for l in open("Tests/Fixtures/lmscore/pairs.jsonl"):
    s = json.loads(l)["source"]
    if s not in sources:
        sources.append(s)
sources = sources[:6]
prompts = [tok.encode(s) + [EOS] for s in sources]


def batch(prompts, lead=0):
    T = max(len(p) for p in prompts) + lead
    ids = torch.full((len(prompts), T), EOS)
    mask = torch.zeros(len(prompts), T, dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, T - len(p):] = torch.tensor(p)
        mask[b, T - len(p) - lead:] = 1
    return ids, mask


def loop(ids, mask, cache=None, P=0, embeds=None, min_new=0):
    """Greedy decoding by hand with the transformers model: what generate does."""
    B = ids.shape[0]
    out = [[] for _ in range(B)]
    done = [False] * B
    with torch.no_grad():
        if embeds is not None:
            full = model.transformer.wte(ids).clone()
            T, Pe = ids.shape[1], embeds.shape[0]
            for b in range(B):
                n = int(mask[b].sum()) - Pe  # the prompt's length; the virtual tokens sit right before it
                full[b, T - n - Pe:T - n] = embeds
            pos = (mask.cumsum(1) - 1).clamp(min=0)
            o = model(inputs_embeds=full, attention_mask=mask, position_ids=pos, use_cache=True)
        else:
            pos = (mask.cumsum(1) - 1).clamp(min=0) + P
            m = torch.cat([torch.ones(B, P, dtype=torch.long), mask], 1) if P else mask
            o = model(input_ids=ids, attention_mask=m, position_ids=pos, past_key_values=cache, use_cache=True)
            mask = m
        cache = o.past_key_values
        nxt_pos = pos[:, -1:] + 1
        logits = o.logits[:, -1]
        for step in range(NEW):
            if step < min_new:
                logits[:, EOS] = -float("inf")
            nxt = logits.argmax(-1)
            for b in range(B):
                if not done[b]:
                    if int(nxt[b]) == EOS:
                        done[b] = True
                    else:
                        out[b].append(int(nxt[b]))
                else:
                    nxt[b] = EOS
            if all(done) or step == NEW - 1:
                break
            mask = torch.cat([mask, torch.ones(B, 1, dtype=torch.long)], 1)
            o = model(input_ids=nxt[:, None], attention_mask=mask, position_ids=nxt_pos, past_key_values=cache, use_cache=True)
            cache, logits, nxt_pos = o.past_key_values, o.logits[:, -1], nxt_pos + 1
    return out


def strip(seqs, T):
    res = []
    for s in seqs.tolist():
        new = s[T:]
        res.append(new[:new.index(EOS)] if EOS in new else new)
    return res


ids, mask = batch(prompts)
with torch.no_grad():
    g = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW, do_sample=False, num_beams=1, pad_token_id=EOS)
    gmin = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW, min_new_tokens=5, do_sample=False,
                          num_beams=1, pad_token_id=EOS)
plain = strip(g, ids.shape[1])
assert plain == loop(ids, mask), (plain, loop(ids, mask))
assert strip(gmin, ids.shape[1]) == loop(ids, mask, min_new=5)

pre = load_file("Tests/Fixtures/peft/prefix-none/adapter_model.safetensors")["prompt_embeddings"]
P, L, C, NH = pre.shape[0], cfg.n_layer, cfg.n_embd, cfg.n_head
cache = DynamicCache()
kv = pre.view(P, 2 * L, NH, C // NH).permute(1, 2, 0, 3)  # (2L, NH, P, hs)
for l in range(L):
    cache.update(kv[2 * l][None].expand(len(prompts), -1, -1, -1).contiguous(),
                 kv[2 * l + 1][None].expand(len(prompts), -1, -1, -1).contiguous(), l)
prefix = loop(ids, mask, cache=cache, P=P)

emb = load_file("Tests/Fixtures/peft/prompt/adapter_model.safetensors")["prompt_embeddings"]
eids, emask = batch(prompts, lead=emb.shape[0])
prompt = loop(eids, emask, embeds=emb)

# Beam search through transformers' generate (num_beams 5). With a prefix, the cache is
# pre-expanded to batch × beams rows (generate expands input_ids and the mask, not a cache).
K = 5
def beam(extra, cache=None, m=mask):
    with torch.no_grad():
        g = model.generate(input_ids=ids, attention_mask=m, past_key_values=cache, max_new_tokens=NEW, do_sample=False,
                           num_beams=K, pad_token_id=EOS, **extra)
    return strip(g, ids.shape[1])

def expanded_prefix_cache(rows):
    c = DynamicCache()
    kv = pre.view(P, 2 * L, NH, C // NH).permute(1, 2, 0, 3)
    for l in range(L):
        c.update(kv[2 * l][None].expand(rows, -1, -1, -1).contiguous(), kv[2 * l + 1][None].expand(rows, -1, -1, -1).contiguous(), l)
    return c

beams = {
    "beam5": beam({}),
    "beam5_lp2_norepeat2": beam({"length_penalty": 2.0, "no_repeat_ngram_size": 2}),
    "beam5_min5": beam({"min_new_tokens": 5}),
    "beam5_prefix": beam({}, cache=expanded_prefix_cache(len(prompts) * K),
                         m=torch.cat([torch.ones(len(prompts), P, dtype=torch.long), mask], 1)),
}
# The prefix path of generate checked against the explicit loop: greedy through it gives the same.
with torch.no_grad():
    gp = model.generate(input_ids=ids, attention_mask=torch.cat([torch.ones(len(prompts), P, dtype=torch.long), mask], 1),
                        past_key_values=expanded_prefix_cache(len(prompts)), max_new_tokens=NEW, do_sample=False, pad_token_id=EOS)
assert strip(gp, ids.shape[1]) == prefix

# Eos made likely (its wte row ×2: two prompts stop at once, two run to the limit) exercises finishing and early stops.
with torch.no_grad():
    model.transformer.wte.weight[EOS] *= 2
    beams["eos2_beam5"] = beam({})
    beams["eos2_beam5_lp0"] = beam({"length_penalty": 0.0})
    g = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW, do_sample=False, num_beams=1, pad_token_id=EOS)
    beams["eos2_greedy"] = strip(g, ids.shape[1])

os.makedirs("Tests/Fixtures/generation", exist_ok=True)
json.dump({"prompts": prompts, "max_new_tokens": NEW, "eos_row_scale": 2, **beams}, open("Tests/Fixtures/generation/beam.json", "w"))
json.dump({"prompts": prompts, "max_new_tokens": NEW, "plain": plain, "min_new_tokens_5": strip(gmin, ids.shape[1]),
           "prefix": prefix, "prompt": prompt}, open("Tests/Fixtures/generation/greedy.json", "w"))
print("plain", plain[:2], "\nprefix", prefix[:2], "\nprompt", prompt[:2])
