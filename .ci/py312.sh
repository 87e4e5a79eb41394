#!/usr/bin/env bash
# The PyMC 6 / ArviZ 1 lane: a Python 3.12 environment (.venv312, beside the default .venv) with
# the package installed from this tree, where pyproject's environment markers pick PyMC 6.x,
# ArviZ 1.x and a nutpie that accepts them. Runs the fast lane (no MCMC, notebooks excluded: they
# are executed by the default lane) and the one real fit-to-memo test, and reads and writes
# model files across the two generations when the default environment exists.
#
# Usage: bash .ci/py312.sh            (from the repository root; CI calls it as one lane)
# Needs: a Python 3.12 interpreter (PYTHON312=..., python3.12 on PATH, or pyenv's 3.12.x) and
# the package registry. Takes about 2 minutes to install (first run) and 6-10 on 2 cores to test.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${VENV312:-.venv312}"

find_python312() {
    if [[ -n "${PYTHON312:-}" ]]; then
        echo "$PYTHON312"
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local root version
        root="$(pyenv root)"
        # The newest 3.12.x that pyenv has installed.
        version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -n 1 || true)"
        if [[ -n "$version" && -x "$root/versions/$version/bin/python3.12" ]]; then
            echo "$root/versions/$version/bin/python3.12"
            return
        fi
    fi
    local candidate
    candidate="$(command -v python3.12 || true)"
    # pyenv's shim answers even when no 3.12 is installed; ask it for its version.
    if [[ -n "$candidate" ]] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
        echo "$candidate"
        return
    fi
    echo "py312.sh: no Python 3.12 found; install one (pyenv install 3.12) or set PYTHON312" >&2
    exit 1
}

PY312="$(find_python312)"
echo "== py312 lane: $("$PY312" --version) from $PY312"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    rm -rf "$VENV"
    "$PY312" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
"$VENV/bin/python" - <<'EOF'
from importlib.metadata import version
import sys

stack = {name: version(name) for name in ("pymc", "arviz", "pytensor", "nutpie", "xarray")}
print("== py312 lane stack:", ", ".join(f"{k} {v}" for k, v in stack.items()))
if int(stack["pymc"].split(".")[0]) != 6 or int(stack["arviz"].split(".")[0]) != 1:
    sys.exit("py312.sh: expected PyMC 6 and ArviZ 1 under Python 3.12; check pyproject's markers")
EOF

# The default environment (ArviZ 0.x) writes and reads files for the cross-generation test.
if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import arviz, sys; sys.exit(int(arviz.__version__.split(".")[0]) >= 1)' 2>/dev/null; then
    export SCALING_BAYES_OTHER_PYTHON="$PWD/.venv/bin/python"
    echo "== cross-generation files with $SCALING_BAYES_OTHER_PYTHON"
else
    echo "== no ArviZ 0.x environment at .venv: the cross-generation file test is skipped"
fi

echo "== py312 lane: fast tests (notebooks run in the default lane)"
"$VENV/bin/python" -m pytest -p no:cacheprovider -q -m "not slow" --ignore=tests/test_notebooks.py
echo "== py312 lane: one real fit to the memo, and one form sampled by NUTS"
"$VENV/bin/python" -m pytest -p no:cacheprovider -q -m slow tests/test_fit_to_memo_slow.py \
    "tests/test_form_posterior.py::test_nuts_matches_importance_sampling_of_the_same_posterior"
