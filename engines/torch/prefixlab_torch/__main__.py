"""python -m prefixlab_torch train --run RUN_DIR [--prefixlab PATH] [--device cpu|cuda|cuda:N] [--bf16]
(also `train RUN_DIR`: torchrun's own parser reads a `--run` after the module as its --run-path)"""
import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(prog="prefixlab_torch")
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train (or resume) a run folder")
    t.add_argument("run_dir", nargs="?", help="the run folder, as --run")
    t.add_argument("--run", help="the run folder (run.json holds its spec)")
    t.add_argument("--prefixlab", default=None, help="the prefixlab executable (default: $PREFIXLAB, else prefixlab on PATH)")
    t.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: run.json's device, else cuda when available; under torchrun each rank its local GPU)")
    t.add_argument("--bf16", action="store_true", default=None, help="bf16 autocast for the forward, float32 weights and optimizer (default: run.json's precision)")
    a = ap.parse_args(argv)
    run = a.run or a.run_dir
    if not run:
        ap.error("train needs --run RUN_DIR")
    from .runner import train
    sys.exit(train(run, prefixlab=a.prefixlab, device=a.device, bf16=a.bf16))


if __name__ == "__main__":
    main()
