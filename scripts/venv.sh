# Shared by ./start and ./test: make .venv with Python 3.11+ and install the project into it,
# pinned by constraints.txt, again only when pyproject.toml, the pins or the extras changed.
#
# uv (from PyPI, put into .venv by pip) installs in seconds what pip takes a minute for; when
# it cannot be installed or fails, plain pip installs the same pinned versions.

UV_VERSION="0.13.9"

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

# The stamp of an install: what was asked for, and the files that decide what gets installed.
install_stamp() {
    printf '%s\n' "$1" | cat - pyproject.toml constraints.txt | cksum
}

# True when an install covering `extras` is already in place: the dev install includes the
# runtime one, so `./start` after `./test` installs nothing.
installed() {
    for stamp in ".venv/.kopeyka-installed$1" ".venv/.kopeyka-installed[dev]"; do
        [ -f "$stamp" ] || continue
        suffix=${stamp#.venv/.kopeyka-installed}
        [ "$(cat "$stamp")" = "$(install_stamp "$suffix")" ] && return 0
    done
    return 1
}

install_with_uv() {
    # Site-packages get bytecode now, as pip does: imports at every start stay fast even
    # where PYTHONDONTWRITEBYTECODE is set.
    { .venv/bin/python -m uv --version >/dev/null 2>&1 ||
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            "uv==$UV_VERSION" >&2; } &&
        .venv/bin/python -m uv pip install --quiet --python .venv/bin/python \
            --compile-bytecode --constraints constraints.txt -e ".$1" >&2
}

install_with_pip() {
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        --constraint constraints.txt -e ".$1" >&2
}

ensure_venv() {
    extras="$1"
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python)
        echo "Creating .venv with $python …" >&2
        "$python" -m venv .venv
    fi
    installed "$extras" && return 0
    echo "Installing dependencies into .venv …" >&2
    if [ "${KOPEYKA_INSTALLER:-uv}" = pip ] || ! install_with_uv "$extras"; then
        [ "${KOPEYKA_INSTALLER:-uv}" = pip ] || echo "uv could not install; using pip …" >&2
        install_with_pip "$extras"
    fi
    install_stamp "$extras" > ".venv/.kopeyka-installed$extras"
}
