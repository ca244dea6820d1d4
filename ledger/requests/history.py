"""A request's history as people read it: who, when, what changed.

Written in the transaction of the change: its creation, each field an edit changed once the
request has left its first draft (a draft's filling is not history), every status move with
its reason or comment, each payment. The audit log keeps the same facts for the ledger's own
record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger.money import Money
from ledger.requests.views import HistoryLine
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    PaymentRequestRow,
    RequestHistoryRow,
    UserRow,
)

# An edit's columns, as the history names the field they belong to.
FIELDS = {
    "what_for": "what_for",
    "counterparty_name": "counterparty_name",
    "counterparty_inn": "inn",
    "counterparty_kpp": "kpp",
    "amount_minor": "amount",
    "currency": "amount",
    "pay_by": "pay_by",
    "bik": "bik",
    "account": "account",
    "corr_account": "corr_account",
    "bank_name": "bank_name",
    "purpose": "purpose",
    "vat_mode": "vat_mode",
    "vat_minor": "vat",
    "invoice_file_id": "invoice",
    "deal_id": "deal",
    "category_id": "category",
    "salon": "salon",
    "city": "city",
}


def record(
    session: AsyncSession,
    request_id: int,
    *,
    at: datetime,
    user_id: int | None,
    action: str,
    field: str | None = None,
    old: str | None = None,
    new: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        RequestHistoryRow(
            request_id=request_id,
            at=at,
            user_id=user_id,
            action=action,
            field=field,
            old=old,
            new=new,
            note=note[:1000] if note else None,
        )
    )


async def record_edit(
    session: AsyncSession,
    row: PaymentRequestRow,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    at: datetime,
    user_id: int,
) -> list[str]:
    """One history line per field the edit changed, its value before and after as people
    read it (a deal by its name, a category by its name, an amount with its currency);
    returns the fields."""
    changed: list[str] = []
    for column, field in FIELDS.items():
        if field in changed or before.get(column) == after.get(column):
            continue
        old = await _shown(session, field, column, before)
        new = await _shown(session, field, column, after)
        if old == new:
            continue
        changed.append(field)
        record(
            session, row.id, at=at, user_id=user_id, action="edited", field=field, old=old, new=new
        )
    return changed


async def _shown(
    session: AsyncSession, field: str, column: str, values: dict[str, Any]
) -> str | None:
    value = values.get(column)
    if value is None:
        return None
    match field:
        case "amount" | "vat":
            minor = values.get("amount_minor" if field == "amount" else "vat_minor")
            if minor is None:
                return None
            money = Money.from_minor_units(minor, values.get("currency") or "RUB")
            return f"{money.amount} {money.currency}"
        case "deal":
            deal = await session.get(DealRow, value)
            if deal is None:
                return str(value)
            return f"{deal.name} ({deal.contract})" if deal.contract else deal.name
        case "category":
            name = await session.scalar(select(CategoryRow.name).where(CategoryRow.id == value))
            return name or str(value)
        case "invoice":
            return values.get("invoice_name") or value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def lines(session: AsyncSession, request_id: int) -> list[HistoryLine]:
    """The request's history, oldest first."""
    who = aliased(UserRow)
    rows = await session.execute(
        select(RequestHistoryRow, who.name)
        .outerjoin(who, who.id == RequestHistoryRow.user_id)
        .where(RequestHistoryRow.request_id == request_id)
        .order_by(RequestHistoryRow.id)
    )
    return [
        HistoryLine(
            at=row.at,
            by_name=name,
            action=row.action,
            field=row.field,
            old=row.old,
            new=row.new,
            note=row.note,
        )
        for row, name in rows
    ]
