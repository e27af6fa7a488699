#!/usr/bin/env python3
"""PyTorch twins of `prefixlab bench forward` and `prefixlab bench train`: the same GPT-2
shapes, random weights, threads and work, median over timed repetitions.
    ~/.venvs/ref/bin/python tools/bench_torch.py forward --config gpt2 --batch 5 --seq 64 --threads 2
    ~/.venvs/ref/bin/python tools/bench_torch.py train --method prefix --config gpt2 --batch 5 --seq 64 --threads 2
    ~/.venvs/ref/bin/python tools/bench_torch.py train --method prefix --config bart-base --batch 4 --seq 256 --target-seq 64 --threads 2
train: one step = forward with labels = inputs, backward, clip_grad_norm_(1.0), AdamW step;
prefix = PEFT PrefixTuning (prefix length 10, MLP 512), embedding = PEFT PromptTuning (10),
finetune = every weight. Dropout is off in both engines (the engine's bench runs none).
Prints one JSON object on the last line with the same keys as the engine."""
import argparse, json, resource, statistics, time
import torch
from transformers import GPT2Config, GPT2LMHeadModel

SIZES = {"distilgpt2": (6, 12, 768), "gpt2": (12, 12, 768), "gpt2-medium": (24, 16, 1024),
         "gpt2-large": (36, 20, 1280), "gpt2-xl": (48, 25, 1600)}
ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["forward", "train", "generate"])
ap.add_argument("--beam", type=int, default=1)
ap.add_argument("--prompt-length", type=int, default=40)
ap.add_argument("--new-tokens", type=int, default=32)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--method", default="prefix")
ap.add_argument("--prefix-length", type=int, default=10)
ap.add_argument("--mid-dim", type=int, default=512)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--config", default="gpt2")
ap.add_argument("--batch", type=int, default=5)
ap.add_argument("--seq", type=int, default=64)
ap.add_argument("--target-seq", type=int, default=64)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--weights", default="f32", help="accepted so one command line serves both engines; transformers always runs float32 here (float16 matmuls on this CPU are slower, not faster)")
a = ap.parse_args()
torch.set_num_threads(a.threads)


def timed_generation(once):
    """One warm-up, then the median of --repeats runs; new tokens/s over the batch."""
    once()
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    return t, a.batch * a.new_tokens / t


class LinAdapter(torch.nn.Module):
    """x + up(relu(down(LayerNorm(x)))), bottleneck 100: the engine's `lin` adapter."""

    def __init__(self, C):
        super().__init__()
        self.ln, self.project_down, self.project_up = torch.nn.LayerNorm(C), torch.nn.Linear(C, 100), torch.nn.Linear(100, C)

    def forward(self, x):
        return x + self.project_up(torch.relu(self.project_down(self.ln(x))))


def lin_adapters(model, blocks, C):
    """Freezes `model` and puts a lin adapter on each block's output (by forward hooks)."""
    for p in model.parameters():
        p.requires_grad_(False)
    for blk in blocks:
        blk.adapter_block = LinAdapter(C)
        blk.register_forward_hook(lambda m, i, o, ad=blk.adapter_block: (ad(o[0]),) + tuple(o[1:]) if isinstance(o, tuple) else ad(o))


def timed_training(params, step_loss):
    """The engine's step: zero the gradients, forward and backward, clip at 1.0, AdamW (lr 1e-4);
    2 warm-up steps, then the median of --steps. Returns (seconds, losses, peak RSS MiB, trainable)."""
    opt = torch.optim.AdamW(params, lr=1e-4)
    losses, times = [], []
    for s in range(a.steps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = step_loss()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if s >= 2:
            times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    return statistics.median(times), losses, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, sum(p.numel() for p in params)


if a.what == "generate" and a.config.startswith("bart"):
    # BART's generate on --batch random documents of --prompt-length tokens: beam search with
    # the engine's settings (no processors but the forced </s> at the last position, which
    # both give; </s> kept out of reach until then), exactly --new-tokens new tokens each.
    from transformers import BartConfig, BartForConditionalGeneration
    d, layers, heads, ffn = {"bart-base": (768, 6, 12, 3072), "bart-large": (1024, 12, 16, 4096)}[a.config]
    model = BartForConditionalGeneration(BartConfig(d_model=d, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads,
                                                    decoder_attention_heads=heads, encoder_ffn_dim=ffn, decoder_ffn_dim=ffn)).eval()
    with torch.no_grad():
        model.final_logits_bias[0, 2] = -100.0
    ids = torch.randint(4, 50264, (a.batch, a.prompt_length))
    def once():
        with torch.inference_mode():
            return model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), num_beams=a.beam, do_sample=False, max_length=a.new_tokens + 1,
                                  min_length=0, no_repeat_ngram_size=0, length_penalty=1.0, early_stopping=False, forced_eos_token_id=2)
    t, tps = timed_generation(once)
    print(f"torch {torch.__version__} generate {a.config} beam {a.beam} batch {a.batch}, documents of {a.prompt_length} tokens, "
          f"{a.new_tokens} new tokens each, {a.threads} threads: {t:.2f} s, {tps:.1f} new tokens/s")
    print(json.dumps({"tokens_per_s": round(tps, 2), "seconds": round(t, 3)}))
    raise SystemExit
if a.what == "train" and a.config.startswith("bart"):
    # BART's training step on --batch random documents of --seq rows and targets of
    # --target-seq rows, every label scored (tokens/s counts both). finetune: transformers'
    # BART, every weight; prefix: the original code's three prefixes (tools/bart_twin.py, a
    # direct torch implementation on the frozen weights, each prefix its own embedding and MLP);
    # embedding: PEFT's seq2seq PromptTuning; lora: PEFT's LoRA; adapter: lin adapters by hooks.
    # Dropout off, as in the engine's bench.
    from transformers import BartConfig, BartForConditionalGeneration
    d, layers, heads, ffn = {"bart-base": (768, 6, 12, 3072), "bart-large": (1024, 12, 16, 4096)}[a.config]
    cfg = BartConfig(d_model=d, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads, decoder_attention_heads=heads,
                     encoder_ffn_dim=ffn, decoder_ffn_dim=ffn, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
    model = BartForConditionalGeneration(cfg).train()
    B, S, T = a.batch, a.seq, a.target_seq
    ids = torch.cat([torch.zeros(B, 1, dtype=torch.long), torch.randint(4, 50264, (B, S - 2)), torch.full((B, 1), 2)], 1)
    labels = torch.cat([torch.zeros(B, 1, dtype=torch.long), torch.randint(4, 50264, (B, T - 2)), torch.full((B, 1), 2)], 1)
    dec = torch.cat([torch.full((B, 1), 2), labels[:, :-1]], 1)
    mask = torch.ones_like(ids)
    if a.method == "prefix":
        import torch.nn.functional as F
        from bart_twin import KindPrefix, twin_logits
        for p_ in model.parameters():
            p_.requires_grad_(False)
        sd = dict(model.state_dict())
        g = torch.Generator().manual_seed(2)
        kinds = {k: KindPrefix(layers, d, "mlp", g, a.prefix_length, a.mid_dim) for k in ("encoder", "decoder", "cross")}
        params = [p_ for m in kinds.values() for p_ in m.parameters()]
        def step_loss():
            lo = twin_logits(sd, cfg, ids, mask, dec, {k: m.rows() for k, m in kinds.items()})
            return F.cross_entropy(lo.reshape(-1, lo.shape[-1]), labels.reshape(-1))
    else:
        if a.method == "embedding":
            from peft import PromptTuningConfig, get_peft_model
            model = get_peft_model(model, PromptTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=a.prefix_length))
        elif a.method == "lora":  # PEFT's default BART targets, prefixlab's r 8, alpha 16
            from peft import LoraConfig, get_peft_model
            model = get_peft_model(model, LoraConfig(task_type="SEQ_2_SEQ_LM", r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                                     lora_dropout=0.0))
        elif a.method == "adapter":  # lin, bottleneck 100, on every layer's output (tools/make_bart_adapter_fixtures.py's twin)
            lin_adapters(model, list(model.model.encoder.layers) + list(model.model.decoder.layers), d)
        elif a.method != "finetune":
            raise SystemExit(f"--method {a.method}: BART trains with finetune, prefix, embedding, lora or adapter")
        params = [p_ for p_ in model.parameters() if p_.requires_grad]
        def step_loss():
            return model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec, labels=labels).loss
    t, losses, rss, n = timed_training(params, step_loss)
    tokens = B * (S + T)
    print(f"torch {torch.__version__} train {a.method} {a.config} batch {B} x (seq {S} + target {T}), {a.threads} threads: "
          f"{t*1000:.1f} ms/step, {tokens/t:.0f} tokens/s, peak RSS {rss:.0f} MiB, {n} trainable, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print(json.dumps({"tokens_per_s": round(tokens / t, 1), "ms_per_step": round(t * 1000, 2), "peak_rss_mb": round(rss),
                      "trainable_params": n, "first_loss": losses[0], "last_loss": losses[-1]}))
    raise SystemExit
L, H, C = SIZES[a.config]
if a.what == "generate":
    # transformers' generate with a prefix pre-filled as the KV cache (rows = batch × beams), an
    # attention mask with P leading ones, exactly --new-tokens new tokens (min_new_tokens).
    from transformers import DynamicCache
    model = GPT2LMHeadModel(GPT2Config(n_layer=L, n_head=H, n_embd=C)).eval()
    P = a.prefix_length
    ids = torch.randint(0, 50256, (a.batch, a.prompt_length))
    prefix = torch.randn(2 * L, H, P, C // H)

    def cache():
        c = DynamicCache()
        rows = a.batch * a.beam
        for l in range(L):
            c.update(prefix[2 * l][None].expand(rows, -1, -1, -1).contiguous(),
                     prefix[2 * l + 1][None].expand(rows, -1, -1, -1).contiguous(), l)
        return c
    mask = torch.ones(a.batch, P + a.prompt_length, dtype=torch.long)

    def once():
        with torch.inference_mode():
            return model.generate(input_ids=ids, attention_mask=mask, past_key_values=cache(), max_new_tokens=a.new_tokens,
                                  min_new_tokens=a.new_tokens, num_beams=a.beam, do_sample=False, pad_token_id=50256)
    t, tps = timed_generation(once)
    print(f"torch {torch.__version__} generate {a.config} beam {a.beam} batch {a.batch}, prompt {a.prompt_length} + prefix {P}, "
          f"{a.new_tokens} new tokens each, {a.threads} threads: {t:.2f} s, {tps:.1f} new tokens/s")
    print(json.dumps({"tokens_per_s": round(tps, 2), "seconds": round(t, 3)}))
    raise SystemExit
ids = torch.randint(0, 50257, (a.batch, a.seq))
if a.what == "train":
    from peft import PrefixTuningConfig, PromptTuningConfig, get_peft_model, TaskType
    model = GPT2LMHeadModel(GPT2Config(n_layer=L, n_head=H, n_embd=C, attn_pdrop=0, resid_pdrop=0, embd_pdrop=0)).train()
    if a.method == "prefix":
        model = get_peft_model(model, PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=a.prefix_length,
                                                         prefix_projection=True, encoder_hidden_size=a.mid_dim))
    elif a.method == "embedding":
        model = get_peft_model(model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=a.prefix_length))
    elif a.method == "lora":  # prefixlab's defaults: r 8, alpha 16, c_attn, no LoRA dropout
        from peft import LoraConfig
        model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8, lora_alpha=16, target_modules=["c_attn"],
                                                 lora_dropout=0.0, fan_in_fan_out=True))
    elif a.method == "adapter":  # the torch twin of tools/make_block_fixtures.py: lin, bottleneck 100
        lin_adapters(model, model.transformer.h, C)
    params = [p for p in model.parameters() if p.requires_grad]
    t, losses, rss, n = timed_training(params, lambda: model(input_ids=ids, labels=ids).loss)
    print(f"torch {torch.__version__} train {a.method} {a.config} batch {a.batch} x seq {a.seq}, {a.threads} threads: "
          f"{t*1000:.1f} ms/step, {a.batch*a.seq/t:.0f} tokens/s, peak RSS {rss:.0f} MiB, {n} trainable, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print(json.dumps({"tokens_per_s": round(a.batch * a.seq / t, 1), "ms_per_step": round(t * 1000, 2), "peak_rss_mb": round(rss),
                      "trainable_params": n, "first_loss": losses[0], "last_loss": losses[-1]}))
    raise SystemExit
model = GPT2LMHeadModel(GPT2Config(n_layer=L, n_head=H, n_embd=C)).eval()
times = []
with torch.inference_mode():
    model(input_ids=ids)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        model(input_ids=ids).logits
        times.append(time.perf_counter() - t0)
t = statistics.median(times)
print(f"torch {torch.__version__} forward {a.config} batch {a.batch} x seq {a.seq}, {a.threads} threads: "
      f"{t*1000:.1f} ms/forward, {a.batch*a.seq/t:.0f} tokens/s")
print(json.dumps({"tokens_per_s": round(a.batch * a.seq / t, 1), "ms_per_forward": round(t * 1000, 2)}))
