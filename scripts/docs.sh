#!/usr/bin/env bash
# Build the documentation site (mkdocs-material + mkdocstrings) into site/ with warnings as
# errors, then check the API reference documents every name of proxyorders_async.__all__.
source "$(dirname "$0")/_lib.sh"
venv=.venvs/docs
new_venv "$venv" "$(find_python 3.11)"
"$UV" pip install --quiet --python "$venv/bin/python" -e . --group docs
NO_MKDOCS_2_WARNING=1 "$venv/bin/python" -m mkdocs build --strict --site-dir site
"$venv/bin/python" scripts/check_docs.py site
