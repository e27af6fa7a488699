#!/usr/bin/env python3
"""A pretraining corpus for the bundled sample model (issue #6), one document per line, from
../shared/data; E2E text stays unpaired: never an E2E MR next to its own reference.
  - each E2E reference alone; all references of one MR together (natural repetition)
  - each E2E MR linearised, alone
  - each WebNLG entry's lexicalisations together; its triples, linearised, alone
  - synthetic copy documents: a random span of corpus words (or, with --tokenizer, of the
    tokenizer's tokens, as the copy probe draws them), then the same span again, --repeats
    times in all (--copy-share of the documents), so the model can learn in-context copying
  - with --webnlg-pairs K: WebNLG triples next to their text (paired data-to-text that is not E2E),
    K times per lexicalisation, every entity that the text names verbatim renamed to a random
    name in both, so the pairs can only be learned by reading the entity off the table; the
    output is then JSONL ("text" documents, "source"/"target" pairs, as `prefixlab pretrain` reads)
    python3 tools/make_pretrain_corpus.py --shared ../shared --copy-share 0.3 > corpus.txt
"""
import argparse, csv, glob, random, re, sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--copy-share", type=float, default=0.3)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--random-names", action="store_true", help="also write every E2E MR group again with its restaurant name replaced by a random name of 1-3 words (capitalised words of the data, or letter pieces of the tokenizer; needs --tokenizer): names are arbitrary, and a name seen earlier in a document recurs exactly")
ap.add_argument("--no-real-names", action="store_true", help="with --random-names: leave out the E2E documents with their real names, so no restaurant name is worth remembering")
ap.add_argument("--sources", default="e2e,webnlg", help="which data: e2e (the development set), webnlg (the 2017 train split), or both")
ap.add_argument("--span", default="5-25", help="span length range in words or tokens, MIN-MAX")
ap.add_argument("--repeats", default="2-2", help="copies of the span, MIN-MAX")
ap.add_argument("--max-chars", type=int, default=0, help="drop documents longer than this many UTF-8 bytes (batches pad to their longest document)")
ap.add_argument("--copy-only", type=int, default=0, help="write only this many copy documents (a curriculum's first stage)")
ap.add_argument("--word-copy-share", type=float, default=0.0,
                help="share of copy documents made of single-token words (a space-prefixed alphabetic token of the tokenizer), the easiest form in which a small model learns to copy")
ap.add_argument("--tokenizer", help="a tokenizer folder: half of the copy documents repeat random tokens of its vocab.json")
ap.add_argument("--webnlg-pairs", type=int, default=0, help="K renamed copies of every WebNLG (triples, text) pair, written as JSONL pairs (needs --tokenizer)")
ap.add_argument("--max-triples", type=int, default=5, help="largest WebNLG entry used for --webnlg-pairs")
a = ap.parse_args()
rng = random.Random(a.seed)
NAMES = {"eatType": "Type", "priceRange": "price", "familyFriendly": "family friendly"}
docs = []
rows = list(csv.DictReader(open(f"{a.shared}/data/e2e/devset.csv", encoding="utf-8")))
groups = {}
for r in rows:
    groups.setdefault(r["mr"], []).append(r["ref"].strip())
for mr, refs in (groups.items() if "e2e" in a.sources.split(",") and not a.no_real_names else []):
    docs += refs
    docs.append(" ".join(refs))
    docs.append(" | ".join(f"{NAMES.get(k.strip(), k.strip())} : {v}" for k, v in re.findall(r"\s*([^\[,]+)\[([^\]]*)\]", mr)))
# The WebNLG training entries, read once if anything below uses them.
webnlg = [e for f in sorted(glob.glob(f"{a.shared}/data/webnlg2017/train/**/*.xml", recursive=True))
          for e in ET.parse(f).getroot().iter("entry")] if "webnlg" in a.sources.split(",") or a.webnlg_pairs else []
for e in webnlg if "webnlg" in a.sources.split(",") else []:
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
letters = [p for p in pieces if p.isalpha() and p.isascii()]
# Words a random name is made of: capitalised words of the data, which a pruned tokenizer splits
# into pieces as it splits a name it never saw, minus the words of the E2E test set's names (so
# those stay unseen); or, for a quarter of the words, a random run of letter pieces.
test_names = {m for r in csv.DictReader(open(f"{a.shared}/data/e2e/testset_w_refs.csv", encoding="utf-8"))
              for m in re.findall(r"name\[([^\]]*)\]", r["mr"])}
banned = {w for n in test_names for w in n.split()}
name_text = list(docs)
if a.webnlg_pairs:
    name_text += [l.text for e in webnlg for l in e.iter("lex") if l.text]
name_words = sorted({w.strip(".,;:()\"'") for d in name_text for w in d.split()} - banned)
name_words = [w for w in name_words if len(w) > 2 and w[:1].isupper() and w.isalpha() and w.isascii()]
def random_name():
    words = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        if rng.random() < 0.75 or not letters:
            words.append(rng.choice(name_words))
        else:
            w = "".join(rng.choice(letters) for _ in range(rng.randint(2, 4)))
            words.append(w[:1].upper() + w[1:])
    if rng.random() < 0.25:
        words.insert(0, "The")
    return " ".join(words)
pairs = []
if a.webnlg_pairs:
    assert letters, "--webnlg-pairs needs --tokenizer"
    def surface(e):
        return e.strip().replace("_", " ").strip('"').strip()
    for e in webnlg:
        triples = [[p.strip() for p in t.text.split("|")] for t in e.find("modifiedtripleset").findall("mtriple")]
        if len(triples) > a.max_triples:
            continue
        entities = {surface(t[i]) for t in triples for i in (0, 2)}
        entities = sorted((x for x in entities if len(x) > 2 and any(c.isalpha() for c in x)), key=lambda x: (-len(x), x))
        for l in e.findall("lex"):
            if not l.text:
                continue
            text = " ".join(l.text.split())
            named = [x for x in entities if x in text]
            for _ in range(a.webnlg_pairs if named else 0):
                new = {x: random_name() for x in named}
                t2 = text
                for i, x in enumerate(named):  # longest first, so a name inside a longer one is not split
                    t2 = t2.replace(x, "\0%d\0" % i)
                for i, x in enumerate(named):
                    t2 = t2.replace("\0%d\0" % i, new[x])
                src = " | ".join(" : ".join(new.get(surface(p), p.replace("_", " ")) for p in t) for t in triples)
                pairs.append({"source": src, "target": t2})
if a.random_names:
    assert pieces, "--random-names needs --tokenizer"
    for mr, refs in (groups.items() if "e2e" in a.sources.split(",") else []):
        m = re.search(r"name\[([^\]]*)\]", mr)
        if not m: continue
        name = m.group(1)
        new = random_name()
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
if a.max_chars:
    docs = [d for d in docs if len(d.replace("\n", " ").encode()) <= a.max_chars]
    pairs = [p for p in pairs if len((p["source"] + p["target"]).encode()) <= a.max_chars]
if pairs:
    import json
    lines = [json.dumps({"text": d.replace("\n", " ")}, ensure_ascii=False) for d in docs] + [json.dumps(p, ensure_ascii=False) for p in pairs]
else:
    lines = [d.replace("\n", " ") for d in docs]
rng.shuffle(lines)
for line in lines:
    print(line)
print(f"{len(docs)} documents, {n_copy} copy documents, {len(pairs)} pairs", file=sys.stderr)
