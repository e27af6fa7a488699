#!/usr/bin/env python3
"""The BART sample's starting point (issue #17): a randomly initialised BART folder with a
pruned byte-level BPE, and a denoising corpus for `prefixlab train --method finetune` to
pretrain it with, as BART is pretrained (Lewis et al. 2020): text infilling (spans of
Poisson(3) words, 30% of a document's words, each span replaced by one <mask>; a 0-length
span inserts one) and sentence permutation (the document's sentences shuffled), the target
the original document. Unpaired text only: the documents are tools/make_pretrain_corpus.py's
(E2E development-set references alone, each MR's references together, MRs linearised alone;
WebNLG 2017 train texts), never an MR next to its own reference.

    prefixlab tokenizer prune --corpus TEXT ../shared/data/e2e/devset.csv --tokenizer ../shared/tokenizers/gpt2 --out TOK
    python3 tools/make_bart_sample.py --text TEXT --tokenizer TOK --out INIT --corpus CORPUS.jsonl   # in the torch engine's venv

INIT gets config.json, model.safetensors (transformers' BART initialisation, std 0.02, seeded)
and BART's tokenizer files: vocab.json with <s> <pad> </s> <unk> first and <mask> last, the
pruned tokens between (its <|endoftext|> dropped), and the pruned merges.txt.
"""
import argparse, json, math, os, random, re, shutil, sys

ap = argparse.ArgumentParser()
ap.add_argument("--text", required=True, nargs="+")
ap.add_argument("--tokenizer", required=True, help="a pruned GPT-2 tokenizer folder (vocab.json, merges.txt)")
ap.add_argument("--out", required=True)
ap.add_argument("--corpus", required=True)
ap.add_argument("--passes", type=int, default=3, help="noisings of each document")
ap.add_argument("--max-words", type=int, default=100)
ap.add_argument("--d-model", type=int, default=256)
ap.add_argument("--layers", type=int, default=3, help="encoder and decoder layers each")
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--ffn", type=int, default=1024)
ap.add_argument("--positions", type=int, default=256)
ap.add_argument("--seed", type=int, default=17)
ap.add_argument("--copy-share", type=float, default=0.0,
                help="add this share of copy pairs: a random run of the vocabulary's tokens as source and target (the signal for copying through cross-attention)")
ap.add_argument("--copy-span", default="4-24", help="MIN-MAX tokens of a copy pair")
ap.add_argument("--corpus-only", action="store_true", help="write the corpus only (no model folder): a later stage's data")
ap.add_argument("--position-init", choices=["normal", "sinusoidal"], default="normal",
                help="sinusoidal: the encoder's and the decoder's position tables start as one sine/cosine table (scaled to the "
                     "initialisation's std), so that the decoder's position t and the encoder's meet in the cross-attention from the start")
a = ap.parse_args()

random.seed(a.seed)


def poisson(lam):
    # Knuth's method; λ = 3 is small.
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= random.random()
        if p <= L:
            return k
        k += 1


def infill(words, ratio=0.3):
    """Text infilling: spans of Poisson(3) words replaced by one <mask> each until `ratio` of the words are masked."""
    target = int(round(ratio * len(words)))
    out, i, masked = [], 0, 0
    starts = sorted(random.sample(range(len(words)), min(len(words), max(1, target))))
    for s in starts:
        if masked >= target or s < i:
            continue
        out += words[i:s]
        n = min(poisson(3.0), len(words) - s, target - masked)
        out.append("<mask>")
        if n == 0:
            out.append(words[s])  # a 0-length span inserts a mask before the word
            i = s + 1
        else:
            i = s + n
            masked += n
    out += words[i:]
    return out


def permute(text):
    """Sentence permutation: the document's sentences (split after . ! ?) in a random order."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p]
    random.shuffle(parts)
    return " ".join(parts)


def byte_decoder():
    """GPT-2's byte-level alphabet back to bytes (the vocabulary's tokens are written in it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def copy_pairs(count, tokens):
    """Random runs of the vocabulary's tokens as text (invalid UTF-8 dropped), each its own target."""
    lo, hi = map(int, a.copy_span.split("-"))
    dec = byte_decoder()
    out = []
    while len(out) < count:
        run = random.choices(tokens, k=random.randint(lo, hi))
        text = bytes(dec[c] for t in run for c in t).decode("utf-8", "ignore").strip()
        if text and "<mask>" not in text:
            out.append({"source": text, "target": text})
    return out


docs = []
for path in a.text:
    for line in open(path, encoding="utf-8"):
        t = " ".join(line.split())
        if t and len(t.split()) <= a.max_words:
            docs.append(t)
# BART's tokenizer files from the pruned BPE: specials by their strings, as BART's vocab has them.
vocab = json.load(open(os.path.join(a.tokenizer, "vocab.json"), encoding="utf-8"))
tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t != "<|endoftext|>"]
lines = [{"source": " ".join(infill(permute(d).split())), "target": d} for _ in range(a.passes) for d in docs]
if a.copy_share > 0:
    lines += copy_pairs(int(len(lines) * a.copy_share / (1 - a.copy_share)), tokens)
    random.shuffle(lines)
pairs = len(lines)
with open(a.corpus, "w", encoding="utf-8") as f:
    for x in lines:
        f.write(json.dumps(x, ensure_ascii=False) + "\n")
if a.corpus_only:
    sys.exit(print(f"{a.corpus}: {pairs} pairs from {len(docs)} documents"))
bart_vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>"] + tokens + ["<mask>"])}
os.makedirs(a.out, exist_ok=True)
with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
    json.dump(bart_vocab, f, ensure_ascii=False)
shutil.copy(os.path.join(a.tokenizer, "merges.txt"), os.path.join(a.out, "merges.txt"))

import torch
from transformers import BartConfig, BartForConditionalGeneration
torch.manual_seed(a.seed)
cfg = BartConfig(vocab_size=len(bart_vocab), d_model=a.d_model, encoder_layers=a.layers, decoder_layers=a.layers,
                 encoder_attention_heads=a.heads, decoder_attention_heads=a.heads, encoder_ffn_dim=a.ffn, decoder_ffn_dim=a.ffn,
                 max_position_embeddings=a.positions, dropout=0.1, attention_dropout=0.1, activation_dropout=0.1,
                 activation_function="gelu", scale_embedding=False, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                 decoder_start_token_id=2, forced_eos_token_id=2, tie_word_embeddings=True)
model = BartForConditionalGeneration(cfg)
if a.position_init == "sinusoidal":
    with torch.no_grad():
        w = model.model.encoder.embed_positions.weight
        n, C = w.shape
        ang = torch.arange(n)[:, None].float() / torch.pow(10000, torch.arange(0, C, 2).float() / C)
        table = torch.zeros(n, C)
        table[:, 0::2], table[:, 1::2] = torch.sin(ang), torch.cos(ang)
        table *= w.std() / table.std()
        model.model.encoder.embed_positions.weight.copy_(table)
        model.model.decoder.embed_positions.weight.copy_(table)
model.save_pretrained(a.out, safe_serialization=True)
n = sum(p.numel() for p in model.parameters())
print(f"{a.out}: BART {a.layers}+{a.layers} layers × {a.d_model}, vocab {len(bart_vocab)}, {n} parameters; {a.corpus}: {pairs} pairs from {len(docs)} documents")
