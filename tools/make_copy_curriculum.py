#!/usr/bin/env python3
"""The first stage of the sample model's pretraining (issue #6): documents that are a span of
16 random single-token words (space-prefixed alphabetic tokens of the tokenizer) and the
same span again. Nothing but in-context copying lowers the loss on the second half, so a
small GPT-2 forms induction heads within a few hundred steps (4x256: by step ~400 at batch
32, lr 1e-3) -- which it did not on natural text with a share of copy documents.
    python3 tools/make_copy_curriculum.py --tokenizer ptok > copy.txt
"""
import argparse, json, random

ap = argparse.ArgumentParser()
ap.add_argument("--tokenizer", required=True)
ap.add_argument("--documents", type=int, default=30000)
ap.add_argument("--span", type=int, default=16)
ap.add_argument("--min-span", type=int, help="draw each document's span length from MIN..--span (no fixed offset to shortcut)")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
vocab = json.load(open(f"{a.tokenizer}/vocab.json", encoding="utf-8"))
words = [t[1:] for t in vocab if t.startswith("\u0120") and t[1:].isalpha() and len(t) > 2]
rng = random.Random(a.seed)
for _ in range(a.documents):
    k = rng.randint(a.min_span, a.span) if a.min_span else a.span
    span = " ".join(rng.choice(words) for _ in range(k))
    print(span + " " + span)
