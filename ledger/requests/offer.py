"""What an invoice offers to fill in a request, before the person confirms it.

`offer_from(reading)` turns an `InvoiceReading` into an `InvoiceOffer`: for each part of the
form (the counterparty's name, ИНН and КПП, the bank details, the amount, the VAT, the
purpose) every value read, with where it came from (the invoice's text, its payment QR) and the
problem its check digits showed. A value is *believed* when it is the only one that passed its
checks, or the one the person picked where two disagree (the QR's sum and the text's total,
say): nothing else is ever filled in. The filing service adds what it remembers (a known
counterparty's bank details, the last request's purpose and category for that ИНН), marked
so. `edits` turns the believed values into the form's typed edits, leaving out the parts the
person wants to fill themselves.

An offer lives in the conversation's state between the file and the confirmation, so it is
plain data (`to_data`, `from_data`). Nothing here is words for people.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ledger.invoices import InvoiceReading, Vat
from ledger.money import Money
from ledger.requests.edits import (
    MAX_PURPOSE,
    Edit,
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetPlace,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.states import VatMode
from ledger.requests.views import REQUIRED

KOPECKS = Decimal("0.01")
EXEMPT = "exempt"  # a VAT option: «Без НДС»


class Origin(StrEnum):
    """Where an offered value came from."""

    TEXT = "text"  # the invoice's text layer
    QR = "qr"  # its payment QR code
    MADE = "made"  # made from what was read (a purpose from the invoice's number and date)
    KNOWN = "known"  # the counterparty remembered by its ИНН
    PREVIOUS = "previous"  # the requester's last request to this counterparty


# The values an offer holds, by the form's part they fill (`FORM_PARTS`).
VALUES = (
    "name",
    "inn",
    "kpp",
    "bank_name",
    "bik",
    "account",
    "corr_account",
    "amount",
    "vat",
    "purpose",
    "what_for",
    "category",
    "place",
)
FORM_PARTS = {
    "name": "counterparty",
    "inn": "counterparty",
    "kpp": "counterparty",
    "bank_name": "bank_details",
    "bik": "bank_details",
    "account": "bank_details",
    "corr_account": "bank_details",
    "amount": "amount",
    "vat": "vat",
    "purpose": "purpose",
    "what_for": "what_for",
    "category": "deal_or_category",
    "place": "deal_or_category",
}
_READ = {
    "supplier_name": "name",
    "supplier_inn": "inn",
    "supplier_kpp": "kpp",
    "bank_name": "bank_name",
    "bik": "bik",
    "account": "account",
    "correspondent_account": "corr_account",
    "total": "amount",
    "vat": "vat",
    "purpose": "purpose",
}
_SOURCES = {"text": Origin.TEXT, "qr": Origin.QR}


@dataclass(frozen=True, slots=True)
class Option:
    """One value offered for a part of the form, as plain text: an amount "15000.00"; a VAT
    `EXEMPT` or "rate|amount" (either may be empty); a category its id, with its name in
    `shown`; a place "salon|city"."""

    value: str
    origins: tuple[Origin, ...]
    problem: str | None = None  # a `ledger.bank_details.DetailProblem`: read, not believed
    shown: str | None = None  # how to show it, where the value is an id

    @property
    def valid(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class InvoiceOffer:
    options: Mapping[str, tuple[Option, ...]] = field(default_factory=dict)
    picked: Mapping[str, int] = field(default_factory=dict)  # conflicts the person settled
    number: str | None = None  # the invoice's number and date, as read: shown, not filled
    dated: date | None = None

    # -- reading it ---------------------------------------------------------------------

    def believed(self, name: str) -> Option | None:
        """The value to fill: the one picked, or the only one that passed its checks."""
        options = self.options.get(name, ())
        if name in self.picked and 0 <= self.picked[name] < len(options):
            return options[self.picked[name]]
        valid = [option for option in options if option.valid]
        return valid[0] if len(valid) == 1 else None

    def value(self, name: str) -> str | None:
        option = self.believed(name)
        return option.value if option is not None else None

    def choices(self, name: str) -> tuple[Option, ...]:
        """The values to pick from where the sources disagree (each passed its checks)."""
        return tuple(option for option in self.options.get(name, ()) if option.valid)

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The values read differently by the text and the QR, not settled yet."""
        return tuple(
            name for name in VALUES if name not in self.picked and len(self.choices(name)) > 1
        )

    @property
    def invalid(self) -> tuple[tuple[str, Option], ...]:
        """What was read but failed its checks: shown as such, never filled."""
        return tuple(
            (name, option)
            for name in VALUES
            for option in self.options.get(name, ())
            if not option.valid
        )

    @property
    def is_empty(self) -> bool:
        return not any(self.options.get(name) for name in VALUES)

    def parts(self) -> tuple[str, ...]:
        """The form's parts this offer fills, in the form's order."""
        found = {FORM_PARTS[name] for name in VALUES if self.believed(name) is not None}
        return tuple(part for part in REQUIRED if part in found)

    # -- changing it --------------------------------------------------------------------

    def pick(self, name: str, index: int) -> InvoiceOffer:
        """Settle a conflict: the `index`-th of `choices(name)`. Anything else is refused
        with ValueError (a stale or forged choice)."""
        choices = self.choices(name)
        if name not in VALUES or not 0 <= index < len(choices):
            raise ValueError(f"no choice {index} for {name}")
        options = self.options[name]
        return replace(self, picked={**self.picked, name: options.index(choices[index])})

    def adding(self, name: str, option: Option) -> InvoiceOffer:
        """With `option` offered for `name` when nothing was read for it."""
        if self.options.get(name):
            return self
        return replace(self, options={**self.options, name: (option,)})

    # -- the edits ----------------------------------------------------------------------

    def edits(self, leave_out: Collection[str] = ()) -> list[Edit]:
        """The form's edits the believed values make, but for the form's parts in
        `leave_out` (the person fills those themselves)."""
        out: list[Edit] = []
        v = self.value
        if "what_for" not in leave_out and v("what_for"):
            out.append(SetWhatFor(v("what_for") or ""))
        if "counterparty" not in leave_out and v("inn") and v("name"):
            out.append(SetCounterparty(v("name") or "", v("inn") or "", v("kpp")))
        amount = _money(v("amount"))
        if "amount" not in leave_out and amount is not None:
            out.append(SetAmount(amount))
        if "bank_details" not in leave_out and v("bik") and v("account"):
            out.append(
                SetBankDetails(
                    v("bik") or "", v("account") or "", v("corr_account"), v("bank_name")
                )
            )
        purpose = v("purpose")
        if "purpose" not in leave_out and purpose:
            out.append(SetPurpose(_clipped(purpose, MAX_PURPOSE)))
        vat = _vat_edit(v("vat"), amount)
        if "vat" not in leave_out and vat is not None:
            out.append(vat)
        if "deal_or_category" not in leave_out and v("category"):
            out.append(SetCategory(int(v("category") or 0)))
            salon, _, city = (v("place") or "").partition("|")
            out.append(SetPlace(salon or None, city or None))
        return out

    # -- as the conversation keeps it ---------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "options": {
                name: [[o.value, [x.value for x in o.origins], o.problem, o.shown] for o in options]
                for name, options in self.options.items()
            },
            "picked": dict(self.picked),
            "number": self.number,
            "dated": self.dated.isoformat() if self.dated else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> InvoiceOffer:
        options = {
            name: tuple(
                Option(str(value), tuple(Origin(x) for x in origins), problem, shown)
                for value, origins, problem, shown in items
            )
            for name, items in data.get("options", {}).items()
            if name in VALUES
        }
        dated = data.get("dated")
        return cls(
            options=options,
            picked={k: int(i) for k, i in data.get("picked", {}).items() if k in VALUES},
            number=data.get("number"),
            dated=date.fromisoformat(dated) if dated else None,
        )


def offer_from(reading: InvoiceReading) -> InvoiceOffer:
    """Every value the invoice gave for the form, with its sources and problems; a purpose
    made from the invoice's number and date when it names none."""
    options: dict[str, tuple[Option, ...]] = {}
    for read_name, name in _READ.items():
        found = getattr(reading, read_name).found
        options[name] = tuple(
            Option(
                _plain(item.value),
                tuple(_SOURCES[s.value] for s in sorted(item.sources)),
                item.problem.value if item.problem is not None else None,
            )
            for item in found
        )
    number, dated = reading.number.value, reading.date.value
    offer = InvoiceOffer(
        options={name: found for name, found in options.items() if found},
        number=number,
        dated=dated,
    )
    if number and dated and not offer.options.get("purpose"):
        made = purpose_for(
            number, dated, _vat_of(offer.value("vat")), _money(offer.value("amount"))
        )
        offer = offer.adding("purpose", Option(made, (Origin.MADE,)))
    return offer


def purpose_for(number: str, dated: date, vat: Vat | None, amount: Money | None) -> str:
    """A payment order's purpose for an invoice, as Russian banks expect it (so in Russian
    whatever the person's language): its number and date, and the VAT it includes."""
    text = f"Оплата по счёту № {number} от {dated:%d.%m.%Y}"
    if vat is None:
        return text
    if vat.exempt:
        return f"{text}. Без НДС"
    included = vat.amount
    if included is None and vat.rate is not None and amount is not None:
        included = vat_included(amount, vat.rate).amount
    if included is None:
        return text
    rate = f" {vat.rate.normalize():f}%" if vat.rate is not None else ""
    return f"{text}. В т.ч. НДС{rate} {included:.2f} руб."


def vat_included(amount: Money, rate: Decimal) -> Money:
    """The VAT a total includes at `rate` percent, to the kopeck as invoices round it."""
    share = (amount.amount * rate / (100 + rate)).quantize(KOPECKS, rounding=ROUND_HALF_UP)
    return Money(share, amount.currency)


def _vat_edit(value: str | None, amount: Money | None) -> SetVat | None:
    vat = _vat_of(value)
    if vat is None:
        return None
    if vat.exempt:
        return SetVat(VatMode.WITHOUT_VAT)
    if vat.amount is not None and amount is not None:
        return SetVat(VatMode.WITH_VAT, Money(vat.amount, amount.currency))
    if vat.rate is not None and amount is not None:
        return SetVat(VatMode.WITH_VAT, vat_included(amount, vat.rate))
    return None


def _vat_of(value: str | None) -> Vat | None:
    if not value:
        return None
    if value == EXEMPT:
        return Vat(rate=None, amount=Decimal("0.00"))
    rate, _, amount = value.partition("|")
    try:
        return Vat(rate=Decimal(rate) if rate else None, amount=Decimal(amount) if amount else None)
    except InvalidOperation:
        return None


def _plain(value: object) -> str:
    if isinstance(value, Vat):
        if value.exempt:
            return EXEMPT
        rate = f"{value.rate.normalize():f}" if value.rate is not None else ""
        amount = f"{value.amount:.2f}" if value.amount is not None else ""
        return f"{rate}|{amount}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _money(value: str | None) -> Money | None:
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return Money(amount) if amount.is_finite() and amount > 0 else None


def _clipped(text: str, limit: int) -> str:
    """A purpose that fits the payment order's field: cut at a word, never mid-word."""
    cleaned = " ".join(text.split())
    if len(cleaned) <= limit:
        return cleaned
    cut = cleaned[:limit].rsplit(" ", 1)[0]
    return cut or cleaned[:limit]
