"""The methods as the torch engine trains them: which parameters train, how a batch reaches
the model, what a checkpoint holds. Prefix and embedding-only are PEFT's PrefixTuning and
PromptTuning, LoRA is PEFT's LoRA; infix (which PEFT has no form of) and the paper's
bottleneck adapters are small modules here, built to the native engine's definitions
(Sources/Tuning/Methods: Infix.swift, Adapter.swift) and checked against it step by step."""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


class Method:
    def __init__(self, plan, device, prep_dir):
        spec = plan["method"]
        self.name = spec["name"]
        self.plan = plan
        self.bart = plan.get("family") == "bart"
        self.virtual = 0       # leading logits positions to drop (prompt tuning)
        init = load_file(os.path.join(prep_dir, "init.safetensors")) if plan.get("own_tensors") else {}
        if self.bart:
            self._init_bart(spec, plan, init)
        else:
            self._init_gpt2(spec, plan, init)
        self.model.to(device)
        self.params = [p for p in self.model.parameters() if p.requires_grad]

    def _init_gpt2(self, spec, plan, init):
        from transformers import GPT2LMHeadModel
        base = GPT2LMHeadModel.from_pretrained(plan["model"], torch_dtype=torch.float32)
        set_dropout(base, plan["model_dropout"], ("resid_pdrop", "embd_pdrop", "attn_pdrop"))
        if self.name != "finetune":
            for p in base.parameters():
                p.requires_grad_(False)
        if self.name == "finetune":
            w = plan["trainable_weights"]
            for n, p in base.named_parameters():
                p.requires_grad_(self._trains(n, w))
            self.model = base
        elif self.name in ("prefix", "embedding"):
            from peft import get_peft_model, PrefixTuningConfig, PromptTuningConfig
            if spec.get("prefix_dropout", 0):
                raise SystemExit(f"prefix_dropout on a {self.name} run: PEFT's {'PrefixTuning' if self.name == 'prefix' else 'PromptTuning'} has no dropout on the virtual tokens; train it natively (--engine native)")
            P = spec["prefix_length"]
            if self.name == "prefix":
                mlp = spec.get("reparam", "mlp") == "mlp"
                cfg = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=P, prefix_projection=mlp,
                                         encoder_hidden_size=spec.get("mid_dim", 512))
            else:
                cfg = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=P)
                self.virtual = P
            self.model = get_peft_model(base, cfg)
            self._copy_init(self.encoder().named_parameters(), init)
        elif self.name == "infix":
            self.model = InfixLM(base, spec)
            self._copy_init(self.model.rows.named_parameters(), init)
        elif self.name == "adapter":
            self.model = AdapterLM(base, spec)
            self._copy_init(self.model.adapters.named_parameters(), init)
        elif self.name == "lora":
            from peft import get_peft_model, LoraConfig
            sites = {"c_attn": "attn.c_attn", "attn.c_proj": "attn.c_proj", "c_fc": "mlp.c_fc", "mlp.c_proj": "mlp.c_proj"}
            # Our site names to their module paths; any other target PEFT matches as the native
            # engine does (a module path, or its last parts: `c_proj` is both projections).
            targets = [sites.get(t, t) for t in (spec.get("lora_targets") or "c_attn").split(",")]
            # GPT-2's Conv1D stores (in, out): fan_in_fan_out, as the native update's layout.
            cfg = LoraConfig(task_type="CAUSAL_LM", r=spec["lora_r"], lora_alpha=spec["lora_alpha"], lora_dropout=spec.get("lora_dropout", 0),
                             target_modules=targets, fan_in_fan_out=True, bias="none")
            self.model = get_peft_model(base, cfg)
            self.lora_names = self._lora_from_init(init, lambda n: n.removeprefix("base_model.model.").replace(".default", "").removeprefix("transformer."))
        else:
            raise SystemExit(f"the torch engine trains finetune, prefix, embedding, infix, adapter and LoRA runs; a {self.name} run trains natively (--engine native)")

    def _init_bart(self, spec, plan, init):
        """BART (bart.py): fine-tuning, the paper's three prefixes or PEFT's, embedding-only, LoRA, adapters."""
        from transformers import BartForConditionalGeneration
        from . import bart
        base = BartForConditionalGeneration.from_pretrained(plan["model"], torch_dtype=torch.float32)
        set_dropout(base, plan["model_dropout"], ("dropout", "attention_dropout", "activation_dropout"))
        if self.name == "finetune":
            w = plan["trainable_weights"]
            E = base.config.encoder_layers
            for n, p in base.named_parameters():
                parts = n.split(".")
                if n.startswith(("model.encoder.layers.", "model.decoder.layers.")):
                    l = int(parts[3]) + (E if parts[1] == "decoder" else 0)
                    p.requires_grad_(w["layers"][l])
                else:
                    p.requires_grad_(w["embeddings"])
            self.model = base
            return
        for p in base.parameters():
            p.requires_grad_(False)
        if self.name == "prefix":
            P, mid, mlp = spec["prefix_length"], spec.get("mid_dim", 512), spec.get("reparam", "mlp") == "mlp"
            kinds = spec.get("prefix_kinds", "all")
            if kinds == "peft":
                from peft import get_peft_model, PrefixTuningConfig
                self.model = get_peft_model(base, PrefixTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=P, prefix_projection=mlp,
                                                                     encoder_hidden_size=mid))
                self._copy_init(self.encoder().named_parameters(), init)
                return
            names = ["encoder", "decoder", "cross"] if kinds == "all" else kinds.split(",")
            C, cfg = base.config.d_model, base.config
            encoders = {k: RowEncoder(P, C, 2 * (cfg.encoder_layers if k == "encoder" else cfg.decoder_layers) * C, mid, mlp) for k in names}
            self.model = bart.ThreePrefixBART(base, encoders)
            self._copy_init(self._kind_parameters(), init)
        elif self.name == "embedding":
            self.model = bart.PromptBART(base, spec["prefix_length"])
            self._copy_init(self.model.embedding.named_parameters(prefix="embedding"), init)
        elif self.name == "adapter":
            self.model = AdapterLM(base, spec, bart=True)
            self._copy_init(self.model.adapters.named_parameters(), init)
        elif self.name == "lora":
            from peft import get_peft_model, LoraConfig
            targets = spec["lora_targets"].split(",") if spec.get("lora_targets") else ["q_proj", "v_proj"]
            cfg = LoraConfig(task_type="SEQ_2_SEQ_LM", r=spec["lora_r"], lora_alpha=spec["lora_alpha"], lora_dropout=spec.get("lora_dropout", 0),
                             target_modules=targets, bias="none")
            self.model = get_peft_model(base, cfg)
            self.lora_names = self._lora_from_init(init, lambda n: n.removeprefix("base_model.model.").replace(".default", ""))
        else:
            raise SystemExit(f"the torch engine trains BART with finetune, prefix, embedding, lora and adapter; a {self.name} run does not train on BART")

    def _kind_parameters(self):
        """The three prefixes' tensors under the native names (`encoder.embedding.weight`, ...)."""
        return [(f"{k}.{n}", p) for k, enc in self.model.kinds.items() for n, p in enc.named_parameters()]

    def _lora_from_init(self, init, norm):
        """PEFT's LoRA parameters set from the native initial tensors, by the native names."""
        by_norm = {norm(n): p for n, p in self.model.named_parameters() if "lora_" in n}
        named = {}
        with torch.no_grad():
            for n in init:
                if n.startswith(("m.", "v.")):
                    continue
                p = by_norm.get(n.removeprefix("transformer."))
                if p is None:
                    raise SystemExit(f"LoRA tensor {n}: PEFT made no such parameter")
                p.copy_(init[n])
                named[n] = p
        if len(named) != len(by_norm):
            raise SystemExit(f"LoRA: PEFT made {len(by_norm)} tensors, the native plan {len(named)}")
        return named

    @staticmethod
    def _copy_init(named, init):
        """The method's initial tensors as the native program drew them (RUN/.engine/init.safetensors)."""
        with torch.no_grad():
            for n, p in named:
                if n not in init:
                    raise SystemExit(f"init.safetensors has no tensor {n}")
                if tuple(init[n].shape) != tuple(p.shape):
                    raise SystemExit(f"init.safetensors: {n} is {tuple(init[n].shape)}, expected {tuple(p.shape)}")
                p.copy_(init[n])

    @staticmethod
    def _trains(name, w):
        n = name.removeprefix("transformer.")
        if n.startswith("wte.") or n.startswith("wpe.") or name.startswith("lm_head."):
            return w["embeddings"]
        if n.startswith("ln_f."):
            return w["final_norm"]
        if n.startswith("h."):
            return w["layers"][int(n.split(".")[1])]
        return True

    def encoder(self):
        return self.model.prompt_encoder["default"]

    def named_trainable(self):
        """Trainable tensors under the names the native checkpoint gives them."""
        if self.name == "finetune":
            return {n: p for n, p in self.model.named_parameters() if p.requires_grad}
        if self.name == "lora":
            return self.lora_names
        if self.name == "infix":
            return dict(self.model.rows.named_parameters())
        if self.name == "adapter":
            return dict(self.model.adapters.named_parameters())
        if self.bart and self.name == "embedding":
            return dict(self.model.embedding.named_parameters(prefix="embedding"))
        if self.bart and self.name == "prefix" and not self._peft_prefix():
            return dict(self._kind_parameters())
        return dict(self.encoder().named_parameters())

    def _peft_prefix(self):
        return self.plan["method"].get("prefix_kinds", "all") == "peft"

    @property
    def has_rows(self):
        """Whether checkpoints hold folded virtual rows (prefix.safetensors)."""
        return self.name in ("prefix", "embedding", "infix")

    def folded(self):
        """What decoding reads, as prefix.safetensors' tensors: the (P, 2·L·C) rows (BART's
        three prefixes: one `<kind>.prompt_embeddings` each), or the virtual embeddings."""
        P = self.plan["method"]["prefix_length"]
        if self.bart and self.name == "embedding":
            return {"prompt_embeddings": self.model.embedding.weight.detach().float()}
        if self.bart and self.name == "prefix" and not self._peft_prefix():
            with torch.no_grad():
                return {f"{k}.prompt_embeddings": enc(torch.arange(P, device=enc.embedding.weight.device)).float() for k, enc in self.model.kinds.items()}
        enc = self.model.rows if self.name == "infix" else self.encoder()
        idx = torch.arange(P, device=next(enc.parameters()).device)
        with torch.no_grad():
            return {"prompt_embeddings": enc(idx).float()}

    def loss(self, model, examples, weights, eos, device, bf16):
        """Σ weight · NLL of each example's target tokens and final eos; `model` is this
        method's model or its DistributedDataParallel wrapper."""
        if self.name == "infix":
            return infix_loss(model, examples, weights, eos, device, bf16)
        if self.bart:
            from . import bart
            ids, mask, dids, labels = bart.batch_tensors(examples, device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                out = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dids)
            return bart.weighted_nll(out if torch.is_tensor(out) else out.logits, labels, weights, device)
        ids, mask, seqs = batch_tensors(examples, eos, device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(input_ids=ids, attention_mask=mask).logits
        if self.virtual:
            logits = logits[:, self.virtual:]
        return weighted_nll(logits, seqs, examples, weights, device)

    def save_peft(self, folder):
        """PEFT's own adapter folder (adapter_config.json, adapter_model.safetensors) where PEFT
        has the method: prefix, embedding, LoRA. False for the others."""
        if self.name not in ("prefix", "embedding", "lora") or (self.bart and self.name != "lora" and not (self.name == "prefix" and self._peft_prefix())):
            return False
        self.model.save_pretrained(folder, safe_serialization=True)
        return True


def set_dropout(model, rate, keys):
    """One rate for the model's dropout: its config's `keys`, every nn.Dropout, and the float
    rates BART's layers copied from the config when they were built."""
    for k in keys:
        setattr(model.config, k, rate)
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = rate
        for k in keys:
            if isinstance(getattr(m, k, None), float):
                setattr(m, k, rate)


def batch_tensors(examples, eos, device):
    """Right-padded sequences source + eos + target + eos."""
    seqs = [src + [eos] + tgt + [eos] for src, tgt in examples]
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), eos, dtype=torch.long)
    mask = torch.zeros((len(seqs), T), dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
        mask[b, :len(s)] = 1
    return ids.to(device), mask.to(device), seqs


def weighted_nll(logits, seqs, examples, weights, device):
    """Σ weight · NLL over each example's target tokens and final eos (float32 log-softmax)."""
    lp = torch.log_softmax(logits.float(), -1)
    total = torch.zeros((), device=device)
    for b, ((src, _), s) in enumerate(zip(examples, seqs)):
        start = len(src) + 1
        tgt = torch.tensor(s[start:], device=device)
        total = total + weights[b] * -lp[b, start - 1:len(s) - 1].gather(-1, tgt[:, None]).sum()
    return total


class RowEncoder(torch.nn.Module):
    """P virtual rows of width W, as PEFT's prefix encoder computes them and under its tensor
    names: with the MLP, `embedding` (P, C) → Linear(C, mid) → tanh → Linear(mid, W); without,
    `embedding` (P, W) itself."""

    def __init__(self, P, C, W, mid, mlp):
        super().__init__()
        self.mlp = mlp
        self.embedding = torch.nn.Embedding(P, C if mlp else W)
        if mlp:
            self.transform = torch.nn.Sequential(torch.nn.Linear(C, mid), torch.nn.Tanh(), torch.nn.Linear(mid, W))

    def forward(self, idx):
        e = self.embedding(idx)
        return self.transform(e) if self.mlp else e


class InfixLM(torch.nn.Module):
    """The paper's infix (§7.2): [x; eos; INFIX; y], P key/value rows at every layer right
    after the source's eos. The first target token is predicted at the eos, before the rows;
    the target's positions continue after them (position s + 1 + P + j), as the native
    layout (GPT2Batching, placement afterSource). The frozen model runs twice: the
    left-padded sources, whose cache then gets the rows appended, and the targets on that
    cache."""

    def __init__(self, base, spec):
        super().__init__()
        cfg = base.config
        self.base = base
        self.L, self.H, self.C = cfg.n_layer, cfg.n_head, cfg.n_embd
        self.P = spec["prefix_length"]
        self.rows = RowEncoder(self.P, self.C, 2 * self.L * self.C, spec.get("mid_dim", 512), spec.get("reparam", "mlp") == "mlp")
        self.row_dropout = float(spec.get("prefix_dropout", 0) or 0)

    def forward(self, src_ids, src_mask, src_pos, tgt_ids, tgt_mask, tgt_pos):
        from transformers import DynamicCache
        B = src_ids.shape[0]
        first = self.base(input_ids=src_ids, attention_mask=src_mask, position_ids=src_pos, use_cache=True)
        rows = self.rows(torch.arange(self.P, device=src_ids.device))
        rows = F.dropout(rows, self.row_dropout, self.training)
        # (P, 2·L·C) → (2L, B, H, P, hd): layer l's keys are block 2l, its values 2l+1 (PEFT's order).
        kv = rows.view(self.P, 2 * self.L, self.H, self.C // self.H).permute(1, 2, 0, 3).unsqueeze(1).expand(-1, B, -1, -1, -1)
        cache = DynamicCache()
        past = first.past_key_values
        for l in range(self.L):
            k, v = past.layers[l].keys, past.layers[l].values
            cache.update(torch.cat([k, kv[2 * l].to(k.dtype)], 2), torch.cat([v, kv[2 * l + 1].to(v.dtype)], 2), l)
        mask = torch.cat([src_mask, torch.ones((B, self.P), dtype=src_mask.dtype, device=src_mask.device), tgt_mask], 1)
        second = self.base(input_ids=tgt_ids, attention_mask=mask, position_ids=tgt_pos, past_key_values=cache, use_cache=False)
        return first.logits[:, -1], second.logits


def infix_loss(model, examples, weights, eos, device, bf16):
    """Σ weight · NLL of the targets and final eos under InfixLM's two passes."""
    B = len(examples)
    S = max(len(s) + 1 for s, _ in examples)
    T = max(len(t) + 1 for _, t in examples)
    src_ids = torch.full((B, S), eos, dtype=torch.long)
    src_mask = torch.zeros((B, S), dtype=torch.long)
    src_pos = torch.zeros((B, S), dtype=torch.long)
    tgt_ids = torch.full((B, T), eos, dtype=torch.long)
    tgt_mask = torch.zeros((B, T), dtype=torch.long)
    tgt_pos = torch.zeros((B, T), dtype=torch.long)
    P = (model.module if hasattr(model, "module") else model).P
    for b, (src, tgt) in enumerate(examples):
        s = src + [eos]
        src_ids[b, S - len(s):] = torch.tensor(s)
        src_mask[b, S - len(s):] = 1
        src_pos[b, S - len(s):] = torch.arange(len(s))
        y = tgt + [eos]
        tgt_ids[b, :len(y)] = torch.tensor(y)
        tgt_mask[b, :len(y)] = 1
        tgt_pos[b] = len(s) + P + torch.arange(T)
    args = [t.to(device) for t in (src_ids, src_mask, src_pos, tgt_ids, tgt_mask, tgt_pos)]
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
        at_eos, logits = model(*args)
    lp0 = torch.log_softmax(at_eos.float(), -1)
    lp = torch.log_softmax(logits.float(), -1)
    total = torch.zeros((), device=device)
    for b, (_, tgt) in enumerate(examples):
        y = torch.tensor(tgt + [eos], device=device)
        nll = -lp0[b, y[0]] - lp[b, :len(y) - 1].gather(-1, y[1:, None]).sum()
        total = total + weights[b] * nll
    return total


class Bottleneck(torch.nn.Module):
    """x + up(relu(down(LayerNorm(x)))), the LayerNorm only on a block-output (lin) adapter;
    the tensor names are the reference model's (modeling_gpt2_adapter.py)."""

    def __init__(self, C, b, layer_norm, eps):
        super().__init__()
        if layer_norm:
            self.ln = torch.nn.LayerNorm(C, eps=eps)
        self.project_down = torch.nn.Linear(C, b)
        self.project_up = torch.nn.Linear(b, C)

    def forward(self, x):
        h = self.ln(x) if hasattr(self, "ln") else x
        return x + self.project_up(torch.relu(self.project_down(h)))


class AdapterLM(torch.nn.Module):
    """The paper's adapter baseline on a frozen model, as the native Adapter method: `lin`, one
    adapter on each block's output (GPT-2: after the feed-forward residual; BART: after the
    layer's final LayerNorm); `houlsby`, one on the attention's output and one on the
    feed-forward's, before each branch's residual (GPT-2: after the branch's dropout, which its
    modules hold; BART: on self_attn's and fc2's outputs, before the dropout its layers apply;
    the decoder's cross-attention gets none). Forward hooks put them there; `adapters` holds them
    under the native names (`<block path>.adapter_block[2].…`: GPT-2's h.L, BART's
    model.encoder.layers.L then model.decoder.layers.L)."""

    def __init__(self, base, spec, bart=False):
        super().__init__()
        cfg = base.config
        self.base = base
        if bart:
            C, eps = cfg.d_model, 1e-5
            blocks = [(f"model.encoder.layers.{l}", m, m.self_attn, m.fc2) for l, m in enumerate(base.model.encoder.layers)]
            blocks += [(f"model.decoder.layers.{l}", m, m.self_attn, m.fc2) for l, m in enumerate(base.model.decoder.layers)]
        else:
            C, eps = cfg.n_embd, cfg.layer_norm_epsilon
            blocks = [(f"h.{l}", m, m.attn, m.mlp) for l, m in enumerate(base.transformer.h)]
        b = spec.get("adapter_bottleneck", 100)
        lin = spec.get("adapter_design", "lin") == "lin"
        modules, names = [], []
        for path, block, attn, ffn in blocks:
            first = Bottleneck(C, b, lin, eps)
            modules.append(first)
            names.append(f"{path}.adapter_block")
            if lin:
                block.register_forward_hook(_on_first_output(first))
            else:
                second = Bottleneck(C, b, False, eps)
                modules.append(second)
                names.append(f"{path}.adapter_block2")
                attn.register_forward_hook(_on_first_output(first))
                ffn.register_forward_hook(_on_first_output(second))
        self.blocks = torch.nn.ModuleList(modules)
        self.adapters = _Named(self.blocks, names)

    def forward(self, **kw):
        return self.base(**kw)


class _Named:
    """The adapters' parameters under the native checkpoint's names."""

    def __init__(self, blocks, names):
        self.blocks, self.names = blocks, names

    def named_parameters(self):
        for name, m in zip(self.names, self.blocks):
            for n, p in m.named_parameters():
                yield f"{name}.{n}", p

    def parameters(self):
        return [p for _, p in self.named_parameters()]


def _on_first_output(adapter):
    def hook(_module, _inputs, out):
        if isinstance(out, tuple):
            return (adapter(out[0]),) + out[1:]
        return adapter(out)
    return hook
