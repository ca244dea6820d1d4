"""amoCRM: deals, expected payments, discrepancies, the webhook inbox, tokens and sync marks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

A manager is linked to the amoCRM user they are (`users.amo_user_id`, named in their invite):
a unique index rather than a constraint, because SQLite cannot add a constraint in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "amo_tokens",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amo_tokens")),
    )
    op.create_table(
        "amo_users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amo_users")),
    )
    op.create_table(
        "amo_webhooks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lead_ids", sa.JSON(), nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", When, nullable=False),
        sa.Column("processed_at", When, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amo_webhooks")),
        sa.UniqueConstraint("body_sha256", name=op.f("uq_amo_webhooks_body_sha256")),
    )
    op.create_index("ix_amo_webhooks_pending", "amo_webhooks", ["status", "available_at"])
    op.create_index(op.f("ix_amo_webhooks_received_at"), "amo_webhooks", ["received_at"])
    op.create_table(
        "deals",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("amo_lead_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pipeline_id", sa.BigInteger(), nullable=True),
        sa.Column("status_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("responsible_amo_user_id", sa.BigInteger(), nullable=True),
        sa.Column("manager", sa.String(length=200), nullable=True),
        sa.Column("contract", sa.String(length=200), nullable=True),
        sa.Column("contract_date", sa.Date(), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("salon", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("amo_updated_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("amo_lead_id", name=op.f("uq_deals_amo_lead_id")),
    )
    op.create_index(op.f("ix_deals_responsible_amo_user_id"), "deals", ["responsible_amo_user_id"])
    op.create_table(
        "sync_marks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("mark", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_marks")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("finished_at", When, nullable=False),
        sa.Column("deals_synced", sa.Integer(), nullable=False),
        sa.Column("webhooks", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(op.f("ix_sync_runs_finished_at"), "sync_runs", ["finished_at"])
    op.create_table(
        "expected_payments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("slot", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("confirmed_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", When, nullable=True),
        sa.Column("confirmed_by", Id, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_expected_payments_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_expected_payments_deal_id_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expected_payments")),
        sa.UniqueConstraint("deal_id", "slot", name=op.f("uq_expected_payments_deal_id")),
    )
    op.create_index(op.f("ix_expected_payments_deal_id"), "expected_payments", ["deal_id"])
    op.create_table(
        "discrepancies",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("payment_id", Id, nullable=False),
        sa.Column("confirmed_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("crm_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("detected_at", When, nullable=False),
        sa.Column("resolved_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_discrepancies_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["expected_payments.id"],
            name=op.f("fk_discrepancies_payment_id_expected_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
        sa.UniqueConstraint(
            "payment_id", "crm_amount_minor", name=op.f("uq_discrepancies_payment_id")
        ),
    )
    op.create_index(op.f("ix_discrepancies_deal_id"), "discrepancies", ["deal_id"])
    op.add_column("invites", sa.Column("amo_user_id", sa.BigInteger(), nullable=True))
    op.add_column("users", sa.Column("amo_user_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_users_amo_user_id"), "users", ["amo_user_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_amo_user_id"), table_name="users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("amo_user_id")
    with op.batch_alter_table("invites") as batch_op:
        batch_op.drop_column("amo_user_id")
    op.drop_table("discrepancies")
    op.drop_table("expected_payments")
    op.drop_table("sync_runs")
    op.drop_table("sync_marks")
    op.drop_table("deals")
    op.drop_table("amo_webhooks")
    op.drop_table("amo_users")
    op.drop_table("amo_tokens")
