#!/usr/bin/env bash
# The whole test suite (soak excluded, as in `make test`) on each given Python version, one after
# another (the machine has 2 cores). Every version runs; the job fails if any failed or is missing.
# MATRIX_PYTEST_ARGS narrows the run (e.g. "tests/unit -x") for a quick check. MATRIX_SKIP names
# a version whose suite already ran (.ci/run passes the one `make test` used).
source "$(dirname "$0")/_lib.sh"
read -r -a pytest_args <<<"${MATRIX_PYTEST_ARGS:-}"
summary=() failed=0
for version in "$@"; do
    if [[ $version == "${MATRIX_SKIP:-}" ]]; then
        summary+=("$version: passed in make test (same interpreter), not run again")
        continue
    fi
    python=$(find_python "$version") || { summary+=("$version: MISSING"); failed=1; continue; }
    venv=.venvs/py$version
    echo "== Python $version ($python): $venv"
    new_venv "$venv" "$python"
    "$UV" pip install --quiet --python "$venv/bin/python" -e '.[cli,speed]' \
        --group test --group conformance
    log=.venvs/py$version.log
    if "$venv/bin/python" -m pytest -q -p no:cacheprovider "${pytest_args[@]}" 2>&1 | tee "$log"; then
        summary+=("$version: $(tail -n 1 "$log")")
    else
        summary+=("$version: FAILED: $(tail -n 1 "$log")")
        failed=1
    fi
done
echo "== matrix"
printf '  %s\n' "${summary[@]}"
exit "$failed"
