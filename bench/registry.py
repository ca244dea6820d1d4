"""Benchmark: the accountant's registry of payment requests over a large database.

`--requests` (default 50,000) payment requests are in the database, spread as a business that
has used the bot for a year would have them: due dates from a year back to two months ahead;
those long past paid (or rejected, cancelled) but for a few left overdue, those of the last
fortnight mostly paid, those ahead approved and waiting, awaiting approval, drafts, returned,
some partly paid; one in twenty in dollars or euros. A few
go through the services end to end (filled, submitted, approved, paid) to check the path the
bulk rows imitate; the rest are written in bulk as those services write them (a request per
row, its status, due date, amounts and what was paid), since filing 50,000 through the form
would measure the form, not the registry.

What is timed: each registry view as the bot asks for it, in a unit of work of its own (as an
update is): the buckets due today, this week, this month and overdue, requests by status
(approved, paid), a later page of one, and one request's card (by its link, with its
decisions and payments). `--repeat` (default 200) calls of each, after a few untimed ones;
p50, p95, p99 and the worst are printed per view, with the goal: p99 under 50 ms.

Correctness (exit 1 on a failure): each bucket's size and totals by currency equal those
counted in Python from the rows written, and each page holds the requests due earliest.

Run: `.venv/bin/python bench/registry.py [--requests 50000] [--repeat 200]
[--database sqlite|postgresql|both] [--pg-url URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

# `python bench/registry.py` puts bench/ on the path; the project's packages live at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text

from app.composition import create_app_context
from app.context import AppContext
from bench.common import code_version, ms_line, percentile, verdict
from bench.databases import Target, chosen_targets, fresh_database
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.money import Money
from ledger.requests.edits import (
    SetAmount,
    SetBankDetails,
    SetCategory,
    SetCounterparty,
    SetPayBy,
    SetPurpose,
    SetVat,
    SetWhatFor,
)
from ledger.requests.registry import Bucket, bounds
from ledger.requests.states import PAYABLE, RequestStatus, VatMode
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, PaymentRequestRow
from ledger.users import Person

GOAL_P99_MS = 50.0
SEED = 20_261_123
OWNER_ID = 7_000_001
ACCOUNTANT_ID = 7_100_001
FIRST_REQUESTER_ID = 7_300_001
REQUESTERS = 40
END_TO_END = 5  # requests filed, approved and paid through the services
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, noon in Moscow
CHUNK = 5_000
# How requests stand by how their due date stands to today: long past ones were paid (or
# closed) save a few left overdue; those of the last fortnight are mostly paid, some still
# waiting; those still ahead wait for approval or payment.
PAST, RECENT, AHEAD = -365, -14, 60  # days from today: the oldest due date, the fortnight, ahead
STATUSES = {
    "past": (
        (RequestStatus.PAID, 85),
        (RequestStatus.REJECTED, 7),
        (RequestStatus.CANCELLED, 5),
        (RequestStatus.APPROVED, 2),
        (RequestStatus.PARTLY_PAID, 1),
    ),
    "recent": (
        (RequestStatus.PAID, 60),
        (RequestStatus.APPROVED, 20),
        (RequestStatus.SUBMITTED, 7),
        (RequestStatus.PARTLY_PAID, 5),
        (RequestStatus.REJECTED, 5),
        (RequestStatus.CANCELLED, 3),
    ),
    "ahead": (
        (RequestStatus.APPROVED, 40),
        (RequestStatus.SUBMITTED, 25),
        (RequestStatus.PAID, 10),
        (RequestStatus.DRAFT, 10),
        (RequestStatus.RETURNED, 5),
        (RequestStatus.PARTLY_PAID, 5),
        (RequestStatus.REJECTED, 3),
        (RequestStatus.CANCELLED, 2),
    ),
}
CURRENCIES = (("RUB", 95), ("USD", 3), ("EUR", 2))
MAPPINGS = Path(__file__).resolve().parents[1] / "config" / "mappings.toml"


@dataclass
class Written:
    """What was written, to check the registry's answers against."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def bucket(self, bucket: Bucket, today: date) -> tuple[int, dict[str, int]]:
        first, last = bounds(bucket, today)
        count, totals = 0, defaultdict(int)
        for row in self.rows:
            if row["status"] not in {s.value for s in PAYABLE}:
                continue
            due = row["pay_by"]
            if (first is not None and due < first) or (last is not None and due > last):
                continue
            count += 1
            totals[row["currency"]] += row["amount_minor"] - row["paid_minor"]
        return count, dict(totals)


@dataclass
class RunResult:
    target: Target
    requests: int
    timings: dict[str, list[float]]
    problems: list[str]

    @property
    def correct(self) -> bool:
        return not self.problems


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def generate(
    count: int, rng: random.Random, requesters: list[int], category_ids: list[int]
) -> list[dict[str, Any]]:
    """`count` requests as the services leave them, due around today."""
    today = NOW.date()
    rows = []
    for _ in range(count):
        offset = rng.randint(PAST, AHEAD)
        when = "past" if offset < RECENT else "recent" if offset < 0 else "ahead"
        status = _weighted(rng, STATUSES[when])
        currency = _weighted(rng, CURRENCIES)
        amount = rng.randrange(1_000, 500_000) * 100
        due = today + timedelta(days=offset)
        created = datetime.combine(due - timedelta(days=rng.randint(3, 30)), datetime.min.time())
        created = created.replace(tzinfo=UTC)
        paid = 0
        if status is RequestStatus.PAID:
            paid = amount
        elif status is RequestStatus.PARTLY_PAID:
            paid = amount // 2
        approved = status in (*PAYABLE, RequestStatus.PAID)
        submitted = status not in (RequestStatus.DRAFT,)
        rows.append(
            {
                "requester_id": rng.choice(requesters),
                "status": status.value,
                "version": 4 if approved else 2,
                "step": 1 if submitted else 0,
                "steps": 1 if submitted else 0,
                "what_for": f"Счёт {rng.randrange(1, 10_000)}",
                "counterparty_name": f"ООО «Поставщик {rng.randrange(1, 2_000)}»",
                "counterparty_inn": f"77{rng.randrange(10**7, 10**8)}",
                "counterparty_kpp": "773601001",
                "amount_minor": amount,
                "currency": currency,
                "pay_by": due,
                "bik": "044525225",
                "account": "40702810938000012345",
                "corr_account": "30101810400000000225",
                "bank_name": "ПАО Сбербанк",
                "purpose": "Оплата по счёту",
                "vat_mode": VatMode.WITHOUT_VAT.value,
                "category_id": rng.choice(category_ids),
                "salon": "Центральный",
                "city": "Казань",
                "paid_minor": paid,
                "paid_rub_minor": paid,
                "submitted_at": created if submitted else None,
                "approved_at": created + timedelta(days=1) if approved else None,
                "paid_at": created + timedelta(days=2) if paid else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


async def people(context: AppContext) -> tuple[Actor, Actor, list[Actor]]:
    """The owner, and an accountant and requesters invited by link as people join."""
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
        assert owner is not None

        async def invited(telegram_id: int, name: str, role: Role) -> Actor:
            invite = await services.invites.create_invite(owner, role)
            actor, _ = await services.invites.accept_invite(Person(telegram_id, name), invite.token)
            return actor

        accountant = await invited(ACCOUNTANT_ID, "Анна", Role.ACCOUNTANT)
        requesters = [
            await invited(FIRST_REQUESTER_ID + n, f"Заявитель {n}", Role.REQUESTER)
            for n in range(REQUESTERS)
        ]
    return owner, accountant, requesters


async def end_to_end(context: AppContext, owner: Actor, accountant: Actor, requester: Actor) -> int:
    """A request filed, submitted, approved and paid through the services; its id."""
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        [category] = [c for c in await services.categories.active() if c.name == "Маркетинг"]
        draft = await services.requests.start(requester)
        await services.requests.edit(
            requester,
            draft.id,
            SetWhatFor("Баннеры"),
            SetCounterparty("ООО «Ромашка»", "7707083893", "773601001"),
            SetAmount(Money(Decimal("12000"))),
            SetPayBy(NOW.date() + timedelta(days=2)),
            SetBankDetails("044525225", "40702810938000012345", "30101810400000000225"),
            SetPurpose("Оплата по счёту №17"),
            SetVat(VatMode.WITHOUT_VAT),
            SetCategory(category.id),
        )
        await services.requests.submit(requester, draft.id)
        await services.requests.approve(owner, draft.id)
        await services.request_payments.pay(accountant, draft.id, amount=Money(Decimal("5000")))
    return draft.id


async def fill(context: AppContext, rows: list[dict[str, Any]]) -> None:
    async with context.database.write() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(PaymentRequestRow), rows[start : start + CHUNK])


async def timed(
    context: AppContext, repeat: int, call: Callable[[Any], Awaitable[Any]]
) -> list[float]:
    """`repeat` calls, each in a unit of work of its own, after a few untimed ones."""
    latencies = []
    for n in range(repeat + 5):
        started = time.perf_counter()
        async with context.database.unit_of_work() as uow:
            await call(context.services(uow))
        if n >= 5:
            latencies.append(time.perf_counter() - started)
    return latencies


async def run_once(target: Target, args: argparse.Namespace) -> RunResult:
    rng = random.Random(SEED)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-registry-") as folder:
        async with fresh_database(target, Path(folder)) as (url, engine):
            settings = Settings(
                _env_file=None,
                owner_telegram_ids=[OWNER_ID],
                data_dir=Path(folder),
                database_url=url,
                mappings_file=MAPPINGS,
            )
            clock = FrozenClock(NOW, settings.tz)
            context = await create_app_context(settings, clock=clock, engine=engine)
            owner, accountant, requesters = await people(context)
            flowed = [
                await end_to_end(context, owner, accountant, rng.choice(requesters))
                for _ in range(END_TO_END)
            ]
            async with context.database.read() as session:
                category_ids = list(
                    await session.scalars(
                        select(CategoryRow.id).where(CategoryRow.kind == "expense")
                    )
                )
            written = Written(
                generate(
                    args.requests - END_TO_END,
                    rng,
                    [r.user_id for r in requesters],
                    category_ids,
                )
            )
            loaded = time.perf_counter()
            await fill(context, written.rows)
            print(
                f"  {target.label}: {args.requests} requests in the database "
                f"({time.perf_counter() - loaded:.1f} s to write)"
            )
            if target.kind == "postgresql":
                # As autovacuum would have by the time a year of requests is in: statistics,
                # and the visibility map that lets the registry's covering indexes answer alone.
                async with engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM ANALYZE payment_requests"))
            async with context.database.read() as session:
                flowed_rows = (
                    await session.execute(
                        select(
                            PaymentRequestRow.status,
                            PaymentRequestRow.pay_by,
                            PaymentRequestRow.currency,
                            PaymentRequestRow.amount_minor,
                            PaymentRequestRow.paid_minor,
                        ).where(PaymentRequestRow.id.in_(flowed))
                    )
                ).all()
            written.rows.extend(row._asdict() for row in flowed_rows)
            await check(context, accountant, written, problems)
            ids = rng.sample(range(1, args.requests + 1), min(args.repeat + 5, args.requests))
            cards = iter(ids * 2)
            views: dict[str, Callable[[Any], Awaitable[Any]]] = {
                "today": lambda s: s.registry.due(accountant, Bucket.TODAY),
                "this week": lambda s: s.registry.due(accountant, Bucket.WEEK),
                "this month": lambda s: s.registry.due(accountant, Bucket.MONTH),
                "overdue": lambda s: s.registry.due(accountant, Bucket.OVERDUE),
                "approved": lambda s: s.registry.by_status(accountant, RequestStatus.APPROVED),
                "paid": lambda s: s.registry.by_status(accountant, RequestStatus.PAID),
                "paid, page 50": lambda s: s.registry.by_status(
                    accountant, RequestStatus.PAID, page=50
                ),
                "one request": lambda s: s.requests.card(owner, next(cards)),
            }
            timings = {
                name: await timed(context, args.repeat, call) for name, call in views.items()
            }
            await context.database.dispose()
    return RunResult(target, args.requests, timings, problems)


async def check(
    context: AppContext, accountant: Actor, written: Written, problems: list[str]
) -> None:
    """Each bucket as the registry counts it against the rows written."""
    today = NOW.date()
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        for bucket in Bucket:
            page = await services.registry.due(accountant, bucket, per_page=10)
            count, totals = written.bucket(bucket, today)
            got = {money.currency: money.to_minor_units() for money in page.totals}
            if page.total != count or got != {c: t for c, t in totals.items() if count}:
                problems.append(
                    f"{bucket.value}: the registry says {page.total} {got}, "
                    f"the rows written {count} {totals}"
                )
            shown = [row.pay_by for row in page.rows]
            if shown != sorted(shown):
                problems.append(f"{bucket.value}: the page is not in due order: {shown}")
            first, last = bounds(bucket, today)
            if any((first and d < first) or (last and d > last) for d in shown if d):
                problems.append(f"{bucket.value}: a request outside the bucket: {shown}")
    statuses = Counter(row["status"] for row in written.rows)
    print(f"  statuses: {', '.join(f'{s} {n}' for s, n in sorted(statuses.items()))}")


def print_run(result: RunResult) -> None:
    print(f"\n=== {result.target.label}: {result.requests} requests ===")
    for name, latencies in result.timings.items():
        print(f"{name:<16} ms: {ms_line(latencies)}")
    print(f"correctness      {'OK' if result.correct else 'FAILED'}")
    for line in result.problems:
        print(f"  {line}")


def print_goals(results: list[RunResult]) -> None:
    print("\n=== goals (issue 15) ===")
    for result in results:
        for name, latencies in result.timings.items():
            p99 = percentile(latencies, 0.99) * 1000
            print(
                f"{result.target.label}: {name}: p99 {p99:.1f} ms, goal < {GOAL_P99_MS:g} ms: "
                f"{verdict(p99 < GOAL_P99_MS)}"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    if args.requests < END_TO_END + 1:
        parser.error(f"--requests must be more than {END_TO_END}")
    return args


async def run_all(args: argparse.Namespace, targets: list[Target]) -> list[RunResult]:
    results = []
    for target in targets:
        result = await run_once(target, args)
        print_run(result)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"registry benchmark: {args.requests} payment requests, {args.repeat} calls of each "
        f"view; code {code_version()}; {os.cpu_count()} CPUs"
    )
    with chosen_targets(args.database, args.pg_url) as targets:
        results = asyncio.run(run_all(args, targets))
    print_goals(results)
    return 0 if all(result.correct for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
