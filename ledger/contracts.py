"""The deal a line names by its contract number: "+50000 оплата по договору 117", and the
contract numbers a bank payment's purpose names, in the spellings payers write them.

A payer writes a contract «К-2024/117» as `№ К-2024/117`, `дог. К-2024/118`, `К2024/119`,
`К 2024/117`, with a Latin K for the Cyrillic К, or with no keyword at all (`К-2024/117
оплата за ремонт`). `contract_key` folds every spelling to one key (upper case, Latin letters
that look Cyrillic read as Cyrillic, "№" and spaces dropped, and whatever separates the
letters in front from the first digit; "-" and "/" between digits kept: К-2024/117-1 is
another contract than К-2024/1171), and
`contract_keys_in` finds the candidates in a purpose; a candidate is a contract only if a deal
has that key. A number without letters ("117", "2024/117") is taken only after a keyword
(`№`, `дог.`, `договор`): bare, it is as likely an invoice, a register or a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.amounts import CONTRACT_NUMBER_RE
from ledger.storage.models import DealRow

# Latin letters a payer types for the Cyrillic ones they look like (upper case: keys are).
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})
# The letters in front, whatever separates them from the first digit, and the rest.
_KEY_RE = re.compile(r"(?P<letters>[^\W\d_]*)[\s\-_.]*(?P<rest>\d.*)?", re.DOTALL)
# A candidate: up to four letters, an optional space or hyphen, then a digit and what may
# follow in a number (digits, letters, "/", "-", "."), not starting inside a word.
_CANDIDATE_RE = re.compile(r"(?<![\w/])(?:(?P<prefix>[^\W\d_]{1,4})(?P<gap>[ \-]?))?\d[\w/.\-]*")
_KEYWORD_BEFORE_RE = re.compile(
    r"(?:№|#|\bN|\bдог[а-яё]*\.?|\bдоговор[а-яё]*)\s*(?:№\s*)?$", re.IGNORECASE
)


def contract_key(text: str) -> str:
    """A contract number folded to the key every spelling of it shares."""
    folded = text.upper().replace("Ё", "Е").translate(_LOOKALIKES).translate(_DASHES)
    folded = "".join(folded.replace("№", "").replace("#", "").split())
    match = _KEY_RE.fullmatch(folded)
    if match is None:
        return folded.rstrip("./-")
    return (match["letters"] + (match["rest"] or "")).rstrip("./-")


def contract_keys_in(text: str) -> list[str]:
    """The keys of what may be contract numbers in a purpose, in order, without repeats: one
    without letters only after a keyword."""
    found: dict[str, None] = {}
    for match in _CANDIDATE_RE.finditer(text):
        if match["gap"] == " " and not match["prefix"].isupper():
            continue  # "от 01.02.2026": a word before a number, not a contract's letters
        written = match.group().rstrip(".,;:-/")
        key = contract_key(written)
        if not key or not any(ch.isdigit() for ch in key):
            continue
        before = text[max(0, match.start() - 16) : match.start()]
        if not any(ch.isalpha() for ch in key) and not _KEYWORD_BEFORE_RE.search(before):
            continue
        found.setdefault(key, None)
    return list(found)


@dataclass(frozen=True, slots=True)
class DealRef:
    id: int
    name: str
    contract: str


def contract_numbers(text: str) -> list[str]:
    """The numbers written after "№", "#" or "договор" in a line, as written."""
    return [match["number"].rstrip(".") for match in CONTRACT_NUMBER_RE.finditer(text)]


async def deal_named_in(session: AsyncSession, text: str) -> DealRef | None:
    """The one deal whose contract number the line names; None when none or several do (a
    guess would put the money on the wrong manager)."""
    numbers = contract_numbers(text)
    if not numbers:
        return None
    # Contract numbers hold Cyrillic letters ("Д-117") and SQLite folds only ASCII case: the
    # candidates are fetched as written in a few cases, and compared in Python.
    variants = {variant for n in numbers for variant in (n, n.upper(), n.lower())}
    rows = (
        await session.execute(
            select(DealRow.id, DealRow.name, DealRow.contract).where(DealRow.contract.in_(variants))
        )
    ).all()
    wanted = {n.casefold() for n in numbers}
    found = {row.id: row for row in rows if row.contract and row.contract.casefold() in wanted}
    if len(found) != 1:
        return None
    [row] = found.values()
    return DealRef(row.id, row.name, row.contract)


async def deal_ref(session: AsyncSession, deal_id: int | None) -> DealRef | None:
    if deal_id is None:
        return None
    row = await session.get(DealRow, deal_id)
    return DealRef(row.id, row.name, row.contract or "") if row else None
