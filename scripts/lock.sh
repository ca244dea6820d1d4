#!/usr/bin/env sh
# Re-pins constraints.txt from pyproject.toml: run it after changing a dependency, run the
# suite, and commit both files. Every machine then installs exactly what the suite passed with.
# Arguments go to `uv pip compile`: scripts/lock.sh --upgrade-package aiogram
set -eu
cd "$(dirname "$0")/.."
. ./scripts/venv.sh
ensure_venv "[dev]" 2>/dev/null || true
.venv/bin/python -m uv --version >/dev/null 2>&1 ||
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
.venv/bin/python -m uv pip compile --quiet --universal --python-version 3.11 \
    --extra dev --no-header --output-file constraints.txt "$@" pyproject.toml
