# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit system-deps bench clean

run: $(VENV)/.runtime
	$(BIN)/gatehouse serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test system-deps lint typecheck unit

PY_DIRS := $(wildcard src tests benchmarks)

lint: $(VENV)/.test
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/ruff check $(PY_DIRS)

typecheck: $(VENV)/.test
	$(BIN)/mypy

unit: $(VENV)/.test
	$(BIN)/pytest

system-deps:
	bash scripts/install-system-deps.sh

bench: $(VENV)/.test
	$(BIN)/python benchmarks/policy_eval.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.runtime $@

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache
