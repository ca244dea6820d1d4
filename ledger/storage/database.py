"""The database: engine, sessions and the SQLite write gate behind two doors, and migrations.

Edges (an update, a CLI command, a cabinet request) open a `unit_of_work()` and its use cases
commit when they are done; workers write in short `write()` blocks. Nobody else sees the gate.

SQLite runs in WAL mode with `synchronous=FULL`, so a commit the bot has confirmed to a person
survives a power cut; PostgreSQL is the same code with another URL. On PostgreSQL the
migrations may run as another role than the application (`DATABASE_MIGRATION_URL`, the owner
of the schema): the application's role is then granted what it needs and nothing more, so it
cannot switch the append-only triggers off (README, "PostgreSQL: two roles").
"""

from __future__ import annotations

import ast
import contextlib
import re
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from ledger.storage.files import private_sqlite_file
from ledger.storage.models import Base
from ledger.storage.uow import TrackedSession, UnitOfWork, WriteGate

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# A version file's own `revision = "0008"` and `down_revision = "0007"` lines (annotated or not).
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
# Rows are only ever added to these (migrations 0002 and 0012 make the database refuse the rest).
APPEND_ONLY_TABLES = ("entries", "audit_log")
LOCK_KEY = 0x6B6F7065796B61  # "kopeyka": the advisory lock migrations hold on PostgreSQL


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # `INSERT OR REPLACE` deletes the row it collides with; with recursive triggers on, that
    # delete fires the DELETE triggers like any other, so the append-only ledger refuses it
    # (migration 0012 refuses it for connections that do not set this, too).
    cursor.execute("PRAGMA recursive_triggers=ON")
    # Writers queue behind each other instead of failing at once with "database is locked".
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False, pooled: bool = True) -> AsyncEngine:
    """An async engine for `url`; for SQLite the file is created private (0600, in a 0700
    folder when this creates it) and pragmas set.

    `pooled=False` opens a connection per use and keeps none: for a one-off command that
    cannot dispose of the engine when it is done.
    """
    parsed = make_url(url)
    # A statement's values (tokens, ledger rows) never reach a log line or an error message,
    # whatever the log level: SQLAlchemy shows "[SQL parameters hidden …]" instead.
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if not pooled:
        options["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # The file holds the CRM tokens and the whole ledger: its owner's alone.
            private_sqlite_file(Path(database))
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if pooled:
        options.update(pool_size=10, max_overflow=10)
    return create_async_engine(url, **options)


# Every Database over one engine shares its gate (a test may build two over one engine).
_GATES: weakref.WeakKeyDictionary[Any, WriteGate] = weakref.WeakKeyDictionary()


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Objects stay readable after commit: handlers render what a service returned.
        self._sessions = async_sessionmaker(
            engine, expire_on_commit=False, autoflush=False, sync_session_class=TrackedSession
        )
        sync_engine = engine.sync_engine
        if sync_engine not in _GATES:
            _GATES[sync_engine] = WriteGate(serialize=self.dialect == "sqlite")
        self._gate = _GATES[sync_engine]

    @classmethod
    def connect(cls, url: str, *, echo: bool = False, pooled: bool = True) -> Database:
        return cls(create_engine(url, echo=echo, pooled=pooled))

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": a few statements differ (upserts, `SKIP LOCKED`)."""
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """An edge's unit of work; whatever its use cases did not commit is rolled back."""
        async with self._sessions() as session:
            yield UnitOfWork(session, self._gate)

    @contextlib.asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A worker's transaction, committed when the block ends and rolled back on error.

        `urgent`: somebody waits on this commit with a deadline (see `WriteGate`).
        """
        async with self._gate(urgent=urgent), self._sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; nothing written through it is kept."""
        async with self._sessions() as session:
            yield session

    async def migrate(self, revision: str = "head", *, owner_url: str | None = None) -> None:
        """Bring the schema to `revision`. With `owner_url` (`DATABASE_MIGRATION_URL`: the
        role that owns the schema) the migrations run as that role, and this database's own
        role is granted what the application needs (`grant_application_role`)."""
        if owner_url is None:
            await migrate(self.engine, revision)
            return
        async with self.engine.connect() as connection:
            role = await connection.scalar(text("SELECT current_user"))
        owner = create_engine(owner_url, pooled=False)
        try:
            await migrate(owner, revision, grant_to=role)
        finally:
            await owner.dispose()

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    # Alembic (and Mako, Pygments and SQLAlchemy's other dialects with it) is loaded only when
    # there is migrating to do: a tenth of a second of every start otherwise.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def script_head() -> str | None:
    """The newest migration, read from the version files' `revision` and `down_revision`
    lines without loading Alembic; None unless they make one line of history with one head
    (then only Alembic can say)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        lines = _REVISION_LINE.findall(path.read_text(encoding="utf-8"))
        values = dict(lines)
        if len(lines) != 2 or len(values) != 2:
            return None
        try:
            revision = ast.literal_eval(values["revision"].strip())
            down = ast.literal_eval(values["down_revision"].strip())
        except (ValueError, SyntaxError):
            return None
        downs = down if isinstance(down, tuple | list) else () if down is None else (down,)
        if not isinstance(revision, str) or not all(isinstance(d, str) for d in downs):
            return None
        revisions.add(revision)
        parents.update(downs)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


async def _at_head(engine: AsyncEngine) -> bool:
    """True when the database's recorded revision is the newest migration: nothing to do."""
    head = script_head()
    if head is None:
        return False
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            current = list(found.scalars())
    except DBAPIError:  # no such table (a new database), or it cannot be read: Alembic decides
        return False
    return current == [head]


async def migrate(
    engine: AsyncEngine, revision: str = "head", *, grant_to: str | None = None
) -> None:
    """Bring the schema to `revision` (start-up calls this; it is a no-op when up to date),
    then, on PostgreSQL, grant `grant_to` the application's rights, in the same transaction.

    An up-to-date database is told by one query, so a warm start loads no Alembic; grants are
    given again on every migration run, so tables added later get them too.
    """
    if revision == "head" and grant_to is None and await _at_head(engine):
        return
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together take turns: two GRANTs of one table at once fail
            # ("tuple concurrently updated"), and so would two migrations.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        await connection.run_sync(_upgrade, revision)
        if grant_to is not None and connection.dialect.name == "postgresql":
            await connection.run_sync(grant_application_role, grant_to)


def grant_application_role(connection: Connection, role: str) -> None:
    """Give `role` exactly what the application needs on the schema `connection`'s role owns:
    SELECT and INSERT on the append-only tables, SELECT, INSERT, UPDATE and DELETE on the
    working ones, SELECT on `alembic_version` (start-up checks it is up to date), USAGE on the
    sequences; no TRUNCATE, no REFERENCES or TRIGGER, and, owning nothing, no ALTER TABLE.

    Whatever the role held before on these tables is revoked first, so running it again (every
    migration does) leaves the same grants. Nothing to do when the role is the owner itself.
    """
    if role == connection.exec_driver_sql("SELECT current_user").scalar_one():
        return
    quote = connection.dialect.identifier_preparer.quote
    who = quote(role)
    schema = quote(connection.exec_driver_sql("SELECT current_schema()").scalar_one())
    append_only = [quote(name) for name in APPEND_ONLY_TABLES]
    working = [
        quote(table.name)
        for table in Base.metadata.sorted_tables
        if table.name not in APPEND_ONLY_TABLES
    ]
    everything = ", ".join([*append_only, *working, "alembic_version"])
    for statement in (
        f"REVOKE ALL ON {everything} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}",
        f"GRANT SELECT ON alembic_version TO {who}",
        f"GRANT SELECT, INSERT ON {', '.join(append_only)} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(working)} TO {who}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
    ):
        connection.exec_driver_sql(statement)
