#!/usr/bin/env bash
# Build the sdist and the wheel, check them (twine check, contents), then install the WHEEL (not
# the source tree) into a clean venv and smoke-test it from an empty directory.
source "$(dirname "$0")/_lib.sh"
python=$(find_python 3.11)
release=.venvs/release
new_venv "$release" "$python"
"$UV" pip install --quiet --python "$release/bin/python" --group release
rm -rf dist
"$release/bin/python" -m build --outdir dist . >.venvs/build.log 2>&1 \
    || { cat .venvs/build.log; exit 1; }
ls -l dist
"$release/bin/twine" check --strict dist/*
"$release/bin/python" scripts/check_dist.py dist

smoke=.venvs/wheel
new_venv "$smoke" "$python"
"$UV" pip install --quiet --python "$smoke/bin/python" dist/*.whl pytest pytest-asyncio
version=$(basename dist/*.whl | cut -d- -f2)
script=$PWD/scripts/smoke_wheel.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "$OLDPWD/$smoke/bin/python" "$script" "$version")
