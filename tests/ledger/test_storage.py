"""The ledger's guarantees that hold below the services: append-only tables in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from app.context import Services
from ledger.categories import DEFAULT_CATEGORIES
from ledger.storage.database import Database
from ledger.storage.models import AuditRow, EntryRow
from ledger.users import Person
from tests.conftest import OWNER_ID


async def post_one_expense(services: Services) -> int:
    await services.categories.seed(DEFAULT_CATEGORIES)
    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
    draft = await services.expenses.start_draft(owner, "1500 такси")
    entry = await services.expenses.save(owner, draft.id, draft.revision)
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
    database: Database, services: Services, statement
) -> None:
    entry_id = await post_one_expense(services)

    async with database.read() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(statement(entry_id))
        await session.rollback()

    async with database.read() as session:
        amount = await session.scalar(select(EntryRow.amount_minor).where(EntryRow.id == entry_id))
        audit_rows = await session.scalar(select(func.count(AuditRow.id)))
    assert amount == -150000
    assert audit_rows >= 1
