# The two set-up commands of the README: `make run` and `make test`. Both install the Debian
# packages they need first (tools/install-deps.sh).
SWIFT ?= swift
PREFIXLAB := .build/release/prefixlab

.PHONY: deps build run test bench fuzz soak clean torch-engine

deps:
	@tools/install-deps.sh

build: deps
	$(SWIFT) build -c release

# The workbench on the default workspace (.prefixlab/, seeded from samples/ on first launch).
run: build
	$(PREFIXLAB)

# Release build: the numerical tests run tens of times slower in debug. The PyTorch engine's
# tests need it installed: torch-engine first (from PyPI; pip's cache makes it quick again).
test: deps torch-engine
	$(SWIFT) build -c release
	$(SWIFT) test -c release

bench: build
	$(PREFIXLAB) bench sgemm
	$(PREFIXLAB) bench forward --config gpt2 --batch 5 --seq 64
	$(PREFIXLAB) bench tokenize --data ../shared/data

# Every reader on mutated real files for 10 minutes with a fresh seed (the tests run seed 1 for 40 s).
fuzz: build
	$(PREFIXLAB) fuzz --seed $$(date +%s) --seconds 600 --work .build/fuzz

# The workbench soak test for 5 minutes of random keys (the tests run it for 25 s).
soak: build
	$(SWIFT) build -c release --build-tests
	PREFIXLAB_SOAK_SECONDS=300 $(SWIFT) test -c release --skip-build --filter WorkbenchSoakTests

# The PyTorch + PEFT engine (engines/torch): a git-ignored virtual environment with the runner
# and its pinned torch, transformers and peft from PyPI; `prefixlab train --engine torch` finds
# it there (or through $$PREFIXLAB_TORCH_PYTHON). pip's cache makes a second install quick.
TORCH_VENV := engines/torch/.venv
torch-engine:
	@test -x $(TORCH_VENV)/bin/python || python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install -q --disable-pip-version-check -e engines/torch
	@$(TORCH_VENV)/bin/python -c "import prefixlab_torch, torch, transformers, peft; print('torch engine:', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"

clean:
	rm -rf .build
