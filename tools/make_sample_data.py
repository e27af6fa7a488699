#!/usr/bin/env python3
"""Writes the bundled sample data (issue #6) from ../shared/data:
  samples/data/e2e/train.jsonl  E2E development set, 200 random MRs, every reference
  samples/data/e2e/valid.jsonl  E2E development set, 50 other random MRs
  samples/data/e2e/test.jsonl   E2E test set, 100 random MRs (in their order in the file)
Random, not the first MRs: both files are sorted by restaurant name, so the first 200
development MRs name only 8 of its 20 restaurants and the first 100 test MRs 9 of 18. A
model tuned on 8 names can get them right by memorising them; the test then cannot tell that
from reading the name off the table.
  samples/data/e2e/train-N.jsonl  N random pairs of train.jsonl (N = 50, 100, 200, 500)
  samples/data/webnlg/dev.xml   WebNLG 2017 dev, the first 6 entries of each category (1-3 triples)
  samples/data/webnlg/test.xml  WebNLG 2017 test, the first 4 entries (1-3 triples) of each of its 15 categories
  samples/data/webnlg/train.xml WebNLG 2017 train, 40 random entries (1-3 triples, ≤ 300 characters) of each of its 10 (seen) categories
  samples/data/webnlg/test-150.xml  WebNLG 2017 test, 10 random entries (1-3 triples, ≤ 300 characters) of each of its 15 categories
                                (100 seen, 50 unseen): the extrapolation study's test split
Sources are linearised as the prefix-tuning paper's code does (the rule of prefixlab's E2E reader).
    python3 tools/make_sample_data.py --shared ../shared --out samples/data
"""
import argparse, csv, glob, json, os, re
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--out", default="samples/data")
a = ap.parse_args()
NAMES = {"eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"}

def groups(path):
    out, order = {}, []
    for r in csv.DictReader(open(path, encoding="utf-8")):
        if r["mr"] not in out:
            out[r["mr"]] = []; order.append(r["mr"])
        out[r["mr"]].append(r["ref"].strip())
    return [(mr, out[mr]) for mr in order]

def linearise(mr):
    return " | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v}" for k, v in re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", mr))

def write(path, items):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for mr, refs in items:
            for ref in refs:
                f.write(json.dumps({"source": linearise(mr), "target": ref}, ensure_ascii=False) + "\n")

dev = groups(f"{a.shared}/data/e2e/devset.csv")
test = groups(f"{a.shared}/data/e2e/testset_w_refs.csv")
import random
order = random.Random(2026).sample(range(len(dev)), 250)
train, valid = [dev[i] for i in sorted(order[:200])], [dev[i] for i in sorted(order[200:])]
test = [test[i] for i in sorted(random.Random(2027).sample(range(len(test)), 100))]
write(f"{a.out}/e2e/train.jsonl", train)
write(f"{a.out}/e2e/valid.jsonl", valid)
write(f"{a.out}/e2e/test.jsonl", test)
# The low-data study (the paper's Figure 3 sizes): random (MR, reference) pairs of the training split.
pairs = [(mr, [ref]) for mr, refs in train for ref in refs]
for n in [50, 100, 200, 500]:
    sample = sorted(random.Random(n).sample(range(len(pairs)), n))
    write(f"{a.out}/e2e/train-{n}.jsonl", [pairs[i] for i in sample])

root = ET.Element("benchmark"); entries = ET.SubElement(root, "entries")
per_cat = {}
for f in sorted(glob.glob(f"{a.shared}/data/webnlg2017/dev/[123]triples/*.xml")):
    for e in ET.parse(f).getroot().iter("entry"):
        c = e.get("category")
        if per_cat.get(c, 0) < 6:
            per_cat[c] = per_cat.get(c, 0) + 1
            entries.append(e)
os.makedirs(f"{a.out}/webnlg", exist_ok=True)
ET.ElementTree(root).write(f"{a.out}/webnlg/dev.xml", encoding="utf-8", xml_declaration=True)
print({k: v for k, v in sorted(per_cat.items())})

# The test split with its 5 unseen categories (Artist, Athlete, CelestialBody,
# MeanOfTransportation, Politician): the first 4 entries of 1-3 triples of each of the 15, so
# the Datasets screen's seen / unseen filter has both kinds.
root = ET.Element("benchmark"); entries = ET.SubElement(root, "entries")
per_cat = {}
for e in ET.parse(f"{a.shared}/data/webnlg2017/test/testdata_with_lex.xml").getroot().iter("entry"):
    c = e.get("category")
    if int(e.get("size")) <= 3 and per_cat.get(c, 0) < 4:
        per_cat[c] = per_cat.get(c, 0) + 1
        entries.append(e)
ET.ElementTree(root).write(f"{a.out}/webnlg/test.xml", encoding="utf-8", xml_declaration=True)
print({k: v for k, v in sorted(per_cat.items())})

# The extrapolation study (the paper's Table 1 S / U / A columns): tuning data from the seen
# categories only (train has no other), a test split with both kinds.
# The sample model has 256 positions and a vocabulary pruned on E2E text, so WebNLG text takes
# many tokens: lexicalisations whose triples and text pass 300 characters (the pretraining
# corpus's limit) are left out, and entries with none left.
def short_enough(e):
    triples = sum(len(t.text or "") for t in e.iter("mtriple"))
    lexes = [l for l in e.findall("lex")]
    for l in lexes:
        if triples + len(l.text or "") > 300:
            e.remove(l)
    return len(e.findall("lex")) > 0

def sample_entries(paths, per_cat, seed):
    by_cat = {}
    for f in paths:
        for e in ET.parse(f).getroot().iter("entry"):
            if int(e.get("size")) <= 3 and short_enough(e):
                by_cat.setdefault(e.get("category"), []).append(e)
    rng = random.Random(seed)
    root = ET.Element("benchmark"); entries = ET.SubElement(root, "entries")
    for c in sorted(by_cat):
        for i in sorted(rng.sample(range(len(by_cat[c])), min(per_cat, len(by_cat[c])))):
            entries.append(by_cat[c][i])
    return root, {c: min(per_cat, len(v)) for c, v in sorted(by_cat.items())}

root, counts = sample_entries(sorted(glob.glob(f"{a.shared}/data/webnlg2017/train/[123]triples/*.xml")), 40, 2028)
ET.ElementTree(root).write(f"{a.out}/webnlg/train.xml", encoding="utf-8", xml_declaration=True)
print("train", counts)
root, counts = sample_entries([f"{a.shared}/data/webnlg2017/test/testdata_with_lex.xml"], 10, 2029)
ET.ElementTree(root).write(f"{a.out}/webnlg/test-150.xml", encoding="utf-8", xml_declaration=True)
print("test-150", counts)
