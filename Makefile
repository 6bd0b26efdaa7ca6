# Two commands do all the set-up on a fresh machine:
#   make plan   -> installs the pinned dependencies and plans the bundled Trondheim instance
#   make test   -> installs the pinned dependencies and runs the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE ?= instances/trondheim-2026
OUT ?= out/trondheim-2026

$(BIN)/.installed: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

.PHONY: install plan test lint bench
install: $(BIN)/.installed

plan: install
	$(BIN)/python cli.py plan $(INSTANCE) --out $(OUT)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/run.py
