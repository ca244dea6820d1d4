"""A category can be merged into another: it remembers which, so reports count its entries
(which never change) under the one it was merged into; the Google Sheets projection remembers
the category names its rows carry, to rewrite them when a name they show changes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column(
                "merged_into_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_foreign_key(
            "fk_categories_merged_into_id_categories", "categories", ["merged_into_id"], ["id"]
        )
    with op.batch_alter_table("sheet_state") as batch:
        batch.add_column(sa.Column("category_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sheet_state") as batch:
        batch.drop_column("category_names")
    with op.batch_alter_table("categories") as batch:
        batch.drop_constraint("fk_categories_merged_into_id_categories", type_="foreignkey")
        batch.drop_column("merged_into_id")
