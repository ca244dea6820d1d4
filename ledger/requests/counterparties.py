"""Counterparties remembered by ИНН (and КПП), with the bank details last used for them.

A submitted request remembers its counterparty (made, or updated to the request's details);
the next request naming the same ИНН is filled from it. A company's branches share an ИНН
and differ by КПП: a request naming a КПП finds that branch, one naming none the one used
last.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.requests.views import Counterparty
from ledger.storage.models import CounterpartyRow, PaymentRequestRow

# What a remembered counterparty fills in a request: the request's column ← the row's.
FILLED = {
    "bik": "bik",
    "account": "account",
    "corr_account": "corr_account",
    "bank_name": "bank_name",
}


async def find(session: AsyncSession, inn: str, kpp: str | None = None) -> CounterpartyRow | None:
    query = select(CounterpartyRow).where(CounterpartyRow.inn == inn)
    if kpp:
        query = query.where(CounterpartyRow.kpp == kpp)
    query = query.order_by(CounterpartyRow.updated_at.desc(), CounterpartyRow.id.desc()).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


def as_counterparty(row: CounterpartyRow) -> Counterparty:
    return Counterparty(
        id=row.id,
        name=row.name,
        inn=row.inn,
        kpp=row.kpp or None,
        bik=row.bik,
        account=row.account,
        corr_account=row.corr_account,
        bank_name=row.bank_name,
    )


async def remember(
    session: AsyncSession, request: PaymentRequestRow, *, user_id: int, now: datetime
) -> CounterpartyRow:
    """Make or update the request's counterparty from it, inside the caller's transaction
    (the caller links the request to it). Two requests remembering one new counterparty at once make
    one row: the loser of the unique key updates the winner's."""
    assert request.counterparty_inn
    assert request.counterparty_name
    inn, kpp = request.counterparty_inn, request.counterparty_kpp or ""
    row = await _exact(session, inn, kpp)
    if row is None:
        try:
            async with session.begin_nested():
                row = CounterpartyRow(
                    inn=inn, kpp=kpp, name=request.counterparty_name, created_at=now
                )
                _update(row, request, user_id, now)
                session.add(row)
                await session.flush()
        except IntegrityError:
            row = await _exact(session, inn, kpp)
            assert row is not None
    _update(row, request, user_id, now)
    await session.flush()
    return row


async def _exact(session: AsyncSession, inn: str, kpp: str) -> CounterpartyRow | None:
    query = select(CounterpartyRow).where(CounterpartyRow.inn == inn, CounterpartyRow.kpp == kpp)
    return (
        await session.execute(query.execution_options(populate_existing=True))
    ).scalar_one_or_none()


def _update(row: CounterpartyRow, request: PaymentRequestRow, user_id: int, now: datetime) -> None:
    row.name = request.counterparty_name or row.name
    for column, source in FILLED.items():
        value = getattr(request, source)
        if value:
            setattr(row, column, value)
    row.updated_at = now
    row.updated_by = user_id
