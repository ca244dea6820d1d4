"""Bank statements imported: the files (unique by hash), their lines (unique by identity and
occurrence) with their match state, the proposals with their reasons and what each names, the
column mappings of banks' table exports, and what the accountant's hand assignments taught
(a payer's ИНН → a deal, a counterparty's ИНН or a purpose's words → a category); requests
sent to the bank in a file of payment orders, with the order's number and date

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-14

The application's PostgreSQL role gets its rights on the new tables from the grants every
migration run gives again (`grant_application_role`): SELECT, INSERT, UPDATE and DELETE, as on
every working table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    with op.batch_alter_table("payment_requests") as batch:
        batch.add_column(sa.Column("sent_at", When, nullable=True))
        batch.add_column(sa.Column("sent_by", Id, nullable=True))
        batch.add_column(sa.Column("order_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("order_date", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_payment_requests_sent_by_users", "users", ["sent_by"], ["id"])
    op.create_table(
        "statement_imports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("version", sa.String(length=8), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("balance_ok", sa.Boolean(), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("new_lines", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("imported_by", Id, nullable=False),
        sa.Column("imported_at", When, nullable=False),
        _fk("statement_imports", "imported_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_statement_imports_sha256")),
    )
    op.create_table(
        "statement_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("import_id", Id, nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=34), nullable=False),
        sa.Column("booked", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("kind_text", sa.String(length=100), nullable=False),
        sa.Column("counterparty_name", sa.String(length=500), nullable=False),
        sa.Column("counterparty_inn", sa.String(length=12), nullable=True),
        sa.Column("counterparty_kpp", sa.String(length=9), nullable=True),
        sa.Column("counterparty_account", sa.String(length=34), nullable=True),
        sa.Column("counterparty_bik", sa.String(length=9), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("sure", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(length=30), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_by", Id, nullable=True),
        sa.Column("resolved_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        _fk("statement_lines", "import_id", "statement_imports.id"),
        _fk("statement_lines", "resolved_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_lines")),
        sa.UniqueConstraint("key", name=op.f("uq_statement_lines_key")),
    )
    op.create_index("ix_statement_lines_import", "statement_lines", ["import_id", "state"])
    op.create_index("ix_statement_lines_state", "statement_lines", ["state", "booked"])
    op.create_table(
        "statement_proposals",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("line_id", Id, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("sure", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("accepted_by", Id, nullable=True),
        sa.Column("accepted_at", When, nullable=True),
        _fk("statement_proposals", "line_id", "statement_lines.id"),
        _fk("statement_proposals", "accepted_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_proposals")),
        sa.UniqueConstraint("line_id", "rank", name=op.f("uq_statement_proposals_line_id")),
    )
    op.create_table(
        "statement_targets",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("proposal_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("payment_id", Id, nullable=True),
        sa.Column("request_id", Id, nullable=True),
        sa.Column("category_id", Id, nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("confirmation_id", Id, nullable=True),
        sa.Column("request_payment_id", Id, nullable=True),
        sa.Column("entry_id", Id, nullable=True),
        _fk("statement_targets", "proposal_id", "statement_proposals.id"),
        _fk("statement_targets", "payment_id", "expected_payments.id"),
        _fk("statement_targets", "request_id", "payment_requests.id"),
        _fk("statement_targets", "category_id", "categories.id"),
        _fk("statement_targets", "confirmation_id", "payment_confirmations.id"),
        _fk("statement_targets", "request_payment_id", "request_payments.id"),
        _fk("statement_targets", "entry_id", "entries.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_targets")),
    )
    for column in ("proposal_id", "payment_id", "request_id"):
        op.create_index(op.f(f"ix_statement_targets_{column}"), "statement_targets", [column])
    op.create_table(
        "statement_mappings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("layout", sa.String(length=64), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("saved_by", Id, nullable=False),
        sa.Column("saved_at", When, nullable=False),
        _fk("statement_mappings", "saved_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_mappings")),
        sa.UniqueConstraint("layout", name=op.f("uq_statement_mappings_layout")),
    )
    op.create_table(
        "statement_payers",
        sa.Column("inn", sa.String(length=12), nullable=False),
        sa.Column("deal_id", Id, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_at", When, nullable=False),
        _fk("statement_payers", "deal_id", "deals.id"),
        sa.PrimaryKeyConstraint("inn", "deal_id", name=op.f("pk_statement_payers")),
    )
    op.create_table(
        "statement_hints",
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("key_kind", sa.String(length=4), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("category_id", Id, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_at", When, nullable=False),
        _fk("statement_hints", "category_id", "categories.id"),
        sa.PrimaryKeyConstraint(
            "direction", "key_kind", "key", "category_id", name=op.f("pk_statement_hints")
        ),
    )


def downgrade() -> None:
    op.drop_table("statement_hints")
    op.drop_table("statement_payers")
    op.drop_table("statement_mappings")
    for column in ("request_id", "payment_id", "proposal_id"):
        op.drop_index(op.f(f"ix_statement_targets_{column}"), "statement_targets")
    op.drop_table("statement_targets")
    op.drop_table("statement_proposals")
    op.drop_index("ix_statement_lines_state", "statement_lines")
    op.drop_index("ix_statement_lines_import", "statement_lines")
    op.drop_table("statement_lines")
    op.drop_table("statement_imports")
    with op.batch_alter_table("payment_requests") as batch:
        batch.drop_constraint("fk_payment_requests_sent_by_users", type_="foreignkey")
        batch.drop_column("order_date")
        batch.drop_column("order_number")
        batch.drop_column("sent_by")
        batch.drop_column("sent_at")
