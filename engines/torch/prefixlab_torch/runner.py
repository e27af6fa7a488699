"""The training loop of the PyTorch engine. What a step computes, the order of the examples,
the schedule, the initial tensors and which weights train all come from the native program's
plan (`prefixlab engine prepare`), so the two engines train the same run; this file owns only
the arithmetic (torch, PEFT) and the run store's writes. Rank 0 writes; under torchrun every
rank takes a share of each step's examples and DistributedDataParallel sums the gradients."""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
import warnings

import torch
from safetensors.torch import load_file

from . import store
from .methods import Method

STOP = {"signal": False}
# PEFT 0.21 feeds GPT-2 its prefix as past_key_values, which transformers 5.24 calls deprecated.
warnings.filterwarnings("ignore", category=FutureWarning)


def _on_signal(*_):
    STOP["signal"] = True


def schedule(plan, s):
    """transformers' linear warm-up then decay, in float32 as the native engine computes it."""
    peak, warm, total = torch.tensor(plan["lr"], dtype=torch.float32), plan["warmup_steps"], plan["schedule_steps"]
    if s < warm:
        return float(peak * torch.tensor(float(s), dtype=torch.float32) / torch.tensor(float(max(1, warm)), dtype=torch.float32))
    return float(peak * max(0.0, float(torch.tensor(float(total - s), dtype=torch.float32) / torch.tensor(float(max(1, total - warm)), dtype=torch.float32))))


def loss_weights(groups, reduction, scored_extra=1):
    """`scored_extra`: tokens scored besides the target's (GPT-2: its eos; BART: <s> and </s>)."""
    if reduction == "token":
        total = sum(len(t) + scored_extra for g in groups for _, t in g)
        return [[1.0 / total] * len(g) for g in groups]
    total = sum(len(g) for g in groups)
    return [[1.0 / total] * len(g) for g in groups]


def die_with_parent():
    """A runner whose launcher is killed (kill -9, a scheduler) dies too, at once, as a native
    training process would: the lock goes with it and the run reads as interrupted, resumable
    from its last checkpoint."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def train(run_dir, prefixlab=None, device=None, bf16=None):
    """Trains (or resumes) RUN_DIR. `device` and `bf16` default to run.json's `device` and
    `precision` (what `prefixlab train --device --precision` recorded)."""
    die_with_parent()
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    try:
        with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
            recorded = json.load(f)
    except (OSError, ValueError):
        recorded = {}
    device = device or recorded.get("device")
    bf16 = (recorded.get("precision") == "bf16") if bf16 is None else bf16
    prefixlab = prefixlab or os.environ.get("PREFIXLAB") or shutil.which("prefixlab") or "prefixlab"
    if world > 1:
        import torch.distributed as dist
        backend = "nccl" if torch.cuda.is_available() and device != "cpu" else "gloo"
        dist.init_process_group(backend)
        if device == "cuda":
            device = None  # each rank its local GPU
    if device is None:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    folder = store.RunFolder(run_dir) if rank == 0 else None
    step = 0
    try:
        if folder:
            folder.lock("training (torch)")
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
        prep = os.path.join(run_dir, ".engine")
        if rank == 0:
            r = subprocess.run([prefixlab, "engine", "prepare", "--run", run_dir, "--out", prep], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError((r.stderr.strip().splitlines() or ["prefixlab engine prepare failed"])[-1].removeprefix("Error: "))
        if world > 1:
            torch.distributed.barrier()
        with open(os.path.join(prep, "plan.json"), encoding="utf-8") as f:
            plan = json.load(f)
        torch.manual_seed(plan["seed"])
        method = Method(plan, device, prep)
        model = method.model
        if world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP
            model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
        opt = torch.optim.AdamW(method.params, lr=plan["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=plan["weight_decay"])
        state = {"best_valid_loss": None, "best_valid_score": None, "evals_without_improvement": 0, "valid_loss": None}
        resumed = load_latest(run_dir, method, opt, state)
        step = resumed or 0
        total = plan["total_steps"]
        if folder:
            folder.update(status="running", pid=os.getpid(), error=None, engine="torch")
            if resumed:
                folder.append("resumed", step=step)
            else:
                folder.append("started", total_steps=total, method=method.name, trainable_params=plan["trainable_params"])
            print(f"{folder.id}: {method.name} on torch ({device}{', bf16 autocast' if bf16 else ''}{f', {world} processes' if world > 1 else ''}), "
                  f"{plan['trainable_params']} trainable parameters, {total} steps", flush=True)
        train_ex, valid_ex, eos = plan["train"], plan["valid"], plan["eos"]
        outcome = "completed"
        while step < total:
            t0 = time.time()
            epoch, idx = plan["steps"][step]
            examples = [train_ex[i] for i in idx]
            B = plan["batch_size"]
            groups = [examples[k:k + B] for k in range(0, len(examples), B)]
            weights = loss_weights(groups, plan["loss_reduction"], plan.get("scored_extra", 1))
            flat = [(e, w) for g, ws in zip(groups, weights) for e, w in zip(g, ws)]
            # Each rank its contiguous share of the step's examples, in micro-batches of B.
            share = flat[rank * len(flat) // world:(rank + 1) * len(flat) // world]
            mine = [share[k:k + B] for k in range(0, len(share), B)] or [[(examples[0], 0.0)]]
            model.train()
            opt.zero_grad(set_to_none=True)
            loss = torch.zeros((), dtype=torch.float64)
            for k, g in enumerate(mine):
                sync = k == len(mine) - 1 or world == 1
                ctx = model.no_sync() if (world > 1 and not sync) else _null()
                with ctx:
                    part = method.loss(model, [e for e, _ in g], [w for _, w in g], eos, device, bf16)
                    # DDP averages gradients over ranks; the step's loss is their sum.
                    (part * world).backward()
                loss += float(part.detach())
            if world > 1:
                lt = torch.tensor([float(loss)], dtype=torch.float64, device=device if device.type == "cuda" else "cpu")
                torch.distributed.all_reduce(lt)
                loss = lt[0]
            loss = float(loss)
            if not math.isfinite(loss):
                raise RuntimeError(f"loss is {loss} at step {step + 1} (lr {schedule(plan, step):g}); stopped, the last good checkpoint is kept")
            norm = math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in method.params if p.grad is not None))
            scale = min(1.0, plan["max_grad_norm"] / (norm + 1e-6))
            if scale < 1:
                for p in method.params:
                    if p.grad is not None:
                        p.grad.mul_(scale)
            lr = schedule(plan, step)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
            step += 1
            tokens = sum(len(s) + len(t) + 2 for s, t in examples)
            stop_early, go_on, is_best = False, True, False
            if folder:
                folder.append("step", step=step, total_steps=total, epoch=epoch, loss=loss, lr=lr,
                              tokens_per_s=round(tokens / max(time.time() - t0, 1e-9), 1), grad_norm=norm)
            request = (folder.control() if folder else None) or ("pause" if STOP["signal"] else None)
            if world > 1:
                flag = torch.tensor([0 if request is None else 1 if request == "pause" else 2])
                torch.distributed.broadcast(flag, 0)
                request = [None, "pause", "cancel"][int(flag[0])]
            go_on = request is None
            pending = None  # a checkpoint written for its validation score, not yet in place
            if valid_ex and (step % plan["eval_every"] == 0 or step == total):
                v = validation_loss(method, valid_ex, plan, eos, device, bf16)
                state["valid_loss"] = v
                score = None
                if plan.get("eval_bleu", 0) > 0:
                    # BLEU of greedy outputs, by the native program on the checkpoint as written
                    # (the same decoding and scoring as a native run's); rank 0 decides.
                    if folder:
                        pending = write_checkpoint(run_dir, method, opt, step, state, plan)
                        score = validation_bleu(prefixlab, run_dir, pending)
                    if world > 1:
                        t = torch.tensor([score if score is not None else 0.0], dtype=torch.float64)
                        torch.distributed.broadcast(t, 0)
                        score = float(t[0])
                if score is not None:
                    is_best = state["best_valid_score"] is None or score > state["best_valid_score"]
                    if is_best:
                        state["best_valid_score"] = score
                    state["best_valid_loss"] = v if state["best_valid_loss"] is None else min(state["best_valid_loss"], v)
                else:
                    is_best = state["best_valid_loss"] is None or v < state["best_valid_loss"]
                    if is_best:
                        state["best_valid_loss"] = v
                state["evals_without_improvement"] = 0 if is_best else state["evals_without_improvement"] + 1
                if folder:
                    folder.append("validation", step=step, loss=v, metrics={} if score is None else {"BLEU": score})
                    print(f"step {step}: validation loss {v:.4f}" + (f", BLEU {score * 100:.2f} on {plan['eval_bleu']} sources" if score is not None else "")
                          + (" (best)" if is_best else ""), flush=True)
                if plan["early_stop"] and state["evals_without_improvement"] >= plan["early_stop"]:
                    stop_early = True
            if step % plan["checkpoint_every"] == 0 or step == total or stop_early or not go_on or is_best:
                if folder:
                    tmp = pending or write_checkpoint(run_dir, method, opt, step, state, plan)
                    finish_checkpoint(tmp, state, is_best)
                    path = store.commit_checkpoint(run_dir, tmp, step, is_best, plan["keep_checkpoints"])
                    folder.append("checkpoint", step=step, path=path)
            elif pending:
                shutil.rmtree(pending, ignore_errors=True)
                state.pop("_pending", None)
            if stop_early:
                outcome = "early_stop"
                break
            if not go_on:
                if folder:
                    folder.clear_control()
                    if request == "pause":
                        folder.update(status="paused", steps_done=step)
                        folder.append("paused", step=step)
                        print(f"{folder.id}: paused at step {step}; continue with prefixlab train --resume {run_dir}", flush=True)
                    else:
                        folder.update(status="cancelled", steps_done=step)
                        folder.append("finished", step=step, outcome="cancelled")
                        print(f"{folder.id}: cancelled at step {step}", flush=True)
                return 0
        if folder:
            if plan["eval_test"]:
                # Generation and scores by the native program, from the checkpoint this run wrote;
                # it takes the run's lock itself, so this process lends it for the evaluation.
                folder.unlock()
                r = subprocess.run([prefixlab, "evaluate", "--run", run_dir], text=True)
                folder.lock("training (torch)")
                if r.returncode != 0:
                    raise RuntimeError("the test evaluation (prefixlab evaluate) failed")
            folder.update(status="done", steps_done=step)
            folder.append("finished", step=step, outcome=outcome)
            best = (f", best validation BLEU {state['best_valid_score'] * 100:.2f}" if state["best_valid_score"] is not None
                    else f", best validation loss {state['best_valid_loss']:.4f}" if state["best_valid_loss"] is not None else "")
            print(f"{folder.id}: done at step {step}{best}", flush=True)
        return 0
    except (Exception, SystemExit) as e:
        message = str(e) if str(e) else type(e).__name__
        if folder:
            try:
                folder.update(status="failed", error=message)
                folder.append("failed", step=step, error=message)
            except Exception:
                pass
        print(f"error: {message}", file=sys.stderr, flush=True)
        if not isinstance(e, (RuntimeError, SystemExit)):
            traceback.print_exc()
        return 1


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def validation_loss(method, valid, plan, eos, device, bf16):
    """Token-mean NLL over the validation set, in batches of the run's batch size."""
    total = sum(len(t) + plan.get("scored_extra", 1) for _, t in valid)
    model = method.model
    model.eval()
    out = 0.0
    with torch.no_grad():
        B = plan["batch_size"]
        for k in range(0, len(valid), B):
            g = valid[k:k + B]
            out += float(method.loss(model, g, [1.0 / total] * len(g), eos, device, bf16))
    return out


def write_checkpoint(run_dir, method, opt, step, state, plan):
    """A checkpoint of this step in a temporary folder beside the others, in the native layout;
    `finish_checkpoint` then `store.commit_checkpoint` put it in place."""
    root = os.path.join(run_dir, "checkpoints")
    os.makedirs(root, exist_ok=True)
    tmp = os.path.join(root, ".tmp-" + store.checkpoint_dir(step))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    named = method.named_trainable()
    moments = {}
    for n, p in named.items():
        st = opt.state.get(p, {})
        moments["m." + n] = st.get("exp_avg", torch.zeros_like(p))
        moments["v." + n] = st.get("exp_avg_sq", torch.zeros_like(p))
    if method.name == "finetune":
        method.model.save_pretrained(os.path.join(tmp, "model"), safe_serialization=True)
        for f in ["vocab.json", "merges.txt", "tokenizer.json"]:
            if os.path.exists(os.path.join(plan["model"], f)):
                shutil.copy(os.path.join(plan["model"], f), os.path.join(tmp, "model", f))
        store.save_safetensors(os.path.join(tmp, "optimizer.safetensors"), moments)
    else:
        store.save_safetensors(os.path.join(tmp, "trainable.safetensors"), {**named, **moments})
        if method.has_rows:
            store.save_safetensors(os.path.join(tmp, "prefix.safetensors"), method.folded())
        # PEFT's own adapter folder too, where PEFT has the method (its prefix file holds the
        # folded rows; the MLP, which PEFT's save drops, is in trainable.safetensors).
        if method.save_peft(os.path.join(tmp, "peft")):
            card = os.path.join(tmp, "peft", "README.md")  # PEFT's model-card template
            if os.path.exists(card):
                os.remove(card)
    optimizer_step = max((int(s["step"]) for s in opt.state.values() if "step" in s), default=0)
    state["_pending"] = {"step": step, "optimizer_step": optimizer_step, "method": method.name, "engine": "torch"}
    return tmp


def finish_checkpoint(tmp, state, is_best):
    """state.json, written last: the counters as of this step's validation."""
    st = dict(state.pop("_pending"))
    st.update({"valid_loss": state["valid_loss"], "best_valid_loss": state["best_valid_loss"],
               "evals_without_improvement": state["evals_without_improvement"], "best_valid_score": state["best_valid_score"],
               "is_best": is_best})
    with open(os.path.join(tmp, "state.json"), "w") as f:
        json.dump(st, f)


def validation_bleu(prefixlab, run_dir, checkpoint):
    r = subprocess.run([prefixlab, "engine", "validate", "--run", run_dir, "--checkpoint", checkpoint], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError((r.stderr.strip().splitlines() or ["prefixlab engine validate failed"])[-1].removeprefix("Error: "))
    return float(json.loads(r.stdout)["BLEU"])


def load_latest(run_dir, method, opt, state):
    """Continues from the newest checkpoint this engine can read: the tensors, the AdamW
    moments and counters. Returns its step, or None."""
    for step, path in reversed(store.steps(run_dir)):
        try:
            with open(os.path.join(path, "state.json")) as f:
                st = json.load(f)
            named = method.named_trainable()
            if method.name == "finetune":
                from safetensors.torch import load_file as lf
                saved = lf(os.path.join(path, "model", "model.safetensors"))
                moments = lf(os.path.join(path, "optimizer.safetensors"))
                with torch.no_grad():
                    for n, p in method.model.named_parameters():
                        key = n if n in saved else n.removeprefix("transformer.")
                        if key in saved:
                            p.copy_(saved[key])
                        elif not n.startswith("lm_head."):
                            raise RuntimeError(f"{path}: no tensor {n}")
            else:
                t = load_file(os.path.join(path, "trainable.safetensors"))
                moments = t
                with torch.no_grad():
                    for n, p in named.items():
                        p.copy_(t[n])
            opt_step = int(st["optimizer_step"])
            for n, p in named.items():
                opt.state[p] = {"step": torch.tensor(float(opt_step)), "exp_avg": moments["m." + n].to(p.device).clone(),
                                "exp_avg_sq": moments["v." + n].to(p.device).clone()}
            state["best_valid_loss"] = st.get("best_valid_loss")
            state["best_valid_score"] = st.get("best_valid_score")
            state["evals_without_improvement"] = st.get("evals_without_improvement", 0)
            state["valid_loss"] = st.get("valid_loss")
            return int(st["step"])
        except Exception as e:  # a damaged checkpoint: the next older one
            print(f"checkpoint {os.path.basename(path)} unreadable ({e}); using an older one", file=sys.stderr, flush=True)
    return None
