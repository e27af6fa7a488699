#!/usr/bin/env python3
"""Reference slot errors for the SER tests, from the E2E cleaning study's own script
(Dusek, Howcroft & Rieser 2019; tuetschek/e2e-cleaning slot_error.py, which imports tgen's DA).
Run by hand, with both repositories checked out outside the project:
    python3 -m venv /tmp/serenv && /tmp/serenv/bin/pip install pandas future
    mkdir -p /tmp/ref/tgen && git -C E2E_CLEANING show HEAD:slot_error.py > /tmp/ref/slot_error.py
    git -C TGEN show HEAD:tgen/data.py > /tmp/ref/tgen/data.py && touch /tmp/ref/tgen/__init__.py
    /tmp/serenv/bin/python tools/make_slot_error_fixtures.py --reference /tmp/ref --shared ../shared
Writes Tests/Fixtures/metrics/slot_errors.json: for each of the four E2E systems of
../shared/data/e2e-systems, the script's totals (A, M, V, R, L) and, per output, its counts
[added, missing, valerr, repeated, mr_len] and its MR diff (only where the diff is not empty).
"""
import argparse, csv, json, os, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--reference", required=True, help="folder with slot_error.py and tgen/data.py")
ap.add_argument("--shared", default="../shared")
a = ap.parse_args()
SYSTEMS = ["sclstm.run1.txt", "tgen-minus.run1.txt", "tgen-plus.run1.txt", "tgen-std.run1.txt"]

rows = list(csv.DictReader(open(os.path.join(a.shared, "data/e2e/testset_w_refs.csv"), encoding="utf-8")))
mrs = []
for r in rows:
    if not mrs or mrs[-1] != r["mr"]:
        mrs.append(r["mr"])
out = {"script": "tuetschek/e2e-cleaning slot_error.py", "systems": {}}
with tempfile.TemporaryDirectory() as tmp:
    for s in SYSTEMS:
        lines = open(os.path.join(a.shared, "data/e2e-systems", s), encoding="utf-8").read().split("\n")[:len(mrs)]
        src, dump = os.path.join(tmp, s + ".csv"), os.path.join(tmp, s + ".tsv")
        with open(src, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["mr", "output"])
            w.writerows(zip(mrs, [l.strip() for l in lines]))
        subprocess.run([sys.executable, os.path.join(a.reference, "slot_error.py"), "-d", dump, src], check=True,
                       env=dict(os.environ, PYTHONPATH=a.reference), capture_output=True)
        per, diffs = [], {}
        with open(dump, encoding="utf-8") as f:
            for i, r in enumerate(csv.DictReader(f, delimiter="\t")):
                per.append([int(r[k]) for k in ("added", "missing", "valerr", "repeated", "mr_len")])
                d = json.loads(r["diff"])
                if d:
                    diffs[str(i)] = d
        assert len(per) == len(mrs), (s, len(per))
        tot = [sum(p[k] for p in per) for k in range(5)]
        out["systems"][s] = {"added": tot[0], "missing": tot[1], "wrong": tot[2], "repeated": tot[3], "mr_values": tot[4],
                             "per_output": per, "diffs": diffs}
os.makedirs("Tests/Fixtures/metrics", exist_ok=True)
with open("Tests/Fixtures/metrics/slot_errors.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
