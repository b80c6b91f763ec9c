# Shared by the CI job scripts: sourced, not run. Needs $UV (the Makefile passes it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
unset PYTHONPATH  # each job tests what its own venv installed, not this tree by accident
: "${UV:?set UV to the uv binary (make installs it into .venvs/uv)}"
export UV_PYTHON_DOWNLOADS=never  # use the machine's interpreters, never fetch one

# find_python 3.12: print the path of a CPython 3.12, preferring pyenv's, or fail saying where
# it looked.
find_python() {
    local version=$1 root=${PYENV_ROOT:-$HOME/.pyenv} candidate latest=""
    for candidate in "$root"/versions/"$version".*/bin/python"$version"; do
        [[ -x $candidate ]] && latest=$candidate
    done
    if [[ -n $latest ]]; then
        echo "$latest"
    elif candidate=$(command -v "python$version"); then
        echo "$candidate"
    else
        echo "error: Python $version is missing: not in $root/versions/$version.*/bin nor on" \
            "PATH as python$version. Install it (e.g. 'pyenv install $version') and rerun." >&2
        return 1
    fi
}

# new_venv DIR PYTHON: a fresh venv (recreated every run so nothing stale is tested).
new_venv() {
    rm -rf "$1"
    "$UV" venv --quiet --python "$2" "$1"
}
