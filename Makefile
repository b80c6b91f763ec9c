# Everything a fresh clone needs: `make test` and `make demo` create .venv and install first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= test,conformance,cli

.PHONY: test lint typecheck unit demo bench soak reliability emulator clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

## test: lint, type-check and run the whole test suite
test: lint typecheck unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest

## demo: run the main job against the embedded emulator (no token, no network)
demo: $(STAMP)
	$(PY) -m proxyorders_async._cli.demo

## bench: benchmarks against raw aiohttp and httpx + pydantic (see benchmarks/RESULTS.md)
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS),bench]'
	$(PY) benchmarks/run.py

## soak: the long fault soak, excluded from `make test`
soak: $(STAMP)
	$(PY) -m pytest -m soak -p no:cacheprovider

## reliability: run the hostile-world suite and the soak, and rewrite docs/reliability.md
reliability: $(STAMP)
	$(PY) tests/hostile/report.py

## emulator: serve the emulator on 127.0.0.1:8765
emulator: $(STAMP)
	$(PY) -m proxyorders_async.emulator --port 8765

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
