"""What filling a request may change, one typed edit per question the form asks, and how each
value is checked before it is kept.

Each edit turns into the columns it sets (`columns`); a value that is wrong is refused with
`RequestRefused` (or `DetailsRefused` for details that fail their checks), and nothing of the
edit is kept. An edit may be repeated or undone by another: every question can be skipped and
come back to. Whether a deal or a category exists, and what a remembered counterparty fills
in, is the service's to look up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.errors import DetailsRefused, RequestRefused
from ledger.money import Money
from ledger.requests import details
from ledger.requests.files import StoredFile, checked
from ledger.requests.states import VatMode

MAX_WHAT_FOR = 500
MAX_NAME = 500
MAX_PURPOSE = 210  # the payment order's field holds 210 characters
MAX_BANK_NAME = 300
MAX_PLACE = 200


@dataclass(frozen=True, slots=True)
class SetWhatFor:
    text: str


@dataclass(frozen=True, slots=True)
class SetCounterparty:
    """Whom to pay. A counterparty remembered by this ИНН (and КПП) fills the bank details
    the request does not have yet."""

    name: str
    inn: str
    kpp: str | None = None


@dataclass(frozen=True, slots=True)
class SetAmount:
    amount: Money  # in the invoice's currency


@dataclass(frozen=True, slots=True)
class SetPayBy:
    day: date


@dataclass(frozen=True, slots=True)
class SetBankDetails:
    bik: str
    account: str
    corr_account: str | None = None
    bank_name: str | None = None


@dataclass(frozen=True, slots=True)
class SetPurpose:
    text: str


@dataclass(frozen=True, slots=True)
class SetVat:
    mode: VatMode
    amount: Money | None = None  # the VAT included, with VAT only


@dataclass(frozen=True, slots=True)
class SetInvoice:
    file: StoredFile | None  # None: take the invoice off


@dataclass(frozen=True, slots=True)
class SetDeal:
    deal_id: int | None  # None: not for a deal


@dataclass(frozen=True, slots=True)
class SetCategory:
    category_id: int | None


@dataclass(frozen=True, slots=True)
class SetPlace:
    salon: str | None
    city: str | None


Edit = (
    SetWhatFor
    | SetCounterparty
    | SetAmount
    | SetPayBy
    | SetBankDetails
    | SetPurpose
    | SetVat
    | SetInvoice
    | SetDeal
    | SetCategory
    | SetPlace
)
# The columns each kind of detail lives in, for the checks.
_DETAIL_COLUMNS = {
    "inn": "counterparty_inn",
    "kpp": "counterparty_kpp",
    "bik": "bik",
    "account": "account",
    "corr_account": "corr_account",
}


def text(value: str, limit: int, *, required: bool = True) -> str | None:
    """Words as kept: whitespace collapsed; refused when empty (if required) or too long."""
    cleaned = " ".join(value.split())
    if not cleaned:
        if required:
            raise RequestRefused("empty")
        return None
    if len(cleaned) > limit:
        raise RequestRefused("too_long", limit=limit)
    return cleaned


def positive(amount: Money, limit: Money | None) -> int:
    if amount.amount <= 0:
        raise RequestRefused("not_positive")
    if limit is not None and amount.currency == limit.currency and amount > limit:
        raise RequestRefused("too_large", limit=limit)
    return amount.to_minor_units()


def columns(edit: Edit, *, today: date, limit: Money | None) -> dict[str, Any]:
    """The columns `edit` sets, its values checked (details by their format here; against
    each other by `check`)."""
    match edit:
        case SetWhatFor():
            return {"what_for": text(edit.text, MAX_WHAT_FOR)}
        case SetCounterparty():
            kpp = details.normalised(edit.kpp) if edit.kpp else None
            return {
                "counterparty_name": text(edit.name, MAX_NAME),
                "counterparty_inn": details.normalised(edit.inn),
                "counterparty_kpp": kpp or None,
            }
        case SetAmount():
            return {
                "amount_minor": positive(edit.amount, limit),
                "currency": edit.amount.currency,
            }
        case SetPayBy():
            if edit.day < today:
                raise RequestRefused("past_date")
            return {"pay_by": edit.day}
        case SetBankDetails():
            corr = details.normalised(edit.corr_account) if edit.corr_account else None
            bank = text(edit.bank_name, MAX_BANK_NAME, required=False) if edit.bank_name else None
            return {
                "bik": details.normalised(edit.bik),
                "account": details.normalised(edit.account),
                "corr_account": corr or None,
                "bank_name": bank,
            }
        case SetPurpose():
            return {"purpose": text(edit.text, MAX_PURPOSE)}
        case SetVat():
            mode = VatMode(edit.mode)
            if mode is VatMode.WITHOUT_VAT:
                return {"vat_mode": mode.value, "vat_minor": None}
            if edit.amount is None:
                raise RequestRefused("vat")
            return {"vat_mode": mode.value, "vat_minor": positive(edit.amount, limit)}
        case SetInvoice():
            file = checked(edit.file) if edit.file is not None else None
            return {
                "invoice_file_id": file.file_id if file else None,
                "invoice_kind": file.kind.value if file else None,
                "invoice_type": file.content_type if file else None,
                "invoice_size": file.size if file else None,
                "invoice_sha256": file.sha256 if file else None,
                "invoice_name": file.name if file else None,
            }
        case SetDeal():
            return {"deal_id": edit.deal_id}
        case SetCategory():
            return {"category_id": edit.category_id}
        case SetPlace():
            return {
                "salon": text(edit.salon, MAX_PLACE, required=False) if edit.salon else None,
                "city": text(edit.city, MAX_PLACE, required=False) if edit.city else None,
            }


def check(values: dict[str, Any], changed: set[str]) -> None:
    """Refuse (`DetailsRefused`, every problem at once) details among `changed` columns that
    fail `details.check_details`, checked with the request's other details (an account is
    checked against its БИК); and a VAT amount that is not less than the amount."""
    given = {name: values.get(column) for name, column in _DETAIL_COLUMNS.items()}
    problems = details.check_details(**given)
    touched = {name for name, column in _DETAIL_COLUMNS.items() if column in changed}
    if "bik" in touched:
        touched |= {"account", "corr_account"}
    wrong = tuple(problem for problem in problems if problem.field in touched)
    if wrong:
        raise DetailsRefused(wrong)
    vat, amount = values.get("vat_minor"), values.get("amount_minor")
    if (
        {"vat_minor", "amount_minor", "currency"} & changed
        and vat is not None
        and amount is not None
        and vat >= amount
    ):
        raise RequestRefused("vat")


def all_problems(values: dict[str, Any]) -> tuple[details.DetailProblem, ...]:
    """Every problem with the request's details, as submitting checks them."""
    return details.check_details(**{n: values.get(c) for n, c in _DETAIL_COLUMNS.items()})
