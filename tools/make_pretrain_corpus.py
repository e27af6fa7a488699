#!/usr/bin/env python3
"""A pretraining corpus for the bundled sample model (issue #6), one document per line:
unpaired text from ../shared/data, never an E2E MR next to its own reference.
  - each E2E reference alone; all references of one MR together (natural repetition)
  - each E2E MR linearised, alone
  - each WebNLG entry's lexicalisations together; its triples, linearised, alone
  - synthetic copy documents: a random span of corpus words (or, with --tokenizer, of the
    tokenizer's tokens, as the copy probe draws them), then the same span again, --repeats
    times in all (--copy-share of the documents), so the model can learn in-context copying
    python3 tools/make_pretrain_corpus.py --shared ../shared --copy-share 0.3 > corpus.txt
"""
import argparse, csv, glob, random, re, sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--copy-share", type=float, default=0.3)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--random-names", action="store_true", help="also write every E2E MR group again with its restaurant name replaced by a random string of 1-4 tokenizer pieces (needs --tokenizer): names are arbitrary, and a name seen earlier in a document recurs exactly")
ap.add_argument("--sources", default="e2e,webnlg", help="which data: e2e (the development set), webnlg (the 2017 train split), or both")
ap.add_argument("--span", default="5-25", help="span length range in words or tokens, MIN-MAX")
ap.add_argument("--repeats", default="2-2", help="copies of the span, MIN-MAX")
ap.add_argument("--max-chars", type=int, default=0, help="drop documents longer than this many UTF-8 bytes (batches pad to their longest document)")
ap.add_argument("--copy-only", type=int, default=0, help="write only this many copy documents (a curriculum's first stage)")
ap.add_argument("--word-copy-share", type=float, default=0.0,
                help="share of copy documents made of single-token words (a space-prefixed alphabetic token of the tokenizer), the easiest form in which a small model learns to copy")
ap.add_argument("--tokenizer", help="a tokenizer folder: half of the copy documents repeat random tokens of its vocab.json")
a = ap.parse_args()
rng = random.Random(a.seed)
NAMES = {"eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"}
docs = []
rows = list(csv.DictReader(open(f"{a.shared}/data/e2e/devset.csv", encoding="utf-8")))
groups = {}
for r in rows:
    groups.setdefault(r["mr"], []).append(r["ref"].strip())
for mr, refs in (groups.items() if "e2e" in a.sources.split(",") else []):
    docs += refs
    docs.append(" ".join(refs))
    docs.append(" | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v}" for k, v in re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", mr)))
for f in sorted(glob.glob(f"{a.shared}/data/webnlg2017/train/**/*.xml", recursive=True)) if "webnlg" in a.sources.split(",") else []:
    for e in ET.parse(f).getroot().iter("entry"):
        lex = [l.text.strip() for l in e.findall("lex") if l.text]
        if lex:
            docs.append(" ".join(lex))
        triples = [t.text.strip() for t in e.find("modifiedtripleset").findall("mtriple")]
        docs.append(" | ".join(" : ".join(p.strip().replace("_", " ") for p in t.split("|")) for t in triples))
words = sorted({w for d in docs for w in d.split()})
n_copy = a.copy_only or int(len(docs) * a.copy_share / (1 - a.copy_share))
if a.copy_only:
    docs = []
span_lo, span_hi = map(int, a.span.split("-"))
rep_lo, rep_hi = map(int, a.repeats.split("-"))
pieces = []
if a.tokenizer:
    import json
    # GPT-2's byte-level alphabet back to bytes; keep tokens that decode to printable text.
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    unbyte = {chr(c): b for b, c in zip(bs, cs)}
    for t in json.load(open(f"{a.tokenizer}/vocab.json", encoding="utf-8")):
        try:
            text = bytes(unbyte[ch] for ch in t).decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue
        if text.strip() and text.isprintable():
            pieces.append(text)
single = []
if a.tokenizer and a.word_copy_share > 0:
    import json
    single = [t[1:] for t in json.load(open(f"{a.tokenizer}/vocab.json", encoding="utf-8")) if t.startswith("\u0120") and t[1:].isalpha()]
if a.random_names:
    assert pieces, "--random-names needs --tokenizer"
    letters = [p for p in pieces if p.isalpha() and p.isascii()]
    for mr, refs in (groups.items() if "e2e" in a.sources.split(",") else []):
        m = re.search(r"name\[([^\]]*)\]", mr)
        if not m: continue
        name = m.group(1)
        new = "".join(rng.choice(letters) for _ in range(rng.randint(1, 4))).strip()
        new = new[:1].upper() + new[1:]
        renamed = [r.replace(name, new) for r in refs]
        docs += renamed
        docs.append(" ".join(renamed))
        docs.append(" | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v.replace(name, new)}" for k, v in re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", mr)))
for i in range(n_copy):
    k = rng.randint(span_lo, span_hi)
    if single and rng.random() < a.word_copy_share:
        span = " ".join(rng.choice(single) for _ in range(k))
    elif pieces and i % 2 == 1:
        span = "".join(rng.choice(pieces) for _ in range(k)).strip()
    else:
        span = " ".join(rng.choice(words) for _ in range(k))
    docs.append(" ".join([span] * rng.randint(rep_lo, rep_hi)))
rng.shuffle(docs)
if a.max_chars:
    docs = [d for d in docs if len(d.replace("\n", " ").encode()) <= a.max_chars]
for d in docs:
    print(d.replace("\n", " "))
print(f"{len(docs)} documents, {n_copy} copy documents", file=sys.stderr)
