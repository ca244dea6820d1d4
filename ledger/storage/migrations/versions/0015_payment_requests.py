"""Payment requests: the requests themselves (drafts included), counterparties remembered by
ИНН, filing links, who approves which step and each decision, the comment thread, the history,
and the payments with their expense entries

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10

The application's PostgreSQL role gets its rights on the new tables from the grants every
migration run gives again (`grant_application_role`): SELECT, INSERT, UPDATE and DELETE, as on
every working table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def _file(prefix: str) -> list[sa.Column]:
    """A file kept by its Telegram id: how to send it back, its name, type, size and hash."""
    return [
        sa.Column(f"{prefix}_file_id", sa.String(length=200), nullable=True),
        sa.Column(f"{prefix}_kind", sa.String(length=10), nullable=True),
        sa.Column(f"{prefix}_name", sa.String(length=255), nullable=True),
        sa.Column(f"{prefix}_type", sa.String(length=40), nullable=True),
        sa.Column(f"{prefix}_size", sa.BigInteger(), nullable=True),
        sa.Column(f"{prefix}_sha256", sa.String(length=64), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "counterparties",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=False),
        sa.Column("kpp", sa.String(length=9), server_default="", nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("bik", sa.String(length=9), nullable=True),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("corr_account", sa.String(length=20), nullable=True),
        sa.Column("bank_name", sa.String(length=300), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("updated_by", Id, nullable=True),
        _fk("counterparties", "updated_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counterparties")),
        sa.UniqueConstraint("inn", "kpp", name=op.f("uq_counterparties_inn")),
    )
    op.create_table(
        "request_links",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("category_id", Id, nullable=True),
        sa.Column("salon", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("created_by", Id, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("revoked_by", Id, nullable=True),
        sa.Column("revoked_at", When, nullable=True),
        _fk("request_links", "category_id", "categories.id"),
        _fk("request_links", "created_by", "users.id"),
        _fk("request_links", "revoked_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_links")),
    )
    op.create_table(
        "payment_requests",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("requester_id", Id, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("step", sa.Integer(), server_default="0", nullable=False),
        sa.Column("steps", sa.Integer(), server_default="0", nullable=False),
        sa.Column("what_for", sa.String(length=500), nullable=True),
        sa.Column("counterparty_id", Id, nullable=True),
        sa.Column("counterparty_name", sa.String(length=500), nullable=True),
        sa.Column("counterparty_inn", sa.String(length=12), nullable=True),
        sa.Column("counterparty_kpp", sa.String(length=9), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="RUB", nullable=False),
        sa.Column("pay_by", sa.Date(), nullable=True),
        sa.Column("bik", sa.String(length=9), nullable=True),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("corr_account", sa.String(length=20), nullable=True),
        sa.Column("bank_name", sa.String(length=300), nullable=True),
        sa.Column("purpose", sa.String(length=210), nullable=True),
        sa.Column("vat_mode", sa.String(length=12), nullable=True),
        sa.Column("vat_minor", sa.BigInteger(), nullable=True),
        *_file("invoice"),
        sa.Column("deal_id", Id, nullable=True),
        sa.Column("category_id", Id, nullable=True),
        sa.Column("salon", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("link_id", Id, nullable=True),
        sa.Column("paid_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("paid_rub_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("submitted_at", When, nullable=True),
        sa.Column("approved_at", When, nullable=True),
        sa.Column("paid_at", When, nullable=True),
        sa.Column("moved_by", Id, nullable=True),
        sa.Column("moved_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        _fk("payment_requests", "category_id", "categories.id"),
        _fk("payment_requests", "counterparty_id", "counterparties.id"),
        _fk("payment_requests", "deal_id", "deals.id"),
        _fk("payment_requests", "link_id", "request_links.id"),
        _fk("payment_requests", "moved_by", "users.id"),
        _fk("payment_requests", "requester_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
    )
    op.create_index("ix_payment_requests_registry", "payment_requests", ["status", "pay_by", "id"])
    op.create_index(
        "ix_payment_requests_sums",
        "payment_requests",
        ["status", "pay_by", "currency", "amount_minor", "paid_minor"],
    )
    op.create_index(
        "ix_payment_requests_currency_sums",
        "payment_requests",
        ["status", "currency", "amount_minor", "paid_minor"],
    )
    op.create_index("ix_payment_requests_requester", "payment_requests", ["requester_id", "id"])
    op.create_index(
        op.f("ix_payment_requests_counterparty_id"), "payment_requests", ["counterparty_id"]
    )
    op.create_index(op.f("ix_payment_requests_deal_id"), "payment_requests", ["deal_id"])
    op.create_table(
        "request_approvers",
        sa.Column("request_id", Id, nullable=False),
        sa.Column("step", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        _fk("request_approvers", "request_id", "payment_requests.id"),
        _fk("request_approvers", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("request_id", "step", "user_id", name=op.f("pk_request_approvers")),
    )
    op.create_index(op.f("ix_request_approvers_user_id"), "request_approvers", ["user_id"])
    op.create_table(
        "request_approvals",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("request_id", Id, nullable=False),
        sa.Column("request_version", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("approver_id", Id, nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", When, nullable=False),
        _fk("request_approvals", "approver_id", "users.id"),
        _fk("request_approvals", "request_id", "payment_requests.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_approvals")),
        sa.UniqueConstraint(
            "request_id",
            "request_version",
            "step",
            name=op.f("uq_request_approvals_request_id"),
        ),
    )
    op.create_index(op.f("ix_request_approvals_request_id"), "request_approvals", ["request_id"])
    op.create_index(op.f("ix_request_approvals_approver_id"), "request_approvals", ["approver_id"])
    op.create_table(
        "request_comments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("request_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        _fk("request_comments", "request_id", "payment_requests.id"),
        _fk("request_comments", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_comments")),
    )
    op.create_index(op.f("ix_request_comments_request_id"), "request_comments", ["request_id"])
    op.create_table(
        "request_history",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("request_id", Id, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=True),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        _fk("request_history", "request_id", "payment_requests.id"),
        _fk("request_history", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_history")),
    )
    op.create_index(op.f("ix_request_history_request_id"), "request_history", ["request_id"])
    op.create_table(
        "request_payments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("request_id", Id, nullable=False),
        sa.Column("request_version", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rub_minor", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        *_file("order"),
        sa.Column("paid_by", Id, nullable=False),
        sa.Column("created_at", When, nullable=False),
        _fk("request_payments", "entry_id", "entries.id"),
        _fk("request_payments", "paid_by", "users.id"),
        _fk("request_payments", "request_id", "payment_requests.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_payments")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_request_payments_entry_id")),
        sa.UniqueConstraint(
            "request_id", "request_version", name=op.f("uq_request_payments_request_id")
        ),
    )
    op.create_index(op.f("ix_request_payments_request_id"), "request_payments", ["request_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_payments_request_id"), "request_payments")
    op.drop_table("request_payments")
    op.drop_index(op.f("ix_request_history_request_id"), "request_history")
    op.drop_table("request_history")
    op.drop_index(op.f("ix_request_comments_request_id"), "request_comments")
    op.drop_table("request_comments")
    op.drop_index(op.f("ix_request_approvals_approver_id"), "request_approvals")
    op.drop_index(op.f("ix_request_approvals_request_id"), "request_approvals")
    op.drop_table("request_approvals")
    op.drop_index(op.f("ix_request_approvers_user_id"), "request_approvers")
    op.drop_table("request_approvers")
    op.drop_index(op.f("ix_payment_requests_deal_id"), "payment_requests")
    op.drop_index(op.f("ix_payment_requests_counterparty_id"), "payment_requests")
    op.drop_index("ix_payment_requests_requester", "payment_requests")
    op.drop_index("ix_payment_requests_currency_sums", "payment_requests")
    op.drop_index("ix_payment_requests_sums", "payment_requests")
    op.drop_index("ix_payment_requests_registry", "payment_requests")
    op.drop_table("payment_requests")
    op.drop_table("request_links")
    op.drop_table("counterparties")
