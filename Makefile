# The README's commands. `make demo` and `make test` do all set-up themselves:
# npm and pip install into this folder, nothing global, nothing fetched at run time.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NPM_STAMP := node_modules/.package-lock.json
PY_STAMP := $(VENV)/.installed

.PHONY: help setup demo test lint contracts-test pytest bench down clean

help:
	@echo "make demo   the whole story live on fresh local chains (make down stops --keep-running)"
	@echo "make test   lint, type-check, forge tests and pytest against local Anvil nodes"
	@echo "make bench  relay, risk engine, market and cross-chain benchmarks"
	@echo "make down   stop the chains the demo started"

setup: $(NPM_STAMP) $(PY_STAMP)

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "crossflow needs Node.js 20+ with npm on PATH" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(PY_STAMP): pyproject.toml $(NPM_STAMP)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "crossflow needs Python 3.11+; run with PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/crossflow toolchain --install-solc
	@touch $@

demo: setup
	$(BIN)/crossflow demo

bench: setup
	$(BIN)/crossflow bench relay
	$(BIN)/crossflow bench risk
	$(BIN)/crossflow bench market
	$(BIN)/crossflow bench crosschain

down: setup
	$(BIN)/crossflow devnet down

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	scripts/forge fmt --check

# forge 1.7 can exit 0 having run nothing when its cache is stale (seen after
# `forge lint`); a test command that ran no test has failed.
contracts-test: setup
	@log=$$(mktemp); scripts/forge test | tee "$$log"; \
	grep -Eq '[1-9][0-9]* tests passed' "$$log" || { rm -f "$$log"; \
		echo "forge ran no tests; clear its cache with \`scripts/forge clean\` and retry" >&2; exit 1; }; \
	rm -f "$$log"

# One worker per core, up to 4: most of a test's time is spent waiting on nodes and agents.
pytest: setup
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4

test: lint contracts-test pytest

clean:
	rm -rf out cache .devnet .mypy_cache .ruff_cache .pytest_cache
