"""Income by hand and several items in one message: a category and a draft say whether they
are income or expense, and the drafts read from one message share a batch (its first draft)

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


def downgrade() -> None:
    with op.batch_alter_table("expense_drafts") as batch:
        batch.drop_index("ix_expense_drafts_batch_id")
        batch.drop_column("batch_id")
        batch.drop_column("kind")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("kind")
