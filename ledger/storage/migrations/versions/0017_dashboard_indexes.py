"""The owner's dashboard reads thirteen months of entries from one covering index (date, kind,
category, amount and the dimensions' columns: the table itself is never touched), and lists
each dimension's values by skipping through an index on it (a handful of seeks, not a scan)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DASHBOARD = ["entry_date", "kind", "category_id", "amount_minor", "deal_id", "salon", "city"]
DIMENSIONS = {"entries": ("salon", "city"), "deals": ("manager", "product", "salon", "city")}


def upgrade() -> None:
    op.create_index("ix_entries_dashboard", "entries", DASHBOARD)
    for table, columns in DIMENSIONS.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, columns in DIMENSIONS.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table)
    op.drop_index("ix_entries_dashboard", "entries")
