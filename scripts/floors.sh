#!/usr/bin/env bash
# Prove the declared dependency floors: install the lowest version each runtime requirement (and
# the cli and speed extras) allows, on the oldest supported Python, check that exactly those
# versions are installed, then run the unit, integration, hostile and CLI suites against them.
source "$(dirname "$0")/_lib.sh"
venv=.venvs/floors
python=$(find_python 3.10)
echo "== floors on Python 3.10 ($python): $venv"
new_venv "$venv" "$python"
"$UV" pip install --quiet --python "$venv/bin/python" --resolution lowest-direct -e '.[cli,speed]'
# The test tools at their newest; the runtime packages installed above already satisfy them.
"$UV" pip install --quiet --python "$venv/bin/python" --group test
"$venv/bin/python" scripts/check_floors.py
"$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/unit tests/integration tests/hostile tests/cli
