"""The values of a statement as banks write them, read into typed values or refused.

Amounts: `1000000.50`, `1000000,50`, `1 000 000,50` (ordinary, no-break or narrow no-break
spaces grouping thousands), `312000`, `1,5`. The dot or the comma is always the decimal point
here: unlike a chat message, a statement never groups thousands with a dot, so `1.500` is not
1 500; and three digits after the point are refused rather than rounded. Balances may be
negative (an overdraft); a document's amount may not.

Dates: `dd.mm.yyyy` (a day or month of one digit is tolerated). Accounts: digits, 20 of them for
the statement's own accounts (a counterparty's may be shorter in anonymised exports). ИНН: 10 or
12 digits, `0` meaning none; КПП: 9 characters, `0` meaning none.

A name may carry the ИНН in front: `ИНН 7701234567 ООО Ромашка`, `ИНН 7701234567 КПП 770101001
ООО Ромашка`, `7701234567, ООО Ромашка`; `split_name` takes them apart.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal
from enum import Enum

from ledger.money import Money
from ledger.statements.model import DocumentKind, StatementProblem


class BadValue(ValueError):
    def __init__(self, problem: StatementProblem, expected: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.expected = expected


class Least(Enum):
    POSITIVE = "positive"
    ZERO = "zero"
    ANY = "any"


_GROUP_SPACES = " \u00a0\u202f"
_AMOUNT_RE = re.compile(
    r"(?P<sign>[-\u2212])?"
    r"(?P<whole>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)"
    r"(?:[.,](?P<fraction>[0-9]{1,2}))?"
)
_PLAIN_AMOUNT_RE = re.compile(r"[0-9]+\.[0-9]{2}")  # how nearly every bank writes it


def read_amount(text: str, *, least: Least = Least.POSITIVE) -> Money:
    """An amount as a statement writes it; BAD_AMOUNT for anything else, AMOUNT_NOT_POSITIVE
    for one below `least`: a document moves a positive sum, a total may be zero, a balance
    anything."""
    if _PLAIN_AMOUNT_RE.fullmatch(text):
        value = Decimal(text)
    else:
        match = _AMOUNT_RE.fullmatch(text.strip())
        if match is None:
            raise BadValue(StatementProblem.BAD_AMOUNT)
        whole = match["whole"]
        for space in _GROUP_SPACES:
            whole = whole.replace(space, "")
        value = Decimal(f"{whole}.{match['fraction'] or '0'}")
        if match["sign"]:
            value = -value
    if (least is Least.POSITIVE and value <= 0) or (least is Least.ZERO and value < 0):
        raise BadValue(StatementProblem.AMOUNT_NOT_POSITIVE)
    return Money(value)


@functools.lru_cache(maxsize=4096)  # a statement repeats the same few dates thousands of times
def read_date(text: str) -> date:
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        raise BadValue(StatementProblem.BAD_DATE, "dd.mm.yyyy")
    day, month, year = parts
    if len(day) > 2 or len(month) > 2 or len(year) != 4:
        raise BadValue(StatementProblem.BAD_DATE, "dd.mm.yyyy")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue(StatementProblem.BAD_DATE, "dd.mm.yyyy") from None


def read_own_account(text: str) -> str:
    """One of the statement's own accounts: a Russian account number is 20 digits."""
    number = text.strip()
    if len(number) != 20 or not (number.isdigit() and number.isascii()):
        raise BadValue(StatementProblem.BAD_ACCOUNT, "20 digits")
    return number


def read_account(text: str) -> str | None:
    """A counterparty's account: digits, or nothing. Some banks anonymise them to fewer
    than 20 digits; an IBAN-length limit keeps out what is no account at all."""
    number = text.strip()
    if not number or set(number) == {"0"}:
        return None
    if len(number) > 34 or not (number.isdigit() and number.isascii()):
        raise BadValue(StatementProblem.BAD_ACCOUNT, "digits")
    return number


def read_inn(text: str) -> str | None:
    inn = text.strip()
    if not inn or set(inn) == {"0"}:
        return None
    if len(inn) not in (10, 12) or not (inn.isdigit() and inn.isascii()):
        raise BadValue(StatementProblem.BAD_INN, "10 or 12 digits")
    return inn


_KPP_RE = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


def read_kpp(text: str) -> str | None:
    kpp = text.strip()
    if not kpp or set(kpp) == {"0"}:
        return None
    if not _KPP_RE.fullmatch(kpp):
        raise BadValue(StatementProblem.BAD_KPP, "9 characters")
    return kpp


_INN_PREFIX_RE = re.compile(
    r"ИНН\s*(?P<inn>[0-9]*)"
    r"(?:\s*[\\/,;]?\s*КПП\s*(?P<kpp>[0-9A-Z]*))?"
    r"[\s,;]*(?P<name>.*)",
    re.IGNORECASE | re.DOTALL,
)
_LEADING_INN_RE = re.compile(r"(?P<inn>[0-9]{12}|[0-9]{10})(?:[\s,;]+(?P<name>.*))?", re.DOTALL)


def split_name(text: str) -> tuple[str, str | None, str | None]:
    """A name field taken apart: (name, ИНН written in it, КПП written in it). The ИНН and
    КПП are raw strings, to be read (and refused) by the caller."""
    text = text.strip()
    match = _INN_PREFIX_RE.fullmatch(text)
    if match:
        return match["name"].strip(), match["inn"], match["kpp"]
    match = _LEADING_INN_RE.fullmatch(text)
    if match:
        return (match["name"] or "").strip(), match["inn"], None
    return text, None, None


_KINDS: tuple[tuple[str, DocumentKind], ...] = (
    ("сбп", DocumentKind.FAST_PAYMENT),
    ("быстрых платежей", DocumentKind.FAST_PAYMENT),
    ("платежное поручение", DocumentKind.PAYMENT_ORDER),
    ("платежное требование", DocumentKind.PAYMENT_REQUEST),
    ("инкассовое поручение", DocumentKind.COLLECTION_ORDER),
    ("банковский ордер", DocumentKind.BANK_ORDER),
    ("мемориальный ордер", DocumentKind.MEMORIAL_ORDER),
    ("платежный ордер", DocumentKind.PAYMENT_SLIP),
    ("аккредитив", DocumentKind.LETTER_OF_CREDIT),
    ("взнос наличными", DocumentKind.CASH),
    ("денежный чек", DocumentKind.CASH),
    ("кассов", DocumentKind.CASH),
    ("поступление", DocumentKind.CREDIT),
    ("списание", DocumentKind.DEBIT),
)


@functools.lru_cache(maxsize=256)
def document_kind(text: str) -> DocumentKind:
    words = " ".join(text.lower().replace("ё", "е").split())
    for fragment, kind in _KINDS:
        if fragment in words:
            return kind
    return DocumentKind.OTHER
