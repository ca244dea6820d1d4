"""A receipt remembers whether Telegram gave it as a photo or as a document (each is sent back
by its own method), and a spreadsheet remembers which «Операции» layout its rows were written
in, so a changed layout (the «Чек» column) rewrites the rows already there

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Entries are append-only (0002): the new column is added, never filled in for old rows. An
entry stored before this has a receipt of unknown kind; the bot tries both ways to send it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN alters in place on both databases: no table copy, so the append-only
    # triggers on `entries` stay, and no UPDATE runs on its rows.
    for table in ("expense_drafts", "entries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("receipt_kind", sa.String(length=10), nullable=True))
    with op.batch_alter_table("sheet_state") as batch:
        batch.add_column(sa.Column("operations_layout", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sheet_state") as batch:
        batch.drop_column("operations_layout")
    for table in ("entries", "expense_drafts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("receipt_kind")
