"""Benchmark: the cabinet's pages rendered server-side over a large database (issue 17).

Each section is a function that builds its database and measures its pages (`SECTIONS`, a
list of `(name, measure)`: another page's measurement is one more function and one more line).

The registry (`/cabinet/requests`): `--requests` (default 50,000) payment requests shaped as a
year of them, built as bench/registry.py builds them (a few through the services end to end,
the rest written in bulk as the services write them), with a third of them for deals (2,000
deals, each with its contract number) and the invoice's number in the purpose. Then the page
is asked for through the web app itself — aiohttp's TestClient on a local port, signed in by
a login link as at a desk — with realistic filters and sorts: the accountant's list as it
opens, what is to pay by due date, the overdue above an amount, a counterparty, a free-text
search, a deal, a category over a month, the owner's whole registry by counterparty and by
status, and the last page. `--repeat` (default 100) requests of each after a few untimed ones;
p50, p95, p99 and the worst are printed per view, with the goal: p99 under 100 ms.

Correctness (exit 1 on a failure): every answer is 200 with rows, and each view's count on the
page equals the count of the rows written that it should hold, worked out in Python.

The owner's dashboard (`/cabinet/dashboard`): `--per-month` (default 3,000) entries a month over
two years with their deals, managers, products, salons and cities, measured with no filter and
with each kind of filter (bench/cabinet_dashboard.py, which also runs alone and prints CPU time
per request beside the wall clock).

Run: `.venv/bin/python bench/cabinet.py [--requests 50000] [--per-month 3000] [--repeat 100]
[--database sqlite|postgresql|both] [--pg-url URL] [--section registry|dashboard]`.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# `python bench/cabinet.py` puts bench/ on the path; the project's packages live at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select, text

from app.cabinet.core import CabinetConfig
from app.composition import create_app_context
from app.context import AppContext
from app.webapp import create_web_app
from bench.cabinet_dashboard import measure_dashboard
from bench.common import code_version, ms_line, percentile, verdict
from bench.databases import Target, chosen_targets, fresh_database
from bench.registry import END_TO_END, MAPPINGS, NOW, SEED, end_to_end, fill, generate, people
from config.settings import Settings
from ledger.cabinet_links import LoginLinks
from ledger.clock import FrozenClock
from ledger.requests.search import PER_PAGE
from ledger.requests.states import APPROVED_OR_LATER, PAYABLE, RequestStatus
from ledger.roles import Actor
from ledger.storage.models import CategoryRow, DealRow, PaymentRequestRow

GOAL_P99_MS = 100.0
BOT_TOKEN = "1:bench"
DEALS = 2_000
FOR_DEALS = 3  # one request in this many is for a deal
COUNT = re.compile(r"Найдено заявок: (\d+)")


@dataclass
class SectionResult:
    name: str
    target: Target
    size: str  # what the database held, in words
    timings: dict[str, list[float]]
    problems: list[str]


Measure = Callable[[Target, argparse.Namespace], Awaitable[SectionResult]]


async def signed_in(client: TestClient, context: AppContext, actor: Actor) -> None:
    """A fresh session for `actor`, by a login link as the bot sends it."""
    client.session.cookie_jar.clear()
    if isinstance(context.clock, FrozenClock):  # a link is one a second: this one is new
        context.clock.advance(timedelta(seconds=1))
    async with context.database.unit_of_work() as uow:
        token = LoginLinks(uow, context.clock, context.secret_key).issue(actor)
    answer = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
    if answer.status != 303:
        raise RuntimeError(f"signing in answered {answer.status}")


async def timed_get(client: TestClient, url: str, repeat: int) -> tuple[list[float], str]:
    """`repeat` requests of `url` after a few untimed ones; their latencies and the last page."""
    latencies, page = [], ""
    for n in range(repeat + 3):
        started = time.perf_counter()
        answer = await client.get(url)
        page = await answer.text()
        if n >= 3:
            latencies.append(time.perf_counter() - started)
        if answer.status != 200:
            raise RuntimeError(f"{url} answered {answer.status}")
    return latencies, page


# -- the registry -----------------------------------------------------------------------------


async def _deals(context: AppContext) -> list[tuple[int, str]]:
    """`DEALS` deals as amoCRM sync leaves them, each with its contract number."""
    created = NOW - timedelta(days=400)
    rows = [
        {
            "amo_lead_id": 40_000_000 + n,
            "name": f"Кухня {n}",
            "price_minor": 15_000_000,
            "currency": "RUB",
            "state": "closed",
            "contract": f"Д-{1000 + n}",
            "product": "Кухня",
            "salon": "Центральный",
            "city": "Казань",
            "problems": [],
            "created_at": created,
            "updated_at": created,
        }
        for n in range(DEALS)
    ]
    async with context.database.write() as session:
        await session.execute(insert(DealRow), rows)
        found = await session.execute(select(DealRow.id, DealRow.contract))
        return [(ident, contract or "") for ident, contract in found]


async def build_registry(
    context: AppContext, count: int, rng: random.Random
) -> tuple[Actor, Actor, list[dict[str, Any]]]:
    """A year of requests (bench/registry.py's), a third for deals, the invoice's number in
    each purpose; the owner, the accountant and the rows written."""
    owner, accountant, requesters = await people(context)
    flowed = [
        await end_to_end(context, owner, accountant, rng.choice(requesters))
        for _ in range(END_TO_END)
    ]
    async with context.database.read() as session:
        category_ids = list(
            await session.scalars(select(CategoryRow.id).where(CategoryRow.kind == "expense"))
        )
    deals = await _deals(context)
    rows = generate(count - END_TO_END, rng, [r.user_id for r in requesters], category_ids)
    for n, row in enumerate(rows):
        row["purpose"] = f"Оплата по счёту №{rng.randrange(1, 20_000)} от {row['pay_by']:%d.%m.%Y}"
        row["deal"] = None
        if n % FOR_DEALS == 0:
            deal_id, contract = rng.choice(deals)
            row.update(deal_id=deal_id, category_id=None, salon=None, city=None)
            row["deal"] = contract
    contracts = [row.pop("deal") for row in rows]
    await fill(context, rows)
    for row, contract in zip(rows, contracts, strict=True):
        row["deal"] = contract
    async with context.database.read() as session:
        ids = await session.scalars(
            select(PaymentRequestRow.id)
            .where(PaymentRequestRow.id.not_in(flowed))
            .order_by(PaymentRequestRow.id)
        )
        for row, ident in zip(rows, ids, strict=True):  # written in order, numbered in order
            row["id"] = ident
        found = await session.execute(
            select(
                PaymentRequestRow.id,
                PaymentRequestRow.status,
                PaymentRequestRow.pay_by,
                PaymentRequestRow.amount_minor,
                PaymentRequestRow.counterparty_name,
                PaymentRequestRow.counterparty_inn,
                PaymentRequestRow.purpose,
                PaymentRequestRow.category_id,
            ).where(PaymentRequestRow.id.in_(flowed))
        )
        rows.extend({**row._asdict(), "deal": None} for row in found)
    return owner, accountant, rows


@dataclass(frozen=True)
class View:
    name: str
    who: str  # "accountant" or "owner"
    query: dict[str, Any]
    holds: Callable[[dict[str, Any]], bool] | None = None  # which written rows it counts


def registry_views(rows: list[dict[str, Any]], rng: random.Random) -> list[View]:
    today = NOW.date()
    accountant_sees = {s.value for s in APPROVED_OR_LATER}
    payable = {s.value for s in PAYABLE}
    sample = rng.choice([r for r in rows if r["status"] in accountant_sees])
    supplier = sample["counterparty_name"].split("«")[1].rstrip("»").lower()  # поставщик 1234
    invoice = sample["purpose"].split()[3]  # "№12345": the request numbered so too
    number = int(invoice.lstrip("№"))
    contract = rng.choice([r["deal"] for r in rows if r["deal"]])
    category = sample["category_id"] or rows[1]["category_id"]
    month_start, month_end = today.replace(day=1), today.replace(day=28)

    def seen(row: dict[str, Any]) -> bool:
        return row["status"] in accountant_sees

    return [
        View("accountant: as it opens", "accountant", {}, seen),
        View(
            "to pay, by due date",
            "accountant",
            {"status": ["approved", "partly_paid"], "sort": "due"},
            lambda r: r["status"] in payable,
        ),
        View(
            "overdue over 100 000, by amount",
            "accountant",
            {
                "status": ["approved", "partly_paid"],
                "due_to": (today - timedelta(days=1)).isoformat(),
                "amount_from": "100 000",
                "sort": "amount",
                "order": "desc",
            },
            lambda r: (
                r["status"] in payable and r["pay_by"] < today and r["amount_minor"] >= 10_000_000
            ),
        ),
        View(
            "counterparty",
            "accountant",
            {"counterparty": supplier},
            lambda r: (
                seen(r)
                and all(
                    word in f"{r['counterparty_name'].lower()}\n{r['counterparty_inn']}"
                    for word in supplier.split()
                )
            ),
        ),
        View(
            "search: invoice number",
            "accountant",
            {"q": invoice},
            lambda r: seen(r) and (invoice in r["purpose"] or r["id"] == number),
        ),
        View(
            "deal",
            "accountant",
            {"deal": contract, "sort": "due", "order": "desc"},
            lambda r: seen(r) and r["deal"] is not None and contract in r["deal"],
        ),
        View(
            "category, this month",
            "accountant",
            {
                "category": str(category),
                "due_from": month_start.isoformat(),
                "due_to": month_end.isoformat(),
            },
            lambda r: (
                seen(r) and r["category_id"] == category and month_start <= r["pay_by"] <= month_end
            ),
        ),
        View(
            "owner: all by counterparty",
            "owner",
            {"sort": "counterparty"},
            lambda r: r["status"] != RequestStatus.DRAFT.value,
        ),
        View(
            "owner: by status, desc",
            "owner",
            {"sort": "status", "order": "desc"},
            lambda r: r["status"] != RequestStatus.DRAFT.value,
        ),
        View("accountant: last page", "accountant", {"page": "last"}, seen),
    ]


def _url(query: dict[str, Any]) -> str:
    pairs = [
        (name, value)
        for name, values in query.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return "/cabinet/requests" + (f"?{urlencode(pairs)}" if pairs else "")


async def measure_registry(target: Target, args: argparse.Namespace) -> SectionResult:
    rng = random.Random(SEED)
    problems: list[str] = []
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-cabinet-") as folder:
        async with fresh_database(target, Path(folder)) as (url, engine):
            settings = Settings(
                _env_file=None,
                owner_telegram_ids=[7_000_001],
                data_dir=Path(folder),
                database_url=url,
                mappings_file=MAPPINGS,
            )
            context = await create_app_context(
                settings, clock=FrozenClock(NOW, settings.tz), engine=engine
            )
            loaded = time.perf_counter()
            owner, accountant, rows = await build_registry(context, args.requests, rng)
            print(
                f"  {target.label}: {args.requests} requests, {DEALS} deals in the database "
                f"({time.perf_counter() - loaded:.1f} s to write)"
            )
            if target.kind == "postgresql":
                async with engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    for table in ("payment_requests", "deals", "users", "categories"):
                        await autocommit.execute(text(f"VACUUM ANALYZE {table}"))
            async with context.database.read() as session:
                written = await session.scalar(select(func.count()).select_from(PaymentRequestRow))
            if written != args.requests:
                problems.append(f"{written} requests in the database, {args.requests} meant")
            config = CabinetConfig(context=context, bot_token=BOT_TOKEN, secure_cookie=False)
            app = create_web_app(Dispatcher(), None, None, cabinet=config)
            viewers = {"owner": owner, "accountant": accountant}
            async with TestClient(TestServer(app)) as client:
                for view in registry_views(rows, rng):
                    await signed_in(client, context, viewers[view.who])
                    query = dict(view.query)
                    if query.get("page") == "last":
                        first = await (await client.get(_url({}))).text()
                        found = COUNT.search(first)
                        total = int(found[1]) if found else 0
                        query["page"] = str(max(1, -(-total // PER_PAGE)))
                    latencies, page = await timed_get(client, _url(query), args.repeat)
                    timings[view.name] = latencies
                    check_view(view, page, rows, problems)
            await context.database.dispose()
    size = f"{args.requests} requests"
    return SectionResult("registry", target, size, timings, problems)


def check_view(view: View, page: str, rows: list[dict[str, Any]], problems: list[str]) -> None:
    found = COUNT.search(page)
    if found is None:
        problems.append(f"{view.name}: no count on the page")
        return
    if view.holds is not None:
        expected = sum(1 for row in rows if view.holds(row))
        if int(found[1]) != expected:
            problems.append(f"{view.name}: the page counts {found[1]}, the rows written {expected}")
    if 'data-id="' not in page and int(found[1]):
        problems.append(f"{view.name}: {found[1]} found but no row shown")


async def measure_dashboard_section(target: Target, args: argparse.Namespace) -> SectionResult:
    """The owner's dashboard over two years of entries (bench/cabinet_dashboard.py builds them
    and checks the page's figures against what it wrote)."""
    result = await measure_dashboard(
        target, per_month=args.per_month, repeat=args.repeat, quiet=True
    )
    size = f"{result.entries} entries over two years"
    return SectionResult("dashboard", target, size, result.timings, result.problems)


SECTIONS: list[tuple[str, Measure]] = [
    ("registry", measure_registry),
    ("dashboard", measure_dashboard_section),
]


# -- printing ---------------------------------------------------------------------------------


def print_result(result: SectionResult) -> None:
    print(f"\n=== {result.name} on {result.target.label}: {result.size} ===")
    for name, latencies in result.timings.items():
        print(f"{name:<34} ms: {ms_line(latencies)}")
    print(f"correctness                        {'OK' if not result.problems else 'FAILED'}")
    for line in result.problems:
        print(f"  {line}")


def print_goals(results: list[SectionResult]) -> None:
    print("\n=== goals (issue 17): p99 under 100 ms server-side ===")
    for result in results:
        for name, latencies in result.timings.items():
            p50, p99 = (percentile(latencies, q) * 1000 for q in (0.5, 0.99))
            print(
                f"{result.target.label}: {result.name}: {name}: p50 {p50:.1f} ms, "
                f"p99 {p99:.1f} ms: {verdict(p99 < GOAL_P99_MS)}"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--per-month", type=int, default=3_000, help="dashboard: entries a month")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    names = [name for name, _ in SECTIONS]
    parser.add_argument("--section", choices=names, action="append", help="default: all")
    args = parser.parse_args(argv)
    if args.requests < END_TO_END + 10:
        parser.error(f"--requests must be at least {END_TO_END + 10}")
    args.section = args.section or names
    return args


async def run_all(args: argparse.Namespace, targets: list[Target]) -> list[SectionResult]:
    results = []
    for target in targets:
        for name, measure in SECTIONS:
            if name in args.section:
                result = await measure(target, args)
                print_result(result)
                results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"cabinet benchmark: {', '.join(args.section)}; {args.repeat} requests of each view; "
        f"code {code_version()}; {os.cpu_count()} CPUs"
    )
    with chosen_targets(args.database, args.pg_url) as targets:
        results = asyncio.run(run_all(args, targets))
    print_goals(results)
    return 0 if all(not result.problems for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
