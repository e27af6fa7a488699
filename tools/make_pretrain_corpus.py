#!/usr/bin/env python3
"""A pretraining corpus for the bundled sample model (issue #6), one document per line:
unpaired text from ../shared/data, never an E2E MR next to its own reference.
  - each E2E reference alone; all references of one MR together (natural repetition)
  - each E2E MR linearised, alone
  - each WebNLG entry's lexicalisations together; its triples, linearised, alone
  - synthetic copy documents: a random span of corpus words, then the same span again
    (--copy-share of the documents), so the model can learn in-context copying
    python3 tools/make_pretrain_corpus.py --shared ../shared --copy-share 0.3 > corpus.txt
"""
import argparse, csv, glob, random, re, sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--copy-share", type=float, default=0.3)
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
rng = random.Random(a.seed)
NAMES = {"eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"}
docs = []
rows = list(csv.DictReader(open(f"{a.shared}/data/e2e/devset.csv", encoding="utf-8")))
groups = {}
for r in rows:
    groups.setdefault(r["mr"], []).append(r["ref"].strip())
for mr, refs in groups.items():
    docs += refs
    docs.append(" ".join(refs))
    docs.append(" | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v}" for k, v in re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", mr)))
for f in sorted(glob.glob(f"{a.shared}/data/webnlg2017/train/**/*.xml", recursive=True)):
    for e in ET.parse(f).getroot().iter("entry"):
        lex = [l.text.strip() for l in e.findall("lex") if l.text]
        if lex:
            docs.append(" ".join(lex))
        triples = [t.text.strip() for t in e.find("modifiedtripleset").findall("mtriple")]
        docs.append(" | ".join(" : ".join(p.strip().replace("_", " ") for p in t.split("|")) for t in triples))
words = sorted({w for d in docs for w in d.split()})
n_copy = int(len(docs) * a.copy_share / (1 - a.copy_share))
for _ in range(n_copy):
    span = " ".join(rng.choice(words) for _ in range(rng.randint(5, 25)))
    docs.append(span + " " + span)
rng.shuffle(docs)
for d in docs:
    print(d.replace("\n", " "))
print(f"{len(docs)} documents, {n_copy} copy documents", file=sys.stderr)
