#!/usr/bin/env python3
"""Reference fixtures for bottleneck adapters on BART (issue #17): a torch twin by forward hooks
on transformers 5.24's BART, as the native engine places them (Sources/Models/BART/BARTAdapters.swift):
- lin: one adapter on every layer's output (encoder and decoder), after its final LayerNorm:
  x + up(relu(down(LayerNorm(x))));
- houlsby: one on each layer's self-attention output and one on its feed-forward's (fc2's
  output), before the branch's dropout and residual: x + up(relu(down(x))); the decoder's
  cross-attention gets none.

Run by hand (never by CI), with the torch engine's environment:
    PYTHONPATH=tools HF_HUB_OFFLINE=1 engines/torch/.venv/bin/python tools/make_bart_adapter_fixtures.py

For Tests/Fixtures/bart/tiny and deep (3 encoder and 2 decoder layers), writes
adapter.safetensors and adapter.json there, per design: the adapters at the start
(`<design>.init.<name>`, the native names: model.encoder.layers.0.adapter_block.project_down.weight),
the loss on the fixture's padded batch, every gradient and θ₃ − θ₀ after refcommon.train3's 3
AdamW steps, and transformers' own greedy `generate` with the trained adapters in place
(max_new_tokens 12, min_new_tokens 6) on the batch's documents. Bottleneck 5; the adapters
start random (scale 0.3 about START's centres) so that every gradient is nonzero.
"""
import json, os
import torch
from safetensors.torch import save_file
from transformers import BartForConditionalGeneration
from bart_fixture_data import gradients_and_steps, padded_batch

ROOT = "Tests/Fixtures/bart"
BOTTLENECK = 5
# Where each tensor's random start is centred: the LayerNorm's weight at 1; project_down's bias
# above 0, so few ReLUs are off for most rows (a nearly dead unit's gradients are tiny, which
# float32 sums cannot settle to 1e-4 of the largest: the tests leave out at most 1 in 50).
START = {"ln.weight": 1.0, "project_down.bias": 1.0}


class Bottleneck(torch.nn.Module):
    def __init__(self, C, b, layer_norm):
        super().__init__()
        self.ln = torch.nn.LayerNorm(C, eps=1e-5) if layer_norm else None
        self.project_down = torch.nn.Linear(C, b)
        self.project_up = torch.nn.Linear(b, C)

    def forward(self, x):
        h = self.ln(x) if self.ln is not None else x
        return x + self.project_up(torch.relu(self.project_down(h)))


def first(adapter):
    """A hook putting `adapter` on a module's (first) output."""
    def hook(_m, _i, out):
        return (adapter(out[0]),) + tuple(out[1:]) if isinstance(out, tuple) else adapter(out)
    return hook


def with_adapters(d, design, seed):
    m = BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32)
    for p in m.parameters():
        p.requires_grad_(False)
    C = m.config.d_model
    g = torch.Generator().manual_seed(seed)
    named = {}
    stacks = [("encoder", m.model.encoder.layers), ("decoder", m.model.decoder.layers)]
    for stack, layers in stacks:
        for l, layer in enumerate(layers):
            path = f"model.{stack}.layers.{l}"
            if design == "lin":
                a = Bottleneck(C, BOTTLENECK, True)
                layer.register_forward_hook(first(a))
                pairs = [("adapter_block", a)]
            else:
                a, a2 = Bottleneck(C, BOTTLENECK, False), Bottleneck(C, BOTTLENECK, False)
                layer.self_attn.register_forward_hook(first(a))
                layer.fc2.register_forward_hook(first(a2))
                pairs = [("adapter_block", a), ("adapter_block2", a2)]
            for name, mod in pairs:
                setattr(layer, name, mod)  # kept with the model (and moved with it)
                for n, p in mod.named_parameters():
                    with torch.no_grad():
                        p.copy_(START.get(n, 0.0) + 0.3 * torch.randn(p.shape, generator=g))
                    named[f"{path}.{name}.{n}"] = p
    m.train()  # the fixture models have no dropout
    return m, named


def make(model_name):
    d = os.path.join(ROOT, model_name)
    meta, ids, mask, dids, lab = padded_batch(d)
    tensors, info = {}, {"bottleneck": BOTTLENECK, "cases": {}}
    for ci, design in enumerate(["lin", "houlsby"]):
        m, params = with_adapters(d, design, seed=41 + ci)
        for n, p in params.items():
            tensors[f"{design}.init.{n}"] = p.detach().clone().contiguous()
        loss = gradients_and_steps(params, lambda: m(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss,
                                   tensors, f"{design}.")
        m.eval()
        with torch.no_grad():
            out = m.generate(input_ids=ids, attention_mask=mask, max_new_tokens=12, min_new_tokens=6, num_beams=1, do_sample=False)
        eos, pad = m.config.eos_token_id, m.config.pad_token_id
        greedy = []
        for row in out.tolist():
            row = row[1:]  # the decoder start token
            if eos in row:
                row = row[:row.index(eos)]
            greedy.append([t for t in row if t != pad])
        info["cases"][design] = {"loss": loss.item(), "tensors": len(params), "greedy_after_training": greedy}
        print(model_name, design, "loss", round(loss.item(), 6), len(params), "tensors; greedy", greedy)
    save_file(tensors, os.path.join(d, "adapter.safetensors"))
    with open(os.path.join(d, "adapter.json"), "w") as f:
        json.dump(info, f, indent=1)


for name in ["tiny", "deep"]:
    make(name)
