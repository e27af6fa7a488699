"""A direct torch implementation of BART with the original prefix-tuning code's prefixes
(XiangLi1999/PrefixTuning: seq2seq/prefixTuning.py get_prompt_p5 and its modified
modeling_bart.py), on the weights of a transformers BART (`sd`, its state_dict): each
attention's keys and values are [prefix rows; the tokens' own], the prefix rows never masked,
positions the tokens' own (not shifted by P), the decoder's causal mask letting every query
see all P rows. With no prefixes it is transformers' BART (make_bart_prefix_fixtures.py checks
that first). Used by the fixtures and by `tools/bench_torch.py train --config bart-*`; the
forward is the torch engine's (engines/torch/prefixlab_torch/bart.py), here with the fixtures'
parameters (`KindPrefix`)."""
import os
import sys

import torch

# The forward itself lives in the torch engine, which trains the same prefixes.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engines", "torch"))
from prefixlab_torch.bart import attention, ffn, ln, prefixed_logits  # noqa: E402,F401

twin_logits = prefixed_logits


class KindPrefix(torch.nn.Module):
    """One kind's parameters, named as the engine names them (PEFT's prompt-encoder names)."""

    def __init__(self, layers, C, reparam, g, P, MID):
        super().__init__()
        self.layers, self.C, self.reparam, self.P = layers, C, reparam, P
        W = 2 * layers * C
        if reparam == "mlp":
            self.embedding = torch.nn.Parameter(torch.randn(P, C, generator=g))
            self.w0 = torch.nn.Parameter(0.4 * torch.randn(MID, C, generator=g))
            self.b0 = torch.nn.Parameter(0.1 * torch.randn(MID, generator=g))
            self.w2 = torch.nn.Parameter(0.4 * torch.randn(W, MID, generator=g))
            self.b2 = torch.nn.Parameter(0.1 * torch.randn(W, generator=g))
        else:
            self.embedding = torch.nn.Parameter(0.5 * torch.randn(P, W, generator=g))

    def named(self, kind):
        if self.reparam == "mlp":
            return {f"{kind}.embedding.weight": self.embedding, f"{kind}.transform.0.weight": self.w0, f"{kind}.transform.0.bias": self.b0,
                    f"{kind}.transform.2.weight": self.w2, f"{kind}.transform.2.bias": self.b2}
        return {f"{kind}.embedding.weight": self.embedding}

    def rows(self):
        """(L, P, 2, C): the MLP's (P, 2·L·C) output viewed as the original's (P, 2L, heads, hs)."""
        out = torch.tanh(self.embedding @ self.w0.T + self.b0) @ self.w2.T + self.b2 if self.reparam == "mlp" else self.embedding
        return out.view(self.P, self.layers, 2, self.C).permute(1, 0, 2, 3)


