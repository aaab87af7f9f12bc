# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-slow lint typecheck screenshots snapshots bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "studykb needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/studykb

lint: $(VENV)/.installed-test
	$(BIN)/ruff check studykb tests scripts benchmarks
	$(BIN)/ruff format --check studykb tests scripts benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint typecheck
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $(VENV)/.installed $(VENV)/.installed-test $@

# Benchmarks beside Anki's engine: one Markdown table, also as JSON in benchmarks/results/.
# A quick subset: make bench BENCH=answer,due SIZES=10000 (names: answer due import tui stats).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run $(if $(BENCH),--only $(BENCH)) $(if $(SIZES),--sizes $(SIZES))

# README pictures from a seeded demo database (deterministic).
screenshots: $(VENV)/.installed-test
	$(BIN)/python scripts/screenshots.py

# Re-record the TUI snapshot tests after an intended visual change.
snapshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests/tui/test_snapshots.py --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
