"""A direct torch implementation of BART with the original prefix-tuning code's prefixes
(XiangLi1999/PrefixTuning: seq2seq/prefixTuning.py get_prompt_p5 and its modified
modeling_bart.py), on the weights of a transformers BART (`sd`, its state_dict): each
attention's keys and values are [prefix rows; the tokens' own], the prefix rows never masked,
positions the tokens' own (not shifted by P), the decoder's causal mask letting every query
see all P rows. With no prefixes it is transformers' BART (make_bart_prefix_fixtures.py checks
that first). Used by the fixtures and by `tools/bench_torch.py train --config bart-*`."""
import torch
import torch.nn.functional as F

def ln(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, 1e-5)


def attention(sd, pre, xq, xkv, heads, key_mask, causal, prefix):
    """BART's attention with the original code's prefix: prefix (P, 2, C) rows before the keys."""
    B, T, C = xq.shape
    hs = C // heads
    q = xq @ sd[pre + "q_proj.weight"].T + sd[pre + "q_proj.bias"]
    k = xkv @ sd[pre + "k_proj.weight"].T + sd[pre + "k_proj.bias"]
    v = xkv @ sd[pre + "v_proj.weight"].T + sd[pre + "v_proj.bias"]
    Pn = 0
    if prefix is not None:
        Pn = prefix.shape[0]
        k = torch.cat([prefix[:, 0].unsqueeze(0).expand(B, Pn, C), k], 1)
        v = torch.cat([prefix[:, 1].unsqueeze(0).expand(B, Pn, C), v], 1)
        key_mask = torch.cat([torch.ones(B, Pn, dtype=key_mask.dtype), key_mask], 1)
    S = k.shape[1]
    q = q.view(B, T, heads, hs).transpose(1, 2)
    k = k.view(B, S, heads, hs).transpose(1, 2)
    v = v.view(B, S, heads, hs).transpose(1, 2)
    allowed = key_mask.bool()[:, None, None, :].expand(B, 1, T, S)
    if causal:
        tri = torch.arange(S)[None, :] <= (torch.arange(T)[:, None] + Pn)
        allowed = allowed & tri[None, None]
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    o = o.transpose(1, 2).reshape(B, T, C)
    return o @ sd[pre + "out_proj.weight"].T + sd[pre + "out_proj.bias"]


def ffn(sd, pre, x):
    return F.linear(F.gelu(F.linear(x, sd[pre + "fc1.weight"], sd[pre + "fc1.bias"])), sd[pre + "fc2.weight"], sd[pre + "fc2.bias"])


def twin_logits(sd, cfg, enc_ids, enc_mask, dec_ids, prefixes):
    """prefixes: kind -> (L_kind, P, 2, C) or absent."""
    scale = cfg.d_model ** 0.5 if cfg.scale_embedding else 1.0
    E = sd["model.shared.weight"]
    B, S = enc_ids.shape
    x = E[enc_ids] * scale + sd["model.encoder.embed_positions.weight"][torch.arange(S) + 2]
    x = ln(x, sd["model.encoder.layernorm_embedding.weight"], sd["model.encoder.layernorm_embedding.bias"])
    for l in range(cfg.encoder_layers):
        pre = f"model.encoder.layers.{l}."
        pe = prefixes["encoder"][l] if "encoder" in prefixes else None
        x = ln(x + attention(sd, pre + "self_attn.", x, x, cfg.encoder_attention_heads, enc_mask, False, pe),
               sd[pre + "self_attn_layer_norm.weight"], sd[pre + "self_attn_layer_norm.bias"])
        x = ln(x + ffn(sd, pre, x), sd[pre + "final_layer_norm.weight"], sd[pre + "final_layer_norm.bias"])
    T = dec_ids.shape[1]
    y = E[dec_ids] * scale + sd["model.decoder.embed_positions.weight"][torch.arange(T) + 2]
    y = ln(y, sd["model.decoder.layernorm_embedding.weight"], sd["model.decoder.layernorm_embedding.bias"])
    ones = torch.ones(B, T, dtype=enc_mask.dtype)
    for l in range(cfg.decoder_layers):
        pre = f"model.decoder.layers.{l}."
        pd = prefixes["decoder"][l] if "decoder" in prefixes else None
        pc = prefixes["cross"][l] if "cross" in prefixes else None
        y = ln(y + attention(sd, pre + "self_attn.", y, y, cfg.decoder_attention_heads, ones, True, pd),
               sd[pre + "self_attn_layer_norm.weight"], sd[pre + "self_attn_layer_norm.bias"])
        y = ln(y + attention(sd, pre + "encoder_attn.", y, x, cfg.decoder_attention_heads, enc_mask, False, pc),
               sd[pre + "encoder_attn_layer_norm.weight"], sd[pre + "encoder_attn_layer_norm.bias"])
        y = ln(y + ffn(sd, pre, y), sd[pre + "final_layer_norm.weight"], sd[pre + "final_layer_norm.bias"])
    return y @ E.T + sd["final_logits_bias"]


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


