# Everything a fresh clone needs: `make test` and `make demo` create .venv and install first.
# The CI jobs after `make test` (matrix, floors, package, docs) each build their own venv under
# .venvs/ with uv, which is installed into .venvs/uv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= cli,speed
GROUPS ?= --group test --group conformance
UV := .venvs/uv/bin/uv
MATRIX ?= 3.10 3.11 3.12 3.13

.PHONY: test lint typecheck unit demo bench soak reliability emulator matrix floors package docs ci clean

# pip >= 25.1 installs PEP 735 dependency groups (`--group`).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip>=25.1'
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]' $(GROUPS)
	touch $(STAMP)

$(UV):
	$(PYTHON) -m venv .venvs/uv
	.venvs/uv/bin/python -m pip install --quiet uv

## test: lint, type-check and run the whole test suite
test: lint typecheck unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest

## matrix: the whole suite (soak excluded) on Python 3.10, 3.11, 3.12 and 3.13, one after another
matrix: $(UV)
	UV=$(UV) scripts/matrix.sh $(MATRIX)

## floors: the lowest declared version of every runtime dependency, then the suites
floors: $(UV)
	UV=$(UV) scripts/floors.sh

## package: build sdist and wheel, twine check, install the wheel in a clean venv and smoke-test it
package: $(UV)
	UV=$(UV) scripts/package.sh

## docs: build the documentation site with warnings as errors (into site/)
docs: $(UV)
	UV=$(UV) scripts/docs.sh

## ci: what .ci/run runs
ci: test matrix floors package docs

## demo: run the main job against the embedded emulator (no token, no network)
demo: $(STAMP)
	$(PY) -m proxyorders_async._cli.demo

## bench: benchmarks against raw aiohttp and httpx + pydantic (see benchmarks/RESULTS.md)
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]' $(GROUPS) --group bench
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
	rm -rf $(VENV) .venvs .mypy_cache .pytest_cache .ruff_cache build dist site
