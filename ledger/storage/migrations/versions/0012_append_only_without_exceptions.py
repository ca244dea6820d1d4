"""Append-only without exceptions: no statement rewrites a ledger entry or an audit row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

0002's triggers refuse UPDATE and DELETE, but two statements got past them:

- SQLite: `INSERT OR REPLACE` (and `REPLACE`) deletes the row it collides with as its conflict
  resolution, and that delete fires no DELETE trigger unless the connection turned
  `recursive_triggers` on. The application's connections now do (`database._sqlite_pragmas`);
  for every other connection (a sqlite3 shell) a BEFORE INSERT trigger refuses a row that
  collides with an existing one on its id or any unique key, so there is nothing to replace.
- PostgreSQL: TRUNCATE fires no row triggers; a statement-level trigger refuses it, for the
  owner too (who can still switch a trigger off on purpose, in a migration; the application
  runs as a role that owns nothing and cannot: README, "PostgreSQL: two roles").

An upsert (`INSERT … ON CONFLICT DO UPDATE`) is an UPDATE and was refused already.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each append-only table with every column that must be unique in it: its id and unique keys.
# A migration that adds a unique key to one of them extends its trigger (a test tries every
# unique key the models declare).
UNIQUE_KEYS = {
    "entries": ("id", "draft_id", "reverses_entry_id"),
    "audit_log": ("id",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # kopeyka_append_only() (0002) raises for a statement trigger as it does for a row one.
        for table in UNIQUE_KEYS:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kopeyka_append_only()"
            )
        return
    for table, keys in UNIQUE_KEYS.items():
        # NULL = NULL is not true: rows without a draft or a reversal never collide.
        clash = " OR ".join(f"{key} = NEW.{key}" for key in keys)
        op.execute(
            f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in UNIQUE_KEYS:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        return
    for table in UNIQUE_KEYS:
        op.execute(f"DROP TRIGGER {table}_no_overwrite")
