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


NoticeFacts = (
    InviteAccepted
    | DealDiscrepancy
    | DealProblems
    | AmoDailySummary
    | SheetsBroken
    | SheetsRestored
    | SheetsDailySummary
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
    )
}


@dataclass(frozen=True, slots=True)
class Notification:
    """One notice for one chat; `language` None means the recipient's default."""

    chat_id: int
    facts: NoticeFacts
    language: str | None = None

    def to_payload(self) -> dict[str, Any]:
        args = asdict(self.facts)
        for name, value in args.items():
            if isinstance(value, tuple):
                args[name] = list(value)
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
        args = {name: value for name, value in payload.get("args", {}).items() if name in known}
        if "problems" in args:
            args["problems"] = tuple(args["problems"])
        if "role" in args:
            args["role"] = Role(args["role"])
        return cls(payload["chat_id"], facts_type(**args), payload.get("language"))
