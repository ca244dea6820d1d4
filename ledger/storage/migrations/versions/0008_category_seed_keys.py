"""A seeded category remembers the TOML name it was seeded from, so a rename sticks: the next
start finds it by that key and does not add the old name again

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("seed_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint("uq_categories_seed_key", ["seed_key"])
    # Until now a category's name was its key: every existing one answers to it.
    op.execute("UPDATE categories SET seed_key = name")


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.drop_constraint("uq_categories_seed_key", type_="unique")
        batch.drop_column("seed_key")
