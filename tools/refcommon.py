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
