#!/usr/bin/env python3
"""Copies the finished runs of a workspace into samples/runs (issue #6), small: events,
run.json, metrics.json and outputs of every run; for prefix, embedding and infix runs the
best checkpoint's folded prefix (prefix.safetensors, kilobytes) and state.json when it has one;
for adapter and LoRA runs the best checkpoint's trained tensors (trainable.safetensors without
their AdamW moments: what decoding reads); no fine-tuned weights, optimizer states or MLP
parameters. A run already in samples/runs under the same id is replaced; the others stay.
Absolute paths inside the
repository become relative to its root, so the workbench reads them from a fresh clone.
    python3 tools/ship_sample_runs.py WORKSPACE samples
"""
import json, os, shutil, struct, sys


def values_only(src, dst):
    """A safetensors file without its m.* / v.* tensors (AdamW moments)."""
    with open(src, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    keep = {k: v for k, v in header.items() if k != "__metadata__" and not k.startswith(("m.", "v."))}
    out, blobs, at = {}, [], 0
    for k in sorted(keep, key=lambda k: keep[k]["data_offsets"][0]):
        a, b = keep[k]["data_offsets"]
        blobs.append(data[a:b])
        out[k] = {"dtype": keep[k]["dtype"], "shape": keep[k]["shape"], "data_offsets": [at, at + b - a]}
        at += b - a
    text = json.dumps(out, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

ws, dest = sys.argv[1], sys.argv[2]
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
out_runs = os.path.join(dest, "runs")
os.makedirs(out_runs, exist_ok=True)

def relativize(text):
    return text.replace(root + "/", "").replace(os.path.abspath(ws) + "/", "samples/")

for rid in sorted(os.listdir(os.path.join(ws, "runs"))):
    # Only the workspace's runs are replaced: the other experiments' shipped runs stay.
    src, dst = os.path.join(ws, "runs", rid), os.path.join(out_runs, rid)
    shutil.rmtree(dst, ignore_errors=True)
    info = json.load(open(os.path.join(src, "run.json")))
    if info.get("status") != "done":
        sys.exit(f"{src}: status {info.get('status')}, not done")
    os.makedirs(dst)
    for f in ["run.json", "events.jsonl", "metrics.json"]:
        with open(os.path.join(src, f)) as i, open(os.path.join(dst, f), "w") as o:
            o.write(relativize(i.read()))
    shutil.copytree(os.path.join(src, "outputs"), os.path.join(dst, "outputs"))
    method = info["config"]["method"].get("name") or info["config"]["method"].get("method")
    ck = os.path.join(src, "checkpoints")
    # Methods that keep a small folded prefix ship it; fine-tuned weights stay behind.
    if os.path.exists(os.path.join(ck, "best", "prefix.safetensors")):
        best = os.readlink(os.path.join(ck, "best"))
        os.makedirs(os.path.join(dst, "checkpoints", best))
        for f in ["prefix.safetensors", "state.json"]:
            shutil.copy(os.path.join(ck, best, f), os.path.join(dst, "checkpoints", best, f))
        os.symlink(best, os.path.join(dst, "checkpoints", "best"))
    elif os.path.exists(os.path.join(ck, "best", "trainable.safetensors")) and not os.path.exists(os.path.join(ck, "best", "model")):
        best = os.readlink(os.path.join(ck, "best"))
        os.makedirs(os.path.join(dst, "checkpoints", best))
        values_only(os.path.join(ck, best, "trainable.safetensors"), os.path.join(dst, "checkpoints", best, "trainable.safetensors"))
        shutil.copy(os.path.join(ck, best, "state.json"), os.path.join(dst, "checkpoints", best, "state.json"))
        os.symlink(best, os.path.join(dst, "checkpoints", "best"))
    print(rid, method, sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(dst) for f in fs), "bytes")
