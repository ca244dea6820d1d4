"""Benchmark: cashiers confirming cash, and the confirmations written back to amoCRM.

`--deals` (default 1,000) closed deals with a cash prepayment are in amoCRM and in the
books; `--cashiers` (default 10) cashiers accept them concurrently, each tap the cash desk's
"accept" (`CashService.accept_cash`, the one confirmation service underneath), and
`--double-taps` (10 %) of the taps come twice at once, as a nervous thumb or a replayed link
does. A cashier reads the answer before the next tap: `--think` seconds (default 0.5, drawn
uniformly between half and one and a half times that); `--think 0` is a closed loop (each
cashier taps again the moment they are answered), which measures how many confirmations a
second the product can take, with the latency that load implies (Little's law: cashiers /
confirmations per second). Meanwhile the amoCRM worker drains the outbox as it runs in
production (the note, the deal's total paid and its status move for every confirmation)
against a fake amoCRM that allows 7 requests a second, and a notification worker drains the
managers' notices.

What runs, and where:
- the fake amoCRM: `tests.fakes.amocrm.FakeAmoCRM` in a *spawned* process, unchanged (its rate
  limit answers 429 beyond 7 requests in a second, like amoCRM; OAuth tokens are real and
  checked), holding the deals as closed leads with the fields of `tests.fakes.amocrm_deals`
  and its "payment confirmed" status; a small control app beside it (not recorded, not rate
  limited) issues the authorization code and reports what the fake saw;
- the product, in the main process: `create_app_context` (migrated database, seeded
  categories), the amoCRM integration as `run.py run` builds it (`create_amocrm`: the real
  client, its rate limiter, the outbox worker with the CRM write-back), authorised once;
  the owner invites the cashiers and the manager (linked to the deals' amoCRM user) by link;
  the deals are read from the fake (`GET /api/v4/leads`) and applied as the reconcile does.

What is timed: each tap from the call until the service returned (its transaction committed;
the CRM effects are off the tap's path, in the outbox). Confirmations per second over the
tapping wall time. The drain time: from the first tap until the last outbox row (a CRM
effect or a notice) is done, and from the last tap. CRM requests per confirmation: what the
fake received while the taps and the drain ran (the reads of statuses and pipelines
included), divided by the confirmations.

Correctness (exit 1 on a failure): every payment confirmed exactly once (one confirmation row
each, none twice, every double tap's second answer "already confirmed"), the ledger's
confirmed income equal to the sum of the confirmed payments, exactly one amoCRM note per
confirmation (each with its own key), every deal's paid field at its prepayment and its
status moved to "payment confirmed", and every outbox row done.

Run: `.venv/bin/python bench/confirmations.py [--deals 1000] [--cashiers 10]
[--double-taps 0.1] [--think 0.5] [--database sqlite|postgresql|both] [--pg-url URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# `python bench/confirmations.py` puts bench/ on the path; the fakes live in tests/ at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from amocrm_client.snapshots import snapshot_from_lead
from app.composition import create_app_context, freeze_startup_objects
from app.context import AppContext
from app.runtime import create_amocrm
from bench.common import code_version, ms_line, percentile, verdict
from bench.databases import Target, chosen_targets, fresh_database
from bench.processes import fake_amocrm_process, serve_amocrm_control
from config.settings import Settings
from ledger.clock import SystemClock
from ledger.crm_effects import TOPIC_CRM
from ledger.deals import DealSync
from ledger.errors import AlreadyConfirmed
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.roles import Actor, Role
from ledger.storage.models import (
    EntryRow,
    ExpectedPaymentRow,
    OutboxRow,
    PaymentConfirmationRow,
)
from ledger.users import Person
from tests.fakes import amocrm_deals as account
from tests.fakes.amocrm import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeAmoCRM

GOAL_P99_MS = 50.0
TAP_POINTS = (0.5, 0.9, 0.99)  # the taps' percentiles printed
GOAL_REQUESTS_PER_CONFIRMATION = 1.0
SEED = 20_261_123
ACCOUNT_ID = 28805383  # the fake's account (tests/fixtures/amocrm/account.constructed.json)
OWNER_ID = 7_000_001
FIRST_CASHIER_ID = 7_100_001
MANAGER_ID = 7_200_001
FIRST_LEAD_ID = 50_000_001
PRICE, PREPAYMENT = 150_000, 50_000
PREPAYMENT_SLOT = account.PAYMENT_SLOTS[0]  # the cash prepayment; the rest is paid later
MARKER = re.compile(r"\[kopeyka:([a-z0-9]+)\]")


# -- the fake amoCRM, in its own process --------------------------------------------------------


def serve_fake_amocrm(deals: int, ready: Connection) -> None:
    """Child process entry point: serve the fake (and its control app) until told to stop."""
    asyncio.run(_serve_fake_amocrm(deals, ready))


async def _serve_fake_amocrm(deals: int, ready: Connection) -> None:
    async with FakeAmoCRM() as fake:
        account.install(fake)
        for n in range(deals):
            lead_id = FIRST_LEAD_ID + n
            fake.leads[lead_id] = account.closed_lead(
                lead_id,
                name=f"Сделка {lead_id}",
                price=PRICE,
                prepayment=str(PREPAYMENT),
                updated_at=1_763_000_000,
                account_id=ACCOUNT_ID,
                contract=f"Д-{lead_id}",
            )

        def stats() -> dict[str, Any]:
            notes: dict[str, list[str]] = {}
            for note in fake.notes:
                text = note["params"]["text"]
                notes.setdefault(str(note["entity_id"]), []).extend(MARKER.findall(text))
            leads = {
                str(lead_id): {
                    "status_id": lead["status_id"],
                    "paid": next(
                        (
                            f["values"][0]["value"]
                            for f in lead.get("custom_fields_values") or []
                            if f["field_id"] == account.PAID_FIELD and f["values"]
                        ),
                        None,
                    ),
                }
                for lead_id, lead in fake.leads.items()
            }
            return {
                "requests": dict(Counter(f"{r.method} {r.path}" for r in fake.requests)),
                "total": len(fake.requests),
                "rate_limited": fake.rate_limited,
                "max_per_second": fake.max_requests_per_second(),
                "notes": notes,
                "leads": leads,
            }

        await serve_amocrm_control(ready, fake.base_url, fake.issue_code, stats)


# -- the product ---------------------------------------------------------------------------------


def make_settings(amo_url: str, database_url: str, folder: Path) -> Settings:
    mappings = folder / "mappings.toml"
    mappings.write_text(
        (Path(__file__).resolve().parents[1] / "config" / "mappings.toml").read_text()
        + account.MAPPINGS
    )
    return Settings(
        _env_file=None,
        bot_token="123456:BENCH-token",
        owner_telegram_ids=[OWNER_ID],
        database_url=database_url,
        data_dir=folder,
        mappings_file=mappings,
        secret_key="bench-secret-key-that-signs-nothing-here",
        amocrm_base_url=amo_url,
        amocrm_account_id=ACCOUNT_ID,
        amocrm_client_id=CLIENT_ID,
        amocrm_client_secret=CLIENT_SECRET,
        amocrm_redirect_uri=REDIRECT_URI,
        amocrm_worker="inline",
    )


async def invite(context: AppContext, owner: Actor, person: Person, role: Role, amo: int | None):
    async with context.database.unit_of_work() as uow:
        services = context.services(uow)
        created = await services.invites.create_invite(owner, role, amo_user_id=amo)
        actor, _ = await services.invites.accept_invite(person, created.token)
        return actor


@dataclass
class Taps:
    latencies: list[float] = field(default_factory=list)  # seconds, every tap
    confirmed: int = 0
    already: int = 0  # "already confirmed" answers: the second of a double tap
    double_taps: int = 0
    other_errors: list[str] = field(default_factory=list)
    first: float = 0.0
    last: float = 0.0


async def tap(context: AppContext, cashier: Actor, payment_id: int, taps: Taps) -> None:
    started = time.perf_counter()
    try:
        async with context.database.unit_of_work() as uow:
            await context.services(uow).cash.accept_cash(cashier, payment_id)
        taps.confirmed += 1
    except AlreadyConfirmed:
        taps.already += 1
    except Exception as exc:  # reported, and fails the run
        taps.other_errors.append(repr(exc))
    taps.latencies.append(time.perf_counter() - started)


async def cashier_loop(
    context: AppContext,
    cashier: Actor,
    queue: asyncio.Queue[int],
    taps: Taps,
    rng: random.Random,
    double_taps: float,
    think: float,
) -> None:
    while True:
        try:
            payment_id = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        if think > 0:
            await asyncio.sleep(rng.uniform(think / 2, think * 3 / 2))
        if rng.random() < double_taps:
            taps.double_taps += 1
            await asyncio.gather(
                tap(context, cashier, payment_id, taps), tap(context, cashier, payment_id, taps)
            )
        else:
            await tap(context, cashier, payment_id, taps)


async def keep_draining(worker: Any, stop: asyncio.Event, idle: float = 0.2) -> None:
    """A worker's loop as the scheduler runs it, only more often: until told to stop."""
    while not stop.is_set():
        done = await worker()
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), idle)


async def rows_left(context: AppContext) -> int:
    """Outbox rows not yet done: the CRM effects and the managers' notices."""
    async with context.database.read() as session:
        query = select(func.count()).select_from(OutboxRow)
        query = query.where(OutboxRow.topic.in_([TOPIC_CRM, TOPIC_NOTIFY]))
        query = query.where(OutboxRow.status != "done")
        return (await session.execute(query)).scalar_one()


@dataclass
class RunResult:
    target: Target
    deals: int
    taps: Taps
    tap_seconds: float
    drain_from_first: float | None
    drain_from_last: float | None
    requests: dict[str, int]
    requests_total: int
    rate_limited: int
    max_per_second: int
    problems: list[str]

    @property
    def correct(self) -> bool:
        return not self.problems


async def run_once(target: Target, args: argparse.Namespace) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-") as tmp:
        folder = Path(tmp)
        async with (
            fake_amocrm_process(serve_fake_amocrm, args.deals) as amo,
            fresh_database(target, folder) as (url, engine),
        ):
            settings = make_settings(amo.base_url, url, folder)
            context = await create_app_context(
                settings, clock=SystemClock(settings.tz), engine=engine
            )
            integration = create_amocrm(context)
            assert integration is not None
            try:
                await integration.client.exchange_code(await amo.issue_code())
                payments, cashiers = await set_up(context, integration, args)
                before = await amo.stats()
                freeze_startup_objects()
                result = await measure(context, integration, payments, cashiers, args)
                after = await amo.stats()
            finally:
                await integration.close()
            problems = await check(context, after, args.deals, result[0])
    taps, tap_seconds, drain_first, drain_last = result
    requests = Counter(after["requests"])
    requests.subtract(before["requests"])
    return RunResult(
        target=target,
        deals=args.deals,
        taps=taps,
        tap_seconds=tap_seconds,
        drain_from_first=drain_first,
        drain_from_last=drain_last,
        requests={k: v for k, v in requests.items() if v},
        requests_total=after["total"] - before["total"],
        rate_limited=after["rate_limited"] - before["rate_limited"],
        max_per_second=after["max_per_second"],
        problems=problems,
    )


async def set_up(
    context: AppContext, integration: Any, args: argparse.Namespace
) -> tuple[list[int], list[Actor]]:
    """The people (invited), and the deals read from amoCRM and applied as the reconcile does;
    returns the cash payments to confirm and the cashiers."""
    await integration.sync.refresh_users()
    async with context.database.unit_of_work() as uow:
        owner = await context.services(uow).users.resolve(Person(OWNER_ID, "Ольга"))
    assert owner is not None
    cashiers = [
        await invite(
            context, owner, Person(FIRST_CASHIER_ID + n, f"Кассир {n + 1}"), Role.CASHIER, None
        )
        for n in range(args.cashiers)
    ]
    await invite(context, owner, Person(MANAGER_ID, "Иван"), Role.MANAGER, account.MANAGER_AMO_ID)
    ids = [FIRST_LEAD_ID + n for n in range(args.deals)]
    leads = [lead async for lead in integration.client.leads(ids=ids)]
    mapping = context.mappings.amocrm
    async with context.database.unit_of_work() as uow:
        sync = DealSync(uow, context.clock, owner_chat_ids=[OWNER_ID])
        for lead in leads:
            await sync.apply(snapshot_from_lead(lead, mapping, context.settings.tz, {}))
    async with context.database.read() as session:
        payments = list(
            await session.scalars(
                select(ExpectedPaymentRow.id)
                .where(ExpectedPaymentRow.slot == PREPAYMENT_SLOT)
                .order_by(ExpectedPaymentRow.id)
            )
        )
    return payments, cashiers


async def measure(
    context: AppContext,
    integration: Any,
    payments: list[int],
    cashiers: list[Actor],
    args: argparse.Namespace,
) -> tuple[Taps, float, float | None, float | None]:
    rng = random.Random(SEED)
    order = list(payments)
    rng.shuffle(order)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for payment_id in order:
        queue.put_nowait(payment_id)
    taps = Taps()

    async def noop(_: dict[str, Any]) -> None:
        return None

    notifier = OutboxWorker(context.database, {TOPIC_NOTIFY: noop}, context.clock)
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(keep_draining(integration.perform_effects, stop)),
        asyncio.create_task(keep_draining(notifier.run_until_empty, stop)),
    ]
    try:
        taps.first = time.monotonic()
        await asyncio.gather(
            *(
                cashier_loop(
                    context,
                    cashier,
                    queue,
                    taps,
                    random.Random(SEED + n),
                    args.double_taps,
                    args.think,
                )
                for n, cashier in enumerate(cashiers)
            )
        )
        taps.last = time.monotonic()
        drained_at = None
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            if not await rows_left(context):
                drained_at = time.monotonic()
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)
    tap_seconds = taps.last - taps.first
    if drained_at is None:
        return taps, tap_seconds, None, None
    return taps, tap_seconds, drained_at - taps.first, drained_at - taps.last


async def check(context: AppContext, fake: dict[str, Any], deals: int, taps: Taps) -> list[str]:
    problems: list[str] = []
    if taps.other_errors:
        problems.append(f"taps failed: {Counter(taps.other_errors).most_common(3)}")
    if taps.confirmed != deals:
        problems.append(f"{taps.confirmed} taps confirmed, for {deals} payments")
    if taps.already != taps.double_taps:
        problems.append(f"{taps.already} 'already confirmed' for {taps.double_taps} double taps")
    async with context.database.read() as session:
        per_payment = (
            await session.execute(
                select(PaymentConfirmationRow.payment_id, func.count()).group_by(
                    PaymentConfirmationRow.payment_id
                )
            )
        ).all()
        income = await session.scalar(
            select(func.coalesce(func.sum(EntryRow.amount_minor), 0)).where(
                EntryRow.deal_id.is_not(None)
            )
        )
        confirmed = await session.scalar(
            select(func.coalesce(func.sum(ExpectedPaymentRow.confirmed_amount_minor), 0))
        )
        statuses = Counter(
            (
                await session.execute(
                    select(ExpectedPaymentRow.status).where(
                        ExpectedPaymentRow.slot == PREPAYMENT_SLOT
                    )
                )
            ).scalars()
        )
        outbox = Counter((await session.execute(select(OutboxRow.topic, OutboxRow.status))).all())
    twice = [payment_id for payment_id, count in per_payment if count != 1]
    if len(per_payment) != deals or twice:
        problems.append(f"{len(per_payment)} payments confirmed, {len(twice)} of them twice")
    if statuses != Counter({"confirmed": deals}):
        problems.append(f"cash payments by status: {dict(statuses)}")
    if income != confirmed or income != deals * PREPAYMENT * 100:
        problems.append(f"confirmed income {income} ≠ confirmed payments {confirmed}")
    undone = {key: n for key, n in outbox.items() if key[1] != "done"}
    if undone:
        problems.append(f"outbox rows not done: {undone}")
    notes = fake["notes"]
    keys = [key for markers in notes.values() for key in markers]
    if len(notes) != deals or any(len(markers) != 1 for markers in notes.values()):
        problems.append(
            f"notes on {len(notes)} deals; {sum(len(m) != 1 for m in notes.values())} "
            "deals without exactly one"
        )
    if len(set(keys)) != len(keys) or len(keys) != deals:
        problems.append(f"{len(keys)} notes with {len(set(keys))} distinct keys")
    wrong = [
        lead_id
        for lead_id, lead in fake["leads"].items()
        if int(lead_id) >= FIRST_LEAD_ID  # not the fake's own sample leads
        and (lead["paid"] != PREPAYMENT or lead["status_id"] != account.CONFIRMED_STATUS)
    ]
    if wrong:
        shown = {lead_id: fake["leads"][lead_id] for lead_id in wrong[:3]}
        problems.append(f"{len(wrong)} deals without their paid field or status: {shown}")
    return problems


# -- the report ----------------------------------------------------------------------------------


def print_run(result: RunResult) -> None:
    taps = result.taps
    print(f"\n=== {result.target.label} ===")
    print(
        f"taps                 {len(taps.latencies)} by the cashiers ({taps.double_taps} double "
        f"taps): {taps.confirmed} confirmed, {taps.already} told 'already confirmed'"
    )
    print(f"tapping wall time    {result.tap_seconds:.2f} s")
    print(f"confirmations/s      {taps.confirmed / result.tap_seconds:.1f}")
    print(f"tap → commit, ms     {ms_line(taps.latencies, TAP_POINTS)}")
    if result.drain_from_first is None:
        print("outbox drain         NOT DRAINED before the timeout")
    else:
        print(
            f"outbox drain         {result.drain_from_first:.1f} s from the first tap, "
            f"{result.drain_from_last:.1f} s after the last"
        )
    per = result.requests_total / max(taps.confirmed, 1)
    print(
        f"CRM requests         {result.requests_total} in all, {per:.3f} per confirmation; "
        f"429s {result.rate_limited}; at most {result.max_per_second} in one second"
    )
    for name, count in sorted(result.requests.items()):
        print(f"  {name:<34} {count}")
    print(f"correctness          {'OK' if result.correct else 'FAILED'}")
    for line in result.problems:
        print(f"  {line}")


def print_goals(results: list[RunResult]) -> None:
    print("\n=== goals (issue 14) ===")
    for result in results:
        p99 = percentile(result.taps.latencies, 0.99) * 1000
        per = result.requests_total / max(result.taps.confirmed, 1)
        if result.target.kind == "sqlite":
            print(
                f"{result.target.label}: p99 tap → commit {p99:.1f} ms, goal < {GOAL_P99_MS:g} "
                f"ms: {verdict(p99 < GOAL_P99_MS)}"
            )
        print(
            f"{result.target.label}: {per:.3f} CRM requests per confirmation, goal ≤ "
            f"{GOAL_REQUESTS_PER_CONFIRMATION:g}: {verdict(per <= GOAL_REQUESTS_PER_CONFIRMATION)}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=1_000)
    parser.add_argument("--cashiers", type=int, default=10)
    parser.add_argument("--double-taps", type=float, default=0.10)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    return parser.parse_args(argv)


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
        f"confirmation benchmark: {args.deals} deals with a cash prepayment, {args.cashiers} "
        f"cashiers, {args.double_taps:.0%} double taps, "
        f"{f'{args.think:g} s between taps' if args.think else 'closed loop'}, "
        "amoCRM at 7 requests/s; "
        f"code {code_version()}; {os.cpu_count()} CPUs"
    )
    with chosen_targets(args.database, args.pg_url) as targets:
        results = asyncio.run(run_all(args, targets))
    print_goals(results)
    return 0 if all(result.correct for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
