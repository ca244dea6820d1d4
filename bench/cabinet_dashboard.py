"""Benchmark: the owner's dashboard in the cabinet over two years of entries.

Two years of a busy business are in the database (`--per-month`, default 3,000 entries a
month): deals closed every day by a dozen managers selling six products in eight salons of
three cities, their payments confirmed as income (most by bank, some in cash); spending
across every expense category, part of it for deals (their dimensions), part the company's
own with a salon or a city, a few entries reversed; besides, what the dashboard's "needs a
look" lists read: cash still on managers, payments overdue, a year of payment requests as the
registry's benchmark writes them, and some outbox rows that gave up. The bulk is written as
the services write it (an entry per row), since posting 72,000 entries through the journal
would measure the journal.

What is timed: `GET /cabinet/dashboard` rendered by the web app through aiohttp's TestClient,
signed in as the owner by a one-time link, as the browser asks for it: without filters, by
manager, by salon, by city and product, by manager and city. `repeat` (default 200) requests
of each after a few untimed ones; p50, p95, p99 and the worst are printed per view, with the
goal: p99 under 100 ms. The chart is an image of its own address the page embeds, drawn in a
worker thread while the page is already shown; it is timed apart, for the record.

Correctness (exit 1 on a failure): the page's figures for this month, unfiltered and by one
manager, equal those summed in Python from the rows written.

Run alone: `.venv/bin/python -m bench.cabinet_dashboard [--per-month 3000] [--repeat 200]
[--database sqlite|postgresql|both] [--pg-url URL]`; `bench/cabinet.py` calls
`measure_dashboard(target)` for its own report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

# `python bench/cabinet_dashboard.py` puts bench/ on the path; the packages live at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, select, text

from app.cabinet.web import CabinetConfig
from app.composition import create_app_context
from app.context import AppContext
from app.webapp import create_web_app
from bench.common import code_version, ms_line, percentile, verdict
from bench.databases import Target, chosen_targets, fresh_database
from bench.registry import generate as generate_requests
from config.settings import Settings
from ledger.clock import FrozenClock
from ledger.money import Money
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    EntryRow,
    ExpectedPaymentRow,
    OutboxRow,
    PaymentRequestRow,
)
from ledger.users import Person

GOAL_P99_MS = 100.0
SEED = 20_261_202
OWNER_ID = 7_000_001
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, noon in Moscow
MONTHS = 24
MAPPINGS = Path(__file__).resolve().parents[1] / "config" / "mappings.toml"
CHUNK = 5_000
MANAGERS = tuple(
    f"{first} {last}"
    for first, last in (
        ("Иван", "Петров"),
        ("Мария", "Соколова"),
        ("Пётр", "Иванов"),
        ("Анна", "Кузнецова"),
        ("Олег", "Смирнов"),
        ("Дарья", "Попова"),
        ("Игорь", "Васильев"),
        ("Елена", "Новикова"),
        ("Сергей", "Морозов"),
        ("Ольга", "Волкова"),
        ("Артём", "Лебедев"),
        ("Юлия", "Козлова"),
    )
)
PRODUCTS = ("Кухня", "Шкаф-купе", "Гардеробная", "Прихожая", "Детская", "Спальня")
SALONS = {  # salon → its city
    "Центральный": "Казань",
    "На Баумана": "Казань",
    "Савиновский": "Казань",
    "Арбат": "Москва",
    "Тёплый Стан": "Москва",
    "Химки": "Москва",
    "Невский": "Санкт-Петербург",
    "Озерки": "Санкт-Петербург",
}
REQUESTS = 2_000  # a year of payment requests, as the registry's benchmark writes them
HELD_CASH = 40  # cash payments still on managers
OVERDUE = 120  # bank payments past their due date
DEAD = 12  # outbox rows that gave up


@dataclass
class Seeded:
    """What was written, to check the page's figures against."""

    income: dict[tuple[date, str | None], int] = field(default_factory=dict)  # month, manager
    spent: dict[tuple[date, str | None], int] = field(default_factory=dict)
    entries: int = 0
    deals: int = 0

    def add(
        self, table: dict[tuple[date, str | None], int], day: date, manager: str | None, minor: int
    ) -> None:
        """`minor` counted in the month of `day`, in all and for its manager (if any)."""
        month = day.replace(day=1)
        table[(month, None)] = table.get((month, None), 0) + minor
        if manager is not None:
            table[(month, manager)] = table.get((month, manager), 0) + minor


@dataclass
class DashboardResult:
    target: Target
    entries: int
    timings: dict[str, list[float]]
    cpu: dict[str, list[float]]  # CPU time of the process a request (server and client both)
    chart: list[float]
    problems: list[str]

    @property
    def correct(self) -> bool:
        return not self.problems

    def p99_ms(self, view: str) -> float:
        return percentile(self.timings[view], 0.99) * 1000


# -- the two years ----------------------------------------------------------------------------


def _month_days(today: date, months: int) -> list[date]:
    first = today.replace(day=1)
    year, month = first.year, first.month
    for _ in range(months - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    start = date(year, month, 1)
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]


async def seed(context: AppContext, rng: random.Random, per_month: int) -> Seeded:
    """Two years of deals, payments, entries, requests and dead outbox rows, in bulk."""
    async with context.database.unit_of_work() as uow:
        owner = await context.services(uow).users.resolve(Person(OWNER_ID, "Ольга"))
    assert owner is not None
    async with context.database.read() as session:
        categories = {
            row.name: (row.id, row.kind) for row in await session.scalars(select(CategoryRow))
        }
    expense_ids = [ident for ident, kind in categories.values() if kind == "expense"]
    income_ids = [ident for ident, kind in categories.values() if kind == "income"] or expense_ids
    weights = [5 if ident == categories.get("Маркетинг", (0,))[0] else 2 for ident in expense_ids]
    today = NOW.date()
    days = _month_days(today, MONTHS)
    created = NOW
    seeded = Seeded()
    # Deals: about one for every four entries, closed on their day.
    deals: list[dict[str, Any]] = []
    for number, day in enumerate(rng.choice(days) for _ in range(per_month * MONTHS // 4)):
        salon = rng.choice(list(SALONS))
        deals.append(
            {
                "amo_lead_id": 30_000_000 + number,
                "name": f"Сделка {number}",
                "price_minor": rng.randrange(50_000, 900_000) * 100,
                "currency": "RUB",
                "state": "closed",
                "responsible_amo_user_id": None,
                "manager": rng.choice(MANAGERS),
                "contract": f"Д-{number}",
                "contract_date": day,
                "product": rng.choice(PRODUCTS),
                "salon": salon,
                "city": SALONS[salon],
                "problems": [],
                "created_at": created,
                "updated_at": created,
            }
        )
    async with context.database.write() as session:
        for start in range(0, len(deals), CHUNK):
            await session.execute(insert(DealRow), deals[start : start + CHUNK])
        deal_ids = list(await session.scalars(select(DealRow.id).order_by(DealRow.id)))
    seeded.deals = len(deal_ids)
    managers = {ident: deal["manager"] for ident, deal in zip(deal_ids, deals, strict=True)}
    # Entries: two in five income of a deal, the rest spending; of that, a third for a deal,
    # the rest the company's own, mostly with a salon or a city.
    entries: list[dict[str, Any]] = []
    per_day = per_month * MONTHS / len(days)
    for day in days:
        for _ in range(max(1, round(rng.gauss(per_day, per_day / 10)))):
            roll = rng.random()
            index = rng.randrange(len(deals))
            deal = deals[index]
            row: dict[str, Any] = {
                "currency": "RUB",
                "entry_date": day,
                "description": "",
                "created_by": owner.user_id,
                "created_at": created,
                "deal_id": None,
                "salon": None,
                "city": None,
            }
            if roll < 0.4:
                minor = rng.randrange(5_000, 300_000) * 100
                row |= {
                    "kind": "income",
                    "amount_minor": minor,
                    "category_id": rng.choice(income_ids),
                    "account": rng.choice(("bank_account", "bank_account", "cash_desk", "card")),
                    "deal_id": deal_ids[index],
                }
                seeded.add(seeded.income, day, deal["manager"], minor)
            else:
                minor = rng.randrange(100, 60_000) * 100
                row |= {
                    "kind": "expense",
                    "amount_minor": -minor,
                    "category_id": rng.choices(expense_ids, weights)[0],
                    "account": rng.choice(("bank_account", "owner", "cash_desk")),
                }
                manager = None
                if roll < 0.6:
                    row["deal_id"] = deal_ids[index]
                    manager = deal["manager"]
                elif roll < 0.85:
                    salon = rng.choice(list(SALONS))
                    row |= {"salon": salon, "city": SALONS[salon]}
                elif roll < 0.95:
                    row["city"] = rng.choice(sorted(set(SALONS.values())))
                seeded.add(seeded.spent, day, manager, minor)
            entries.append(row)
    async with context.database.write() as session:
        for start in range(0, len(entries), CHUNK):
            await session.execute(insert(EntryRow), entries[start : start + CHUNK])
        # One expense in two hundred undone by a reversal a few days later.
        undone = rng.sample(
            [i for i, row in enumerate(entries) if row["kind"] == "expense"], len(entries) // 200
        )
        ids = list(await session.scalars(select(EntryRow.id).order_by(EntryRow.id)))
        reversals = []
        for index in undone:
            row = entries[index]
            day = min(today, row["entry_date"] + timedelta(days=rng.randint(0, 5)))
            reversals.append(
                row
                | {
                    "kind": "reversal",
                    "amount_minor": -row["amount_minor"],
                    "entry_date": day,
                    "reverses_entry_id": ids[index],
                }
            )
            manager = managers[row["deal_id"]] if row["deal_id"] else None
            seeded.add(seeded.spent, day, manager, row["amount_minor"])
        await session.execute(insert(EntryRow), reversals)
    seeded.entries = len(entries) + len(reversals)
    # Payments still owed: cash on managers, bank payments past due.
    payments = []
    for n, index in enumerate(rng.sample(range(len(deals)), HELD_CASH + OVERDUE)):
        cash = n < HELD_CASH
        payments.append(
            {
                "deal_id": deal_ids[index],
                "slot": "Предоплата" if cash else "Остаток",
                "amount_minor": rng.randrange(10_000, 200_000) * 100,
                "currency": "RUB",
                "kind": "cash" if cash else "bank_transfer",
                "due_date": today - timedelta(days=rng.randint(1, 90)),
                "status": "expected",
                "created_at": created,
                "updated_at": created,
            }
        )
    dead = [
        {
            "topic": rng.choice(("notify", "crm")),
            "payload": {"effect": "deal_paid", "amo_lead_id": 30_000_000 + n},
            "status": "dead",
            "created_at": created - timedelta(days=n),
            "available_at": created,
            "attempts": 20,
            "claims": 20,
            "last_error": "ClientResponseError(502, 'Bad Gateway')",
        }
        for n in range(DEAD)
    ]
    requests = generate_requests(REQUESTS, rng, [owner.user_id], expense_ids)
    async with context.database.write() as session:
        await session.execute(insert(ExpectedPaymentRow), payments)
        await session.execute(insert(OutboxRow), dead)
        await session.execute(insert(PaymentRequestRow), requests)
    return seeded


# -- the measurement --------------------------------------------------------------------------

VIEWS: dict[str, dict[str, str]] = {
    "no filter": {},
    "manager": {"manager": MANAGERS[0]},
    "salon": {"salon": "Арбат"},
    "city + product": {"city": "Казань", "product": "Кухня"},
    "manager + city": {"manager": MANAGERS[1], "city": "Москва"},
}
FIGURE = re.compile(r'data-figure="(\w+)"[^>]*>([^<]*)<')


def _figures(page: str) -> dict[str, str]:
    return {name: value for name, value in FIGURE.findall(page)}


def _money(minor: int) -> str:
    from bot.texts import money

    return money(Money.from_minor_units(minor))


async def measure_dashboard(
    target: Target,
    *,
    per_month: int = 3_000,
    repeat: int = 200,
    seed_value: int = SEED,
    quiet: bool = False,
) -> DashboardResult:
    """Seed two years of entries in a fresh database of `target`, then time `repeat` GETs of
    the dashboard per view (and of the chart); printed unless `quiet`, and returned."""
    rng = random.Random(seed_value)
    problems: list[str] = []
    say = (lambda *_: None) if quiet else print
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-dashboard-") as folder:
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
            started = time.perf_counter()
            seeded = await seed(context, rng, per_month)
            say(
                f"  {target.label}: {seeded.entries} entries over {MONTHS} months, "
                f"{seeded.deals} deals ({time.perf_counter() - started:.1f} s to write)"
            )
            if target.kind == "postgresql":
                async with engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM ANALYZE"))
            config = CabinetConfig(context=context, bot_token="1:bench", secure_cookie=False)
            app = create_web_app(Dispatcher(), None, None, cabinet=config)
            async with TestClient(TestServer(app)) as client:
                async with context.database.unit_of_work() as uow:
                    services = context.services(uow)
                    owner = await services.users.resolve(Person(OWNER_ID, "Ольга"))
                    assert owner is not None
                    token = services.login_links.issue(owner)
                signed_in = await client.get(f"/cabinet/login/{token}")
                assert signed_in.status == 200, await signed_in.text()
                await _check(client, seeded, problems)
                timings, cpu = {}, {}
                for view, query in VIEWS.items():
                    timings[view], cpu[view] = await _timed(
                        client, "/cabinet/dashboard", query, repeat, problems
                    )
                chart, _ = await _timed(
                    client, "/cabinet/dashboard/chart.png", {}, max(5, repeat // 20), problems
                )
            await context.database.dispose()
    return DashboardResult(target, seeded.entries, timings, cpu, chart, problems)


async def _timed(
    client: TestClient, path: str, query: dict[str, str], repeat: int, problems: list[str]
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each request, after five untimed ones. The CPU time
    (this process's: the web app, its database thread and the client) says what a request
    costs when the machine is shared and the wall clock waits for other work."""
    latencies, cpu = [], []
    for n in range(repeat + 5):
        started, used = time.perf_counter(), time.process_time()
        response = await client.get(path, params=query)
        await response.read()
        if n >= 5:
            latencies.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        if response.status != 200:
            problems.append(f"{path} {query}: HTTP {response.status}")
            break
    return latencies, cpu


async def _check(client: TestClient, seeded: Seeded, problems: list[str]) -> None:
    """This month's income and spending on the page against the rows written."""
    month = NOW.date().replace(day=1)
    for manager in (None, MANAGERS[0]):
        query = {"manager": manager} if manager else {}
        figures = _figures(await (await client.get("/cabinet/dashboard", params=query)).text())
        wanted = {
            "income": _money(seeded.income.get((month, manager), 0)),
            "expenses": _money(seeded.spent.get((month, manager), 0)),
        }
        got = {name: figures.get(name, "?") for name in wanted}
        if got != wanted:
            problems.append(f"this month, manager {manager}: the page {got}, written {wanted}")


# -- the report -------------------------------------------------------------------------------


def print_result(result: DashboardResult) -> None:
    print(f"\n=== {result.target.label}: dashboard over {result.entries} entries ===")
    for view, latencies in result.timings.items():
        print(f"{view:<16} ms: {ms_line(latencies)}")
        print(f"{'':<16} CPU ms: {ms_line(result.cpu[view])}")
    print(f"{'chart (PNG)':<16} ms: {ms_line(result.chart)}  (its own request, not the goal)")
    print(f"correctness      {'OK' if result.correct else 'FAILED'}")
    for line in result.problems:
        print(f"  {line}")
    for view in result.timings:
        p99 = result.p99_ms(view)
        print(
            f"{result.target.label}: dashboard, {view}: p99 {p99:.1f} ms, "
            f"goal < {GOAL_P99_MS:g} ms: {verdict(p99 < GOAL_P99_MS)}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-month", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    return parser.parse_args(argv)


async def run_all(args: argparse.Namespace, targets: list[Target]) -> list[DashboardResult]:
    results = []
    for target in targets:
        result = await measure_dashboard(target, per_month=args.per_month, repeat=args.repeat)
        print_result(result)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"cabinet dashboard benchmark: {args.per_month} entries a month over {MONTHS} months, "
        f"{args.repeat} requests of each view; code {code_version()}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with chosen_targets(args.database, args.pg_url) as targets:
        results = asyncio.run(run_all(args, targets))
    return 0 if all(result.correct for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["GOAL_P99_MS", "DashboardResult", "measure_dashboard"]
