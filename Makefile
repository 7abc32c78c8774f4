# One entry point for people and CI. `make run` serves on the embedded SQLite default;
# `make test` runs the whole suite (PostgreSQL and the local Bluesky server included).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint bench bench-smoke peers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/openpost serve

peers:
	@if command -v node >/dev/null 2>&1 && [ -f tests/peers/bluesky/install.sh ]; then \
		bash tests/peers/bluesky/install.sh; \
	else \
		echo "node not found: Bluesky tests will be skipped"; \
	fi
	@bash tests/browser/install.sh

test: $(STAMP) peers
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy bench
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

bench-smoke: $(STAMP)
	$(BIN)/python -m bench --quick --output bench/results/smoke.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
