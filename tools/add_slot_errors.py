#!/usr/bin/env python3
"""Adds slot errors (SER and slot_errors, as `prefixlab score --json` reports them) to the test
metrics of runs evaluated before SER existed, from their own outputs/test.txt and the test data
their run.json names; runs whose data is not E2E are left alone. Run from the repository root:
    python3 tools/add_slot_errors.py samples/runs
"""
import json, os, subprocess, sys

root = sys.argv[1]
for run in sorted(os.listdir(root)):
    d = os.path.join(root, run)
    hyp, metrics = os.path.join(d, "outputs/test.txt"), os.path.join(d, "metrics.json")
    if not (os.path.exists(hyp) and os.path.exists(metrics)):
        continue
    spec = json.load(open(os.path.join(d, "run.json")))["config"]["test"]
    out = subprocess.run([".build/release/prefixlab", "score", "--hyp", hyp, "--refs", spec, "--json"], capture_output=True, text=True, check=True)
    scores = json.loads(out.stdout)
    if "SER" not in scores:
        print(f"{run}: not E2E ({spec})")
        continue
    m = json.load(open(metrics))
    m["test"]["SER"], m["test"]["slot_errors"] = scores["SER"], scores["slot_errors"]
    with open(metrics, "w") as f:
        f.write(json.dumps(m) + "\n")
    print(f"{run}: SER {100 * scores['SER']:.2f}%")
