# The two set-up commands of the README: `make run` and `make test`. Both install the Debian
# packages they need first (tools/install-deps.sh).
SWIFT ?= swift
PREFIXLAB := .build/release/prefixlab

.PHONY: deps build run test bench clean

deps:
	@tools/install-deps.sh

build: deps
	$(SWIFT) build -c release

# The workbench on the default workspace (.prefixlab/, seeded from samples/ on first launch).
run: build
	$(PREFIXLAB)

# Release build: the numerical tests run tens of times slower in debug.
test: deps
	$(SWIFT) build -c release
	$(SWIFT) test -c release

bench: build
	$(PREFIXLAB) bench sgemm
	$(PREFIXLAB) bench forward --config gpt2 --batch 5 --seq 64
	$(PREFIXLAB) bench tokenize --data ../shared/data

clean:
	rm -rf .build
