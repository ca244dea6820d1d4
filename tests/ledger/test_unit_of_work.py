"""The unit of work commits only when told: a forgotten commit is loud, an error rolls back,
nested blocks commit once, with the outermost.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ledger.storage.database import Database
from ledger.storage.models import CategoryRow
from ledger.storage.uow import ReplayWrite, UncommittedWrite, UnitOfWork


async def categories(database: Database) -> list[str]:
    async with database.read() as session:
        return list(await session.scalars(select(CategoryRow.name).order_by(CategoryRow.id)))


async def test_a_write_is_kept_only_when_committed(database: Database) -> None:
    async with database.unit_of_work() as uow, uow.write():
        uow.session.add(CategoryRow(name="Аренда", keywords=[], position=0))
        await uow.commit()

    assert await categories(database) == ["Аренда"]


async def test_a_write_block_left_without_commit_rolls_back_and_says_so(
    database: Database,
) -> None:
    async def forgets_to_commit(uow: UnitOfWork) -> None:
        async with uow.write():
            uow.session.add(CategoryRow(name="Аренда", keywords=[], position=0))
            await uow.session.flush()

    async with database.unit_of_work() as uow:
        with pytest.raises(UncommittedWrite):
            await forgets_to_commit(uow)

    assert await categories(database) == []


async def test_a_block_that_only_read_just_ends(database: Database) -> None:
    async with database.unit_of_work() as uow, uow.write():
        await uow.session.scalar(select(func.count()).select_from(CategoryRow))

    assert await categories(database) == []


async def test_an_error_rolls_the_whole_block_back(database: Database) -> None:
    async def fails_halfway(uow: UnitOfWork) -> None:
        async with uow.write():
            uow.session.add(CategoryRow(name="Аренда", keywords=[], position=0))
            await uow.session.flush()
            raise RuntimeError("the use case failed halfway")

    async with database.unit_of_work() as uow:
        with pytest.raises(RuntimeError):
            await fails_halfway(uow)

    assert await categories(database) == []


async def test_nested_use_cases_commit_together_with_the_outermost(database: Database) -> None:
    async def add(uow: UnitOfWork, name: str) -> None:  # a use case: writes and commits
        async with uow.write():
            uow.session.add(CategoryRow(name=name, keywords=[], position=0))
            await uow.commit()

    async def both_then_fail(uow: UnitOfWork) -> None:
        async with uow.write():
            await add(uow, "Аренда")
            await add(uow, "Связь")
            raise RuntimeError("the caller's last step failed")

    async with database.unit_of_work() as uow:
        with pytest.raises(RuntimeError):
            await both_then_fail(uow)
        assert await categories(database) == []

        async with uow.write():
            await add(uow, "Аренда")
            await add(uow, "Связь")
            await uow.commit()

    assert await categories(database) == ["Аренда", "Связь"]


async def test_a_replayed_update_cannot_commit_a_change_again(database: Database) -> None:
    async def adds_a_category(uow: UnitOfWork) -> None:
        async with uow.write():
            uow.session.add(CategoryRow(name="Аренда", keywords=[], position=0))
            await uow.commit()

    async with database.unit_of_work() as uow:
        uow.replaying = True
        with pytest.raises(ReplayWrite):
            await adds_a_category(uow)

    assert await categories(database) == []


async def test_a_replayed_update_may_still_write_incidentally(database: Database) -> None:
    async with database.unit_of_work() as uow:
        uow.replaying = True
        async with uow.write(incidental=True):
            uow.session.add(CategoryRow(name="Аренда", keywords=[], position=0))
            await uow.commit()

    assert await categories(database) == ["Аренда"]
