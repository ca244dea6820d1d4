"""Income by hand and several items in one message: a category and a draft say whether they
are income or expense, the drafts read from one message share a batch (its first draft), and
an entry (and its draft) may name the deal it belongs to

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every category and draft so far was an expense one.
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="expense")
        )
    with op.batch_alter_table("expense_drafts") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="expense")
        )
        batch.add_column(sa.Column("batch_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_expense_drafts_batch_id", ["batch_id"])
        batch.add_column(sa.Column("deal_id", sa.BigInteger(), nullable=True))
    # Not a batch: entries are append-only, and a rebuilt table would have to delete them.
    # SQLite adds a column with its reference in place, but only in its own words.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE entries ADD COLUMN deal_id INTEGER REFERENCES deals (id)")
    else:
        op.add_column("entries", sa.Column("deal_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key("fk_entries_deal_id_deals", "entries", "deals", ["deal_id"], ["id"])
    op.create_index("ix_entries_deal_id", "entries", ["deal_id"])


def downgrade() -> None:
    op.drop_index("ix_entries_deal_id", "entries")
    op.drop_column("entries", "deal_id")
    with op.batch_alter_table("expense_drafts") as batch:
        batch.drop_column("deal_id")
        batch.drop_index("ix_expense_drafts_batch_id")
        batch.drop_column("batch_id")
        batch.drop_column("kind")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("kind")
