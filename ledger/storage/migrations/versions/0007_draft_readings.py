"""A draft keeps how its amount was read: the other number it could have been, and the
arithmetic of a count or a sum, for the card to show

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("expense_drafts") as batch:
        batch.add_column(sa.Column("alternative_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("arithmetic", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("expense_drafts") as batch:
        batch.drop_column("arithmetic")
        batch.drop_column("alternative_minor")
