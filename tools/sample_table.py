#!/usr/bin/env python3
"""The results table of samples/README.md from a workspace's finished runs (metrics.json,
run.json, events.jsonl) and, optionally, the untuned model's `prefixlab score --json` output.
    python3 tools/sample_table.py samples [--untuned untuned.json] [--runs finetune prefix-10 ...]
"""
import argparse, datetime, json, os

ap = argparse.ArgumentParser()
ap.add_argument("workspace")
ap.add_argument("--untuned")
ap.add_argument("--runs", nargs="*")
a = ap.parse_args()

def seconds(events):
    total, last = 0.0, None
    for e in events:
        t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
        if e["type"] in ("started", "resumed"): last = t
        elif e["type"] == "step":
            if last: total += (t - last).total_seconds()
            last = t
        elif e["type"] in ("paused", "finished", "failed"): last = None
    return total

print("| method | run | trainable params | training time | BLEU | NIST | METEOR~ | ROUGE-L | CIDEr | slot acc. | name right | distinct outputs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
def row(method, name, params, secs, m):
    print(f"| {method} | {name} | {params} | {secs} | {100 * m['BLEU']:.1f} | {m['NIST']:.2f} | {m['METEOR']:.3f} | {m['ROUGE_L']:.3f} | "
          f"{m['CIDEr']:.3f} | {m['slot_accuracy']:.3f} | {m['name_accuracy']:.2f} | {int(m['distinct_outputs'])} / {int(m.get('n', 100))} |")
if a.untuned:
    row("untuned", "–", "0", "–", json.load(open(a.untuned)))
root = os.path.join(a.workspace, "runs")
for rid in a.runs or sorted(os.listdir(root)):
    d = os.path.join(root, rid)
    info = json.load(open(os.path.join(d, "run.json")))
    events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl")) if l.strip()]
    started = next(e for e in events if e["type"] == "started")
    m = json.load(open(os.path.join(d, "metrics.json")))["test"]
    method = info["config"]["method"]["method"]
    p = info["config"]["method"].get("prefix_length")
    label = method + ("" if method == "finetune" else f" (P={p})")
    row(label, rid, f"{started['trainable_params']:,}", f"{seconds(events):.0f} s", m)
