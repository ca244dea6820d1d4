"""Tables of the system of record.

Money columns hold integer minor units (kopecks) with a currency beside them, never floats.
Timestamps are stored in UTC. `entries` and `audit_log` are append-only by rule of the services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one (the clock gives UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    # The amoCRM user a manager is: their deals are the ones this user is responsible for.
    amo_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRoleRow(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InviteRow(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    amo_user_id: Mapped[int | None] = mapped_column(BigInteger)


class CategoryRow(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Its spending is the marketing line set against turnover, whatever it is called.
    is_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    # The TOML name it was seeded from (None: the owner added it): a renamed seed stays found.
    seed_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Merged into that category: archived, and its entries count there in every report.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # "expense" or "income": a draft is filed under a category of its own kind.
    kind: Mapped[str] = mapped_column(String(10), default="expense", server_default="expense")


class CategoryWordRow(Base):
    """How often a user filed a word under a category: learned guesses come from here."""

    __tablename__ = "category_words"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class ExpenseDraftRow(Base):
    __tablename__ = "expense_drafts"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "source_message", "source_item", name="uq_expense_drafts_source"
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # The other number the line could have meant, offered on the card with one tap.
    alternative_minor: Mapped[int | None] = mapped_column(BigInteger)
    arithmetic: Mapped[str | None] = mapped_column(String(200))  # "3 × 200 = 600"
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500), default="")
    comment: Mapped[str | None] = mapped_column(String(1000))
    receipt_file_id: Mapped[str | None] = mapped_column(String(200))
    receipt_kind: Mapped[str | None] = mapped_column(String(10))  # "photo" or "document"
    kind: Mapped[str] = mapped_column(String(10), default="expense", server_default="expense")
    # Drafts read from one message ("такси 350, кофе 180") share a card: the first one's id.
    batch_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The deal a hand income is for, found by the contract number written in its line.
    deal_id: Mapped[int | None] = mapped_column(BigInteger)
    # The message it was read from (the edge's key: bot, chat and message id), and which of
    # its items: a redelivered message finds its drafts again instead of making new ones.
    source_message: Mapped[str | None] = mapped_column(String(64))
    source_item: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EntryRow(Base):
    """One ledger entry: signed amount (income +, expense −), immutable once posted."""

    __tablename__ = "entries"
    __table_args__ = (
        Index("ix_entries_entry_date", "entry_date"),
        # The owner's dashboard: months of sums by kind and category, filtered by dimension,
        # read from the index alone.
        Index(
            "ix_entries_dashboard",
            "entry_date",
            "kind",
            "category_id",
            "amount_minor",
            "deal_id",
            "salon",
            "city",
        ),
        # Each dimension's values, found by skipping through its index (`ledger.dashboard`).
        Index("ix_entries_salon", "salon"),
        Index("ix_entries_city", "city"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    account: Mapped[str] = mapped_column(String(20))
    entry_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500), default="")
    comment: Mapped[str | None] = mapped_column(String(1000))
    receipt_file_id: Mapped[str | None] = mapped_column(String(200))
    # "photo" or "document"; None with a receipt: posted before kinds were kept (0011).
    receipt_kind: Mapped[str | None] = mapped_column(String(10))
    salon: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    # One entry per draft and one reversal per entry, enforced by the database itself.
    draft_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # The deal it belongs to: its manager, product, salon and city slice the reports.
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxRow(Base):
    """A side effect to perform once, written in the same transaction as the change.

    Rows with the same `ordering_key` (one deal's CRM effects) are performed in id order: a
    row waits while an earlier one of its key waits for a retry or is being performed.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "topic", "available_at"),
        Index("ix_outbox_ordering", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(40))
    # pending, done, or dead (out of attempts: a person looks at it; see ledger.queue).
    status: Mapped[str] = mapped_column(String(10), default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ordering_key: Mapped[str | None] = mapped_column(String(60))
    # How many times a worker took the row: more than once, its effect may have landed before
    # the worker died, and an idempotent handler looks before doing it again.
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProcessedUpdateRow(Base):
    """Telegram update ids already handled: a redelivered webhook update is a no-op.

    Update ids count per bot, so a new bot token on the same database starts again from low
    ids: the bot's id is part of the key.
    """

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once the update's replies were sent: a redelivered update whose change was committed
    # but never answered (the process died in between) is answered again from what is stored.
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FsmStateRow(Base):
    """Conversation state (awaiting a comment, a date…) that must survive a restart."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AmoUserRow(Base):
    """amoCRM's users as last read from the account: names for managers and invites."""

    __tablename__ = "amo_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))


class DealRow(Base):
    """A deal as amoCRM last showed it, with the dimensions profit is sliced by.

    `state` is ours: open, closed (its payments are expected), lost or deleted.
    """

    __tablename__ = "deals"
    __table_args__ = (
        # Each dimension's values, found by skipping through its index (`ledger.dashboard`).
        Index("ix_deals_manager", "manager"),
        Index("ix_deals_product", "product"),
        Index("ix_deals_salon", "salon"),
        Index("ix_deals_city", "city"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    amo_lead_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(500))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    pipeline_id: Mapped[int | None] = mapped_column(BigInteger)
    status_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12))
    responsible_amo_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    manager: Mapped[str | None] = mapped_column(String(200))
    contract: Mapped[str | None] = mapped_column(String(200))
    contract_date: Mapped[date | None] = mapped_column(Date)
    product: Mapped[str | None] = mapped_column(String(200))
    salon: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    amo_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The status we last moved the deal to in amoCRM: a deal found in another status since was
    # moved by a person, and we leave it where they put it.
    crm_status_written: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExpectedPaymentRow(Base):
    """Money a deal owes us, one per payment slot: expected, then confirmed (in one go, or in
    parts: partly confirmed meanwhile) or cancelled.

    `confirmed_amount_minor` is the total confirmed so far; the rest is still expected.
    `version` counts confirmations and undos: a button drawn at one version acts only on it.
    """

    __tablename__ = "expected_payments"
    __table_args__ = (UniqueConstraint("deal_id", "slot"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    slot: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    confirmed_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "Не поступило": someone looked for the money and did not find it; it stays expected.
    not_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    not_received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    not_received_comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentConfirmationRow(Base):
    """One confirmation of money received (a whole payment or a part of it) and the income
    entry it posted; undone by a reversal, never deleted.

    Unique on (payment, the payment's version it made): one confirmation per step, whatever
    races for it.
    """

    __tablename__ = "payment_confirmations"
    __table_args__ = (UniqueConstraint("payment_id", "payment_version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("expected_payments.id"), index=True)
    payment_version: Mapped[int] = mapped_column(Integer)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    account: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))  # cashier, accountant, statement
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))


class HandoverRow(Base):
    """Cash a manager brings to the cash desk: open until the cashier accepts it (all of it,
    or less than was handed over: short)."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # open, accepted, short
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HandoverItemRow(Base):
    """One payment's cash in a hand-over: the amount the manager handed in for it."""

    __tablename__ = "handover_items"
    __table_args__ = (UniqueConstraint("handover_id", "payment_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("expected_payments.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # pending, accepted, short, skipped
    accepted_minor: Mapped[int | None] = mapped_column(BigInteger)


class UsedLinkRow(Base):
    """A signed single-use link that was opened: the second opening is refused."""

    __tablename__ = "used_links"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    ident: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    used_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CounterpartyRow(Base):
    """Whom requests pay, remembered by ИНН (and КПП: a company's branches each have their
    own; a sole trader has none, stored as ""), with the bank details last used: the next
    request to the same ИНН gets them filled."""

    __tablename__ = "counterparties"
    __table_args__ = (UniqueConstraint("inn", "kpp"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    inn: Mapped[str] = mapped_column(String(12))
    # "" rather than NULL: NULLs never collide, so the unique key would not hold for them.
    kpp: Mapped[str] = mapped_column(String(9), default="", server_default="")
    name: Mapped[str] = mapped_column(String(500))
    bik: Mapped[str | None] = mapped_column(String(9))
    account: Mapped[str | None] = mapped_column(String(20))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RequestLinkRow(Base):
    """A filing link the owner hands out (one for the marketing team, say): whoever holds
    the requester role starts a request by it, as often as needed, until it expires or the
    owner revokes it. What it names (a category, a salon and city) fills the new draft."""

    __tablename__ = "request_links"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(100))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    salon: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PaymentRequestRow(Base):
    """A payment request: a draft while its requester fills it (it survives the chat being
    closed), then submitted, approved (in one or two steps), paid in one go or in parts.

    Money is in the request's own currency (`amount_minor`, `paid_minor`); `paid_rub_minor`
    is what the ledger was charged, the rubles actually paid. The counterparty's name, ИНН
    and КПП are a snapshot as the request was filled; the bank details are the request's own.
    `version` counts every change: a button drawn at one version acts only on it.
    `moved_by`/`moved_at` say who changed it last and when: what the one who came second is
    told.
    """

    __tablename__ = "payment_requests"
    __table_args__ = (
        # The accountant's registry: a status (or two), a range of due dates, in due order.
        Index("ix_payment_requests_registry", "status", "pay_by", "id"),
        # A bucket's totals by currency, read from the index alone.
        Index(
            "ix_payment_requests_sums",
            "status",
            "pay_by",
            "currency",
            "amount_minor",
            "paid_minor",
        ),
        # A status's totals by currency, in currency order: summed without sorting.
        Index(
            "ix_payment_requests_currency_sums",
            "status",
            "currency",
            "amount_minor",
            "paid_minor",
        ),
        Index("ix_payment_requests_requester", "requester_id", "id"),
        # The cabinet's registry sorts (migration 0017): a page read off an index in order.
        Index("ix_payment_requests_created", "created_at", "id"),
        Index("ix_payment_requests_due", "pay_by", "id"),
        Index("ix_payment_requests_amount", "amount_minor", "id"),
        # By counterparty, and a counterparty's filter read from this index alone (its name,
        # ИНН and what the totals sum), not from the wide table.
        Index(
            "ix_payment_requests_counterparty",
            "counterparty_name",
            "id",
            "counterparty_inn",
            "status",
            "currency",
            "amount_minor",
            "paid_minor",
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The approval step it waits for (1, 2…) of `steps`; 0 before it is submitted.
    step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    steps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    what_for: Mapped[str | None] = mapped_column(String(500))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"), index=True)
    counterparty_name: Mapped[str | None] = mapped_column(String(500))
    counterparty_inn: Mapped[str | None] = mapped_column(String(12))
    counterparty_kpp: Mapped[str | None] = mapped_column(String(9))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="RUB", server_default="RUB")
    pay_by: Mapped[date | None] = mapped_column(Date)
    bik: Mapped[str | None] = mapped_column(String(9))
    account: Mapped[str | None] = mapped_column(String(20))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(String(210))  # a payment order holds 210
    vat_mode: Mapped[str | None] = mapped_column(String(12))  # "with_vat" or "without_vat"
    vat_minor: Mapped[int | None] = mapped_column(BigInteger)
    invoice_file_id: Mapped[str | None] = mapped_column(String(200))
    invoice_kind: Mapped[str | None] = mapped_column(String(10))  # "photo" or "document"
    invoice_name: Mapped[str | None] = mapped_column(String(255))
    invoice_type: Mapped[str | None] = mapped_column(String(40))
    invoice_size: Mapped[int | None] = mapped_column(BigInteger)
    invoice_sha256: Mapped[str | None] = mapped_column(String(64))
    # A purchase for a deal (its dimensions), or a company expense with a category and place.
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    salon: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("request_links.id"))
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    paid_rub_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    moved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Sent to the bank in a file of payment orders, as order `order_number` of `order_date`:
    # the statement whose debit carries that number marks it paid.
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order_number: Mapped[int | None] = mapped_column(Integer)
    order_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RequestApproverRow(Base):
    """Who may approve a request's step, decided from the mappings when it was submitted (a
    step with nobody here is the owners'); an approver sees the requests they approve."""

    __tablename__ = "request_approvers"

    request_id: Mapped[int] = mapped_column(ForeignKey("payment_requests.id"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class RequestApprovalRow(Base):
    """One decision on a request's step: approved (by a person, or automatically below the
    mapped amount: no approver), rejected with a reason, or returned with a comment.

    Unique on (request, the request's version it was taken at, step): one decision per step
    of what was shown, whatever races for it.
    """

    __tablename__ = "request_approvals"
    __table_args__ = (UniqueConstraint("request_id", "request_version", "step"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    request_version: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))  # approved, auto, rejected, returned
    reason: Mapped[str | None] = mapped_column(String(1000))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RequestCommentRow(Base):
    """The comment thread of a request (a return's comment and a rejection's reason too)."""

    __tablename__ = "request_comments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(String(2000))


class RequestHistoryRow(Base):
    """A request's history as people read it: who, when, what changed (a field from → to) or
    which way its status moved, with the reason or comment."""

    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: by rule
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(30))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(1000))


class RequestPaymentRow(Base):
    """One payment of a request (all of it, or a part) and the expense entry it posted.

    Unique on (request, the request's version it made): one payment per step, however many
    accountants tap at once.
    """

    __tablename__ = "request_payments"
    __table_args__ = (UniqueConstraint("request_id", "request_version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    request_version: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # in the request's currency
    currency: Mapped[str] = mapped_column(String(3))
    rub_minor: Mapped[int] = mapped_column(BigInteger)  # what the ledger was charged
    account: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"), unique=True)
    order_file_id: Mapped[str | None] = mapped_column(String(200))
    order_kind: Mapped[str | None] = mapped_column(String(10))
    order_name: Mapped[str | None] = mapped_column(String(255))
    order_type: Mapped[str | None] = mapped_column(String(40))
    order_size: Mapped[int | None] = mapped_column(BigInteger)
    order_sha256: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementImportRow(Base):
    """A bank statement file imported, known by its hash: the same file again changes
    nothing. What it held (format, accounts with their periods and balances, whether they add
    up), who sent it and when, how many of its documents were new and how many were known
    from an overlapping import."""

    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(8))  # "1c", "csv", "xlsx"
    encoding: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[str | None] = mapped_column(String(8))
    file_name: Mapped[str | None] = mapped_column(String(255))
    # Each account: account, date_start, date_end, opening/closing/total_in/total_out in
    # kopecks (None where a table carries no balances), balance_ok.
    accounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    date_start: Mapped[date | None] = mapped_column(Date)
    date_end: Mapped[date | None] = mapped_column(Date)
    balance_ok: Mapped[bool | None] = mapped_column(Boolean)  # None: no balances to check
    documents: Mapped[int] = mapped_column(Integer)
    new_lines: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementLineRow(Base):
    """One line of the bank's statements, stored once however many files carry it.

    `key` is the hash of its identity (account, booking date, document number, direction,
    amount, counterparty's account) and its occurrence in the file: the n-th line of one
    identity in a file is the n-th everywhere, so an overlapping statement adds only what is
    new, and a second line of the same identity in one file is kept and asked about (state
    "asked"), never merged. `state`: unmatched, proposed, accepted, assigned (by hand),
    ignored, asked. `sure` says its proposal may be accepted with the others in one tap;
    `problem` why an accept failed (the payment was confirmed by hand meanwhile, say).
    `version` counts its changes: a button acts only on the line as it was shown.
    """

    __tablename__ = "statement_lines"
    __table_args__ = (
        Index("ix_statement_lines_import", "import_id", "state"),
        Index("ix_statement_lines_state", "state", "booked"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    import_id: Mapped[int] = mapped_column(ForeignKey("statement_imports.id"))
    line: Mapped[int] = mapped_column(Integer)  # where it starts in that file
    account: Mapped[str] = mapped_column(String(34))  # ours; "" when a table names none
    booked: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # positive
    currency: Mapped[str] = mapped_column(String(3))
    document_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    kind_text: Mapped[str] = mapped_column(String(100))
    counterparty_name: Mapped[str] = mapped_column(String(500))
    counterparty_inn: Mapped[str | None] = mapped_column(String(12))
    counterparty_kpp: Mapped[str | None] = mapped_column(String(9))
    counterparty_account: Mapped[str | None] = mapped_column(String(34))
    counterparty_bik: Mapped[str | None] = mapped_column(String(9))
    purpose: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    sure: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementProposalRow(Base):
    """What a line is taken to be: the matcher's proposal (rank 0; it claims what it names,
    so no other line is proposed the same money), or the accountant's hand assignment; with
    its reasons and confidence, and who accepted it when."""

    __tablename__ = "statement_proposals"
    __table_args__ = (UniqueConstraint("line_id", "rank"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("statement_lines.id"))
    rank: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8))  # "matcher" or "hand"
    confidence: Mapped[int] = mapped_column(Integer)
    sure: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StatementTargetRow(Base):
    """One thing a proposal names: a deal's payment, a request, or a category (income or
    expense), with the amount it takes; once accepted, what that made (the confirmation,
    the request's payment, the entry)."""

    __tablename__ = "statement_targets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("statement_proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # payment, request, income, expense
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("expected_payments.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("payment_requests.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    confirmation_id: Mapped[int | None] = mapped_column(ForeignKey("payment_confirmations.id"))
    request_payment_id: Mapped[int | None] = mapped_column(ForeignKey("request_payments.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"))


class StatementMappingRow(Base):
    """Which column is which in a bank's CSV or XLSX export (a `ColumnMapping` as JSON),
    saved the first time it is asked, found again by the export's header (`layout` is its
    hash)."""

    __tablename__ = "statement_mappings"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    layout: Mapped[str] = mapped_column(String(64), unique=True)
    header: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(100))
    saved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementPayerRow(Base):
    """A payer's ИНН that paid a deal (a line accepted or assigned to its payment): the next
    credit from that ИНН is proposed for the deal."""

    __tablename__ = "statement_payers"

    inn: Mapped[str] = mapped_column(String(12), primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementHintRow(Base):
    """What the accountant's hand assignments to a category taught, per direction: the
    counterparty's ИНН (`key_kind` "inn") or a word of the purpose ("word"), and how often."""

    __tablename__ = "statement_hints"

    direction: Mapped[str] = mapped_column(String(3), primary_key=True)
    key_kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DiscrepancyRow(Base):
    """The CRM changed a payment after we confirmed it: history stays, a person decides.

    One row per (payment, amount the CRM showed), so a repeated sync does not raise it again.
    """

    __tablename__ = "discrepancies"
    __table_args__ = (UniqueConstraint("payment_id", "crm_amount_minor"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("expected_payments.id"))
    confirmed_amount_minor: Mapped[int] = mapped_column(BigInteger)
    crm_amount_minor: Mapped[int] = mapped_column(BigInteger)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AmoWebhookRow(Base):
    """The durable inbox: an amoCRM webhook as received, acknowledged before it is processed.

    The body's hash is unique, so a redelivered webhook is stored once.
    """

    __tablename__ = "amo_webhooks"
    __table_args__ = (Index("ix_amo_webhooks_pending", "status", "available_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    lead_ids: Mapped[list[int]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, done or dead (ledger.queue)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class AmoTokenRow(Base):
    """The OAuth pair (one row): rotated on every refresh, kept out of `.env`."""

    __tablename__ = "amo_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SyncMarkRow(Base):
    """Where a sync with an outside system got to (e.g. leads updated since; since when
    Google Sheets refuses us, while it does: sheets.health)."""

    __tablename__ = "sync_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    mark: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SyncRunRow(Base):
    """One pass of a sync (a webhook batch, a reconcile, a failed Google Sheets push): what it
    did and what failed; `source` tells whose."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20))
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    deals_synced: Mapped[int] = mapped_column(Integer)
    webhooks: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class SheetStateRow(Base):
    """How far the Google Sheets projection of one spreadsheet got: «Операции» rows written,
    a digest of the summary sheets last written (rewritten only when it changes), and the
    category names the rows were written with.
    """

    __tablename__ = "sheet_state"

    spreadsheet_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    summary_digest: Mapped[str | None] = mapped_column(String(64))
    # Which «Операции» row layout the rows were written in (`sheets.sync`); another one
    # rewrites them all.
    operations_layout: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The category name each category id's rows were written under: when one changes (a
    # rename, a merge), the rows written are rewritten.
    category_names: Mapped[dict[str, str] | None] = mapped_column(JSON)


class SheetRowRow(Base):
    """Which «Операции» row holds which entry. An entry without a row here is still to be
    written, whatever order transactions committed in; writing to a known row is idempotent.
    """

    __tablename__ = "sheet_rows"

    spreadsheet_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    row_number: Mapped[int] = mapped_column(BigInteger)


__all__ = [
    "AmoTokenRow",
    "AmoUserRow",
    "AmoWebhookRow",
    "AuditRow",
    "Base",
    "CategoryRow",
    "CategoryWordRow",
    "CounterpartyRow",
    "DealRow",
    "DiscrepancyRow",
    "EntryRow",
    "ExpectedPaymentRow",
    "ExpenseDraftRow",
    "FsmStateRow",
    "HandoverItemRow",
    "HandoverRow",
    "InviteRow",
    "OutboxRow",
    "PaymentConfirmationRow",
    "PaymentRequestRow",
    "ProcessedUpdateRow",
    "RequestApprovalRow",
    "RequestApproverRow",
    "RequestCommentRow",
    "RequestHistoryRow",
    "RequestLinkRow",
    "RequestPaymentRow",
    "SheetRowRow",
    "SheetStateRow",
    "SyncMarkRow",
    "SyncRunRow",
    "UsedLinkRow",
    "UserRoleRow",
    "UserRow",
]
