"""Answers after a crash: an update is marked answered once its replies were sent, and a
draft remembers the message (and the item of it) it was read from, so a redelivered message
finds its drafts instead of making others

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    # Updates handled so far were answered, as far as anyone can tell now.
    op.execute("UPDATE processed_updates SET answered_at = at")
    with op.batch_alter_table("expense_drafts") as batch:
        batch.add_column(sa.Column("source_message", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("source_item", sa.Integer(), nullable=True))
        batch.create_unique_constraint(
            "uq_expense_drafts_source", ["user_id", "source_message", "source_item"]
        )


def downgrade() -> None:
    with op.batch_alter_table("expense_drafts") as batch:
        batch.drop_constraint("uq_expense_drafts_source", type_="unique")
        batch.drop_column("source_item")
        batch.drop_column("source_message")
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("answered_at")
