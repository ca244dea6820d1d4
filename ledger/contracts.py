"""The deal a line names by its contract number: "+50000 оплата по договору 117"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.amounts import CONTRACT_NUMBER_RE
from ledger.storage.models import DealRow


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
