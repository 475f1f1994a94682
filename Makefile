# Two commands do everything: `make demo` and `make test`.
# Both build a local virtualenv first; `make test` also installs (or, under CI,
# insists on) the Debian packages the integration tests start for real.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint unit venv sysdeps bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

venv: $(STAMP)

sysdeps:
	bash tools/ensure-sysdeps.sh

demo: venv
	$(BIN)/dyad demo

lint: venv
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

test: venv sysdeps lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

unit: venv
	$(BIN)/python -m pytest -q -m "not integration" -p no:cacheprovider

bench: venv
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .dyad-state .pytest_cache .mypy_cache .ruff_cache
