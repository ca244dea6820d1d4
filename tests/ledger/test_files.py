"""Private files: folders we create are 0700 and files 0600 whatever the umask, and the data
folder is tightened at start-up, never through a link to somewhere else."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.storage.files import (
    create_private_file,
    private_dir,
    private_sqlite_file,
    secure_data_dir,
    write_private,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The loosest umask there is: whatever is private here is so by its own doing."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_folders_created_are_0700_up_to_the_first_that_exists(tmp_path: Path) -> None:
    chosen = tmp_path / "reports"
    chosen.mkdir(mode=0o755)

    private_dir(chosen / "2026" / "11")

    assert mode(chosen) == 0o755  # the person's own folder is theirs to decide
    assert mode(chosen / "2026") == 0o700
    assert mode(chosen / "2026" / "11") == 0o700


def test_a_file_written_is_0600_even_when_it_was_looser(tmp_path: Path) -> None:
    path = tmp_path / "files" / "receipt.jpg"
    write_private(path, b"one")
    assert mode(path) == 0o600
    path.chmod(0o644)

    write_private(path, b"two")

    assert path.read_bytes() == b"two"
    assert mode(path) == 0o600


def test_a_new_sqlite_file_and_its_journals_are_0600(tmp_path: Path, caplog) -> None:
    database = tmp_path / "db" / "kopeyka.sqlite3"
    private_sqlite_file(database)
    assert (mode(database.parent), mode(database), database.stat().st_size) == (0o700, 0o600, 0)

    database.chmod(0o644)
    wal = database.with_name("kopeyka.sqlite3-wal")
    wal.write_bytes(b"")
    wal.chmod(0o664)
    with caplog.at_level(logging.WARNING, logger="ledger.storage.files"):
        private_sqlite_file(database)

    assert (mode(database), mode(wal)) == (0o600, 0o600)
    [line] = caplog.messages
    assert f"{database} (was 0644)" in line
    assert f"{wal} (was 0664)" in line


def test_an_existing_data_folder_is_tightened_whole_and_says_so(tmp_path: Path, caplog) -> None:
    data = tmp_path / "data"
    (data / "console-files").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    (data / "secret_key").write_text("k" * 64)
    (data / "secret_key").chmod(0o644)
    (data / "console-files" / "ledger.xlsx").write_bytes(b"x")
    (data / "console-files" / "ledger.xlsx").chmod(0o666)
    (data / "already.txt").write_text("")
    (data / "already.txt").chmod(0o600)

    (data / "backup.sh").write_text("#!/bin/sh\n")
    (data / "backup.sh").chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="ledger.storage.files"):
        secure_data_dir(data)

    assert mode(data / "backup.sh") == 0o700  # still the owner's to run
    assert mode(data) == 0o700
    assert mode(data / "console-files") == 0o700
    assert mode(data / "secret_key") == 0o600
    assert mode(data / "console-files" / "ledger.xlsx") == 0o600
    [line] = caplog.messages
    assert line.startswith(f"the data folder {data} could be read by others: made private")
    assert "already.txt" not in line
    assert f"{data} (was 0755)" in line

    caplog.clear()
    secure_data_dir(data)
    assert caplog.messages == []  # private already: nothing to say


def test_tightening_never_follows_a_link_out_of_the_data_folder(tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared.txt"
    elsewhere.write_text("")
    elsewhere.chmod(0o644)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "link").symlink_to(elsewhere)

    secure_data_dir(data)

    assert mode(elsewhere) == 0o644


def test_a_missing_data_folder_is_created_private(tmp_path: Path) -> None:
    secure_data_dir(tmp_path / "new" / "data")

    assert mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "data") == 0o700


def test_create_private_file_keeps_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "kept"
    path.write_text("content")
    path.chmod(0o640)

    create_private_file(path)

    assert (path.read_text(), mode(path)) == ("content", 0o600)
