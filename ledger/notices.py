"""What the ledger tells people: each notice a type, named by an enum, rendered by the bot.

The ledger decides *that* someone is told and with which facts; the words live in the bot's
catalogues, one per language (a test checks every notice has its text in each). A notice
travels through the outbox as `{"chat_id", "notice", "args", "language"}`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

from ledger.roles import Role


class Notice(StrEnum):
    INVITE_ACCEPTED = "invite_accepted"
    DEAL_DISCREPANCY = "deal_discrepancy"
    DEAL_PROBLEMS = "deal_problems"
    AMO_DAILY_SUMMARY = "amo_daily_summary"
    SHEETS_BROKEN = "sheets_broken"
    SHEETS_RESTORED = "sheets_restored"
    SHEETS_DAILY_SUMMARY = "sheets_daily_summary"
    PAYMENT_CONFIRMED = "payment_confirmed"
    PAYMENT_NOT_RECEIVED = "payment_not_received"
    CONFIRMATION_UNDONE = "confirmation_undone"
    HANDOVER_STARTED = "handover_started"
    HANDOVER_SHORT = "handover_short"
    OUTBOX_DEAD = "outbox_dead"
    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_STATUS = "request_status"
    REQUEST_TO_PAY = "request_to_pay"
    REQUESTS_OVERDUE = "requests_overdue"
    REQUESTS_DIGEST = "requests_digest"
    EVENING_CASH = "evening_cash"
    CASH_REMINDER = "cash_reminder"


class SheetsProblem(StrEnum):
    """Why Google Sheets refused the projection, as far as the owner can act on it."""

    NO_ACCESS = "no_access"  # 403: the sheet is not (or no longer) shared with the account
    NOT_FOUND = "not_found"  # 404: deleted, or SHEET_ID is wrong
    KEY_REFUSED = "key_refused"  # the service account's key is refused (invalid grant)
    REFUSED = "refused"  # another refusal retrying will not cure
    UNAVAILABLE = "unavailable"  # Google did not answer, or was over quota: it passes


@dataclass(frozen=True, slots=True)
class InviteAccepted:
    kind: ClassVar[Notice] = Notice.INVITE_ACCEPTED
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class DealDiscrepancy:
    """amoCRM now says a payment differs from what was already confirmed."""

    kind: ClassVar[Notice] = Notice.DEAL_DISCREPANCY
    deal: str
    contract: str | None
    slot: str
    confirmed_minor: int
    crm_minor: int
    currency: str
    state: str


@dataclass(frozen=True, slots=True)
class DealProblems:
    """A deal's payment fields could not be read, so no expectation was written."""

    kind: ClassVar[Notice] = Notice.DEAL_PROBLEMS
    deal: str
    amo_lead_id: int
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AmoDailySummary:
    kind: ClassVar[Notice] = Notice.AMO_DAILY_SUMMARY
    deals: int
    webhooks: int
    errors: int


@dataclass(frozen=True, slots=True)
class SheetsBroken:
    """Google refuses the sheet until someone acts: the owner is told at once, once."""

    kind: ClassVar[Notice] = Notice.SHEETS_BROKEN
    problem: str  # a SheetsProblem
    sheet_id: str
    account: str | None  # the service account's email: whom to share the sheet with


@dataclass(frozen=True, slots=True)
class SheetsRestored:
    """The sheet is written again after SheetsBroken, and has caught up."""

    kind: ClassVar[Notice] = Notice.SHEETS_RESTORED


@dataclass(frozen=True, slots=True)
class SheetsDailySummary:
    """Pushes to Google that failed in the last day; `broken`: a refusal still stands."""

    kind: ClassVar[Notice] = Notice.SHEETS_DAILY_SUMMARY
    failures: int
    problem: str  # the latest failure's SheetsProblem
    broken: bool


@dataclass(frozen=True, slots=True)
class PaymentConfirmed:
    """Told to the deal's manager: money of their deal was received (all, or `remaining` is
    still expected)."""

    kind: ClassVar[Notice] = Notice.PAYMENT_CONFIRMED
    deal: str
    contract: str | None
    slot: str
    amount_minor: int
    remaining_minor: int
    currency: str
    payment_kind: str
    by_name: str


@dataclass(frozen=True, slots=True)
class PaymentNotReceived:
    """Told to the owner: someone looked for a payment's money and did not find it."""

    kind: ClassVar[Notice] = Notice.PAYMENT_NOT_RECEIVED
    deal: str
    contract: str | None
    slot: str
    amount_minor: int
    currency: str
    payment_kind: str
    by_name: str
    comment: str


@dataclass(frozen=True, slots=True)
class ConfirmationUndone:
    """Told to the deal's manager: the owner undid a confirmation; the money is expected again."""

    kind: ClassVar[Notice] = Notice.CONFIRMATION_UNDONE
    deal: str
    contract: str | None
    slot: str
    amount_minor: int
    currency: str
    by_name: str


@dataclass(frozen=True, slots=True)
class HandoverStarted:
    """Told to whoever accepts cash: a manager is bringing cash; `token` opens the hand-over
    by a link (the notifier turns it into a button)."""

    kind: ClassVar[Notice] = Notice.HANDOVER_STARTED
    manager: str
    payments: int
    total_minor: int
    currency: str
    handover_id: int
    token: str | None = None


@dataclass(frozen=True, slots=True)
class HandoverShort:
    """Told to the owner: less cash reached the desk than the manager handed over; the
    difference stays on the manager."""

    kind: ClassVar[Notice] = Notice.HANDOVER_SHORT
    manager: str
    handed_minor: int
    received_minor: int
    currency: str
    by_name: str


@dataclass(frozen=True, slots=True)
class OutboxDead:
    """Told to the owner once: a side effect gave up after every retry (see /outbox)."""

    kind: ClassVar[Notice] = Notice.OUTBOX_DEAD
    row_id: int
    topic: str
    effect: str
    amo_lead_id: int | None
    attempts: int
    error: str


# Sums of several currencies travel as (minor units, currency) pairs.
Totals = tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class RequestSubmitted:
    """Told to a step's approvers: a payment request waits for their decision; `token` opens
    it by a link (the notifier turns it into a button). `pay_by` is an ISO date; `reworked`:
    it was returned for rework, and its requester fixed it and sent it again."""

    kind: ClassVar[Notice] = Notice.REQUEST_SUBMITTED
    request_id: int
    requester: str
    what_for: str
    counterparty: str
    amount_minor: int
    currency: str
    pay_by: str
    step: int
    steps: int
    token: str | None = None
    reworked: bool = False


@dataclass(frozen=True, slots=True)
class RequestStatusChanged:
    """Told to a requester: someone moved their request (`status`: approved, rejected with
    the reason in `note`, returned for rework with the comment in `note`, partly paid, paid,
    cancelled); `by_name` None: by rule (approved below the mapped amount)."""

    kind: ClassVar[Notice] = Notice.REQUEST_STATUS
    request_id: int
    what_for: str
    status: str
    by_name: str | None
    amount_minor: int
    paid_minor: int
    currency: str
    note: str | None = None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class RequestToPay:
    """Told to the accountants: a request was approved and waits to be paid by `pay_by` (an
    ISO date); `by_name` None: approved by rule."""

    kind: ClassVar[Notice] = Notice.REQUEST_TO_PAY
    request_id: int
    what_for: str
    counterparty: str
    amount_minor: int
    currency: str
    pay_by: str
    by_name: str | None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class RequestsOverdue:
    """Told to the owners each day while requests are past their date unpaid: `count`
    approved ones (what is left of them: `totals`), `waiting` still awaiting approval, the
    oldest date among them (ISO)."""

    kind: ClassVar[Notice] = Notice.REQUESTS_OVERDUE
    count: int
    totals: Totals
    waiting: int
    oldest: str


@dataclass(frozen=True, slots=True)
class RequestsDigest:
    """The accountant's morning: approved requests due today and overdue (with what is left
    of them), and how many were approved since yesterday morning."""

    kind: ClassVar[Notice] = Notice.REQUESTS_DIGEST
    due_today: int
    due_today_totals: Totals
    overdue: int
    overdue_totals: Totals
    approved: int


@dataclass(frozen=True, slots=True)
class EveningCash:
    """Told to the owners at the evening hour: who holds how much cash (the longest held
    first; `more` managers left out of a long list) and what the desk should hold."""

    kind: ClassVar[Notice] = Notice.EVENING_CASH
    # Each (name, total in minor units, currency, payments, days the oldest is held).
    holders: tuple[tuple[str, int, str, int, int], ...]
    more: int
    # Each (minor units, currency): the desk's balance per currency.
    desk: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class CashReminder:
    """Told to a manager at the evening hour: cash of their deals is still with them."""

    kind: ClassVar[Notice] = Notice.CASH_REMINDER
    total_minor: int
    currency: str
    payments: int
    oldest_days: int
    in_handover: int  # of `payments`, already handed over and waiting for the cashier


NoticeFacts = (
    InviteAccepted
    | DealDiscrepancy
    | DealProblems
    | AmoDailySummary
    | SheetsBroken
    | SheetsRestored
    | SheetsDailySummary
    | PaymentConfirmed
    | PaymentNotReceived
    | ConfirmationUndone
    | HandoverStarted
    | HandoverShort
    | OutboxDead
    | RequestSubmitted
    | RequestStatusChanged
    | RequestToPay
    | RequestsOverdue
    | RequestsDigest
    | EveningCash
    | CashReminder
)

_TYPES: dict[Notice, type[NoticeFacts]] = {
    cls.kind: cls
    for cls in (
        InviteAccepted,
        DealDiscrepancy,
        DealProblems,
        AmoDailySummary,
        SheetsBroken,
        SheetsRestored,
        SheetsDailySummary,
        PaymentConfirmed,
        PaymentNotReceived,
        ConfirmationUndone,
        HandoverStarted,
        HandoverShort,
        OutboxDead,
        RequestSubmitted,
        RequestStatusChanged,
        RequestToPay,
        RequestsOverdue,
        RequestsDigest,
        EveningCash,
        CashReminder,
    )
}


@dataclass(frozen=True, slots=True)
class Notification:
    """One notice for one chat; `language` None means the recipient's default."""

    chat_id: int
    facts: NoticeFacts
    language: str | None = None

    def to_payload(self) -> dict[str, Any]:
        args = {name: _listed(value) for name, value in asdict(self.facts).items()}
        return {
            "chat_id": self.chat_id,
            "notice": self.facts.kind.value,
            "args": args,
            "language": self.language,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notification:
        """Read a stored payload back; rows written before notices had types say `text_key`."""
        kind = Notice(payload.get("notice") or payload["text_key"])
        facts_type = _TYPES[kind]
        known = {field.name for field in fields(facts_type)}
        args = {
            name: _tupled(value) for name, value in payload.get("args", {}).items() if name in known
        }
        if "role" in args:
            args["role"] = Role(args["role"])
        return cls(payload["chat_id"], facts_type(**args), payload.get("language"))


def _listed(value: Any) -> Any:
    """A notice's value as JSON keeps it: tuples (of tuples) as lists."""
    return [_listed(item) for item in value] if isinstance(value, tuple | list) else value


def _tupled(value: Any) -> Any:
    """A stored value back as the notice holds it: lists (of lists) as tuples."""
    return tuple(_tupled(item) for item in value) if isinstance(value, list) else value
