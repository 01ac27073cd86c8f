# drugpolicy-kg: the two Quick start commands, and a few more. `make help` lists them.
# Each target installs what it needs into a virtual environment in the repo (VENV).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= dist
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: help run test lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("drugpolicy-kg needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip

run: $(BIN)/python ## Install, build the KG into dist/, and print what it holds
	$(BIN)/python -m pip install $(PIP_FLAGS) .
	$(BIN)/drugpolicy-kg build --out $(OUT)

test: $(BIN)/python ## Install with test tools, lint, type-check and run the whole test suite
	$(BIN)/python -m pip install $(PIP_FLAGS) '.[test]'
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(BIN)/python ## Lint and type-check only
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(BIN)/python ## Run the benchmarks side by side and write docs/benchmarks.md
	$(BIN)/python -m pip install $(PIP_FLAGS) '.[test]'
	$(BIN)/python -m benchmarks

clean: ## Remove the virtual environment and build outputs
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
