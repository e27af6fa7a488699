#!/usr/bin/env python3
"""Reference values for the metrics tests, from the reference tools themselves. Run by hand:
    ~/.venvs/ref/bin/pip install sacrebleu rouge-score pycocoevalcap   # pycocoevalcap ships the CoreNLP jar
    ~/.venvs/ref/bin/python tools/make_metric_fixtures.py --shared ../shared
Writes Tests/Fixtures/metrics/:
  sacrebleu.json   sacreBLEU (its defaults) on the four E2E systems of ../shared/data/e2e-systems
  ptb_hashes.json  the PTB tokenisation (Stanford CoreNLP 3.4.1, -preserveLines -lowerCase, as
                   pycocoevalcap runs it, punctuation tokens removed as it removes them) of every
                   E2E test reference and system output, as FNV-1a hashes per 16 lines
  rouge_score.json Google's rouge-score ROUGE-1/2/L F (with and without its stemmer) on the same
"""
import argparse, csv, json, os, subprocess, tempfile
import sacrebleu

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
a = ap.parse_args()
OUT = "Tests/Fixtures/metrics"
os.makedirs(OUT, exist_ok=True)
SYSTEMS = ["sclstm.run1.txt", "tgen-minus.run1.txt", "tgen-plus.run1.txt", "tgen-std.run1.txt"]

rows = list(csv.DictReader(open(os.path.join(a.shared, "data/e2e/testset_w_refs.csv"), encoding="utf-8")))
groups, cur = [], None
for r in rows:
    if r["mr"] != cur:
        groups.append([])
        cur = r["mr"]
    groups[-1].append(r["ref"].strip())
outputs = {s: [l.strip() for l in open(os.path.join(a.shared, "data/e2e-systems", s), encoding="utf-8").read().split("\n")[:len(groups)]]
           for s in SYSTEMS}

n = max(map(len, groups))
refs = [[g[k] if k < len(g) else None for g in groups] for k in range(n)]
json.dump({s: sacrebleu.corpus_bleu(outputs[s], refs).score for s in SYSTEMS} | {"version": sacrebleu.__version__},
          open(os.path.join(OUT, "sacrebleu.json"), "w"), indent=1)

# PTB tokenisation with the jar, exactly as pycocoevalcap calls it.
import pycocoevalcap
jar = os.path.join(list(pycocoevalcap.__path__)[0], "tokenizer", "stanford-corenlp-3.4.1.jar")
PUNCT = ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";"]
lines = [r["ref"].strip() for r in rows] + [l for s in SYSTEMS for l in outputs[s]]
with tempfile.NamedTemporaryFile("w", delete=False, encoding="utf-8") as f:
    f.write("\n".join(l.replace("\n", " ") for l in lines))
out = subprocess.run(["java", "-cp", jar, "edu.stanford.nlp.process.PTBTokenizer", "-preserveLines", "-lowerCase", f.name],
                     capture_output=True, encoding="utf-8").stdout.split("\n")
toks = [" ".join(w for w in line.rstrip().split(" ") if w not in PUNCT) for line in out[:len(lines)]]


def fnv(strings):
    h = 0xcbf29ce484222325
    for s in strings:
        for b in s.encode("utf-8") + b"\n":
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


json.dump({"lines": len(toks), "blocks": [fnv(toks[i:i + 16]) for i in range(0, len(toks), 16)]},
          open(os.path.join(OUT, "ptb_hashes.json"), "w"))

from rouge_score import rouge_scorer
res = {}
for stem in (False, True):
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=stem)
    for s in ["tgen-std.run1.txt", "sclstm.run1.txt"]:
        per = [sc.score_multi(g, h) for g, h in zip(groups, outputs[s])]
        res[f"{s}:{'stem' if stem else 'nostem'}"] = {k: sum(p[k].fmeasure for p in per) / len(per) for k in ["rouge1", "rouge2", "rougeL"]}
json.dump(res, open(os.path.join(OUT, "rouge_score.json"), "w"), indent=1)
print("written")
