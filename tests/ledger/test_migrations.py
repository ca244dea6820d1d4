"""Migrating at start-up: Alembic runs when there is work, and an up-to-date database is told by
one query, without loading Alembic at all."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from ledger.storage import database
from ledger.storage.database import alembic_config, create_engine, migrate, script_head

REPO = Path(__file__).resolve().parents[2]


def alembic_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def recorded_revisions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(found.scalars())
    finally:
        await engine.dispose()


def test_the_head_read_from_the_version_files_is_alembics() -> None:
    assert script_head() == alembic_head()


async def test_a_database_one_migration_behind_is_brought_to_the_head(tmp_path: Path) -> None:
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(alembic_head())
    assert isinstance(previous.down_revision, str)
    url = f"sqlite+aiosqlite:///{tmp_path / 'behind.sqlite3'}"
    engine = create_engine(url)
    try:
        await migrate(engine, previous.down_revision)
        await migrate(engine)
    finally:
        await engine.dispose()

    assert await recorded_revisions(url) == [alembic_head()]


async def test_a_new_database_is_migrated_from_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}"
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()

    assert await recorded_revisions(url) == [alembic_head()]


async def test_an_up_to_date_database_is_left_alone_without_loading_alembic(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'warm.sqlite3'}"
    engine = create_engine(url)
    try:
        await migrate(engine)  # the first start
    finally:
        await engine.dispose()
    warm_start = f"""
import asyncio, sys
from ledger.storage.database import create_engine, migrate

async def main():
    engine = create_engine({url!r})
    await migrate(engine)
    await engine.dispose()

asyncio.run(main())
print(sorted(name for name in sys.modules if name.split(".")[0] == "alembic"))
"""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", warm_start],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert await recorded_revisions(url) == [alembic_head()]


def copy_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    migrations = tmp_path / "migrations"
    shutil.copytree(database.MIGRATIONS_DIR / "versions", migrations / "versions")
    monkeypatch.setattr(database, "MIGRATIONS_DIR", migrations)
    return migrations / "versions"


def test_two_heads_leave_the_answer_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = copy_versions(tmp_path, monkeypatch)
    head = alembic_head()
    (versions / "9999_a_branch.py").write_text(
        f'revision: str = "9999"\ndown_revision: str | None = "{head}"\n', encoding="utf-8"
    )
    (versions / "9998_another_branch.py").write_text(
        f'revision: str = "9998"\ndown_revision: str | None = "{head}"\n', encoding="utf-8"
    )

    assert script_head() is None


def test_a_merge_of_two_branches_is_one_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = copy_versions(tmp_path, monkeypatch)
    head = alembic_head()
    for branch in ("9998", "9999"):
        (versions / f"{branch}_branch.py").write_text(
            f'revision = "{branch}"\ndown_revision = "{head}"\n', encoding="utf-8"
        )
    (versions / "9997_merge.py").write_text(
        'revision = "9997"\ndown_revision = ("9998", "9999")\n', encoding="utf-8"
    )

    assert script_head() == "9997"


@pytest.mark.parametrize(
    "source",
    [
        'revision = "9999"\n',  # no down_revision line
        'revision = make_id()\ndown_revision = "0001"\n',  # not a literal
        'revision = "9999"\ndown_revision = 7\n',  # not a revision id
    ],
    ids=["no down_revision", "computed revision", "number"],
)
def test_a_version_file_not_understood_leaves_the_answer_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    versions = copy_versions(tmp_path, monkeypatch)
    (versions / "9999_odd.py").write_text(source, encoding="utf-8")

    assert script_head() is None
