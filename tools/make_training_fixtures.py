#!/usr/bin/env python3
"""Training fixtures: loss, gradients and 3-step AdamW updates for every method, from
PyTorch + transformers + PEFT. Run by hand (never by CI):
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python tools/make_training_fixtures.py

A tiny GPT-2 (vocabulary 96, 2 layers, width 16, dropout off) and one batch of three
(source, target) sequences with right padding, built as `lm-score` builds them:
source + [eos] + target + [eos], loss on the target tokens and the final eos.

Writes Tests/Fixtures/training/:
  model/{config.json,model.safetensors}, batch.json
  <method>.safetensors: init.<name> (trainable tensors before), grad.<name>, delta.<name>
  (θ3 − θ0 after 3 AdamW steps at lr 1e-2 with linear decay over 3 steps, clip 1.0), and
  loss (token mean) / loss_sequence.
Methods: finetune, prefix-mlp, prefix-none (PEFT PrefixTuning with / without projection),
embedding (PEFT PromptTuning), infix (no PEFT equivalent: a direct torch implementation
checked against transformers on the plain model first), finetune-top1.
"""
import json, os, sys, copy
import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel
from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model, TaskType
sys.path.insert(0, os.path.dirname(__file__))
from refcommon import seq_loss, train3

OUT = "Tests/Fixtures/training"
os.makedirs(OUT + "/model", exist_ok=True)
torch.manual_seed(0)
V, EOS, P, MID = 96, 95, 3, 24
cfg = GPT2Config(n_layer=2, n_head=2, n_embd=16, n_positions=40, vocab_size=V, bos_token_id=EOS, eos_token_id=EOS,
                 attn_pdrop=0.0, resid_pdrop=0.0, embd_pdrop=0.0)
L, C, NH = cfg.n_layer, cfg.n_embd, cfg.n_head


def make_base():
    m = GPT2LMHeadModel(cfg)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return m.train()  # dropout is 0; train() as a Trainer would


base = make_base()
base.save_pretrained(OUT + "/model", safe_serialization=True)

g = torch.Generator().manual_seed(7)
src_lens, tgt_lens = [4, 2, 6], [3, 5, 1]
seqs, labels = [], []
for s, t in zip(src_lens, tgt_lens):
    src = torch.randint(0, V - 1, (s,), generator=g).tolist()
    tgt = torch.randint(0, V - 1, (t,), generator=g).tolist()
    seqs.append(src + [EOS] + tgt + [EOS])
    labels.append([-100] * (s + 1) + tgt + [EOS])
T = max(map(len, seqs))
ids = torch.full((3, T), EOS)
lab = torch.full((3, T), -100)
mask = torch.zeros(3, T, dtype=torch.long)
for b, (s, l) in enumerate(zip(seqs, labels)):
    ids[b, :len(s)] = torch.tensor(s)
    lab[b, :len(l)] = torch.tensor(l)
    mask[b, :len(s)] = 1
json.dump({"ids": ids.tolist(), "labels": lab.tolist(), "mask": mask.tolist(), "source_lengths": src_lens,
           "P": P, "mid_dim": MID, "lr": 1e-2, "steps": 3}, open(OUT + "/batch.json", "w"))


def record(name, model, named, loss_fn, seq_fn):
    t = {}
    for n, p in named():
        t["init." + n] = p.detach().clone()
    loss = loss_fn()
    model.zero_grad()
    loss.backward()
    for n, p in named():
        t["grad." + n] = p.grad.detach().clone()
    t["loss"] = loss.detach().reshape(1)
    t["loss_sequence"] = seq_fn().detach().reshape(1)
    before = {n: p.detach().clone() for n, p in named()}
    train3([p for _, p in named()], loss_fn)
    for n, p in named():
        t["delta." + n] = p.detach() - before[n]
    save_file({k: v.float().contiguous() for k, v in t.items()}, f"{OUT}/{name}.safetensors")
    print(name, "loss", float(loss))


# Fine-tuning: every weight (names without 'transformer.'; lm_head is tied to wte).
ft = copy.deepcopy(base)
named_ft = lambda: [(n.removeprefix("transformer."), p) for n, p in ft.named_parameters()]
record("finetune", ft, named_ft, lambda: ft(input_ids=ids, attention_mask=mask, labels=lab).loss,
       lambda: seq_loss(ft(input_ids=ids, attention_mask=mask).logits, lab))

# FT-top1: only the top layer and ln_f.
top = copy.deepcopy(base)
for n, p in top.named_parameters():
    p.requires_grad_(n.startswith("transformer.h.1.") or n.startswith("transformer.ln_f."))
named_top = lambda: [(n.removeprefix("transformer."), p) for n, p in top.named_parameters() if p.requires_grad]
record("finetune-top1", top, named_top, lambda: top(input_ids=ids, attention_mask=mask, labels=lab).loss,
       lambda: seq_loss(top(input_ids=ids, attention_mask=mask).logits, lab))


def peft_record(name, pcfg):
    torch.manual_seed(3)
    pm = get_peft_model(copy.deepcopy(base), pcfg)
    named = lambda: [(n.split("prompt_encoder.default.")[1], p) for n, p in pm.named_parameters() if p.requires_grad]
    record(name, pm, named, lambda: pm(input_ids=ids, attention_mask=mask, labels=lab).loss,
           lambda: seq_loss(pm(input_ids=ids, attention_mask=mask).logits[:, -T:] if name == "embedding"
                            else pm(input_ids=ids, attention_mask=mask).logits, lab))


peft_record("prefix-mlp", PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P, prefix_projection=True,
                                              encoder_hidden_size=MID))
peft_record("prefix-none", PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P, prefix_projection=False))
peft_record("embedding", PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=P))


# Infix: [x; eos; INFIX; y], the infix's keys and values trainable at every layer.
def manual_loss(model, infix=None, reduction="token"):
    """GPT-2 written out, with P key/value rows inserted after each source's eos and the
    target's positions shifted by P. Checked against transformers with infix=None."""
    tr = model.transformer
    B = ids.shape[0]
    Pi = 0 if infix is None else infix.shape[0]
    pos = torch.zeros(B, T, dtype=torch.long)
    rows = torch.zeros(B, T, dtype=torch.long)
    for b, s in enumerate(src_lens):
        for t in range(T):
            shift = Pi if t > s else 0
            pos[b, t] = t + shift
            rows[b, t] = t + shift
    x = tr.wte(ids) + tr.wpe(pos)
    Tk = T + Pi
    keymask = torch.ones(B, Tk, dtype=torch.bool)
    for b in range(B):
        for t in range(T):
            keymask[b, rows[b, t]] = bool(mask[b, t])
    hs = C // NH
    for l, blk in enumerate(tr.h):
        h = blk.ln_1(x)
        q, k, v = blk.attn.c_attn(h).split(C, dim=2)
        K = torch.zeros(B, Tk, C)
        Vv = torch.zeros(B, Tk, C)
        K = K.index_put((torch.arange(B)[:, None].expand(B, T), rows), k)
        Vv = Vv.index_put((torch.arange(B)[:, None].expand(B, T), rows), v)
        if Pi:
            for b, s in enumerate(src_lens):
                K = K.index_put((torch.full((Pi,), b), torch.arange(Pi) + s + 1), infix[:, 2 * l * C:(2 * l + 1) * C])
                Vv = Vv.index_put((torch.full((Pi,), b), torch.arange(Pi) + s + 1), infix[:, (2 * l + 1) * C:(2 * l + 2) * C])
        qh = q.view(B, T, NH, hs).transpose(1, 2)
        kh = K.view(B, Tk, NH, hs).transpose(1, 2)
        vh = Vv.view(B, Tk, NH, hs).transpose(1, 2)
        att = qh @ kh.transpose(-1, -2) / hs ** 0.5
        allowed = (torch.arange(Tk)[None, None, :] <= rows[:, :, None]) & keymask[:, None, :]
        att = att.masked_fill(~allowed[:, None], float("-inf")).softmax(-1)
        y = (att @ vh).transpose(1, 2).reshape(B, T, C)
        x = x + blk.attn.c_proj(y)
        x = x + blk.mlp(blk.ln_2(x))
    logits = model.lm_head(tr.ln_f(x))
    if reduction == "sequence":
        return seq_loss(logits, lab)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), lab[:, 1:].reshape(-1), ignore_index=-100)


ref = base(input_ids=ids, attention_mask=mask, labels=lab).loss
assert abs(float(manual_loss(base)) - float(ref)) < 1e-5, (float(manual_loss(base)), float(ref))
inf_model = copy.deepcopy(base)
for p in inf_model.parameters():
    p.requires_grad_(False)
torch.manual_seed(4)
infix = torch.nn.Parameter(torch.randn(P, 2 * L * C))
record("infix", inf_model, lambda: [("embedding.weight", infix)], lambda: manual_loss(inf_model, infix),
       lambda: manual_loss(inf_model, infix, "sequence"))
