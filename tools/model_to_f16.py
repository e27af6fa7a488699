#!/usr/bin/env python3
"""A Hugging Face model folder in float16: model.safetensors's float tensors rounded once to
float16 (as `prefixlab pretrain --dtype f16` writes GPT-2), the other files copied. How the BART
sample (samples/models/bart-e2e-mini) was written from its pretraining checkpoint.
    engines/torch/.venv/bin/python tools/model_to_f16.py SRC_DIR DST_DIR
"""
import os, shutil, sys
from safetensors.torch import load_file, save_file

src, dst = sys.argv[1], sys.argv[2]
if os.path.exists(dst):
    sys.exit(f"{dst} exists")
os.makedirs(dst)
for f in os.listdir(src):
    if f != "model.safetensors" and os.path.isfile(os.path.join(src, f)):
        shutil.copy(os.path.join(src, f), os.path.join(dst, f))
t = load_file(os.path.join(src, "model.safetensors"))
save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in t.items()}, os.path.join(dst, "model.safetensors"), metadata={"format": "pt"})
print(f"{dst}: {len(t)} tensors in float16, {os.path.getsize(os.path.join(dst, 'model.safetensors'))} bytes")
