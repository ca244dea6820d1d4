"""What the owner types, read into entries to be: income or expense, one item or several.

"+50000 оплата Иванов" and "доход 50000 Иванов" are income; anything else is an expense.
"такси 350, кофе 180" (or one item a line) is two items, each read on its own, but only when
every part is an item by itself: in "такси 2 человека, 1500" the parts are not, so the whole
line is one item. A date may stand alone ("22.11: такси 350, кофе 180") or in a part; a part
without one takes the last date written before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.amounts import DEFAULT_AMOUNT_LIMIT, AmountError, AmountProblem, Reading, read_expense
from ledger.dates import extract_date
from ledger.journal import EntryKind

# One card shows every item with its buttons; more than this is a list for a file, not a chat.
MAX_ITEMS = 20

# "+50000 …": a plus right before the number. "доход: 50000 …": a word that says income.
_PLUS_RE = re.compile(r"^\s*\+\s*(?=\d)")
_INCOME_WORD_RE = re.compile(
    r"^\s*(?P<word>доход|приход|поступление|выручка|income)(?![^\W\d_])[\s:—–-]*",
    re.IGNORECASE,
)
# Items are split by lines, semicolons, and a comma followed by a space ("1,5" stays whole).
_PARTS_RE = re.compile(r"\n|;|,(?=\s)")
# What makes a part not an item by itself, so the whole line is read as one.
_NOT_AN_ITEM = {AmountProblem.EMPTY, AmountProblem.NOT_A_NUMBER, AmountProblem.NO_DESCRIPTION}


@dataclass(frozen=True, slots=True)
class Item:
    reading: Reading
    entry_date: date | None  # None: no date written, the entry is dated today


@dataclass(frozen=True, slots=True)
class OwnerLine:
    kind: EntryKind
    items: list[Item]


def read_owner_line(
    text: str,
    *,
    today: date,
    kind: EntryKind | None = None,
    limit: Decimal = DEFAULT_AMOUNT_LIMIT,
) -> OwnerLine:
    """Read a message into items. `kind` given (the /income command) skips the marker check.

    Raises AmountError or DateError for what cannot be read right, as `read_expense` does.
    """
    found_kind, body, marker = _kind_of(text)
    kind = kind or found_kind
    parts = [part for part in _PARTS_RE.split(body) if part.strip()]
    if len(parts) > 1 and (items := _read_items(parts, today, limit)):
        return OwnerLine(kind, items)
    entry_date, rest = extract_date(body, today=today)
    return OwnerLine(kind, [Item(_read(rest, limit, marker), entry_date)])


def _kind_of(text: str) -> tuple[EntryKind, str, str | None]:
    """The kind the text is marked with, the text without the marker, and the marker word."""
    if plus := _PLUS_RE.match(text):
        return EntryKind.INCOME, text[plus.end() :], None
    if word := _INCOME_WORD_RE.match(text):
        return EntryKind.INCOME, text[word.end() :], word["word"]
    return EntryKind.EXPENSE, text, None


def _read(text: str, limit: Decimal, marker: str | None) -> Reading:
    try:
        return read_expense(text, limit=limit)
    except AmountError as error:
        # "доход 50000": the marker word is all the description there is.
        if error.problem is not AmountProblem.NO_DESCRIPTION or marker is None:
            raise
        return read_expense(f"{text} {marker}", limit=limit)


def _read_items(parts: list[str], today: date, limit: Decimal) -> list[Item] | None:
    """Each part as an item, or None when some part is not an item by itself."""
    items: list[Item] = []
    running_date: date | None = None
    for part in parts:
        entry_date, rest = extract_date(part, today=today)
        running_date = entry_date or running_date
        if not rest.strip(" :—–-"):
            continue  # a date standing alone dates the items after it
        try:
            reading = read_expense(rest, limit=limit)
        except AmountError as error:
            if error.problem in _NOT_AN_ITEM:
                return None
            raise
        items.append(Item(reading, running_date))
    if len(items) < 2:
        return None
    if len(items) > MAX_ITEMS:
        raise AmountError(AmountProblem.TOO_MANY_ITEMS, limit=Decimal(MAX_ITEMS))
    return items
