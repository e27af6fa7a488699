#!/usr/bin/env python3
"""Reference fixtures for the foundation tests, from Hugging Face transformers.

Run by hand (never by CI), outside any repository venv, e.g.:
    python3 -m venv ~/.venvs/ref && ~/.venvs/ref/bin/pip install torch transformers safetensors
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_fixtures.py --shared ../shared

Writes under Tests/Fixtures/:
  models/<name>/{config.json,model.safetensors}   small random GPT-2s (full 50257 vocabulary)
  models/<name>/reference.safetensors              logits (sampled vocabulary columns + logsumexp)
  models/<name>/reference.json                     the inputs those logits came from
  lmscore/pairs.jsonl, lmscore/<name>.json         lm-score contract outputs
  tokenizer/hard_strings.json                      ids of hard strings
  tokenizer/data_hashes.json                       FNV-1a hashes of ids, per 16 lines of ../shared/data
  configs/official_gpt2_tensors.json               parameter names and shapes of each official size
"""
import argparse, json, os, shutil, struct, tempfile
import torch
from safetensors.torch import save_file, load_file
from transformers import GPT2Config, GPT2LMHeadModel
from refcommon import gpt2_tokenizer, lm_score

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--out", default="Tests/Fixtures")
args = ap.parse_args()
OUT = args.out
V = 50257
SAMPLE_IDS = list(range(0, V, 211)) + [V - 1]


def randomize(model, seed, dtype):
    # Larger than GPT-2's own init (std 0.02), so attention, positions and biases matter.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                v = 1 + 0.2 * torch.randn(p.shape, generator=g)
            elif p.dim() == 1:
                v = 0.1 * torch.randn(p.shape, generator=g)
            else:
                v = 0.12 * torch.randn(p.shape, generator=g)
            p.copy_(v.to(dtype).to(torch.float32))  # exactly representable in the stored dtype


def sampled(logits):
    return logits[..., SAMPLE_IDS].contiguous(), torch.logsumexp(logits, dim=-1).contiguous()


def make_model(name, cfg, seed, dtype, prefixed, extra_buffers=False):
    d = os.path.join(OUT, "models", name)
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(seed)
    lm = GPT2LMHeadModel(cfg).eval()
    randomize(lm, seed, dtype)
    sd = lm.state_dict() if prefixed else lm.transformer.state_dict()
    sd = {k: v.to(dtype).contiguous() for k, v in sd.items() if k != "lm_head.weight"}
    if extra_buffers:  # what checkpoints of older transformers versions carry
        T = cfg.n_positions
        for l in range(cfg.n_layer):
            sd[f"h.{l}.attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T).to(dtype)
            sd[f"h.{l}.attn.masked_bias"] = torch.tensor(-1e4).to(dtype)
    save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    cfg.save_pretrained(d)
    # Reload through transformers to be sure the folder is what it reads.
    tok_tmp = tempfile.mkdtemp()
    for f in ("config.json", "model.safetensors"):
        shutil.copy(os.path.join(d, f), tok_tmp)
    lm = GPT2LMHeadModel.from_pretrained(tok_tmp, torch_dtype=torch.float32).eval()

    g = torch.Generator().manual_seed(seed + 1)
    B, T = 3, 12
    ids = torch.randint(0, V, (B, T), generator=g)
    lengths = [12, 9, 5]
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    tensors, meta = {}, {"B": B, "T": T, "lengths": lengths, "sample_ids": SAMPLE_IDS}
    with torch.no_grad():
        # 1. Right padding, positions 0..T-1.
        out = lm(input_ids=ids, attention_mask=mask, position_ids=torch.arange(T).expand(B, T))
        tensors["right.logits"], tensors["right.lse"] = sampled(out.logits)
        # 2. Left padding with positions counted from the first real token (as generate does).
        lids = torch.full((B, T), cfg.eos_token_id)
        lmask = torch.zeros(B, T, dtype=torch.long)
        lpos = torch.zeros(B, T, dtype=torch.long)
        for b, n in enumerate(lengths):
            lids[b, T - n:] = ids[b, :n]
            lmask[b, T - n:] = 1
            lpos[b, T - n:] = torch.arange(n)
        out = lm(input_ids=lids, attention_mask=lmask, position_ids=lpos)
        tensors["left.logits"], tensors["left.lse"] = sampled(out.logits)
        meta["left_ids"], meta["left_positions"] = lids.tolist(), lpos.tolist()
        # 3. KV cache: 7 positions, then 5 more through the cache (no padding).
        first = lm(input_ids=ids[:, :7], use_cache=True)
        out = lm(input_ids=ids[:, 7:], past_key_values=first.past_key_values, use_cache=True)
        tensors["cache.logits"], tensors["cache.lse"] = sampled(out.logits)
        # 4. A pre-filled cache of P positions shared by every row (a prefix), then tokens at
        #    positions P.. with an attention mask of P leading ones, as PEFT feeds a prefix.
        P, C, NH = 4, cfg.n_embd, cfg.n_head
        prefix = torch.randn(cfg.n_layer, 2, P, C, generator=g)
        from transformers import DynamicCache
        cache = DynamicCache()
        for l in range(cfg.n_layer):
            k = prefix[l, 0].view(P, NH, C // NH).permute(1, 0, 2).unsqueeze(0).expand(B, -1, -1, -1).contiguous()
            v = prefix[l, 1].view(P, NH, C // NH).permute(1, 0, 2).unsqueeze(0).expand(B, -1, -1, -1).contiguous()
            cache.update(k, v, l)
        pmask = torch.cat([torch.ones(B, P, dtype=torch.long), mask], dim=1)
        out = lm(input_ids=ids, attention_mask=pmask, past_key_values=cache,
                 position_ids=(torch.arange(T) + P).expand(B, T), use_cache=True)
        tensors["prefix.logits"], tensors["prefix.lse"] = sampled(out.logits)
        tensors["prefix.kv"] = prefix.contiguous()
    meta["ids"] = ids.tolist()
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, os.path.join(d, "reference.safetensors"))
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(meta, f)
    return lm


HARD = [
    "", " ", "  ", "   leading spaces", "trailing spaces   ", "tabs\tand\ttabs", "new\nlines\n\n", "\r\n windows",
    "Don't you'll we're I've she'd it's THEY'RE 'quoted' ''double''", "numbers 1234567890 3.14 1,000,000 ½ ² Ⅻ",
    "emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷", "CJK 中文字符 日本語のテキスト 한국어", "combining é (e\u0301) n\u0303 a\u0308",
    "Ångström café naïve Zürich £20-25 €5", "mixed\u00a0nbsp\u2003em\u3000ideographic", "<|endoftext|>", "a<|endoftext|>b <|endoftext|> c",
    "name : The Eagle | Type : coffee shop | food : French | price : £20-25", "   \n\t  ", "!!!???... ---", "x" * 300,
    "Hello, World!  How's it going?\n\n  Fine.  ", "\u200bzero\u200dwidth", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
]


def fnv_lines(ids_list):
    h = 0xcbf29ce484222325
    for ids in ids_list:
        for x in [len(ids)] + ids:
            for byte in struct.pack("<I", x):
                h ^= byte
                h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def data_hashes(tok):
    root = os.path.join(args.shared, "data")
    result = {}
    for dirpath, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            if not (fn.endswith(".csv") or fn.endswith(".xml") or fn.endswith(".txt")):
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root)
            lines = open(path, "rb").read().decode("utf-8").split("\n")
            ids = tok(lines, add_special_tokens=False)["input_ids"]
            blocks = [fnv_lines(ids[i:i + 16]) for i in range(0, len(ids), 16)]
            result[rel] = {"lines": len(lines), "blocks": blocks}
    return result


def official_tensors():
    out = {}
    for name, kw in {"distilgpt2": (6, 12, 768), "gpt2": (12, 12, 768), "gpt2-medium": (24, 16, 1024),
                     "gpt2-large": (36, 20, 1280), "gpt2-xl": (48, 25, 1600)}.items():
        cfg = GPT2Config(n_layer=kw[0], n_head=kw[1], n_embd=kw[2])
        with torch.device("meta"):
            m = GPT2LMHeadModel(cfg)
        sd = m.state_dict()
        out[name] = {"config": cfg.to_dict(),
                     "tensors": {k: list(v.shape) for k, v in sd.items() if k != "lm_head.weight"}}
        # keep only what a config.json holds that we read
        out[name]["config"] = {k: out[name]["config"][k] for k in
                               ("n_layer", "n_head", "n_embd", "n_positions", "vocab_size", "layer_norm_epsilon")}
    return out


def main():
    torch.set_num_threads(2)
    tok = gpt2_tokenizer(args.shared)
    os.makedirs(os.path.join(OUT, "lmscore"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "tokenizer"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "configs"), exist_ok=True)
    models = {
        "tiny-f16": (GPT2Config(n_layer=2, n_head=4, n_embd=32, n_positions=64, vocab_size=V), 11, torch.float16, True, False),
        "tiny-bf16": (GPT2Config(n_layer=1, n_head=2, n_embd=16, n_positions=48, vocab_size=V), 12, torch.bfloat16, False, True),
        "tiny-f32": (GPT2Config(n_layer=3, n_head=4, n_embd=16, n_positions=80, vocab_size=V, layer_norm_epsilon=1e-4), 13, torch.float32, True, False),
    }
    import csv
    rows = list(csv.DictReader(open(os.path.join(args.shared, "data/e2e/devset.csv"), encoding="utf-8")))
    pairs = [{"source": r["mr"], "target": r["ref"]} for r in rows[:6]]
    pairs += [{"source": "name : The Eagle | Type : coffee shop", "target": "The Eagle is a coffee shop.", "id": 7},
              {"source": "emoji 😀 and CJK 中文", "target": "Ångström café  naïve\ttab"},
              {"source": "", "target": ""}]
    with open(os.path.join(OUT, "lmscore/pairs.jsonl"), "w") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    for name, (cfg, seed, dtype, prefixed, extra) in models.items():
        lm = make_model(name, cfg, seed, dtype, prefixed, extra)
        with open(os.path.join(OUT, f"lmscore/{name}.json"), "w") as f:
            json.dump(lm_score(lambda seq: lm(input_ids=torch.tensor([seq])).logits[0], tok, pairs), f, indent=1)
    hard = [{"text": s, "ids": tok.encode(s)} for s in HARD]
    json.dump(hard, open(os.path.join(OUT, "tokenizer/hard_strings.json"), "w"), ensure_ascii=False, indent=0)
    json.dump(data_hashes(tok), open(os.path.join(OUT, "tokenizer/data_hashes.json"), "w"))
    json.dump(official_tensors(), open(os.path.join(OUT, "configs/official_gpt2_tensors.json"), "w"))


main()
