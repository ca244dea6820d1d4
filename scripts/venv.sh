# Shared by ./start and ./test: make .venv with Python 3.11+ and install the project into it,
# again only when pyproject.toml (or the extras asked for) changed since the last install.

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Kopeyka needs Python 3.11 or newer; none was found on PATH." >&2
    return 1
}

ensure_venv() {
    extras="$1"
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python)
        echo "Creating .venv with $python …" >&2
        "$python" -m venv .venv
    fi
    stamp=".venv/.kopeyka-installed$extras"
    wanted=$(cat pyproject.toml | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "Installing dependencies into .venv …" >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras" >&2
        echo "$wanted" > "$stamp"
    fi
}
