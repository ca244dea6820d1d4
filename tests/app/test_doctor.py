"""doctor's report of the versions in use, against the pins in constraints.txt."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from app.doctor import BAD, CONSTRAINTS, OK, WARN, check_versions

AIOGRAM = metadata.version("aiogram")


def test_the_versions_line_names_python_and_the_core_libraries_in_use() -> None:
    (line, *_) = check_versions()

    assert line[:2] == (OK, "versions")
    assert f"Python {platform.python_version()}" in line[2]
    assert f"aiogram {AIOGRAM}" in line[2]


def test_the_checkout_runs_exactly_what_constraints_txt_pins() -> None:
    assert CONSTRAINTS.is_file()
    assert [mark for mark, _, _ in check_versions(CONSTRAINTS)] == [OK]


def test_a_package_other_than_pinned_is_named_with_both_versions(tmp_path: Path) -> None:
    pins = tmp_path / "constraints.txt"
    pins.write_text(
        "# via pip-compile\n"
        "aiogram==0.0.1\n"
        "    # via kopeyka\n"
        "aiohttp==0.0.2 ; python_version < '3.0'\n"  # another interpreter's pin: not ours
        "not-installed-anywhere==1.0\n",
        encoding="utf-8",
    )

    marks = check_versions(pins)

    assert [mark for mark, _, _ in marks] == [OK, WARN]
    assert f"aiogram {AIOGRAM} (pinned 0.0.1)" in marks[1][2]
    assert "aiohttp" not in marks[1][2]
    assert BAD not in {mark for mark, _, _ in marks}


def test_without_a_constraints_file_only_the_versions_are_reported(tmp_path: Path) -> None:
    assert [mark for mark, _, _ in check_versions(tmp_path / "absent.txt")] == [OK]
