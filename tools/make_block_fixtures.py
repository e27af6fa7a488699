#!/usr/bin/env python3
"""Fixtures of the methods that add tensors inside the blocks: LoRA (against PEFT) and
bottleneck adapters (against a direct torch implementation of the prefix-tuning authors'
adapter model, itself checked against that model's own forward). Run by hand (never by CI):
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_block_fixtures.py \
        --reference PATH/TO/PrefixTuning --shared ../shared
(`--reference`: a checkout of XiangLi1999/PrefixTuning; the script reads its
transformers/src/transformers/modeling_gpt2_adapter.py and runs its Adapter class and its
Block.forward_oneAdapter / forward_twoAdapter on one batch: nothing of it is copied. The
committed fixtures were checked against commit 6519d30e69b1: max |logit difference| 1.1e-6
(lin) and 1.8e-6 (houlsby), in Tests/Fixtures/training/blocks.json.)

Training (Tests/Fixtures/training, the model and batch of make_training_fixtures.py), in the
format of that script (init./grad./delta.<name>, loss, loss_sequence):
  lora.safetensors          PEFT LoRA r 4, alpha 8, targets c_attn and c_fc, lora_dropout 0
  lora-dropout.safetensors  the same with lora_dropout 0.25, each lora_dropout replaced by the
                            masks prefixlab draws (SplitMix64, ported below), steps 0, 1, 2 at seed 11
  adapter-lin.safetensors, adapter-houlsby.safetensors   bottleneck 5
B and the adapters start random (not PEFT's zero B) so that every gradient is nonzero.

Generation (Tests/Fixtures/generation/blocks.json and blocks-*.safetensors): greedy and beam-5
outputs of transformers' generate through PEFT's LoRA (unmerged) and through the adapters, on
Tests/Fixtures/models/tiny-f32 for the prompts of greedy.json.

PEFT LoRA adapter (Tests/Fixtures/peft/lora + lora.json): saved by PEFT, with its lm-score numbers.
"""
import argparse, ast, copy, json, os, sys, types
import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel
from peft import LoraConfig, get_peft_model, PeftModel, TaskType
sys.path.insert(0, os.path.dirname(__file__))
from refcommon import gpt2_tokenizer, lm_score, seq_loss, train3

ap = argparse.ArgumentParser()
ap.add_argument("--reference", required=True)
ap.add_argument("--shared", default="../shared")
a = ap.parse_args()

TR = "Tests/Fixtures/training"
meta = json.load(open(TR + "/batch.json"))
ids, lab, mask = torch.tensor(meta["ids"]), torch.tensor(meta["labels"]), torch.tensor(meta["mask"])
B, T = ids.shape
base = GPT2LMHeadModel.from_pretrained(TR + "/model").train()  # dropout 0 in its config
cfg = base.config
L, C, V = cfg.n_layer, cfg.n_embd, cfg.vocab_size
R, ALPHA, BOTTLENECK = 4, 8.0, 5


def record(name, model, named, loss_fn, seq_fn, on_step=lambda s: None):
    t = {}
    for n, p in named():
        t["init." + n] = p.detach().clone()
    on_step(0)
    loss = loss_fn()
    model.zero_grad()
    loss.backward()
    for n, p in named():
        t["grad." + n] = p.grad.detach().clone()
    t["loss"] = loss.detach().reshape(1)
    with torch.no_grad():
        on_step(None)
        t["loss_sequence"] = seq_fn().detach().reshape(1)
    before = {n: p.detach().clone() for n, p in named()}
    train3([p for _, p in named()], loss_fn, on_step)
    for n, p in named():
        t["delta." + n] = p.detach() - before[n]
    save_file({k: v.float().contiguous() for k, v in t.items()}, f"{TR}/{name}.safetensors")
    print(name, "loss", float(loss))


# ---- prefixlab's dropout masks (Support/SplitMix64.swift, Models/BlockAdditionPasses.swift) ----
M64 = (1 << 64) - 1


def splitmix(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def lora_mask(step_seed, layer, site, sites, count, rate):
    g = splitmix(step_seed ^ ((0x2545F4914F6CDD1D * (layer * sites + site + 1)) & M64))
    keep = np.float32(1) / (np.float32(1) - np.float32(rate))
    u = np.array([(next(g) >> 40) * (1.0 / 16777216.0) for _ in range(count)], dtype=np.float64)
    return torch.from_numpy(np.where(u < np.float32(rate), np.float32(0), keep).astype(np.float32))


def step_seed(seed, step):  # Tuning/Methods/LoRA.swift, LoRAState.prepare; micro-batch 0
    return (seed ^ ((0x9E6C63D0676A9A99 * (step + 1)) & M64)) & M64


class FixedMask(nn.Module):
    """Stands in for PEFT's lora_dropout: multiplies by the mask prefixlab draws this step."""
    def __init__(self, layer, site, sites, rate, seed):
        super().__init__()
        self.layer, self.site, self.sites, self.rate, self.seed, self.step = layer, site, sites, rate, seed, None

    def forward(self, x):
        if self.step is None:
            return x
        m = lora_mask(step_seed(self.seed, self.step), self.layer, self.site, self.sites, x.numel(), self.rate)
        return x * m.view(x.shape)


def lora_model(model, dropout=0.0, seed=0, scale=0.3):
    pcfg = LoraConfig(task_type=TaskType.CAUSAL_LM, r=R, lora_alpha=ALPHA, target_modules=["c_attn", "c_fc"], lora_dropout=dropout,
                      fan_in_fan_out=True, init_lora_weights=False)
    torch.manual_seed(3)
    pm = get_peft_model(copy.deepcopy(model), pcfg)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.copy_(scale * torch.randn(p.shape))
    masks = []
    if dropout > 0:
        for l in range(L):
            for k, mod in enumerate(["attn.c_attn", "mlp.c_fc"]):
                layer = pm.base_model.model.transformer.h[l].get_submodule(mod)
                fm = FixedMask(l, k, 2, dropout, seed)
                layer.lora_dropout["default"] = fm
                masks.append(fm)
    return pm, masks


def lora_names(pm):
    out = []
    for n, p in pm.named_parameters():
        if p.requires_grad:
            out.append((n.removeprefix("base_model.model.transformer.").replace(".default", ""), p))
    return out


pm, _ = lora_model(base)
record("lora", pm, lambda: lora_names(pm), lambda: pm(input_ids=ids, attention_mask=mask, labels=lab).loss,
       lambda: seq_loss(pm(input_ids=ids, attention_mask=mask).logits, lab))
pmd, masks = lora_model(base, dropout=0.25, seed=11)
def set_step(s):
    for m in masks:
        m.step = s
record("lora-dropout", pmd, lambda: lora_names(pmd), lambda: pmd(input_ids=ids, attention_mask=mask, labels=lab).loss,
       lambda: seq_loss(pmd(input_ids=ids, attention_mask=mask).logits, lab), on_step=set_step)


# ---- Bottleneck adapters: a torch twin by hooks on transformers' GPT-2 ----
class Bottleneck(nn.Module):
    def __init__(self, C, b, ln, eps):
        super().__init__()
        self.ln = nn.LayerNorm(C, eps=eps) if ln else None
        self.project_down = nn.Linear(C, b)
        self.project_up = nn.Linear(b, C)

    def forward(self, x):
        h = self.ln(x) if self.ln is not None else x
        return x + self.project_up(torch.relu(self.project_down(h)))


def adapter_twin(model, design, b, scale=0.3, seed=5):
    """`design` lin: an adapter on each block's output; houlsby: on the attention's output and
    the MLP's (each after its dropout, before its residual)."""
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.requires_grad_(False)
    torch.manual_seed(seed)
    for l, blk in enumerate(m.transformer.h):
        if design == "lin":
            ad = Bottleneck(model.config.n_embd, b, True, model.config.layer_norm_epsilon)
            blk.adapter_block = ad
            blk.register_forward_hook(lambda mod, inp, out, ad=ad: ad(out[0]) if isinstance(out, tuple) else ad(out))
        else:
            ad, ad2 = (Bottleneck(model.config.n_embd, b, False, model.config.layer_norm_epsilon) for _ in range(2))
            blk.adapter_block, blk.adapter_block2 = ad, ad2
            blk.attn.register_forward_hook(lambda mod, inp, out, ad=ad: (ad(out[0]),) + tuple(out[1:]))
            blk.mlp.register_forward_hook(lambda mod, inp, out, ad=ad2: ad(out))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "adapter_block" in n:
                p.requires_grad_(True)
                if n.endswith("ln.weight"):
                    p.copy_(1 + scale * torch.randn(p.shape))
                else:
                    p.copy_(scale * torch.randn(p.shape))
    return m


def adapter_names(m):
    return [(n.removeprefix("transformer."), p) for n, p in m.named_parameters() if p.requires_grad]


# The twin against the reference's own Adapter and Block forward on one batch.
src = open(os.path.join(a.reference, "transformers/src/transformers/modeling_gpt2_adapter.py")).read()
tree = ast.parse(src)
ns = {"nn": nn, "torch": torch}
block_methods = {}
for node in tree.body:
    if isinstance(node, ast.ClassDef) and node.name == "Adapter":
        exec(compile(ast.Module(body=[node], type_ignores=[]), "reference:Adapter", "exec"), ns)
    if isinstance(node, ast.ClassDef) and node.name == "Block":
        for f in node.body:
            if isinstance(f, ast.FunctionDef) and f.name in ("forward_oneAdapter", "forward_twoAdapter"):
                exec(compile(ast.Module(body=[f], type_ignores=[]), "reference:Block." + f.name, "exec"), ns)
                block_methods[f.name] = ns[f.name]
assert "Adapter" in ns and len(block_methods) == 2


def reference_logits(twin, design):
    """GPT-2 written out (attention as make_training_fixtures.py's manual_loss), each block run
    by the reference's forward_oneAdapter / forward_twoAdapter with the reference's Adapter
    holding the twin's weights."""
    tr = twin.transformer
    hs = C // cfg.n_head
    pos = torch.arange(T)[None].expand(B, T)
    x = tr.wte(ids) + tr.wpe(pos)
    allowed = (torch.arange(T)[None, :] <= torch.arange(T)[:, None])[None] & mask[:, None, :].bool()
    rcfg = types.SimpleNamespace(n_embd=C, adapter_design=1 if design == "lin" else 2, bottleneck=BOTTLENECK,
                                 layer_norm_epsilon=cfg.layer_norm_epsilon)
    for blk in tr.h:
        def attn(h, blk=blk, **kw):
            q, k, v = blk.attn.c_attn(h).split(C, dim=2)
            qh, kh, vh = (t.view(B, T, cfg.n_head, hs).transpose(1, 2) for t in (q, k, v))
            att = (qh @ kh.transpose(-1, -2) / hs ** 0.5).masked_fill(~allowed[:, None], float("-inf")).softmax(-1)
            return [blk.attn.c_proj((att @ vh).transpose(1, 2).reshape(B, T, C)), None]
        shim = types.SimpleNamespace(ln_1=blk.ln_1, ln_2=blk.ln_2, mlp=lambda h, blk=blk: blk.mlp.c_proj(blk.mlp.act(blk.mlp.c_fc(h))),
                                     attn=attn, bottleneck=BOTTLENECK)
        shim.adapter_block = ns["Adapter"](rcfg)
        shim.adapter_block.load_state_dict({k: v for k, v in blk.adapter_block.state_dict().items()})
        if design == "lin":
            x = block_methods["forward_oneAdapter"](shim, x)[0]
        else:
            shim.adapter_block2 = ns["Adapter"](rcfg)
            shim.adapter_block2.load_state_dict({k: v for k, v in blk.adapter_block2.state_dict().items()})
            x = block_methods["forward_twoAdapter"](shim, x)[0]
    return twin.lm_head(tr.ln_f(x))


checks = {}
for design in ["lin", "houlsby"]:
    tw = adapter_twin(base, design, BOTTLENECK)
    with torch.no_grad():
        got = tw(input_ids=ids, attention_mask=mask).logits
        want = reference_logits(tw, design)
    valid = mask.bool()
    diff = float((got - want)[valid].abs().max())
    checks[design] = diff
    assert diff < 1e-5, (design, diff)
    record(f"adapter-{design}", tw, lambda tw=tw: adapter_names(tw), lambda tw=tw: tw(input_ids=ids, attention_mask=mask, labels=lab).loss,
           lambda tw=tw: seq_loss(tw(input_ids=ids, attention_mask=mask).logits, lab))
print("twin vs reference forward, max |logit diff| on real positions:", checks)
json.dump({"reference_check_max_abs_logit_diff": checks, "bottleneck": BOTTLENECK, "lora_r": R, "lora_alpha": ALPHA,
           "lora_targets": ["c_attn", "c_fc"], "lora_dropout_seed": 11, "lora_dropout": 0.25},
          open(TR + "/blocks.json", "w"), indent=1)


# ---- Generation through LoRA (PEFT, unmerged) and the adapters, on tiny-f32 ----
G = "Tests/Fixtures/generation"
greedy = json.load(open(G + "/greedy.json"))
prompts, NEW = greedy["prompts"], greedy["max_new_tokens"]
tiny = GPT2LMHeadModel.from_pretrained("Tests/Fixtures/models/tiny-f32").eval()
EOS = tiny.config.eos_token_id
Tp = max(len(p) for p in prompts)
gids = torch.full((len(prompts), Tp), EOS)
gmask = torch.zeros(len(prompts), Tp, dtype=torch.long)
for b, p in enumerate(prompts):
    gids[b, Tp - len(p):] = torch.tensor(p)
    gmask[b, Tp - len(p):] = 1


def strip(seqs):
    res = []
    for s in seqs.tolist():
        new = s[Tp:]
        res.append(new[:new.index(EOS)] if EOS in new else new)
    return res


def generate(m, beams):
    with torch.no_grad():
        return strip(m.generate(input_ids=gids, attention_mask=gmask, max_new_tokens=NEW, do_sample=False, num_beams=beams, pad_token_id=EOS))


out = {"prompts": prompts, "max_new_tokens": NEW}
gl, _ = lora_model(tiny, scale=0.5)
gl.eval()
save_file({n: p.detach().contiguous() for n, p in lora_names(gl)}, G + "/blocks-lora.safetensors")
out["lora_greedy"], out["lora_beam5"] = generate(gl, 1), generate(gl, 5)
for design, scale in [("lin", 0.5), ("houlsby", 0.12)]:
    tw = adapter_twin(tiny, design, 8, scale=scale).eval()
    save_file({n: p.detach().contiguous() for n, p in adapter_names(tw)}, f"{G}/blocks-adapter-{design}.safetensors")
    out[f"adapter_{design}_greedy"], out[f"adapter_{design}_beam5"] = generate(tw, 1), generate(tw, 5)
plain = generate(tiny, 1)
for k in ["lora_greedy", "adapter_lin_greedy", "adapter_houlsby_greedy"]:
    assert out[k] != plain, f"{k}: the addition changes nothing"
out["lora"] = {"r": R, "lora_alpha": ALPHA, "targets": ["c_attn", "c_fc"]}
out["adapter_bottleneck"] = 8
json.dump(out, open(G + "/blocks.json", "w"))
print("generation", {k: v[:1] for k, v in out.items() if k.endswith(("greedy", "beam5"))})


# ---- A PEFT LoRA adapter saved by PEFT, scored by PEFT ----
tok = gpt2_tokenizer(a.shared)
pairs = [json.loads(l) for l in open("Tests/Fixtures/lmscore/pairs.jsonl") if l.strip()]
P = "Tests/Fixtures/peft"
pl, _ = lora_model(tiny, scale=0.5)
pl.eval()
pl.save_pretrained(P + "/lora")
loaded = PeftModel.from_pretrained(GPT2LMHeadModel.from_pretrained("Tests/Fixtures/models/tiny-f32").eval(), P + "/lora").eval()
score = lm_score(lambda seq: loaded(input_ids=torch.tensor([seq]), attention_mask=torch.ones(1, len(seq), dtype=torch.long)).logits[0],
                 tok, pairs)
json.dump(score, open(P + "/lora.json", "w"), indent=1)
print("peft lora mean nll", score["mean_nll"])
