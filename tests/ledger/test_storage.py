"""The ledger's guarantees that hold below the services: the database refuses every statement
that would rewrite a ledger entry or an audit row, whoever sends it through the application's
connections — and on PostgreSQL, where the application's role owns nothing (README, "PostgreSQL:
two roles"), also every statement that would switch that refusal off. The owner of the tables
meets the same triggers; only a migration switches one off, on purpose.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pytest
from sqlalchemy import Table, UniqueConstraint, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.context import AppContext
from ledger.categories import DEFAULT_CATEGORIES
from ledger.storage.database import APPEND_ONLY_TABLES, Database, grant_application_role
from ledger.storage.models import AuditRow, Base, EntryRow
from ledger.users import Person
from tests.conftest import OWNER_ID

# What the database says when it refuses: a trigger of the append-only tables, or (PostgreSQL,
# the application's role) a privilege it does not hold. A unique violation or any other error
# does not count: the statement must be refused for what it tries.
REFUSED = "append-only|permission denied|must be owner"
# A column each table's forgery changes, and to what.
FORGED = {"entries": ("amount_minor", "1"), "audit_log": ("action", "'forged'")}


def unique_keys(table: Table) -> list[str]:
    """Every column that must be unique in `table` (its id first), as the models declare."""
    keys = [column.name for column in table.primary_key.columns]
    keys += [column.name for column in table.columns if column.unique]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1:
            keys += [column.name for column in constraint.columns if column.name not in keys]
    return keys


def copy_of_a_row(table: Table, key: str) -> str:
    """`(columns) SELECT …`: the last row of `table` whose `key` is set, copied with its
    forged column changed and every other unique key cleared (a new id, no draft…), so that
    the copy collides with the original on `key` alone."""
    forged, value = FORGED[table.name]
    others = set(unique_keys(table)) - {key}
    names, values = [], []
    for column in table.columns:
        if column.name in others and column.primary_key:
            continue  # the database gives the copy a new id
        names.append(f'"{column.name}"')
        if column.name in others:
            values.append("NULL")
        elif column.name == forged:
            values.append(value)
        else:
            values.append(f'"{column.name}"')
    return (
        f"({', '.join(names)}) SELECT {', '.join(values)} FROM {table.name} "
        f"WHERE {key} = (SELECT max({key}) FROM {table.name})"
    )


def rewrites(table: Table, key: str) -> dict[str, tuple[str, str]]:
    """The statements that would replace the row of `table` that `key` names: by name, the
    dialect that has it and the statement."""
    forged, _ = FORGED[table.name]
    row = copy_of_a_row(table, key)
    upsert = f"INSERT INTO {table.name} {row} ON CONFLICT ({key}) DO UPDATE SET {forged} = "
    upsert += f"excluded.{forged}"
    return {
        f"INSERT OR REPLACE {table.name} on {key}": (
            "sqlite",
            f"INSERT OR REPLACE INTO {table.name} {row}",
        ),
        f"REPLACE {table.name} on {key}": ("sqlite", f"REPLACE INTO {table.name} {row}"),
        f"upsert {table.name} on {key}": ("both", upsert),
    }


@dataclass(frozen=True)
class Attempt:
    statements: tuple[str, ...]
    dialect: str = "both"  # "sqlite", "postgresql" or "both"
    # PostgreSQL: refused because the application's role owns nothing (with one role, the
    # owner's, it would succeed: such attempts need the two roles CI sets up).
    needs_a_non_owner: bool = False


def _attempts() -> dict[str, Attempt]:
    attempts = {
        "UPDATE entries": Attempt(("UPDATE entries SET amount_minor = 1",)),
        "DELETE entries": Attempt(("DELETE FROM entries",)),
        "UPDATE audit_log": Attempt(("UPDATE audit_log SET action = 'forged'",)),
        "DELETE audit_log": Attempt(("DELETE FROM audit_log",)),
        "UPDATE OR REPLACE entries": Attempt(
            ("UPDATE OR REPLACE entries SET draft_id = NULL",), "sqlite"
        ),
        "TRUNCATE entries": Attempt(("TRUNCATE entries CASCADE",), "postgresql"),
        "TRUNCATE audit_log": Attempt(("TRUNCATE audit_log",), "postgresql"),
        "TRUNCATE users CASCADE": Attempt(("TRUNCATE users CASCADE",), "postgresql"),
        "MERGE entries": Attempt(
            (
                "MERGE INTO entries USING (SELECT 1 AS one) AS s ON true "
                "WHEN MATCHED THEN UPDATE SET amount_minor = 1",
            ),
            "postgresql",
        ),
        "DISABLE TRIGGER then UPDATE": Attempt(
            (
                "ALTER TABLE entries DISABLE TRIGGER USER",
                "UPDATE entries SET amount_minor = 1",
            ),
            "postgresql",
            needs_a_non_owner=True,
        ),
        "DROP TRIGGER then DELETE": Attempt(
            ("DROP TRIGGER audit_log_append_only ON audit_log", "DELETE FROM audit_log"),
            "postgresql",
            needs_a_non_owner=True,
        ),
        "replica mode then UPDATE": Attempt(  # triggers sleep in replica mode: superusers only
            ("SET session_replication_role = replica", "UPDATE entries SET amount_minor = 1"),
            "postgresql",
            needs_a_non_owner=True,
        ),
        "take ownership": Attempt(
            ("ALTER TABLE entries OWNER TO CURRENT_USER",), "postgresql", needs_a_non_owner=True
        ),
        "rename the table": Attempt(
            ("ALTER TABLE audit_log RENAME TO audit_log_old",),
            "postgresql",
            needs_a_non_owner=True,
        ),
        "DROP TABLE": Attempt(("DROP TABLE audit_log",), "postgresql", needs_a_non_owner=True),
    }
    for table in (EntryRow.__table__, AuditRow.__table__):
        for key in unique_keys(table):
            for name, (dialect, statement) in rewrites(table, key).items():
                attempts[name] = Attempt((statement,), dialect)
    return attempts


ATTEMPTS = _attempts()


async def post_and_reverse_an_expense(app_context: AppContext) -> None:
    """Three entries (an expense and its reversal, then an expense nothing refers to) and
    their audit rows: a row for every unique key to collide with. The session is closed after,
    so that nothing holds a lock the attempts (TRUNCATE, ALTER TABLE) would wait for."""
    async with app_context.database.unit_of_work() as uow:
        services = app_context.services(uow)
        await services.categories.seed(DEFAULT_CATEGORIES)
        owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
        draft = await services.expenses.start_draft(owner, "1500 такси")
        entry = await services.expenses.save(owner, draft.id, draft.revision)
        until = await services.entries.ask_to_reverse(owner, entry.id)
        await services.entries.reverse(owner, entry.id, confirmed_until=until)
        draft = await services.expenses.start_draft(owner, "350 кофе")
        await services.expenses.save(owner, draft.id, draft.revision)


async def ledger_rows(engine: AsyncEngine) -> dict[str, list[tuple]]:
    async with engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in APPEND_ONLY_TABLES
        }


async def owns_the_ledger(engine: AsyncEngine) -> bool:
    """The role is the owner of the ledger's tables, a member of the owner's role, or a
    superuser: it could switch the triggers off."""
    async with engine.connect() as connection:
        owner = await connection.scalar(
            text(
                "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
                "WHERE tablename = 'entries' AND schemaname = current_schema()"
            )
        )
    return bool(owner)


async def attempt(engine: AsyncEngine, statements: tuple[str, ...]) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A lock some session forgot to release fails the test instead of hanging it.
            await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        for statement in statements:
            await connection.execute(text(statement))


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
async def test_the_application_cannot_rewrite_the_ledger_or_its_audit_log(
    database: Database, app_context: AppContext, name: str
) -> None:
    tried = ATTEMPTS[name]
    if tried.dialect not in ("both", database.dialect):
        pytest.skip(f"a {tried.dialect} statement")
    if tried.needs_a_non_owner and await owns_the_ledger(database.engine):
        pytest.skip("TEST_DATABASE_URL's role owns the tables: set TEST_DATABASE_MIGRATION_URL")
    await post_and_reverse_an_expense(app_context)
    before = await ledger_rows(database.engine)

    with pytest.raises(DBAPIError, match=REFUSED):
        await attempt(database.engine, tried.statements)

    assert await ledger_rows(database.engine) == before
    assert len(before["entries"]) == 3


TRIGGERED = sorted(name for name, tried in ATTEMPTS.items() if not tried.needs_a_non_owner)


@pytest.mark.parametrize("name", TRIGGERED)
async def test_the_owner_meets_the_same_triggers(
    database: Database, app_context: AppContext, owner_database_url: str, name: str
) -> None:
    """Beneath the grants, the triggers: the tables' owner too is refused every rewrite."""
    tried = ATTEMPTS[name]
    if tried.dialect not in ("both", database.dialect):
        pytest.skip(f"a {tried.dialect} statement")
    await post_and_reverse_an_expense(app_context)
    before = await ledger_rows(database.engine)
    owner = Database.connect(owner_database_url, pooled=False)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            await attempt(owner.engine, tried.statements)
    finally:
        await owner.dispose()

    assert await ledger_rows(database.engine) == before


def sqlite_file(engine: AsyncEngine) -> str:
    return engine.url.database or ""


@pytest.mark.parametrize(
    ("table", "key"),
    [
        (table.name, key)
        for table in (EntryRow.__table__, AuditRow.__table__)
        for key in unique_keys(table)
    ],
)
async def test_a_sqlite_shell_cannot_replace_a_row_either(
    database: Database, app_context: AppContext, table: str, key: str
) -> None:
    """A connection that never turned `recursive_triggers` on (the sqlite3 shell, any other
    program): REPLACE's delete fires no DELETE trigger there, and the insert trigger refuses
    the colliding row itself, on the id and on every unique key the models declare."""
    if database.dialect != "sqlite":
        pytest.skip("SQLite's REPLACE")
    await post_and_reverse_an_expense(app_context)
    before = await ledger_rows(database.engine)
    shell = sqlite3.connect(sqlite_file(database.engine))
    try:
        assert shell.execute("PRAGMA recursive_triggers").fetchone() == (0,)
        for statement in ("INSERT OR REPLACE INTO", "REPLACE INTO"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                shell.execute(
                    f"{statement} {table} {copy_of_a_row(Base.metadata.tables[table], key)}"
                )
        shell.rollback()
    finally:
        shell.close()

    assert await ledger_rows(database.engine) == before


async def test_the_applications_connections_refuse_a_replace_without_the_insert_trigger(
    database: Database, app_context: AppContext
) -> None:
    """The other half on SQLite: the application's connections have recursive triggers on, so
    a REPLACE's delete meets the DELETE trigger even on a file whose insert trigger is gone."""
    if database.dialect != "sqlite":
        pytest.skip("SQLite's REPLACE")
    await post_and_reverse_an_expense(app_context)
    before = await ledger_rows(database.engine)
    shell = sqlite3.connect(sqlite_file(database.engine))
    try:
        for table in APPEND_ONLY_TABLES:
            shell.execute(f"DROP TRIGGER {table}_no_overwrite")
        shell.commit()
    finally:
        shell.close()

    for table in APPEND_ONLY_TABLES:
        row = copy_of_a_row(Base.metadata.tables[table], "id")
        with pytest.raises(DBAPIError, match="append-only"):
            await attempt(database.engine, (f"REPLACE INTO {table} {row}",))

    assert await ledger_rows(database.engine) == before


async def test_the_applications_role_holds_only_the_grants_it_needs(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL's roles")
    if await owns_the_ledger(database.engine):
        pytest.skip("TEST_DATABASE_URL's role owns the tables: set TEST_DATABASE_MIGRATION_URL")
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    async with database.engine.connect() as connection:
        held = {
            table.name: {
                privilege
                for privilege in privileges
                if await connection.scalar(
                    text("SELECT has_table_privilege(current_user, :table, :privilege)"),
                    {"table": table.name, "privilege": privilege},
                )
            }
            for table in Base.metadata.sorted_tables
        }
        owned = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_class "
                "WHERE pg_has_role(current_user, relowner, 'MEMBER') "
                "AND relnamespace = current_schema()::regnamespace"
            )
        )

    assert held.pop("entries") == {"SELECT", "INSERT"}
    assert held.pop("audit_log") == {"SELECT", "INSERT"}
    assert set(map(frozenset, held.values())) == {
        frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
    }
    assert owned == 0


async def test_granting_the_owner_itself_changes_nothing(
    database: Database, owner_database_url: str
) -> None:
    """The same role in DATABASE_URL and DATABASE_MIGRATION_URL: the grants are skipped rather
    than the owner's own rights revoked."""
    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL's roles")
    owner = Database.connect(owner_database_url, pooled=False)
    try:
        await owner.migrate(owner_url=owner_database_url)
        async with owner.engine.connect() as connection:
            await connection.run_sync(
                lambda sync: grant_application_role(
                    sync, sync.exec_driver_sql("SELECT current_user").scalar_one()
                )
            )
            kept = await connection.scalar(
                text(
                    "SELECT has_table_privilege(current_user, 'users', 'UPDATE') "
                    "AND has_table_privilege(current_user, 'entries', 'TRUNCATE')"
                )
            )
    finally:
        await owner.dispose()

    assert kept is True
