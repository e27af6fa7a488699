"""The run store as the native engine writes it (docs/RUNS.md, docs/EVENTS.md): run.json updated
atomically, events.jsonl appended one whole line per write, the run's lock (flock on RUN/.lock
holding "process PID (what)"), checkpoints in the native layout."""
import datetime
import fcntl
import json
import os
import shutil
import struct

import torch


def now():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class RunFolder:
    def __init__(self, path):
        self.path = path
        self.id = os.path.basename(os.path.normpath(path))
        self.lock_fd = None
        self.events = os.open(os.path.join(path, "events.jsonl"), os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        end = os.lseek(self.events, 0, os.SEEK_END)
        if end > 0 and os.pread(self.events, 1, end - 1) != b"\n":
            os.write(self.events, b"\n")  # a torn last line must not join the next event

    def info(self):
        with open(os.path.join(self.path, "run.json"), encoding="utf-8") as f:
            return json.load(f)

    def update(self, **fields):
        info = self.info()
        info.update(fields)
        info["updated"] = now()
        tmp = os.path.join(self.path, ".run.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(info, ensure_ascii=False))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.path, "run.json"))

    def append(self, type_, **fields):
        line = json.dumps({"type": type_, "run": self.id, "time": now(), **fields}, ensure_ascii=False) + "\n"
        os.write(self.events, line.encode("utf-8"))

    def lock(self, what):
        fd = os.open(os.path.join(self.path, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 63, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise RuntimeError(f"{self.path}: locked by {holder} ({self.path}/.lock); wait for it to end or stop it, then try again")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} ({what})\n".encode(), 0)
        self.lock_fd = fd

    def unlock(self):
        """Lets another process of this run take the lock (the native `evaluate` this runner starts)."""
        if self.lock_fd is not None:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            os.close(self.lock_fd)
            self.lock_fd = None
        # A control request older than this process is stale (as the native engine rules).
        control = os.path.join(self.path, "control")
        try:
            if os.stat(control).st_mtime < process_start() - 0.05:
                os.remove(control)
        except OSError:
            pass

    def control(self):
        """None, "pause" or "cancel" (anything else written there pauses)."""
        try:
            with open(os.path.join(self.path, "control"), encoding="utf-8", errors="replace") as f:
                text = f.read(4096).strip()
        except OSError:
            return None
        return "cancel" if text == "cancel" else "pause"

    def clear_control(self):
        try:
            os.remove(os.path.join(self.path, "control"))
        except OSError:
            pass


def process_start():
    """This process's start time (epoch seconds) from /proc, as the native engine reads it."""
    with open("/proc/self/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/stat") as f:
        btime = next(int(l.split()[1]) for l in f if l.startswith("btime"))
    return btime + ticks / os.sysconf("SC_CLK_TCK")


def save_safetensors(path, tensors):
    """{name: float32 tensor} as safetensors, names sorted, 8-byte aligned header."""
    header, blobs, at = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def checkpoint_dir(step):
    return f"step-{step:06d}"


def steps(run_dir):
    root = os.path.join(run_dir, "checkpoints")
    out = []
    for n in os.listdir(root) if os.path.isdir(root) else []:
        if n.startswith("step-") and n[5:].isdigit():
            out.append((int(n[5:]), os.path.join(root, n)))
    return sorted(out)


def commit_checkpoint(run_dir, tmp, step, is_best, keep):
    """Renames a finished checkpoint folder into place, moves `best`, prunes old ones."""
    root = os.path.join(run_dir, "checkpoints")
    final = os.path.join(root, checkpoint_dir(step))
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    best = os.path.join(root, "best")
    if is_best:
        if os.path.lexists(best):
            os.remove(best)
        os.symlink(checkpoint_dir(step), best)
    best_target = os.path.join(root, os.readlink(best)) if os.path.lexists(best) else None
    all_ = steps(run_dir)
    for s, p in all_[:-max(1, keep)]:
        if p != best_target:
            shutil.rmtree(p, ignore_errors=True)
    return final
