#!/usr/bin/env python3
"""Writes samples/data/e2e-mini.jsonl: the first 12 MRs of the E2E development set, one
reference each, sources linearised as the prefix-tuning paper's code does
(`name : The Eagle | Type : coffee shop | ...`). Interim sample until the dataset readers
(issue #4) and the bundled sample (issue #6) land.
    python3 tools/make_sample_pairs.py ../shared/data/e2e/devset.csv > samples/data/e2e-mini.jsonl
"""
import csv, json, re, sys

NAMES = {"eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"}
seen = []
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if row["mr"] in (s for s, _ in seen):
        continue
    slots = re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", row["mr"])
    source = " | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v}" for k, v in slots)
    seen.append((row["mr"], {"source": source, "target": row["ref"]}))
    if len(seen) == 12:
        break
for _, pair in seen:
    print(json.dumps(pair, ensure_ascii=False))
