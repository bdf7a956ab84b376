# The commands the README names. `make demo` and `make test` set everything up first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck unit bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Options for the demo, e.g. `make demo DEMO_ARGS="--port 8010 --voters 5000"`.
DEMO_ARGS ?=

demo: setup
	$(BIN)/outreach demo $(DEMO_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

unit: setup
	scripts/ensure-redis
	scripts/ensure-chromium
	$(BIN)/pytest

test: lint typecheck unit

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .outreach .mypy_cache .ruff_cache .pytest_cache
