"""Shared pieces of the fixture scripts: the real GPT-2 tokenizer from ../shared and the
lm-score contract computed with a PyTorch model."""
import os, shutil, tempfile
import torch
from transformers import GPT2TokenizerFast


def gpt2_tokenizer(shared):
    d = tempfile.mkdtemp()
    shutil.copy(os.path.join(shared, "tokenizers/gpt2/encoder.json"), os.path.join(d, "vocab.json"))
    shutil.copy(os.path.join(shared, "tokenizers/gpt2/vocab.bpe"), os.path.join(d, "merges.txt"))
    return GPT2TokenizerFast.from_pretrained(d)


def lm_score(logits_of, tok, pairs, skip=0):
    """`prefixlab lm-score`'s output: source + eos + " " + target + eos, the target tokens and
    the final eos scored. `logits_of(ids)` returns (positions, V) logits; the first `skip`
    rows (prompt-tuning's virtual tokens) are dropped."""
    eos = tok.eos_token_id
    out, total, count = [], 0.0, 0
    with torch.no_grad():
        for p in pairs:
            src, tgt = tok.encode(p["source"]), tok.encode(" " + p["target"])
            seq = src + [eos] + tgt + [eos]
            lp = torch.log_softmax(logits_of(seq)[skip:].double(), -1)
            start = len(src) + 1
            nll = -sum(lp[k - 1, seq[k]].item() for k in range(start, len(seq)))
            n = len(seq) - start
            out.append({"nll_sum": nll, "nll_mean": nll / n, "n_tokens": n})
            total += nll
            count += n
    return {"examples": out, "mean_nll": total / count}


def seq_loss(logits, labels):
    """Each sequence's summed NLL, averaged over the batch (the original code's reduction)."""
    lp = torch.log_softmax(logits[:, :-1].float(), -1)
    y = labels[:, 1:]
    nll = -lp.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1) * (y != -100)
    return nll.sum(1).mean()


def train3(params, loss_fn, on_step=lambda s: None):
    """3 AdamW steps at lr 1e-2 with linear decay over 3 steps and clipping at 1.0, as the
    training fixtures' updates are defined; `on_step(s)` runs before step s."""
    opt = torch.optim.AdamW(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (3 - s) / 3))
    for s in range(3):
        on_step(s)
        opt.zero_grad()
        loss_fn().backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
