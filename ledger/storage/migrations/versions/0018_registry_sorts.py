"""The cabinet's registry sorts on indexes: requests by when they were filed, by due date
across statuses, by amount and by counterparty, each with the id after it (the order's tie
break), so a page of the newest, the earliest due or the largest is read off an index rather
than sorted out of every request

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

Indexes need no grants: the application's PostgreSQL role keeps the rights it has.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_payment_requests_created": ["created_at", "id"],
    "ix_payment_requests_due": ["pay_by", "id"],
    "ix_payment_requests_amount": ["amount_minor", "id"],
    # A counterparty's filter is read from this index alone: its name, ИНН, and what the
    # totals sum, narrower than the table's rows.
    "ix_payment_requests_counterparty": [
        "counterparty_name",
        "id",
        "counterparty_inn",
        "status",
        "currency",
        "amount_minor",
        "paid_minor",
    ],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "payment_requests", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="payment_requests")
