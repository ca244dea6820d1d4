"""What reading an invoice found: each value with where it came from and whether it is believed.

A field of `InvoiceReading` holds every distinct value read for it (`Field.found`), each with
its sources (the text layer, the payment QR, or both when they agreed) and the problem its
check digits or format showed (`Found.problem`; None: it passed, or has nothing to check).
`Field.value` is what a form may prefill: the one value read, when nothing disagreed and it
passed its checks. Two or more values are a conflict (`Field.conflict`): the person picks.
Nothing here is text for people; the bot words it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from ledger.bank_details import DetailProblem
from ledger.errors import DomainError

V = TypeVar("V")


class Source(StrEnum):
    TEXT = "text"  # the PDF's text layer
    QR = "qr"  # the ГОСТ Р 56042-2014 payment QR code, in the PDF or on a photo


@dataclass(frozen=True, slots=True)
class Found(Generic[V]):
    value: V
    sources: frozenset[Source]
    problem: DetailProblem | None = None  # None: it passed its checks (or has none)

    @property
    def valid(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Field(Generic[V]):
    found: tuple[Found[V], ...] = ()  # each distinct value read; the QR's first

    @property
    def value(self) -> V | None:
        """The value to prefill: the only one read, if it passed its checks; else None."""
        if len(self.found) == 1 and self.found[0].valid:
            return self.found[0].value
        return None

    @property
    def conflict(self) -> bool:
        """Two or more different values were read (the QR and the text disagree)."""
        return len(self.found) > 1

    @property
    def invalid(self) -> tuple[Found[V], ...]:
        """What was read but failed its checks: shown as such, never believed."""
        return tuple(found for found in self.found if not found.valid)


@dataclass(frozen=True, slots=True)
class Vat:
    """VAT as the invoice states it: a rate in percent and the amount included in the total.

    «Без НДС» (or «НДС не облагается») is `Vat.EXEMPT`: no rate, amount 0. Either part may be
    missing where the invoice names only the other one ("НДС 20%" alone has no amount).
    """

    rate: Decimal | None
    amount: Decimal | None

    @property
    def exempt(self) -> bool:
        return self.rate is None and self.amount is not None and not self.amount


VAT_EXEMPT = Vat(rate=None, amount=Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class InvoiceReading:
    """Everything read from one invoice file. Empty fields: nothing was found for them."""

    file_type: str  # what its bytes are: "application/pdf", "image/jpeg", "image/png"…
    supplier_name: Field[str] = Field()
    supplier_inn: Field[str] = Field()
    supplier_kpp: Field[str] = Field()
    bank_name: Field[str] = Field()
    bik: Field[str] = Field()
    account: Field[str] = Field()  # the supplier's settlement account (р/с)
    correspondent_account: Field[str] = Field()  # their bank's (к/с)
    number: Field[str] = Field()  # the invoice's number, as written: "123", "А-17"
    date: Field[dt.date] = Field()
    total: Field[Decimal] = Field()  # the amount to pay, in rubles, two places
    vat: Field[Vat] = Field()
    purpose: Field[str] = Field()  # «Назначение платежа» or the QR's Purpose
    # The payment QR's keys and values as decoded, the ones not read above included
    # (the first valid QR when there were several).
    qr: dict[str, str] = field(default_factory=dict)
    pages_read: int = 0  # a PDF's pages looked at (at most MAX_PAGES)
    pages_skipped: int = 0  # pages past the limit, or past the time budget

    def fields(self) -> dict[str, Field[object]]:
        """The fields read, by name, in the order above: supplier_name … purpose."""
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @property
    def is_empty(self) -> bool:
        """Nothing at all was read: the form simply asks."""
        return not any(f.found for f in self.fields().values())

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The names of the fields whose sources disagree."""
        return tuple(name for name, f in self.fields().items() if f.conflict)


FIELD_NAMES = (
    *("supplier_name", "supplier_inn", "supplier_kpp"),
    *("bank_name", "bik", "account", "correspondent_account"),
    *("number", "date", "total", "vat", "purpose"),
)


class InvoiceProblem(StrEnum):
    EMPTY = "empty"  # no bytes at all
    TOO_BIG = "too_big"  # larger than MAX_INVOICE_BYTES
    NOT_A_PDF = "not_a_pdf"  # named or declared a PDF, but its bytes are something else
    CORRUPT = "corrupt"  # starts as a PDF or an image, but cannot be read as one
    UNSUPPORTED = "unsupported"  # neither a PDF nor an image an invoice may be


class InvoiceRefused(DomainError):
    def __init__(self, problem: InvoiceProblem, *, limit: int | None = None) -> None:
        super().__init__(str(problem) if limit is None else f"{problem} (limit {limit})")
        self.problem = problem
        self.limit = limit  # bytes, for TOO_BIG
