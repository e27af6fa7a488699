"""What the BART fixture scripts share: the fixture's padded batch and lm-score's contract
computed with a transformers (or PEFT) BART."""
import json, os
import torch


def padded_batch(d):
    """The fixture's batch (reference.json, tools/make_bart_fixtures.py): encoder ids and mask,
    decoder inputs, labels padded with -100 (transformers' loss: the mean over label tokens)."""
    with open(os.path.join(d, "reference.json")) as f:
        meta = json.load(f)
    enc, labels, dec = meta["batch"]["encoder_ids"], meta["batch"]["labels"], meta["batch"]["decoder_ids"]
    S, T = max(map(len, enc)), max(map(len, dec))
    ids = torch.tensor([e + [1] * (S - len(e)) for e in enc])
    mask = torch.tensor([[1] * len(e) + [0] * (S - len(e)) for e in enc])
    dids = torch.tensor([x + [1] * (T - len(x)) for x in dec])
    lab = torch.tensor([l + [-100] * (T - len(l)) for l in labels])
    return meta, ids, mask, dids, lab


def lm_scores(model, d, pairs):
    """`prefixlab lm-score --json`'s numbers for BART: encoder [<s>] + source + [</s>], labels
    [<s>] + target + [</s>], decoder input [</s>] + labels[:-1], every label scored."""
    from transformers import RobertaTokenizer
    tok = RobertaTokenizer(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))
    scores = []
    with torch.no_grad():
        for line in open(pairs):
            p_ = json.loads(line)
            enc = torch.tensor([[0] + tok.encode(p_["source"], add_special_tokens=False) + [2]])
            lab = [0] + tok.encode(p_["target"], add_special_tokens=False) + [2]
            lo = model(input_ids=enc, attention_mask=torch.ones_like(enc), decoder_input_ids=torch.tensor([[2] + lab[:-1]])).logits[0].double()
            lp = torch.log_softmax(lo, -1)
            nll = -sum(lp[i, lab[i]].item() for i in range(len(lab)))
            scores.append({"nll_sum": nll, "nll_mean": nll / len(lab), "n_tokens": len(lab)})
    return {"examples": scores, "mean_nll": sum(x["nll_sum"] for x in scores) / sum(x["n_tokens"] for x in scores)}


def gradients_and_steps(params, loss_fn, tensors, prefix, name=lambda n: n):
    """The loss of `loss_fn`, every parameter's gradient (`<prefix>grad.<name>`) and θ₃ − θ₀
    after refcommon.train3's 3 AdamW steps (`<prefix>delta.<name>`) into `tensors`."""
    from refcommon import train3
    loss = loss_fn()
    loss.backward()
    for n, p in params.items():
        tensors[f"{prefix}grad.{name(n)}"] = p.grad.detach().clone().contiguous()
        p.grad = None
    before = {n: p.detach().clone() for n, p in params.items()}
    train3(list(params.values()), loss_fn)
    for n, p in params.items():
        tensors[f"{prefix}delta.{name(n)}"] = (p.detach() - before[n]).contiguous()
    return loss
