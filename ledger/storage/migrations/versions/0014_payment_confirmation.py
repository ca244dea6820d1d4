"""Payment confirmation: each confirmation (a whole payment or a part) with its income entry,
cash hand-overs and their items, single-use links, "не поступило" on a payment and its
version; the status a deal was last moved to in amoCRM; outbox rows ordered per deal and
counted per claim

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("expected_payments") as batch:
        # "partly_confirmed" is longer than the twelve characters the statuses had.
        batch.alter_column("status", existing_type=sa.String(length=12), type_=sa.String(length=20))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("not_received_at", When, nullable=True))
        batch.add_column(sa.Column("not_received_by", Id, nullable=True))
        batch.add_column(sa.Column("not_received_comment", sa.String(length=1000), nullable=True))
        batch.create_foreign_key(
            "fk_expected_payments_not_received_by_users", "users", ["not_received_by"], ["id"]
        )
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("crm_status_written", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("ordering_key", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_outbox_ordering", ["ordering_key", "id"])
    op.create_table(
        "handovers",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("manager_id", Id, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_minor", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("accepted_by", Id, nullable=True),
        sa.Column("accepted_at", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name=op.f("fk_handovers_accepted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_handovers_manager_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index(op.f("ix_handovers_manager_id"), "handovers", ["manager_id"])
    op.create_table(
        "handover_items",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("handover_id", Id, nullable=False),
        sa.Column("payment_id", Id, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("accepted_minor", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"], ["handovers.id"], name=op.f("fk_handover_items_handover_id_handovers")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["expected_payments.id"],
            name=op.f("fk_handover_items_payment_id_expected_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_items")),
        sa.UniqueConstraint(
            "handover_id", "payment_id", name=op.f("uq_handover_items_handover_id")
        ),
    )
    op.create_index(op.f("ix_handover_items_handover_id"), "handover_items", ["handover_id"])
    op.create_index(op.f("ix_handover_items_payment_id"), "handover_items", ["payment_id"])
    op.create_table(
        "payment_confirmations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("payment_id", Id, nullable=False),
        sa.Column("payment_version", sa.Integer(), nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("confirmed_by", Id, nullable=False),
        sa.Column("confirmed_at", When, nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        sa.Column("handover_id", Id, nullable=True),
        sa.Column("undone_by", Id, nullable=True),
        sa.Column("undone_at", When, nullable=True),
        sa.Column("reversal_entry_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_payment_confirmations_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_payment_confirmations_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_payment_confirmations_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["handovers.id"],
            name=op.f("fk_payment_confirmations_handover_id_handovers"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["expected_payments.id"],
            name=op.f("fk_payment_confirmations_payment_id_expected_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["entries.id"],
            name=op.f("fk_payment_confirmations_reversal_entry_id_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["users.id"], name=op.f("fk_payment_confirmations_undone_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_confirmations")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_payment_confirmations_entry_id")),
        sa.UniqueConstraint(
            "payment_id", "payment_version", name=op.f("uq_payment_confirmations_payment_id")
        ),
    )
    op.create_index(op.f("ix_payment_confirmations_deal_id"), "payment_confirmations", ["deal_id"])
    op.create_index(
        op.f("ix_payment_confirmations_handover_id"), "payment_confirmations", ["handover_id"]
    )
    op.create_index(
        op.f("ix_payment_confirmations_payment_id"), "payment_confirmations", ["payment_id"]
    )
    op.create_table(
        "used_links",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ident", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("used_by", Id, nullable=False),
        sa.Column("used_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["used_by"], ["users.id"], name=op.f("fk_used_links_used_by_users")
        ),
        sa.PrimaryKeyConstraint("kind", "ident", name=op.f("pk_used_links")),
    )


def downgrade() -> None:
    op.drop_table("used_links")
    op.drop_index(op.f("ix_payment_confirmations_payment_id"), "payment_confirmations")
    op.drop_index(op.f("ix_payment_confirmations_handover_id"), "payment_confirmations")
    op.drop_index(op.f("ix_payment_confirmations_deal_id"), "payment_confirmations")
    op.drop_table("payment_confirmations")
    op.drop_index(op.f("ix_handover_items_payment_id"), "handover_items")
    op.drop_index(op.f("ix_handover_items_handover_id"), "handover_items")
    op.drop_table("handover_items")
    op.drop_index(op.f("ix_handovers_manager_id"), "handovers")
    op.drop_table("handovers")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_ordering")
        batch.drop_column("claims")
        batch.drop_column("ordering_key")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("crm_status_written")
    with op.batch_alter_table("expected_payments") as batch:
        batch.drop_constraint("fk_expected_payments_not_received_by_users", type_="foreignkey")
        batch.drop_column("not_received_comment")
        batch.drop_column("not_received_by")
        batch.drop_column("not_received_at")
        batch.drop_column("version")
        batch.alter_column("status", existing_type=sa.String(length=20), type_=sa.String(length=12))
