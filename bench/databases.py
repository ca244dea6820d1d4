"""Databases for the benchmarks: a fresh, migrated database per run (a SQLite file in a
temporary folder, or an emptied PostgreSQL), and a throwaway PostgreSQL 15 server when none is
given (`--pg-url` / `BENCH_DATABASE_URL`), started as the `postgres` user when run as root.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.storage.database import APPEND_ONLY_TABLES, create_engine, migrate
from ledger.storage.models import Base

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass(frozen=True)
class Target:
    kind: str  # "sqlite" or "postgresql"
    label: str
    url: str | None = None  # PostgreSQL only; SQLite gets a fresh file per run


@contextlib.asynccontextmanager
async def fresh_database(target: Target, folder: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A migrated, empty database for one run, and its engine (disposed afterwards)."""
    url = target.url or f"sqlite+aiosqlite:///{folder / 'kopeyka-bench.sqlite3'}"
    engine = create_engine(url)
    try:
        await migrate(engine)
        if target.kind == "postgresql":
            await _empty(engine)
        yield url, engine
    finally:
        await engine.dispose()


async def _empty(engine: AsyncEngine) -> None:
    """Empty every table, the append-only ones too: their TRUNCATE guard (migration 0012) is
    switched off for the length of the transaction that empties them, which only their owner
    may do; so `--pg-url` names a database the benchmark owns (a throwaway one, or the owner's
    URL of the test database)."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        for switch in ("DISABLE", "ENABLE"):
            for table in APPEND_ONLY_TABLES:
                guard = f"{table}_no_truncate"
                await connection.execute(text(f"ALTER TABLE {table} {switch} TRIGGER {guard}"))
            if switch == "DISABLE":
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL 15 on 127.0.0.1 in a temporary folder; stopped and deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="kopeyka-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
    run = functools.partial(subprocess.run, check=True, capture_output=True)
    try:
        run(
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"]
            )
        )
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
        run(_as_postgres([*pg_ctl, "-o", options, "start"]))
        try:
            createdb = [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port)]
            run(_as_postgres([*createdb, "-U", "postgres", "kopeyka_bench"]))
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/kopeyka_bench"
        finally:
            run(_as_postgres([*pg_ctl, "-m", "fast", "stop"]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def chosen_targets(database: str, pg_url: str | None) -> Iterator[list[Target]]:
    """The databases a run asked for (`sqlite`, `postgresql` or `both`); without `pg_url`, a
    throwaway PostgreSQL 15 for the run's length."""
    with contextlib.ExitStack() as stack:
        targets = []
        if database in ("sqlite", "both"):
            targets.append(Target("sqlite", "SQLite (WAL, synchronous=FULL)"))
        if database in ("postgresql", "both"):
            if not pg_url:
                pg_url = stack.enter_context(throwaway_postgres())
                print("PostgreSQL: throwaway PostgreSQL 15 on 127.0.0.1 (fsync on, defaults)")
            targets.append(Target("postgresql", "PostgreSQL (asyncpg)", pg_url))
        yield targets
