#!/usr/bin/env python3
"""Reference fixtures for the BART family (issue #17), from Hugging Face transformers 5.24.

Run by hand (never by CI), e.g. with the torch engine's environment:
    PYTHONPATH=tools HF_HUB_OFFLINE=1 engines/torch/.venv/bin/python tools/make_bart_fixtures.py --shared ../shared

Writes under Tests/Fixtures/bart/:
  tiny/{config.json,model.safetensors,vocab.json,merges.txt}
      a random-weight BART: full 50265-entry vocabulary, 2 encoder and 2 decoder layers (tiny),
      d_model 16, weights larger than BART's init so attention, positions and biases matter,
      stored as float16 values (exactly representable, so float32 math on both sides agrees).
      The tokenizer is BART's layout of GPT-2's byte-level BPE (../shared/tokenizers/gpt2):
      <s> 0, <pad> 1, </s> 2, <unk> 3, GPT-2's tokens from 4, <mask> last, as RobertaTokenizer reads it.
  tiny/reference.safetensors, tiny/reference.json
      logits of a padded batch (sampled vocabulary columns and the logsumexp of every row),
      a KV-cache continuation (the decoder run in two pieces), and the lm-score contract on pairs.
  deep/ ...  the same for 3 encoder and 2 decoder layers with unequal heads and FFN widths.
"""
import argparse, json, os, shutil
import torch
from safetensors.torch import save_file
from transformers import BartConfig, BartForConditionalGeneration, RobertaTokenizer
from refcommon import train3

ap = argparse.ArgumentParser()
ap.add_argument("--shared", default="../shared")
ap.add_argument("--out", default="Tests/Fixtures/bart")
args = ap.parse_args()
V = 50265
SAMPLE_IDS = list(range(0, V, 199)) + [V - 1]

PAIRS = [
    {"source": "name[The Eagle], eatType[coffee shop], food[French]", "target": "The Eagle is a French coffee shop."},
    {"source": "Hello world", "target": "Bonjour le monde, encore une fois!"},
    {"source": "A much longer document about the river that runs through the old town, with bridges.", "target": "A river."},
]


def bart_vocab(dir_):
    """BART's vocabulary layout over GPT-2's tokens: four specials first, <mask> last."""
    with open(os.path.join(args.shared, "tokenizers/gpt2/encoder.json"), encoding="utf-8") as f:
        gpt2 = json.load(f)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for tok, i in sorted(gpt2.items(), key=lambda kv: kv[1]):
        vocab[tok] = i + 4
    vocab["<mask>"] = len(vocab)
    with open(os.path.join(dir_, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    shutil.copy(os.path.join(args.shared, "tokenizers/gpt2/vocab.bpe"), os.path.join(dir_, "merges.txt"))
    return RobertaTokenizer(os.path.join(dir_, "vocab.json"), os.path.join(dir_, "merges.txt"))


EOS_BIAS = 0.0


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name or "layernorm" in name:
                v = (1 + 0.2 * torch.randn(p.shape, generator=g)) if name.endswith("weight") else 0.1 * torch.randn(p.shape, generator=g)
            elif p.dim() == 1:
                v = 0.1 * torch.randn(p.shape, generator=g)
            else:
                v = 0.15 * torch.randn(p.shape, generator=g)
            p.copy_(v.half().float())
        bias = 0.3 * torch.randn(model.final_logits_bias.shape, generator=g)
        # </s> about as likely as the likeliest tokens, so generations end at different lengths
        # (and beam search's finished lists and early stopping are exercised).
        bias[0, 2] = EOS_BIAS
        model.final_logits_bias.copy_(bias.half().float())


def sampled(logits):
    return logits[..., SAMPLE_IDS].contiguous(), torch.logsumexp(logits, dim=-1).contiguous()


def make(name, seed, eos_bias=0.0, **cfg):
    global EOS_BIAS
    EOS_BIAS = eos_bias
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    tok = bart_vocab(d)
    config = BartConfig(vocab_size=V, max_position_embeddings=64, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                        scale_embedding=True, forced_eos_token_id=2, **cfg)
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config).eval()
    randomize(model, seed)
    model.save_pretrained(d, safe_serialization=True)
    # float16 on disk: the values were rounded to float16 already.
    from safetensors.torch import load_file
    t = load_file(os.path.join(d, "model.safetensors"))
    save_file({k: v.half() for k, v in t.items()}, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    for extra in ["generation_config.json"]:
        if os.path.exists(os.path.join(d, extra)):
            os.remove(os.path.join(d, extra))

    ref, info = {}, {"sample_ids": SAMPLE_IDS, "tensors": sorted(t.keys())}
    with torch.no_grad():
        # A padded batch: the lm-score layout of each pair, right-padded with <pad>.
        enc = [[0] + tok.encode(p["source"], add_special_tokens=False) + [2] for p in PAIRS]
        labels = [[0] + tok.encode(p["target"], add_special_tokens=False) + [2] for p in PAIRS]
        dec = [[2] + l[:-1] for l in labels]
        S, T = max(map(len, enc)), max(map(len, dec))
        ids = torch.tensor([e + [1] * (S - len(e)) for e in enc])
        mask = torch.tensor([[1] * len(e) + [0] * (S - len(e)) for e in enc])
        dids = torch.tensor([x + [1] * (T - len(x)) for x in dec])
        out = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids)
        cols, lse = sampled(out.logits)
        ref["batch.cols"], ref["batch.lse"] = cols, lse
        ref["batch.encoder"] = out.encoder_last_hidden_state.contiguous()
        info["batch"] = {"encoder_ids": enc, "decoder_ids": dec, "labels": labels}
        # The decoder in two pieces on its cache: the first k positions, then the rest.
        k = 3
        first = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids[:, :k], use_cache=True)
        second = model(encoder_outputs=(first.encoder_last_hidden_state,), attention_mask=mask, decoder_input_ids=dids[:, k:],
                       past_key_values=first.past_key_values, use_cache=True)
        c2, l2 = sampled(second.logits)
        ref["continuation.cols"], ref["continuation.lse"] = c2.contiguous(), l2.contiguous()
        info["continuation"] = {"split": k}
        # lm-score: each pair alone, every label token scored.
        scores = []
        for e, dd, l in zip(enc, dec, labels):
            lo = model(input_ids=torch.tensor([e]), decoder_input_ids=torch.tensor([dd])).logits[0].double()
            lp = torch.log_softmax(lo, -1)
            nll = -sum(lp[i, l[i]].item() for i in range(len(l)))
            scores.append({"nll_sum": nll, "nll_mean": nll / len(l), "n_tokens": len(l)})
        info["lm_score"] = {"examples": scores, "mean_nll": sum(s["nll_sum"] for s in scores) / sum(s["n_tokens"] for s in scores)}
        # generate(): greedy, beam search with defaults, and BART-XSUM's settings, batched over the documents.
        settings = {
            "greedy": dict(num_beams=1, do_sample=False, max_length=21),
            "beam4": dict(num_beams=4, do_sample=False, max_length=21, length_penalty=1.0, early_stopping=False),
            "xsum": dict(num_beams=6, do_sample=False, min_length=11, max_length=62, no_repeat_ngram_size=3, length_penalty=1.0,
                         early_stopping=True),
        }
        gen = {}
        for key, kw in settings.items():
            out = model.generate(input_ids=ids, attention_mask=mask, decoder_start_token_id=2, forced_eos_token_id=2, pad_token_id=1,
                                 eos_token_id=2, bos_token_id=0, **kw)
            rows = []
            for r in out.tolist():
                r = r[1:]  # the start token
                cut = r.index(2) if 2 in r else len(r)
                rows.append(r[:cut])
            gen[key] = {"settings": kw, "output_ids": rows}
        info["generate"] = gen
    # Fine-tuning's loss on the padded batch (labels padded with -100: the mean over label
    # tokens) and the gradient of every parameter; the shared embedding's at the sampled rows.
    lab = torch.tensor([l + [-100] * (T - len(l)) for l in labels])
    model.zero_grad()
    loss = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss
    loss.backward()
    info["train"] = {"loss": loss.item()}
    grads = {}
    for n, p_ in model.named_parameters():
        g_ = p_.grad.detach().clone()
        grads["grad." + n] = g_[SAMPLE_IDS].contiguous() if n == "model.shared.weight" else g_.contiguous()
    # θ₃ − θ₀ after 3 AdamW steps of fine-tuning on that batch (refcommon.train3: lr 1e-2,
    # linear decay over 3 steps, clipping at 1.0).
    before = {n: p_.detach().clone() for n, p_ in model.named_parameters()}
    train3(list(model.parameters()), lambda: model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids, labels=lab).loss)
    for n, p_ in model.named_parameters():
        delta = (p_.detach() - before[n])
        grads["delta." + n] = delta[SAMPLE_IDS].contiguous() if n == "model.shared.weight" else delta.contiguous()
    save_file(grads, os.path.join(d, "gradients.safetensors"))
    save_file(ref, os.path.join(d, "reference.safetensors"))
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, {k: tuple(v.shape) for k, v in ref.items()})


os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "pairs.jsonl"), "w", encoding="utf-8") as f:
    for p in PAIRS:
        f.write(json.dumps(p) + "\n")
make("tiny", 11, eos_bias=float(os.environ.get("TINY_EOS", "2")), d_model=16, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
     encoder_ffn_dim=32, decoder_ffn_dim=32)
make("deep", 12, eos_bias=float(os.environ.get("DEEP_EOS", "2.5")), d_model=16, encoder_layers=3, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=4,
     encoder_ffn_dim=24, decoder_ffn_dim=40, activation_function="gelu")

# The official sizes' tensors (names and shapes as save_pretrained writes them: the tied copies
# of the shared embedding dropped), from their config.json values, on the meta device.
official = {}
for name, cfg in {
    "bart-base": dict(d_model=768, encoder_layers=6, decoder_layers=6, encoder_attention_heads=12, decoder_attention_heads=12,
                      encoder_ffn_dim=3072, decoder_ffn_dim=3072),
    "bart-large": dict(d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16, decoder_attention_heads=16,
                       encoder_ffn_dim=4096, decoder_ffn_dim=4096),
}.items():
    c = BartConfig(vocab_size=50265, max_position_embeddings=1024, activation_function="gelu", **cfg)
    with torch.device("meta"):
        m = BartForConditionalGeneration(c)
    tied = {"model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"}
    tensors = {k: list(v.shape) for k, v in m.state_dict().items() if k not in tied}
    config = {k: v for k, v in c.to_dict().items() if k in ("model_type", "vocab_size", "max_position_embeddings", "activation_function", "d_model",
                                                           "encoder_layers", "decoder_layers", "encoder_attention_heads", "decoder_attention_heads",
                                                           "encoder_ffn_dim", "decoder_ffn_dim", "scale_embedding", "normalize_before", "add_final_layer_norm")}
    official[name] = {"config": config, "tensors": tensors, "parameters": sum(p.numel() for p in m.parameters())}
with open("Tests/Fixtures/configs/official_bart_tensors.json", "w") as f:
    json.dump(official, f, indent=0)
print({k: (len(v["tensors"]), v["parameters"]) for k, v in official.items()})

# A PEFT seq2seq PrefixTuning adapter on `tiny` (P 5, random rows larger than PEFT's init) and
# lm-score as PEFT's forward scores it: the prefix reaches the decoder's self-attention only.
from peft import PeftModel, PrefixTuningConfig, get_peft_model
tiny = os.path.join(args.out, "tiny")
base = BartForConditionalGeneration.from_pretrained(tiny, torch_dtype=torch.float32).eval()
pm = get_peft_model(base, PrefixTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=5))
with torch.no_grad():
    e = pm.prompt_encoder["default"].embedding.weight
    e.copy_(torch.randn(e.shape, generator=torch.Generator().manual_seed(21)))
peft_dir = os.path.join(args.out, "peft-prefix")
pm.save_pretrained(peft_dir)
for extra in ["README.md"]:
    if os.path.exists(os.path.join(peft_dir, extra)):
        os.remove(os.path.join(peft_dir, extra))
loaded = PeftModel.from_pretrained(BartForConditionalGeneration.from_pretrained(tiny, torch_dtype=torch.float32), peft_dir).eval()
tok = RobertaTokenizer(os.path.join(tiny, "vocab.json"), os.path.join(tiny, "merges.txt"))
scores = []
with torch.no_grad():
    for p in PAIRS:
        enc = torch.tensor([[0] + tok.encode(p["source"], add_special_tokens=False) + [2]])
        labels = [0] + tok.encode(p["target"], add_special_tokens=False) + [2]
        dec = torch.tensor([[2] + labels[:-1]])
        lo = loaded(input_ids=enc, attention_mask=torch.ones_like(enc), decoder_input_ids=dec).logits[0].double()
        lp = torch.log_softmax(lo, -1)
        nll = -sum(lp[i, labels[i]].item() for i in range(len(labels)))
        scores.append({"nll_sum": nll, "nll_mean": nll / len(labels), "n_tokens": len(labels)})
with open(os.path.join(peft_dir, "lm_score.json"), "w") as f:
    json.dump({"examples": scores, "mean_nll": sum(s["nll_sum"] for s in scores) / sum(s["n_tokens"] for s in scores)}, f, indent=1)
print("peft", scores)
