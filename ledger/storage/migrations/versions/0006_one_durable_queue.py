"""One durable queue: the outbox gets the inbox's status (pending, done, dead), and the inbox
calls a row out of attempts dead as the outbox does. The marketing line becomes a property of
a category instead of its name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="pending")
        )
        batch.drop_index("ix_outbox_pending")
        batch.create_index("ix_outbox_due", ["status", "topic", "available_at"])
    op.execute("UPDATE outbox SET status = 'done' WHERE done_at IS NOT NULL")
    op.execute("UPDATE amo_webhooks SET status = 'dead' WHERE status = 'failed'")
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column("is_marketing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE categories SET is_marketing = TRUE WHERE name = 'Маркетинг'")


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("is_marketing")
    op.execute("UPDATE amo_webhooks SET status = 'failed' WHERE status = 'dead'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_due")
        batch.create_index("ix_outbox_pending", ["done_at", "available_at"])
        batch.drop_column("status")
