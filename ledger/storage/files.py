"""Files only their owner reads: the data folder and what is in it (the SQLite database with
the CRM tokens and the whole ledger, the generated secret key, exported workbooks).

Folders we create are 0700 and files 0600, set explicitly, whatever the umask; a folder or a
file someone else could read is tightened at start-up (group and others lose all access),
with a log line saying so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO
SHOWN = 5  # paths named in the tightening line; the rest are counted


def private_dir(path: Path) -> Path:
    """`path` as a folder; each folder this creates (parents included) is 0700. A folder that
    exists is left as it is: it may be one the person chose (`--output ~/reports/x.xlsx`)."""
    missing = []
    folder = Path(path)
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
        os.chmod(folder, PRIVATE_DIR)
    return Path(path)


def create_private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists (then make sure it is no looser)."""
    private_dir(Path(path).parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten([Path(path)], why=f"{path} could be read by others")
        return
    try:
        os.fchmod(descriptor, PRIVATE_FILE)  # the umask may have taken more than asked
    finally:
        os.close(descriptor)


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` as a 0600 file (replacing what was there)."""
    private_dir(Path(path).parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), PRIVATE_FILE)
        file.write(data)
    return Path(path)


def secure_data_dir(root: Path) -> None:
    """The data folder private: created 0700, or, when it exists, it and everything in it
    tightened (no access for group and others). Links are not followed."""
    root = Path(root)
    if not root.exists():
        private_dir(root)
        return
    tighten(_tree(root), why=f"the data folder {root} could be read by others")


def tighten(paths: Iterable[Path], *, why: str) -> list[Path]:
    """Take group and other permissions off each path, the owner's own left as they are (a
    folder becomes 0700, a file 0600, a script the owner runs 0700); say which were changed,
    and from what, in one log line."""
    changed: list[tuple[Path, int]] = []
    for path in paths:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode) or not mode & _OTHERS:
            continue
        os.chmod(path, stat.S_IMODE(mode) & ~_OTHERS)
        changed.append((Path(path), stat.S_IMODE(mode)))
    if changed:
        named = ", ".join(f"{path} (was {mode:04o})" for path, mode in changed[:SHOWN])
        more = f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
        log.warning("%s: made private (no access for group and others): %s%s", why, named, more)
    return [path for path, _ in changed]


def private_sqlite_file(path: Path) -> None:
    """The database file 0600 before SQLite first opens it (SQLite gives its -wal, -shm and
    -journal files the database file's mode), and any of them looser tightened."""
    companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    if path.exists():
        tighten([path, *companions], why=f"the database {path} could be read by others")
    else:
        create_private_file(path)


def _tree(root: Path) -> Iterator[Path]:
    yield root
    for folder, folders, files in os.walk(root, followlinks=False):
        for name in (*folders, *files):
            yield Path(folder) / name
