#!/usr/bin/env python3
"""Reference fixtures for BART prefix-tuning as the paper's code does it (issue #17).

XiangLi1999/PrefixTuning (seq2seq/prefixTuning.py, get_prompt_p5, and its modified
transformers/src/transformers/modeling_bart.py) trains three prefixes, each its own embedding
(P, C) and MLP Linear(C, mid) -> tanh -> Linear(mid, 2·L·C): one for the encoder's
self-attention, one for the decoder's self-attention, one for the decoder's cross-attention.
Each attention's keys and values are [prefix rows; the tokens' own], the prefix rows never
masked; positions are the tokens' own (0, 1, ... + BART's offset 2), not shifted by P; the
decoder's causal mask lets every query see all P rows. That code runs on transformers 3.x, so
this is a direct torch implementation of it on the weights of a transformers 5.24 BART, checked
first against transformers itself with empty prefixes.

Run by hand (never by CI), with the torch engine's environment:
    PYTHONPATH=tools HF_HUB_OFFLINE=1 engines/torch/.venv/bin/python tools/make_bart_prefix_fixtures.py

Reads Tests/Fixtures/bart/{tiny,deep} (tools/make_bart_fixtures.py) and writes there
prefix.safetensors and prefix.json: for each case (the three kinds together, each alone, and the
three without the MLP) the initial parameters (init.<kind>.<name>), the loss on the fixture's
padded batch, the gradient of every prefix parameter and θ₃ − θ₀ after 3 AdamW steps
(refcommon.train3), the batch's logits at sampled columns, and greedy decoding of the batch's
documents with the trained prefixes (12 new tokens at most, at least 6; the twin recomputes
every step, no cache). And tiny/peft-train.{safetensors,json}: PEFT 0.21.2's own seq2seq
PrefixTuning (with its projection) trained by PEFT on that batch: initial tensors, loss,
gradients, θ₃ − θ₀, and the adapter tensor it saves; tiny/peft-prompt-train.* and
bart/peft-prompt/: the same for PEFT's seq2seq PromptTuning (the embedding-only method), with
the adapter folder and lm-score as PEFT scores it.
"""
import json, os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import BartForConditionalGeneration
from refcommon import train3
from bart_twin import KindPrefix, twin_logits
from bart_fixture_data import gradients_and_steps, lm_scores, padded_batch

ROOT = "Tests/Fixtures/bart"
P, MID = 3, 8
KINDS = ("encoder", "decoder", "cross")
CASES = {
    "all": (KINDS, "mlp"),
    "encoder": (("encoder",), "mlp"),
    "decoder": (("decoder",), "mlp"),
    "cross": (("cross",), "mlp"),
    "all-none": (KINDS, "none"),
}


def greedy(sd, cfg, enc_ids, enc_mask, prefixes, new_tokens, min_new):
    """`generate --max-new-tokens N --min-new-tokens M` greedy: </s> banned before M new
    tokens, the N-th forced to </s> (forced_eos_token_id); ids without the start and the </s>."""
    out = []
    for b in range(enc_ids.shape[0]):
        n = int(enc_mask[b].sum())
        dec = [cfg.decoder_start_token_id]
        for i in range(new_tokens):
            lo = twin_logits(sd, cfg, enc_ids[b:b + 1, :n], enc_mask[b:b + 1, :n], torch.tensor([dec]), prefixes)[0, -1]
            if i < min_new:
                lo[cfg.eos_token_id] = float("-inf")
            t = cfg.eos_token_id if i == new_tokens - 1 else int(lo.argmax())
            if t == cfg.eos_token_id:
                break
            dec.append(t)
        out.append(dec[1:])
    return out


def make(name):
    d = os.path.join(ROOT, name)
    model = BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32).eval()
    cfg = model.config
    sd = {k: v.detach() for k, v in model.state_dict().items()}
    meta, ids, mask, dids, lab = padded_batch(d)
    # The twin without prefixes is transformers.
    with torch.no_grad():
        want = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids).logits
        have = twin_logits(sd, cfg, ids, mask, dids, {})
        err = (want - have).abs().max().item()
    assert err < 1e-4, f"{name}: twin vs transformers without prefixes: {err}"
    print(name, "twin = transformers without prefixes, max |Δlogit|", err)

    tensors, info = {}, {"P": P, "mid_dim": MID, "twin_vs_transformers": err, "cases": {}}
    sample = meta["sample_ids"]
    for ci, (case, (kinds, reparam)) in enumerate(CASES.items()):
        g = torch.Generator().manual_seed(31 + ci)
        layers = {"encoder": cfg.encoder_layers, "decoder": cfg.decoder_layers, "cross": cfg.decoder_layers}
        mods = {k: KindPrefix(layers[k], cfg.d_model, reparam, g, P, MID) for k in kinds}
        params = {}
        for k, m in mods.items():
            params.update(m.named(k))
        for n, p_ in params.items():
            tensors[f"{case}.init.{n}"] = p_.detach().clone().contiguous()

        def loss_fn():
            lo = twin_logits(sd, cfg, ids, mask, dids, {k: m.rows() for k, m in mods.items()})
            return F.cross_entropy(lo.view(-1, lo.shape[-1]), lab.view(-1), ignore_index=-100)

        loss = loss_fn()
        loss.backward()
        for n, p_ in params.items():
            tensors[f"{case}.grad.{n}"] = p_.grad.detach().clone().contiguous()
            p_.grad = None
        with torch.no_grad():
            lo = twin_logits(sd, cfg, ids, mask, dids, {k: m.rows() for k, m in mods.items()})
            tensors[f"{case}.cols"] = lo[..., sample].contiguous()
            tensors[f"{case}.lse"] = torch.logsumexp(lo, -1).contiguous()
        before = {n: p_.detach().clone() for n, p_ in params.items()}
        train3(list(params.values()), loss_fn)
        for n, p_ in params.items():
            tensors[f"{case}.delta.{n}"] = (p_.detach() - before[n]).contiguous()
        with torch.no_grad():
            rows = {k: m.rows() for k, m in mods.items()}
            folded = {k: r.permute(1, 0, 2, 3).reshape(P, -1).contiguous() for k, r in rows.items()}
            for k, v in folded.items():
                tensors[f"{case}.trained.{k}"] = v
            gen = greedy(sd, cfg, ids, mask, rows, 12, 6)
        info["cases"][case] = {"kinds": list(kinds), "reparam": reparam, "loss": loss.item(), "greedy_after_training": gen}
        print(name, case, "loss", round(loss.item(), 6), "greedy", gen)
    save_file(tensors, os.path.join(d, "prefix.safetensors"))
    with open(os.path.join(d, "prefix.json"), "w") as f:
        json.dump(info, f, indent=1)


def make_peft(name):
    """PEFT's own seq2seq PrefixTuning (prefix_projection, P 3, encoder_hidden_size 8) trained by
    PEFT on the same batch: what `--prefix-kinds peft` must equal (tiny: equal depths)."""
    from peft import PrefixTuningConfig, get_peft_model
    d = os.path.join(ROOT, name)
    base = BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32)
    pm = get_peft_model(base, PrefixTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=P, prefix_projection=True, encoder_hidden_size=MID))
    pm.train()  # the fixture model has no dropout
    enc_mod = pm.prompt_encoder["default"]
    g = torch.Generator().manual_seed(77)
    with torch.no_grad():
        for n_, p_ in enc_mod.named_parameters():
            p_.copy_((1.0 if n_ == "embedding.weight" else 0.4) * torch.randn(p_.shape, generator=g))
    params = dict(enc_mod.named_parameters())
    meta, ids, mask, dids, lab = padded_batch(d)
    tensors = {f"peft.init.{n_}": p_.detach().clone().contiguous() for n_, p_ in params.items()}

    loss = gradients_and_steps(params, lambda: pm(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss, tensors, "peft.")
    with torch.no_grad():
        tensors["peft.trained.prompt_embeddings"] = pm.get_prompt_embedding_to_save("default").contiguous()
    save_file(tensors, os.path.join(d, "peft-train.safetensors"))
    with open(os.path.join(d, "peft-train.json"), "w") as f:
        json.dump({"P": P, "encoder_hidden_size": MID, "loss": loss.item()}, f, indent=1)
    print(name, "peft loss", loss.item())


def make_peft_prompt(name):
    """PEFT's seq2seq PromptTuning (P 3) on `name`: the adapter folder (bart/peft-prompt) and
    lm-score as PEFT's forward scores it; then trained by PEFT on the batch (initial rows, loss,
    gradient, θ₃ − θ₀: what `--method embedding` on BART must equal). PEFT keeps 2P rows (one
    block per transformer submodule) and reads the first P, before the document's embeddings."""
    from peft import PeftModel, PromptTuningConfig, get_peft_model
    d = os.path.join(ROOT, name)
    pm = get_peft_model(BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32), PromptTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=P))
    pm.train()
    emb = pm.prompt_encoder["default"].embedding.weight
    with torch.no_grad():
        emb.copy_(torch.randn(emb.shape, generator=torch.Generator().manual_seed(88)))
    out = os.path.join(ROOT, "peft-prompt")
    pm.save_pretrained(out)
    if os.path.exists(os.path.join(out, "README.md")):
        os.remove(os.path.join(out, "README.md"))
    loaded = PeftModel.from_pretrained(BartForConditionalGeneration.from_pretrained(d, torch_dtype=torch.float32), out).eval()
    scored = lm_scores(loaded, d, os.path.join(ROOT, "pairs.jsonl"))
    scores = scored["examples"]
    with open(os.path.join(out, "lm_score.json"), "w") as f:
        json.dump(scored, f, indent=1)
    meta, ids, mask, dids, lab = padded_batch(d)
    tensors = {"prompt.init.embedding.weight": emb.detach()[:P].clone().contiguous()}

    def loss_fn():
        return pm(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss

    loss = loss_fn()
    loss.backward()
    assert emb.grad[P:].abs().max().item() == 0, "PEFT reads rows past P"
    tensors["prompt.grad.embedding.weight"] = emb.grad[:P].clone().contiguous()
    emb.grad = None
    before = emb.detach().clone()
    train3([emb], loss_fn)
    tensors["prompt.delta.embedding.weight"] = (emb.detach() - before)[:P].contiguous()
    save_file(tensors, os.path.join(d, "peft-prompt-train.safetensors"))
    with open(os.path.join(d, "peft-prompt-train.json"), "w") as f:
        json.dump({"P": P, "loss": loss.item(), "lm_score_mean_nll": scores and sum(x["nll_sum"] for x in scores) / sum(x["n_tokens"] for x in scores)}, f, indent=1)
    print(name, "prompt loss", loss.item(), "lm-score", scores)


torch.manual_seed(0)
for n in ["tiny", "deep"]:
    make(n)
make_peft("tiny")
make_peft_prompt("tiny")
