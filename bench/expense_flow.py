"""Benchmark: the owner's expense flow, end to end, through the real bot and a real database.

One *flow* is what an owner does to log an expense: a message "<amount> такси" (the bot stores a
draft and answers with a draft card), then a tap on the card's "✅ Сохранить" button (the bot
posts the ledger entry, answers the callback and edits the card). The run measures `--flows`
of them (default 10,000) after `--warmup` flows (default 200) excluded from every figure.

What runs, and where:
- the product: settings → `create_app_context` (migrated database, seeded categories) →
  `create_dispatcher(context, create_root_router())` → `create_bot(...)`, i.e. the real
  middlewares, handlers,
  services, SQL storage for FSM state and the real aiogram `Bot` with its `AiohttpSession`;
- the Telegram side: `tests.fakes.telegram.FakeTelegram` in a separate *spawned* process, so
  its work never runs on the bot's event loop nor counts as the bot's time. The bot reaches
  it over 127.0.0.1 HTTP through `TELEGRAM_API_URL`. A subclass adds three control endpoints
  under `/_bench/` (open callback queries, stats, stop); the fake's own code is unchanged;
- the database: a fresh SQLite file in a temporary folder on disk for every run (the product
  sets WAL and `synchronous=FULL`; the benchmark keeps them), and/or PostgreSQL (`--pg-url`,
  `BENCH_DATABASE_URL`, or a throwaway PostgreSQL 15 started here), emptied before each run.

How updates are made: the parent builds real Bot API `Update` JSON and hands it to
`dispatcher.feed_update(bot, Update.model_validate(payload, context={"bot": bot}))`, which is
what polling does with each update `getUpdates` returned. The message comes from one of 64
owners (`OWNER_TELEGRAM_IDS`), so concurrent flows are different people. For the tap, the
owner must "see" the card: an aiogram *request middleware* on the bot's real session (the
documented `bot.session.middleware` hook; the HTTP path is unchanged, it only keeps a
reference) remembers the `Message` Telegram returned for the bot's `sendMessage`. The tap is
then a `callback_query` carrying that message and the `callback_data` of the button labelled
"✅ Сохранить", exactly as the bot drew it: nothing is recomputed, so a broken keyboard would
show. Callback query ids are registered with the fake before the run (Telegram knows a query
before the bot does), so `answerCallbackQuery` is checked as on the real server.

What is timed: per update, from handing over the raw JSON (parsing included) until
`feed_update` returns. The handlers await their answers to Telegram (`sendMessage`,
`answerCallbackQuery`, `editMessageText`), so this is "update in → answer out".
`--concurrency` flows run at once (each flow's tap follows its own message), like polling's
concurrent handling; `--sweep` also runs concurrency 1 (sequential). Throughput is measured
over the wall time of the measured flows.

Database share: every `AsyncSession` coroutine method the product awaits (execute, scalar,
get, flush, commit, refresh, rollback, close, delete) is wrapped with a timer that charges
the update being handled (found through a context variable). That time covers SQLAlchemy's
ORM work, the driver, the server or the SQLite file (commit includes the fsync), and, under
concurrency, the event loop's turns while the call waits. SQL statements are counted per
update with the engine's `before_cursor_execute` event.

Correctness: at the end the `entries` table must hold exactly `--flows` expense entries
after the warm-up's last id (the ledger is append-only, so nothing is deleted) with exactly
the amounts that were sent, every draft saved, and the fake must have seen every card sent,
every callback answered and every card edited, without one API error.

Run: `.venv/bin/python bench/expense_flow.py [--flows 10000] [--concurrency 16] [--warmup 200]
[--database sqlite|postgresql|both] [--pg-url URL] [--sweep] [--profile out.html]`.
The suite runs it at a tiny size (tests/bench/test_smoke.py), so a broken benchmark fails there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import functools
import itertools
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# `python bench/expense_flow.py` puts bench/ on the path; the fakes live in tests/ at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Message, Update
from aiohttp import web
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.composition import create_app_context, freeze_startup_objects
from bench.common import code_version, percentile, verdict
from bench.databases import Target, chosen_targets, fresh_database
from bot.factory import create_bot, create_dispatcher
from config.settings import Settings
from handlers import create_root_router
from ledger.clock import SystemClock
from ledger.storage.models import EntryRow, ExpenseDraftRow
from tests.fakes.telegram import FakeTelegram

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-token"
OWNER_COUNT = 64
FIRST_OWNER_ID = 7_000_001
WARMUP_FLOWS = 200
DESCRIPTION = "такси"
SAVE_BUTTON = "✅ Сохранить"
SAVED_CARD_PREFIX = "✅ Расход сохранён"
# Users' message ids share a counter with the bot's in Telegram; a high range keeps the ids the
# parent invents apart from those the fake gives the bot's messages.
FIRST_USER_MESSAGE_ID = 1_000_000
GOAL_SAVED_PER_SECOND = 300.0
GOAL_P99_MS = 20.0
TIMED_SESSION_METHODS = (
    "execute",
    "scalar",
    "scalars",
    "get",
    "flush",
    "commit",
    "refresh",
    "rollback",
    "close",
    "delete",
)


# -- the fake Telegram server, in its own process ----------------------------------------------


class BenchTelegram(FakeTelegram):
    """The e2e fake plus control endpoints under /_bench/, and a count of API outcomes."""

    def __init__(self, token: str) -> None:
        super().__init__(token, raise_handler_errors=False)
        self.outcomes: Counter[str] = Counter()
        self.stopped = asyncio.Event()

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.path == "/_bench/open_queries":
            self._open_queries.update(await request.json())
            return web.json_response({"ok": True})
        if request.path == "/_bench/stats":
            return web.json_response(self.stats())
        if request.path == "/_bench/stop":
            self.stopped.set()
            return web.json_response({"ok": True})
        return await super()._handle_api(request)

    async def _call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = await super()._call(method, params)
        self.outcomes[f"{method} {status}"] += 1
        self.calls.clear()  # the benchmark reads outcomes only; keep the process small
        return status, body

    def stats(self) -> dict[str, Any]:
        saved_cards = sum(
            1
            for messages in self._messages.values()
            for message in messages
            if (message.text or "").startswith(SAVED_CARD_PREFIX)
        )
        return {
            "outcomes": dict(self.outcomes),
            "saved_cards": saved_cards,
            "callback_answers": len(self.callback_answers),
            "cpu_seconds": time.process_time(),
        }


def serve_fake_telegram(owners: list[tuple[int, str]], ready: Connection) -> None:
    """Child process entry point: serve the fake until /_bench/stop."""
    asyncio.run(_serve_fake_telegram(owners, ready))


async def _serve_fake_telegram(owners: list[tuple[int, str]], ready: Connection) -> None:
    async with BenchTelegram(TOKEN) as telegram:
        for telegram_id, name in owners:
            telegram.user(telegram_id, name)  # their private chats exist
        ready.send(telegram.base_url)
        ready.close()
        await telegram.stopped.wait()


@dataclass
class FakeTelegramProcess:
    base_url: str
    http: aiohttp.ClientSession

    async def open_queries(self, query_ids: list[str]) -> None:
        async with self.http.post("/_bench/open_queries", json=query_ids) as response:
            response.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        async with self.http.get("/_bench/stats") as response:
            response.raise_for_status()
            return await response.json()


@contextlib.asynccontextmanager
async def fake_telegram_process(owners: list[Owner]) -> AsyncIterator[FakeTelegramProcess]:
    spawn = multiprocessing.get_context("spawn")
    receiver, sender = spawn.Pipe(duplex=False)
    process = spawn.Process(
        target=serve_fake_telegram,
        args=([(owner.telegram_id, owner.name) for owner in owners], sender),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not await asyncio.to_thread(receiver.poll, 60):
            raise RuntimeError("the fake Telegram process did not start")
        base_url = receiver.recv()
        async with aiohttp.ClientSession(base_url) as http:
            yield FakeTelegramProcess(base_url, http)
            with contextlib.suppress(aiohttp.ClientError):
                await http.post("/_bench/stop")
    finally:
        await asyncio.to_thread(process.join, 5)
        if process.is_alive():
            process.terminate()
            await asyncio.to_thread(process.join, 5)


# -- measuring database time per update --------------------------------------------------------


@dataclass
class DbUsage:
    """Database time and statements charged to one update."""

    seconds: float = 0.0
    statements: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    depth: int = 0  # AsyncSession.scalar awaits execute: time only the outermost call


CURRENT_UPDATE: contextvars.ContextVar[DbUsage | None] = contextvars.ContextVar(
    "bench_current_update", default=None
)


def _timed(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def timed(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        usage = CURRENT_UPDATE.get()
        if usage is None or usage.depth:
            return await method(self, *args, **kwargs)
        usage.depth += 1
        start = time.perf_counter()
        try:
            return await method(self, *args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            usage.depth -= 1
            usage.seconds += elapsed
            usage.by_method[name] += elapsed

    return timed


def time_session_calls() -> None:
    """Wrap AsyncSession's awaited methods (in this process only) to charge the update."""
    if getattr(AsyncSession, "_bench_timed", False):
        return
    for name in TIMED_SESSION_METHODS:
        setattr(AsyncSession, name, _timed(name, getattr(AsyncSession, name)))
    AsyncSession._bench_timed = True  # type: ignore[attr-defined]


def count_statements(engine: AsyncEngine) -> None:
    def before_cursor_execute(*_args: Any) -> None:
        usage = CURRENT_UPDATE.get()
        if usage is not None:
            usage.statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


# -- the product, fed with updates -------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    telegram_id: int
    name: str

    def as_user(self) -> dict[str, Any]:
        return {
            "id": self.telegram_id,
            "is_bot": False,
            "first_name": self.name,
            "language_code": "ru",
        }

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.telegram_id, "type": "private", "first_name": self.name}


def make_owners(count: int) -> list[Owner]:
    return [Owner(FIRST_OWNER_ID + n, f"Владелец {n + 1}") for n in range(count)]


class CardCatcher(BaseRequestMiddleware):
    """Remembers, per chat, the Message Telegram returned for the bot's last sendMessage."""

    def __init__(self) -> None:
        self.cards: dict[int, Message] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        # Annotated as a Response, but aiogram's session hands the method's result through.
        result: Any = await make_request(bot, method)
        if isinstance(method, SendMessage) and isinstance(result, Message):
            self.cards[result.chat.id] = result
        return result


def save_button_data(card: Message) -> str:
    markup = card.reply_markup
    for row in markup.inline_keyboard if markup else []:
        for button in row:
            if button.text == SAVE_BUTTON and button.callback_data:
                return button.callback_data
    raise AssertionError(f"no {SAVE_BUTTON!r} button on the card: {card.text!r}")


@dataclass
class Measurements:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"message": [], "tap": []})
    update_seconds: float = 0.0
    db: DbUsage = field(default_factory=DbUsage)

    in_order: list[float] = field(default_factory=list)

    def add(self, kind: str, seconds: float, usage: DbUsage) -> None:
        self.latencies[kind].append(seconds)
        self.in_order.append(seconds)
        self.update_seconds += seconds
        self.db.seconds += usage.seconds
        self.db.statements += usage.statements
        self.db.by_method.update(usage.by_method)


class Harness:
    """Builds updates as Telegram would send them and feeds them to the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, cards: CardCatcher) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.cards = cards
        self.measurements = Measurements()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, Iterator[int]] = {}
        self.query_ids: Iterator[str] = iter(())

    def text_update(self, owner: Owner, text_: str) -> dict[str, Any]:
        message_ids = self._message_ids.setdefault(
            owner.telegram_id, itertools.count(FIRST_USER_MESSAGE_ID)
        )
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(message_ids),
                "from": owner.as_user(),
                "chat": owner.as_chat(),
                "date": int(time.time()),
                "text": text_,
            },
        }

    def callback_update(self, owner: Owner, card: Message, data: str) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": next(self.query_ids),
                "from": owner.as_user(),
                "message": card.model_dump(mode="json", by_alias=True, exclude_none=True),
                "chat_instance": str(owner.telegram_id * 7919),
                "data": data,
            },
        }

    async def feed(self, kind: str, payload: dict[str, Any]) -> None:
        usage = DbUsage()
        token = CURRENT_UPDATE.set(usage)
        start = time.perf_counter()
        try:
            update = Update.model_validate(payload, context={"bot": self.bot})
            await self.dispatcher.feed_update(self.bot, update)
        finally:
            elapsed = time.perf_counter() - start
            CURRENT_UPDATE.reset(token)
        self.measurements.add(kind, elapsed, usage)

    async def flow(self, owner: Owner, amount: int) -> None:
        await self.feed("message", self.text_update(owner, f"{amount} {DESCRIPTION}"))
        card = self.cards.cards.pop(owner.telegram_id, None)
        if card is None:
            raise AssertionError(f"the bot sent no card to {owner.name} for {amount}")
        await self.feed("tap", self.callback_update(owner, card, save_button_data(card)))


async def run_flows(
    harness: Harness, owners: list[Owner], amounts: list[int], concurrency: int
) -> float:
    """Run the flows `concurrency` at a time; each worker has its own owners. Wall seconds."""
    work = iter(amounts)

    async def worker(index: int) -> None:
        mine = itertools.cycle(owners[index::concurrency])
        for amount in work:
            await harness.flow(next(mine), amount)

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return time.perf_counter() - start


# -- databases ----------------------------------------------------------------------------------


async def warmup_mark(engine: AsyncEngine) -> tuple[int, int]:
    """The last entry and draft ids of the warm-up: the ledger is append-only (the database
    refuses deletes), so the measured flows are told apart by id instead."""
    async with engine.connect() as connection:
        entry = (await connection.execute(select(func.max(EntryRow.id)))).scalar_one()
        draft = (await connection.execute(select(func.max(ExpenseDraftRow.id)))).scalar_one()
    return entry or 0, draft or 0


# -- one run -----------------------------------------------------------------------------------


@dataclass
class RunResult:
    target: Target
    concurrency: int
    flows: int
    warmup_flows: int
    wall_seconds: float
    cpu_seconds: float
    fake_cpu_seconds: float
    measurements: Measurements
    checks: list[str]
    correct: bool

    @property
    def updates(self) -> int:
        return sum(len(values) for values in self.measurements.latencies.values())

    @property
    def all_latencies(self) -> list[float]:
        return self.measurements.in_order

    @property
    def saved_per_second(self) -> float:
        return self.flows / self.wall_seconds

    @property
    def p99_ms(self) -> float:
        return percentile(self.all_latencies, 0.99) * 1000


def make_settings(base_url: str, database_url: str, folder: Path, owners: list[Owner]) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        owner_telegram_ids=[owner.telegram_id for owner in owners],
        telegram_api_url=base_url,
        database_url=database_url,
        data_dir=folder,
        mappings_file=REPO / "config" / "mappings.toml",
        secret_key="bench-secret-key-that-signs-nothing-here",
    )


async def verify(
    engine: AsyncEngine,
    amounts: list[int],
    fake: dict[str, Any],
    total_flows: int,
    mark: tuple[int, int],
) -> tuple[bool, list[str]]:
    """The ledger holds exactly the flows sent, and Telegram saw every answer."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    EntryRow.amount_minor, EntryRow.kind, EntryRow.currency, EntryRow.description
                ).where(EntryRow.id > mark[0])
            )
        ).all()
        saved_drafts = (
            await connection.execute(
                select(func.count(ExpenseDraftRow.id))
                .join(EntryRow, EntryRow.draft_id == ExpenseDraftRow.id)
                .where(ExpenseDraftRow.status == "saved", ExpenseDraftRow.id > mark[1])
            )
        ).scalar_one()
    expected = Counter(-amount * 100 for amount in amounts)
    actual = Counter(row.amount_minor for row in rows)
    shaped = sum(
        1
        for row in rows
        if row.kind == "expense" and row.currency == "RUB" and row.description == DESCRIPTION
    )
    outcomes: dict[str, int] = fake["outcomes"]
    errors = {key: n for key, n in outcomes.items() if not key.endswith(" 200")}
    ok = (
        len(rows) == len(amounts)
        and actual == expected
        and shaped == len(rows)
        and saved_drafts == len(amounts)
        and not errors
        and outcomes.get("sendMessage 200") == total_flows
        and outcomes.get("answerCallbackQuery 200") == total_flows
        and outcomes.get("editMessageText 200") == total_flows
        and fake["saved_cards"] == total_flows
    )
    matching = sum((actual & expected).values())
    lines = [
        f"entries table: {len(rows)} rows (expected {len(amounts)}), amounts matching "
        f"{matching}/{len(amounts)}, {shaped} are RUB expenses '{DESCRIPTION}', "
        f"{saved_drafts} drafts saved",
        f"fake Telegram (incl. warm-up): sendMessage {outcomes.get('sendMessage 200', 0)}, "
        f"answerCallbackQuery {outcomes.get('answerCallbackQuery 200', 0)}, "
        f"editMessageText {outcomes.get('editMessageText 200', 0)}, "
        f"cards showing 'Расход сохранён' {fake['saved_cards']} (expected {total_flows} each), "
        f"API errors {sum(errors.values())}{' ' + str(errors) if errors else ''}",
    ]
    return ok, lines


async def run_once(
    target: Target,
    concurrency: int,
    flows: int,
    profile: Path | None = None,
    warmup_flows: int = WARMUP_FLOWS,
) -> RunResult:
    owners = make_owners(max(OWNER_COUNT, concurrency))
    amounts = [100 + n for n in range(flows)]
    warmup = [50_000 + n for n in range(warmup_flows)]
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-") as tmp:
        folder = Path(tmp)
        async with (
            fake_telegram_process(owners) as telegram,
            fresh_database(target, folder) as (url, engine),
        ):
            count_statements(engine)
            settings = make_settings(telegram.base_url, url, folder, owners)
            context = await create_app_context(
                settings, clock=SystemClock(settings.tz), engine=engine
            )
            bot = create_bot(TOKEN, settings)
            cards = CardCatcher()
            bot.session.middleware(cards)
            dispatcher = create_dispatcher(context, create_root_router())
            harness = Harness(dispatcher, bot, cards)
            query_ids = [f"q{n}" for n in range(flows + warmup_flows)]
            await telegram.open_queries(query_ids)
            harness.query_ids = iter(query_ids)
            try:
                await run_flows(harness, owners, warmup, concurrency)
                freeze_startup_objects()  # as run_polling does before serving
                mark = await warmup_mark(engine)
                harness.measurements = Measurements()
                cpu_start = time.process_time()
                fake_cpu_start = (await telegram.stats())["cpu_seconds"]
                with profiling(profile):
                    wall = await run_flows(harness, owners, amounts, concurrency)
                cpu = time.process_time() - cpu_start
                fake = await telegram.stats()
            finally:
                await bot.session.close()
                await dispatcher.storage.close()
            correct, checks = await verify(engine, amounts, fake, flows + warmup_flows, mark)
    return RunResult(
        target=target,
        concurrency=concurrency,
        flows=flows,
        warmup_flows=warmup_flows,
        wall_seconds=wall,
        cpu_seconds=cpu,
        fake_cpu_seconds=fake["cpu_seconds"] - fake_cpu_start,
        measurements=harness.measurements,
        checks=checks,
        correct=correct,
    )


@contextlib.contextmanager
def profiling(output: Path | None) -> Iterator[None]:
    """Optionally profile the measured flows with pyinstrument (event loop thread, wall time)."""
    if output is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        output.write_text(profiler.output_html())
        output.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        if profiler.last_session is not None:  # re-render with `pyinstrument --load=…`
            profiler.last_session.save(str(output.with_suffix(".pyisession")))
        print(f"profile written to {output} and {output.with_suffix('.txt')}")


# -- reporting ---------------------------------------------------------------------------------


def latency_line(values: list[float]) -> str:
    points = [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)]
    parts = [f"{name} {percentile(values, q) * 1000:6.2f}" for name, q in points]
    return "  ".join([*parts, f"max {max(values) * 1000:7.2f}"])


def drift(values: list[float]) -> str:
    """Median latency of the first and the last tenth of the updates, in completion order."""
    tenth = max(1, len(values) // 10)
    first, last = percentile(values[:tenth], 0.5), percentile(values[-tenth:], 0.5)
    return f"first tenth {first * 1000:.2f} ms → last tenth {last * 1000:.2f} ms"


def print_run(result: RunResult) -> None:
    m = result.measurements
    per_update = 1000 / result.updates
    methods = ", ".join(
        f"{name} {seconds * per_update:.2f}" for name, seconds in m.db.by_method.most_common()
    )
    print(f"\n=== {result.target.label} · concurrency {result.concurrency} ===")
    print(f"flows                {result.flows} (+{result.warmup_flows} warm-up flows, excluded)")
    print(f"updates              {result.updates}")
    print(f"wall time            {result.wall_seconds:.2f} s")
    print(f"saved expenses/s     {result.saved_per_second:.1f}")
    print(f"updates/s            {result.updates / result.wall_seconds:.1f}")
    print(f"update latency, ms   {latency_line(result.all_latencies)}")
    for kind, values in m.latencies.items():
        print(f"  {kind:<18} {latency_line(values)}")
    print(
        f"database share       {m.db.seconds / m.update_seconds:.1%} of update time inside "
        "awaited AsyncSession calls (timed wrapper around execute/scalar/get/flush/commit/"
        "refresh/rollback/close: ORM + driver + database, commit incl. fsync)"
    )
    print(f"  per update, ms     {methods}")
    print(f"  SQL statements     {m.db.statements / result.updates:.1f} per update")
    if result.concurrency > 1:
        print("  (under concurrency an awaited call also waits for the loop's other updates)")
    print(f"drift                p50 {drift(result.all_latencies)}")
    print(
        f"CPU                  bot process {result.cpu_seconds:.1f} s = "
        f"{result.cpu_seconds * 1000 / result.updates:.1f} ms per update "
        f"({result.cpu_seconds / result.wall_seconds:.0%} of wall); "
        f"fake Telegram process {result.fake_cpu_seconds:.1f} s"
    )
    print(f"correctness          {'OK' if result.correct else 'FAILED'}")
    for line in result.checks:
        print(f"  {line}")


def print_goals(results: list[RunResult]) -> None:
    print(
        f"\n=== goals: ≥ {GOAL_SAVED_PER_SECOND:.0f} saved expenses/s on SQLite; "
        f"p99 < {GOAL_P99_MS:.0f} ms from update in to answer out ==="
    )
    for result in results:
        rate_ok = result.saved_per_second >= GOAL_SAVED_PER_SECOND
        p99_ok = result.p99_ms < GOAL_P99_MS
        scope = "" if result.target.kind == "sqlite" else " (the goal is SQLite's; for reference)"
        print(
            f"{result.target.label:<34} c={result.concurrency:<3} "
            f"throughput {result.saved_per_second:7.1f}/s {verdict(rate_ok)}   "
            f"p99 {result.p99_ms:6.2f} ms {verdict(p99_ok)}   "
            f"correct {verdict(result.correct)}{scope}"
        )


def fsync_probe(folder: Path, rounds: int = 50) -> float:
    """Median milliseconds for a 4 KiB write + fsync where the SQLite file lives."""
    timings = []
    path = folder / "fsync-probe"
    with path.open("wb") as file:
        for _ in range(rounds):
            start = time.perf_counter()
            file.write(b"\0" * 4096)
            file.flush()
            os.fsync(file.fileno())
            timings.append(time.perf_counter() - start)
    path.unlink()
    return sorted(timings)[rounds // 2] * 1000


# -- entry point -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--warmup", type=int, default=WARMUP_FLOWS, help="flows run first and left out of figures"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--sweep", action="store_true", help="also run with concurrency 1")
    parser.add_argument(
        "--profile", type=Path, help="pyinstrument the first measured run into this HTML file"
    )
    return parser.parse_args(argv)


async def run_all(args: argparse.Namespace, targets: list[Target]) -> list[RunResult]:
    levels = [args.concurrency, 1] if args.sweep and args.concurrency != 1 else [args.concurrency]
    results = []
    profile = args.profile
    for target in targets:
        for concurrency in levels:
            result = await run_once(target, concurrency, args.flows, profile, args.warmup)
            profile = None
            print_run(result)
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    time_session_calls()
    with tempfile.TemporaryDirectory() as probe_dir:
        fsync_ms = fsync_probe(Path(probe_dir))
    print(
        f"expense flow benchmark: {args.flows} flows per run, {args.warmup} warm-up flows, "
        f"{max(OWNER_COUNT, args.concurrency)} owners; code {code_version()}; "
        f"{os.cpu_count()} CPUs; fsync in {tempfile.gettempdir()}: {fsync_ms:.2f} ms (median)"
    )
    with chosen_targets(args.database, args.pg_url) as targets:
        results = asyncio.run(run_all(args, targets))
    print_goals(results)
    return 0 if all(result.correct for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
