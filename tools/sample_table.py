#!/usr/bin/env python3
"""The results table of samples/README.md from a workspace's finished runs (metrics.json,
run.json, events.jsonl) and, optionally, the untuned model's `prefixlab score --json` output.
    python3 tools/sample_table.py samples [--untuned untuned.json --untuned-outputs untuned.txt.jsonl] [--runs finetune prefix-10 ...]
    python3 tools/sample_table.py samples --webnlg [--untuned untuned.json] --runs webnlg-finetune ...
With --webnlg: the paper's Table 1 columns for WebNLG, BLEU on the test entries of categories
seen in training (S), unseen (U) and all (A), from metrics.json's BLEU_seen / BLEU_unseen / BLEU.
"name right" is split by whether the restaurant's name occurs in the run's training data
(seen: it may have been memorised) or not (unseen: only reading it off the table gets it right);
slot accuracy likewise, by whether a value occurs in the training MRs (the E2E development set,
the only training data here, has only coffee shops and Chinese or English food; the test set
is mostly pubs and restaurants with seven cuisines).
"""
import argparse, datetime, json, os, re

ap = argparse.ArgumentParser()
ap.add_argument("workspace")
ap.add_argument("--untuned")
ap.add_argument("--untuned-outputs", help="the untuned model's FILE.jsonl from prefixlab generate")
ap.add_argument("--runs", nargs="*")
ap.add_argument("--webnlg", action="store_true", help="WebNLG's seen / unseen / all BLEU columns")
ap.add_argument("--train", default="samples/data/e2e/train.jsonl", help="training data for the untuned row's seen/unseen split")
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

def name_of(source):
    m = re.search(r"name : ([^|]+)", source)
    return m.group(1).strip() if m else None

def names_in(path):
    return {name_of(json.loads(l)["source"]) for l in open(path, encoding="utf-8") if l.strip()}

def seen_unseen(outputs_jsonl, train_path):
    """Share of outputs naming the restaurant, for names in the training data and not."""
    seen = names_in(train_path)
    hits = {True: [0, 0], False: [0, 0]}
    for l in open(outputs_jsonl, encoding="utf-8"):
        if not l.strip(): continue
        o = json.loads(l)
        n = name_of(o["source"])
        hits[n in seen][0] += n in o["output"]
        hits[n in seen][1] += 1
    f = lambda h: f"{h[0] / h[1]:.2f} ({h[1]})" if h[1] else "–"
    return f"{f(hits[True])} / {f(hits[False])}"

def values_of(source):
    """Slot values as prefixlab's slot accuracy reads them (E2E `slot : value` parts)."""
    parts = [[f.strip() for f in p.split(" : ")] for p in source.split(" | ")]
    return [f[1] for f in parts if len(f) == 2 and f[1]]

def slot_split(outputs_jsonl, train_path):
    """Slot accuracy over values that occur in the training MRs, and over values that do not."""
    seen = {v for l in open(train_path, encoding="utf-8") if l.strip() for v in values_of(json.loads(l)["source"])}
    hits = {True: [0, 0], False: [0, 0]}
    for l in open(outputs_jsonl, encoding="utf-8"):
        if not l.strip(): continue
        o = json.loads(l)
        for v in values_of(o["source"]):
            hits[v in seen][0] += v.lower() in o["output"].lower()
            hits[v in seen][1] += 1
    f = lambda h: f"{h[0] / h[1]:.2f}" if h[1] else "–"
    return f"{f(hits[True])} / {f(hits[False])}"

def label_of(spec):
    method = spec.get("name") or spec.get("method")  # run.json's spec layout, or the one before it
    return {"finetune": lambda: "finetune" if spec.get("train_layers", "all") == "all" else "FT-" + spec["train_layers"].replace(":", ""),
            "adapter": lambda: f"adapter ({spec.get('adapter_design', 'lin')}, b={spec.get('adapter_bottleneck')})",
            "lora": lambda: f"LoRA (r={spec.get('lora_r')}, {spec.get('lora_targets')})"}.get(method, lambda: f"{method} (P={spec.get('prefix_length')})")()

if a.webnlg:
    print("| method | run | trainable params | training time | BLEU S | BLEU U | BLEU A | METEOR~ | ROUGE-L | distinct outputs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    def wrow(method, name, params, secs, m):
        print(f"| {method} | {name} | {params} | {secs} | {100 * m['BLEU_seen']:.1f} | {100 * m['BLEU_unseen']:.1f} | {100 * m['BLEU']:.1f} | "
              f"{m['METEOR']:.3f} | {m['ROUGE_L']:.3f} | {int(m['distinct_outputs'])} / {int(m.get('n', 0))} |")
    if a.untuned:
        wrow("untuned", "–", "0", "–", json.load(open(a.untuned)))
    for rid in a.runs:
        d = os.path.join(a.workspace, "runs", rid)
        info = json.load(open(os.path.join(d, "run.json")))
        events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl")) if l.strip()]
        started = next(e for e in events if e["type"] == "started")
        wrow(label_of(info["config"]["method"]), rid, f"{started['trainable_params']:,}", f"{seconds(events):.0f} s",
             json.load(open(os.path.join(d, "metrics.json")))["test"])
    raise SystemExit(0)

print("| method | run | trainable params | training time | BLEU | NIST | METEOR~ | ROUGE-L | CIDEr | slot acc. | seen / unseen values | name right | seen / unseen names | distinct outputs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def row(method, name, params, secs, m, split, values):
    print(f"| {method} | {name} | {params} | {secs} | {100 * m['BLEU']:.1f} | {m['NIST']:.2f} | {m['METEOR']:.3f} | {m['ROUGE_L']:.3f} | "
          f"{m['CIDEr']:.3f} | {m['slot_accuracy']:.3f} | {values} | {m['name_accuracy']:.2f} | {split} | {int(m['distinct_outputs'])} / {int(m.get('n', 100))} |")
if a.untuned:
    row("untuned", "–", "0", "–", json.load(open(a.untuned)), seen_unseen(a.untuned_outputs, a.train) if a.untuned_outputs else "–",
        slot_split(a.untuned_outputs, a.train) if a.untuned_outputs else "–")
root = os.path.join(a.workspace, "runs")
for rid in a.runs or sorted(os.listdir(root)):
    d = os.path.join(root, rid)
    info = json.load(open(os.path.join(d, "run.json")))
    events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl")) if l.strip()]
    started = next(e for e in events if e["type"] == "started")
    m = json.load(open(os.path.join(d, "metrics.json")))["test"]
    label = label_of(info["config"]["method"])
    train = info["config"].get("train") or info["data"]["train"]["path"]
    if not os.path.exists(train):  # recorded absolute; the same file relative to the checkout
        train = train[train.index("samples/"):] if "samples/" in train else train
    outputs = os.path.join(d, "outputs", "test.jsonl")
    row(label, rid, f"{started['trainable_params']:,}", f"{seconds(events):.0f} s", m, seen_unseen(outputs, train), slot_split(outputs, train))
