"""Google Sheets projection state: rows written per spreadsheet, and which row holds an entry

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sheet_state",
        sa.Column("spreadsheet_id", sa.String(length=100), nullable=False),
        sa.Column("rows_written", sa.BigInteger(), nullable=False),
        sa.Column("summary_digest", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("spreadsheet_id", name=op.f("pk_sheet_state")),
    )
    op.create_table(
        "sheet_rows",
        sa.Column("spreadsheet_id", sa.String(length=100), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("spreadsheet_id", "entry_id", name=op.f("pk_sheet_rows")),
    )


def downgrade() -> None:
    op.drop_table("sheet_rows")
    op.drop_table("sheet_state")
