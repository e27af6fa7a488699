"""PrefixLab's PyTorch + PEFT engine (issue #18): trains a run folder whose run.json holds a
run spec, writing the same run store the native engine writes (docs/EVENTS.md, docs/RUNS.md)."""
