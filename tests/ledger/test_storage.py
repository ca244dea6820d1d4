"""The ledger's guarantees that hold below the services: append-only tables in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker

from ledger.categories import DEFAULT_CATEGORIES, CategoryService
from ledger.clock import FrozenClock
from ledger.expenses import ExpenseService
from ledger.storage.models import AuditRow, EntryRow
from ledger.storage.uow import UnitOfWork
from ledger.users import Person, UserService

OWNER = 1111111


async def post_one_expense(session_factory: async_sessionmaker, clock: FrozenClock) -> int:
    async with session_factory() as session:
        uow = UnitOfWork(session)
        categories = CategoryService(uow, clock)
        async with uow.transaction():
            await categories.seed(DEFAULT_CATEGORIES)
        users = UserService(uow, clock, owner_ids=frozenset({OWNER}), secret_key=b"k" * 32)
        owner = await users.resolve(Person(OWNER, "Ольга"))
        expenses = ExpenseService(uow, clock, categories, amount_limit=Decimal(10**9))
        draft = await expenses.start_draft(owner, "1500 такси")
        entry = await expenses.save(owner, draft.id, draft.revision)
        return entry.id


@pytest.mark.parametrize(
    "statement",
    [
        lambda entry_id: update(EntryRow).where(EntryRow.id == entry_id).values(amount_minor=-1),
        lambda entry_id: delete(EntryRow).where(EntryRow.id == entry_id),
        lambda entry_id: update(AuditRow).values(action="forged"),
        lambda entry_id: delete(AuditRow),
    ],
    ids=["update entry", "delete entry", "update audit", "delete audit"],
)
async def test_the_database_refuses_to_rewrite_the_ledger_or_its_audit_log(
    session_factory: async_sessionmaker, clock: FrozenClock, statement
) -> None:
    entry_id = await post_one_expense(session_factory, clock)

    async with session_factory() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(statement(entry_id))
        await session.rollback()

    async with session_factory() as session:
        amount = await session.scalar(select(EntryRow.amount_minor).where(EntryRow.id == entry_id))
        audit_rows = await session.scalar(select(func.count(AuditRow.id)))
    assert amount == -150000
    assert audit_rows >= 1
