#!/usr/bin/env python3
"""PyTorch reference for `prefixlab bench forward`: the same GPT-2 shapes, random weights,
the same threads, a full forward with logits, median over timed repetitions.
    ~/.venvs/ref/bin/python tools/bench_torch.py forward --config gpt2 --batch 5 --seq 64 --threads 2
Prints one JSON object on the last line: tokens_per_s, ms_per_forward."""
import argparse, json, statistics, time
import torch
from transformers import GPT2Config, GPT2LMHeadModel

SIZES = {"distilgpt2": (6, 12, 768), "gpt2": (12, 12, 768), "gpt2-medium": (24, 16, 1024),
         "gpt2-large": (36, 20, 1280), "gpt2-xl": (48, 25, 1600)}
ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["forward"])
ap.add_argument("--config", default="gpt2")
ap.add_argument("--batch", type=int, default=5)
ap.add_argument("--seq", type=int, default=64)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--repeats", type=int, default=10)
a = ap.parse_args()
torch.set_num_threads(a.threads)
L, H, C = SIZES[a.config]
model = GPT2LMHeadModel(GPT2Config(n_layer=L, n_head=H, n_embd=C)).eval()
ids = torch.randint(0, 50257, (a.batch, a.seq))
times = []
with torch.inference_mode():
    model(input_ids=ids)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        model(input_ids=ids).logits
        times.append(time.perf_counter() - t0)
t = statistics.median(times)
print(f"torch {torch.__version__} forward {a.config} batch {a.batch} x seq {a.seq}, {a.threads} threads: "
      f"{t*1000:.1f} ms/forward, {a.batch*a.seq/t:.0f} tokens/s")
print(json.dumps({"tokens_per_s": round(a.batch * a.seq / t, 1), "ms_per_forward": round(t * 1000, 2)}))
