"""Properties of importing statements, on the real database: a generated statement of random
lines against generated expectations never confirms or pays anything twice, never matches
money in to a request or money out to a deal's payment, and importing it as consecutive
overlapping files gives the same result as importing it whole (in any order of the files,
the same lines, and still nothing twice)."""

from __future__ import annotations

import asyncio
import random
import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.context import AppContext
from config.mappings import Mappings
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.roles import Actor
from ledger.statement_imports import Imported
from ledger.storage.database import Database, create_engine
from ledger.storage.models import (
    ExpectedPaymentRow,
    PaymentConfirmationRow,
    PaymentRequestRow,
    RequestPaymentRow,
    StatementLineRow,
    StatementProposalRow,
    StatementTargetRow,
)
from ledger.users import Person
from tests.conftest import MOSCOW, NOW, OWNER_ID, _empty_postgres
from tests.statements_factory import (
    Book,
    consecutive_parts,
    make_book,
    pay_book,
    render,
    seed_book,
)

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


class Fresh:
    """A new migrated database for each example (hypothesis runs many in one test)."""

    def __init__(self, databases: tuple[str, str], folder: Path) -> None:
        self.url, self.owner_url = databases
        self.folder = folder
        self.count = 0

    async def database(self) -> Database:
        if self.url.startswith("sqlite"):
            self.count += 1
            copy = self.folder / f"example-{self.count}.sqlite3"
            shutil.copyfile(make_url(self.url).database, copy)
            return Database(create_engine(f"sqlite+aiosqlite:///{copy}"))
        await _empty_postgres(self.owner_url)
        return Database(create_engine(self.url))


async def _office(
    database: Database, folder: Path, book: Book, owner_url: str
) -> tuple[AppContext, Actor]:
    clock = FrozenClock(NOW, MOSCOW)
    settings_ = Settings(_env_file=None, owner_telegram_ids=[OWNER_ID], data_dir=folder)
    context = AppContext(settings_, Mappings(), database, clock, secret_key=b"k" * 32)
    async with database.unit_of_work() as uow:
        owner = await context.services(uow).users.resolve(Person(OWNER_ID, "Ольга"))
    assert owner is not None
    await seed_book(database, clock, book, user_id=owner.user_id, owner_url=owner_url)
    return context, owner


async def _import(context: AppContext, owner: Actor, files: list[bytes]) -> None:
    for data in files:
        async with context.database.unit_of_work() as uow:
            result = await context.services(uow).statements.import_file(owner, data)
        assert isinstance(result, Imported), result
    async with context.database.unit_of_work() as uow:
        await context.services(uow).statements.accept_sure(owner)


async def _outcome(database: Database) -> dict[str, object]:
    """What the imports left: each line with its state and what it was matched to, and the
    money confirmed and paid, per payment and per request."""
    async with database.read() as session:
        lines = {row.id: row for row in await session.scalars(select(StatementLineRow))}
        proposals = {
            row.id: row
            for row in await session.scalars(
                select(StatementProposalRow).where(StatementProposalRow.rank == 0)
            )
        }
        targets = defaultdict(list)
        for target in await session.scalars(select(StatementTargetRow)):
            if target.proposal_id in proposals:
                line_id = proposals[target.proposal_id].line_id
                ident = target.payment_id or target.request_id or target.category_id
                targets[line_id].append((target.kind, ident, target.amount_minor))
        confirmed = defaultdict(int)
        for row in await session.scalars(select(PaymentConfirmationRow)):
            confirmed[row.payment_id] += row.amount_minor
        paid = defaultdict(int)
        for row in await session.scalars(select(RequestPaymentRow)):
            paid[row.request_id] += row.amount_minor
        owed = {
            row.id: row.amount_minor for row in await session.scalars(select(ExpectedPaymentRow))
        }
        asked = {
            row.id: row.amount_minor or 0
            for row in await session.scalars(select(PaymentRequestRow))
        }
    by_key = {
        line.key: (
            line.state,
            line.sure,
            line.problem,
            line.direction,
            tuple(sorted(targets.get(line.id, []))),
        )
        for line in lines.values()
    }
    return {
        "lines": by_key,
        "confirmed": dict(confirmed),
        "paid": dict(paid),
        "owed": owed,
        "asked": asked,
    }


def _never_twice(outcome: dict[str, object]) -> None:
    lines = outcome["lines"]
    claimed: dict[tuple[str, int], int] = defaultdict(int)
    for state, _, _, direction, targets in lines.values():
        for kind, ident, amount in targets:
            if direction == "in":
                assert kind != "request", "money in matched to a request"
            else:
                assert kind not in ("payment", "income"), "money out matched to a payment"
            if kind in ("payment", "request") and state in ("proposed", "accepted"):
                claimed[(kind, ident)] += amount
    for (kind, ident), amount in claimed.items():
        whole = outcome["owed"] if kind == "payment" else outcome["asked"]
        assert amount <= whole[ident], f"{kind} {ident} matched for more than it is"
    for payment_id, amount in outcome["confirmed"].items():
        assert amount <= outcome["owed"][payment_id], "a payment confirmed twice"
    for request_id, amount in outcome["paid"].items():
        assert amount <= outcome["asked"][request_id], "a request paid twice"


@pytest.fixture
def fresh(databases_under_test: tuple[str, str], migrated_database: str, tmp_path: Path) -> Fresh:
    assert migrated_database == databases_under_test[0]
    return Fresh(databases_under_test, tmp_path)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    deals=st.integers(1, 10),
    requests=st.integers(0, 6),
    lines=st.integers(1, 40),
    days=st.integers(2, 6),
    cuts=st.lists(st.integers(1, 5), max_size=3),
    overlap=st.integers(0, 2),
    in_parts=st.sampled_from([0.04, 0.5]),
)
def test_split_imports_match_as_the_whole_and_nothing_is_done_twice(
    fresh: Fresh,
    tmp_path: Path,
    seed: int,
    deals: int,
    requests: int,
    lines: int,
    days: int,
    cuts: list[int],
    overlap: int,
    in_parts: float,
) -> None:
    rng = random.Random(seed)
    book = make_book(rng, deals=deals, requests=requests, terminal_days=days)
    paid = pay_book(rng, book, lines=lines, days=days, in_parts=in_parts)
    whole = render(paid.truth).data
    parts = [render(part).data for part in consecutive_parts(paid.truth, cuts, overlap)]
    shuffled = list(parts)
    random.Random(seed + 1).shuffle(shuffled)

    async def outcome(files: list[bytes]) -> dict[str, object]:
        database = await fresh.database()
        try:
            context, owner = await _office(database, tmp_path, book, fresh.owner_url)
            await _import(context, owner, files)
            return await _outcome(database)
        finally:
            await database.dispose()

    async def run() -> tuple[dict[str, object], ...]:
        return (
            await outcome([whole]),
            await outcome(parts),
            await outcome(shuffled),
            await outcome([whole, *parts, whole]),
        )

    at_once, in_parts, any_order, again = asyncio.run(run())

    for each in (at_once, in_parts, any_order, again):
        _never_twice(each)
    assert in_parts == at_once
    assert again == at_once
    assert set(any_order["lines"]) == set(at_once["lines"])


def test_the_parts_of_a_statement_overlap_and_cover_it() -> None:
    rng = random.Random(4)
    paid = pay_book(rng, make_book(rng, deals=4, requests=2), lines=12, days=6)

    parts = consecutive_parts(paid.truth, [2, 4], overlap=1)

    assert [len(p.sections) for p in parts] == [2, 3, 3]
    assert parts[1].sections[0] == parts[0].sections[-1]
    covered = {d for p in parts for d in p.documents}
    assert covered == set(paid.truth.documents)
    assert timedelta(days=5) == paid.truth.sections[-1].end - paid.truth.sections[0].start
