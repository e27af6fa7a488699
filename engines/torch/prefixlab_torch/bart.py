"""BART in the torch engine, as the native engine trains it (Sources/Models/BART): the sequence
contract (encoder [<s>] + source + [</s>]; labels [<s>] + target + [</s>]; decoder input
[</s>] + labels[:-1]; every label scored) and the methods' BART forms. Fine-tuning, LoRA and
PEFT's seq2seq PrefixTuning (`prefix_kinds` peft) are transformers and PEFT themselves; the
paper's three prefixes (XiangLi1999/PrefixTuning's get_prompt_p5: encoder self-attention,
decoder self-attention, cross-attention, each its own embedding and MLP; rows never masked and
taking no positions) run through `prefixed_logits`, a direct implementation of BART's forward
with those rows (equal to transformers with none: tools/make_bart_prefix_fixtures.py checks
it); embedding-only puts P unscaled rows before each document's embeddings, as PEFT's seq2seq
PromptTuning reads them."""
import torch
import torch.nn.functional as F

BOS, PAD, EOS = 0, 1, 2


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
        k = torch.cat([prefix[:, 0].unsqueeze(0).expand(B, Pn, C).to(k.dtype), k], 1)
        v = torch.cat([prefix[:, 1].unsqueeze(0).expand(B, Pn, C).to(v.dtype), v], 1)
        key_mask = torch.cat([torch.ones(B, Pn, dtype=key_mask.dtype, device=key_mask.device), key_mask], 1)
    S = k.shape[1]
    q = q.view(B, T, heads, hs).transpose(1, 2)
    k = k.view(B, S, heads, hs).transpose(1, 2)
    v = v.view(B, S, heads, hs).transpose(1, 2)
    allowed = key_mask.bool()[:, None, None, :].expand(B, 1, T, S)
    if causal:
        tri = torch.arange(S, device=xq.device)[None, :] <= (torch.arange(T, device=xq.device)[:, None] + Pn)
        allowed = allowed & tri[None, None]
    o = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    o = o.transpose(1, 2).reshape(B, T, C)
    return o @ sd[pre + "out_proj.weight"].T + sd[pre + "out_proj.bias"]


def ffn(sd, pre, x):
    return F.linear(F.gelu(F.linear(x, sd[pre + "fc1.weight"], sd[pre + "fc1.bias"])), sd[pre + "fc2.weight"], sd[pre + "fc2.bias"])


def prefixed_logits(sd, cfg, enc_ids, enc_mask, dec_ids, prefixes):
    """BART's logits from its state dict `sd` with the original code's prefixes: kind ->
    (L_kind, P, 2, C), or absent. No dropout (a prefix run's frozen model has none)."""
    scale = cfg.d_model ** 0.5 if cfg.scale_embedding else 1.0
    E = sd["model.shared.weight"]
    dev = enc_ids.device
    B, S = enc_ids.shape
    x = E[enc_ids] * scale + sd["model.encoder.embed_positions.weight"][torch.arange(S, device=dev) + 2]
    x = ln(x, sd["model.encoder.layernorm_embedding.weight"], sd["model.encoder.layernorm_embedding.bias"])
    for l in range(cfg.encoder_layers):
        pre = f"model.encoder.layers.{l}."
        pe = prefixes["encoder"][l] if "encoder" in prefixes else None
        x = ln(x + attention(sd, pre + "self_attn.", x, x, cfg.encoder_attention_heads, enc_mask, False, pe),
               sd[pre + "self_attn_layer_norm.weight"], sd[pre + "self_attn_layer_norm.bias"])
        x = ln(x + ffn(sd, pre, x), sd[pre + "final_layer_norm.weight"], sd[pre + "final_layer_norm.bias"])
    T = dec_ids.shape[1]
    y = E[dec_ids] * scale + sd["model.decoder.embed_positions.weight"][torch.arange(T, device=dev) + 2]
    y = ln(y, sd["model.decoder.layernorm_embedding.weight"], sd["model.decoder.layernorm_embedding.bias"])
    ones = torch.ones(B, T, dtype=enc_mask.dtype, device=dev)
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


def batch_tensors(examples, device):
    """Right-padded encoder inputs and mask, decoder inputs, and each example's labels."""
    enc = [[BOS] + s + [EOS] for s, _ in examples]
    labels = [[BOS] + t + [EOS] for _, t in examples]
    dec = [[EOS] + l[:-1] for l in labels]
    S, T = max(map(len, enc)), max(map(len, dec))
    ids = torch.full((len(enc), S), PAD, dtype=torch.long)
    mask = torch.zeros((len(enc), S), dtype=torch.long)
    dids = torch.full((len(enc), T), PAD, dtype=torch.long)
    for b, (e, d) in enumerate(zip(enc, dec)):
        ids[b, :len(e)] = torch.tensor(e)
        mask[b, :len(e)] = 1
        dids[b, :len(d)] = torch.tensor(d)
    return ids.to(device), mask.to(device), dids.to(device), labels


def weighted_nll(logits, labels, weights, device):
    """Σ weight · NLL of every label token (float32 log-softmax)."""
    lp = torch.log_softmax(logits.float(), -1)
    total = torch.zeros((), device=device)
    for b, lab in enumerate(labels):
        y = torch.tensor(lab, device=device)
        total = total + weights[b] * -lp[b, :len(lab)].gather(-1, y[:, None]).sum()
    return total


class ThreePrefixBART(torch.nn.Module):
    """The frozen BART with the original code's prefixes: `kinds` maps each trained kind
    (encoder, decoder, cross) to its row encoder (P, 2·L·C), PEFT's column layout (layer l's
    keys at column 2l·C, its values at (2l + 1)·C)."""

    def __init__(self, base, kinds):
        super().__init__()
        self.base = base
        self.kinds = torch.nn.ModuleDict(kinds)
        self.P = next(iter(kinds.values())).embedding.num_embeddings

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        cfg, C = self.base.config, self.base.config.d_model
        idx = torch.arange(self.P, device=input_ids.device)
        prefixes = {}
        for kind, enc in self.kinds.items():
            layers = cfg.encoder_layers if kind == "encoder" else cfg.decoder_layers
            prefixes[kind] = enc(idx).view(self.P, layers, 2, C).permute(1, 0, 2, 3)
        sd = dict(self.base.state_dict(keep_vars=False))
        return prefixed_logits(sd, cfg, input_ids, attention_mask, decoder_input_ids, prefixes)


class PromptBART(torch.nn.Module):
    """Embedding-only on BART: `embedding` (P, C) rows before each document's (scaled) token
    embeddings, unscaled, at positions 0..P-1 (what PEFT's seq2seq PromptTuning feeds as
    inputs_embeds), never masked."""

    def __init__(self, base, P):
        super().__init__()
        self.base = base
        self.embedding = torch.nn.Embedding(P, base.config.d_model)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        B = input_ids.shape[0]
        rows = self.embedding.weight.unsqueeze(0).expand(B, -1, -1)
        tokens = self.base.get_encoder().embed_tokens(input_ids)
        mask = torch.cat([torch.ones(B, rows.shape[1], dtype=attention_mask.dtype, device=attention_mask.device), attention_mask], 1)
        return self.base(inputs_embeds=torch.cat([rows.to(tokens.dtype), tokens], 1), attention_mask=mask,
                         decoder_input_ids=decoder_input_ids).logits
