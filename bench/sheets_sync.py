"""Benchmark: the ledger pushed to Google Sheets, our batched sync against one row per request.

`--entries` (default 100,000) expense entries are pushed to a fake Google Sheets API that
answers every call after `--latency` seconds (default 0.15, a typical round trip to Google);
issue 5's goals: at least 200 times fewer API requests than the usual way expense bots write
(one gspread `append_row` per entry), the whole push within Google's default quota (60 write
requests a minute per user), and the XLSX export of the same entries in under 30 s.

What runs, and where (two processes, on 127.0.0.1):
- the fake Google Sheets: `tests.fakes.sheets.FakeSheets` in a *spawned* process, so its JSON
  parsing, schema validation against the discovery document and grid bookkeeping never run on
  the product's event loop. Its behaviour is unchanged; a subclass only counts the 429s its
  write quota answers and drops each recorded request's body once answered (the sync's bodies
  hold 2,000 rows each), and a second small aiohttp app in the same process (its own port,
  outside the fake's middleware: neither recorded, delayed nor counted) creates spreadsheets,
  switches the write quota, resets and reports the counters and reads back «Операции». The
  fake's own CPU time per phase is reported: with 100,000 rows in its grid every batchUpdate
  copies the whole book (its atomicity), which real Google does not charge us;
- the product, in the main process: a fresh migrated SQLite database in a temporary folder
  (`bench.databases.fresh_database`), the default categories seeded with `CategoryService`,
  one owner, then the entries bulk-inserted with SQLAlchemy Core (twelve months, all
  categories, several cities and salons; not timed). `sheets.sync.SheetsSync` is built as
  `create_sheets_sync` builds it, with the real gspread client of `open_spreadsheet` and a
  throwaway service-account key whose tokens come from the fake's token endpoint.

What is timed (wall clock, `time.perf_counter`):
1. our sync, production settings: `init()` (the layout) then `push()` (every entry, 2,000 rows
   a `batchUpdate`, `Pacing()`: at least 1 s between writes), into a new spreadsheet, with
   the fake enforcing 60 writes a minute (beyond it, 429). Reported: write and read requests
   the fake received, 429s, wall time of each call, writes a minute over the run and the most
   writes in any 60 s window. Then «Операции» is read back from the fake: it must hold
   exactly `--entries` data rows, no gaps, entry ids in posting order.
2. the same with `Pacing(min_interval=0)` into another new spreadsheet (quota switched off:
   its writes come faster than the first run's minute allows): the raw time, latency-bound.
3. the naive way: a gspread `worksheet.append_row(row, USER_ENTERED)` per entry, the same row
   values, into a third spreadsheet, for `--sample` entries (100,000 would take hours), with
   the quota off; the per-request time is extrapolated to all entries, and the quota-bound
   time is `entries / 60` minutes; both are printed as extrapolated. A probe then switches
   the quota on and appends until the first 429, to show where a naive bot hits the wall.
4. the XLSX export of the same entries: `sheets.projection.load_projection` and
   `sheets.xlsx.export_xlsx`, timed separately.
5. a pacing probe (`--pacing-probe`, default 90 writes): with 2,000-row batches against this
   fake every answer takes more than a second, so `Pacing()` never binds above; here a
   separate fresh ledger of 10 × that many entries is pushed 10 rows a write (fast answers)
   with `Pacing()` and the fake's 60 writes/min quota on, for more than a minute of writes:
   what the pacing alone achieves against the quota.

For each sync run the fake's own time per `batchUpdate` (from its middleware, the simulated
latency taken off) is printed too, since it is inside the measured wall time.

Exit status 1 when a check or a goal fails.

Run: `.venv/bin/python bench/sheets_sync.py [--entries 100000] [--latency 0.15] [--sample 300]`.
`--smoke` is a tiny run (30 entries, no latency, no pacing probe) that the suite makes
(tests/bench/test_smoke.py): every check still counts, the goals are printed but cannot be met
at that size, so they do not fail it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# `python bench/sheets_sync.py` puts bench/ on the path; the fakes live in tests/ at the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import gspread
from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import Target, fresh_database
from bench.processes import spawned
from ledger.categories import DEFAULT_CATEGORIES, CategoryService
from ledger.clock import FrozenClock
from ledger.storage.database import Database
from ledger.storage.models import CategoryRow, EntryRow, UserRow
from sheets.google_client import open_spreadsheet
from sheets.layout import OPERATIONS, operations_row
from sheets.projection import load_projection
from sheets.sync import Pacing, PushReport, SheetsSync
from sheets.xlsx import export_xlsx
from tests.fakes.server import serve_locally
from tests.fakes.sheets import FakeSheets
from tests.integrations.sheets.test_google_client import service_account_file

SEED = 20_261_123
MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW)
QUOTA_PER_MINUTE = 60  # Google's default: write requests a minute per user
GOAL_RATIO = 200
GOAL_XLSX_SECONDS = 30.0
ENTRY_ID_COLUMN = 14  # «№ записи» in «Операции» (`operations_row`); «Чек» follows it
CITIES = ("Москва", "Казань", "Самара", "Уфа", "Екатеринбург", None)
SALONS = ("Центральный", "Северный", "Южный", None)
WORDS = {
    "Аренда": ("аренда офиса", "аренда склада", "аренда шоурума"),
    "Зарплаты": ("зарплата", "аванс", "премия"),
    "Маркетинг": ("реклама директ", "таргет", "авито", "баннер"),
    "Закупки": ("материалы", "фурнитура", "закупка ЛДСП"),
    "Налоги": ("УСН", "взносы", "НДФЛ"),
    "Транспорт": ("такси", "бензин", "доставка", "парковка"),
    "Услуги": ("связь", "хостинг", "бухгалтер", "юрист"),
    "Прочее": ("канцелярия", "вода", "хозтовары"),
}


# -- the fake Google Sheets, in its own process -------------------------------------------------


@dataclass
class BenchSheets(FakeSheets):
    """The fake, unchanged, plus a count of the 429s its quota answered; recorded requests
    keep no body once answered (100,000 rows of parsed JSON would only fill memory)."""

    rejected: int = 0
    handling: list[float] = dataclasses.field(default_factory=list)  # per batchUpdate, s

    def _over_quota(self) -> bool:
        over = super()._over_quota()
        self.rejected += over
        return over

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        first, start = len(self.requests), time.perf_counter()
        try:
            return await super()._middleware(request, handler)
        finally:
            if request.path.endswith(":batchUpdate"):  # its own work, the latency taken off
                self.handling.append(time.perf_counter() - start - self.latency)
            for index in range(first, len(self.requests)):
                self.requests[index] = dataclasses.replace(self.requests[index], body=None)


def call_name(path: str) -> str:
    """`/v4/spreadsheets/ID:batchUpdate` -> `:batchUpdate`; the spreadsheet id is noise."""
    if path == "/token":
        return "token"
    tail = path.removeprefix("/v4/spreadsheets/")
    cut = min((i for i in (tail.find("/"), tail.find(":")) if i >= 0), default=len(tail))
    return tail[cut:] or "spreadsheets.get"


def operations_check(fake: FakeSheets, spreadsheet_id: str, title: str, header: int) -> dict:
    """What the sheet holds below its `header` rows: data rows, empty rows among them, ids."""
    rows = fake.values(spreadsheet_id, title)[header:]
    data = [row for row in rows if any(cell not in (None, "") for cell in row)]
    ids = []
    for row in data:
        value = row[ENTRY_ID_COLUMN] if len(row) > ENTRY_ID_COLUMN else None
        ids.append(int(value) if isinstance(value, int | float) else None)
    return {"data_rows": len(data), "gaps": len(rows) - len(data), "ids": ids}


def serve_fake_sheets(latency: float, ready: Connection) -> None:
    """Child process entry point: serve the fake (and its control app) until told to stop."""
    asyncio.run(_serve_fake_sheets(latency, ready))


async def _serve_fake_sheets(latency: float, ready: Connection) -> None:
    stopped = asyncio.Event()
    async with BenchSheets(latency=latency) as fake:

        async def create(request: web.Request) -> web.Response:
            body = await request.json()
            sheet_id = fake.create_spreadsheet(body["title"], sheets=body["sheets"])
            return web.json_response({"id": sheet_id})

        async def quota(request: web.Request) -> web.Response:
            fake.write_quota_per_minute = (await request.json())["per_minute"]
            fake._writes.clear()  # a fresh minute
            return web.json_response({"ok": True})

        async def reset(_: web.Request) -> web.Response:
            fake.requests.clear()
            fake.write_requests = fake.rejected = 0
            fake.handling.clear()
            return web.json_response({"ok": True})

        async def stats(_: web.Request) -> web.Response:
            kinds = Counter(f"{r.method} {call_name(r.path)}" for r in fake.requests)
            writes = [
                r.at for r in fake.requests if r.method in ("POST", "PUT") and r.path != "/token"
            ]
            reads = sum(1 for r in fake.requests if r.method == "GET")
            return web.json_response(
                {
                    "writes": fake.write_requests,
                    "reads": reads,
                    "tokens": sum(1 for r in fake.requests if r.path == "/token"),
                    "rejected": fake.rejected,
                    "write_times": writes,
                    "kinds": dict(kinds),
                    "handling": fake.handling,
                    "cpu_seconds": time.process_time(),
                }
            )

        async def check(request: web.Request) -> web.Response:
            sheet_id, title = request.query["id"], request.query["title"]
            header = int(request.query["header"])
            return web.json_response(operations_check(fake, sheet_id, title, header))

        async def stop(_: web.Request) -> web.Response:
            stopped.set()
            return web.json_response({"ok": True})

        control = web.Application(client_max_size=64 * 1024**2)
        control.router.add_post("/create", create)
        control.router.add_post("/quota", quota)
        control.router.add_post("/reset", reset)
        control.router.add_get("/stats", stats)
        control.router.add_get("/check", check)
        control.router.add_post("/stop", stop)
        runner, control_url = await serve_locally(control)
        try:
            ready.send((fake.base_url, fake.token_uri, control_url))
            ready.close()
            await stopped.wait()
        finally:
            await runner.cleanup()


@dataclass
class FakeSheetsProcess:
    base_url: str
    token_uri: str
    control: aiohttp.ClientSession

    async def _post(self, path: str, body: Any = None) -> Any:
        async with self.control.post(path, json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def _get(self, path: str, **params: str) -> Any:
        async with self.control.get(path, params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def create_spreadsheet(self, title: str, sheets: tuple[str, ...]) -> str:
        return (await self._post("/create", {"title": title, "sheets": list(sheets)}))["id"]

    async def set_quota(self, per_minute: int | None) -> None:
        await self._post("/quota", {"per_minute": per_minute})

    async def reset(self) -> None:
        await self._post("/reset")

    async def stats(self) -> dict[str, Any]:
        return await self._get("/stats")

    async def check(self, spreadsheet_id: str, title: str, header: int) -> dict[str, Any]:
        return await self._get("/check", id=spreadsheet_id, title=title, header=str(header))


@contextlib.asynccontextmanager
async def fake_sheets_process(latency: float) -> AsyncIterator[FakeSheetsProcess]:
    ready = spawned(serve_fake_sheets, latency, name="fake Google Sheets", startup=120)
    async with ready as (base_url, token_uri, control_url):
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(control_url, timeout=timeout) as control:
            yield FakeSheetsProcess(base_url, token_uri, control)
            with contextlib.suppress(aiohttp.ClientError):
                await control.post("/stop")


# -- the ledger ----------------------------------------------------------------------------------


async def fill_ledger(
    engine: AsyncEngine, database: Database, clock: FrozenClock, entries: int
) -> list[int]:
    """Seed categories and one owner, bulk-insert `entries` expenses over twelve months in
    posting order (dates rising, with a few days' jitter); return their ids in order."""
    async with database.unit_of_work() as uow:
        await CategoryService(uow, clock).seed(DEFAULT_CATEGORIES)
    async with database.write() as session:
        owner = UserRow(telegram_id=7_000_001, name="Ольга", created_at=clock.now())
        session.add(owner)
        await session.flush()
        owner_id = owner.id
        categories = {row.name: row.id for row in await session.scalars(select(CategoryRow))}
    rng = random.Random(SEED)
    names = list(categories)
    weights = [3 if name in ("Закупки", "Транспорт", "Маркетинг") else 1 for name in names]
    first_day = clock.today() - timedelta(days=364)
    created = clock.now().astimezone(UTC)
    rows = []
    for n in range(entries):
        category = rng.choices(names, weights)[0]
        day = first_day + timedelta(days=min(364, n * 365 // entries + rng.randint(0, 3)))
        kopecks = (
            rng.randint(100, 20_000_000) if category != "Транспорт" else rng.randint(100, 500_000)
        )
        rows.append(
            {
                "kind": "expense",
                "amount_minor": -kopecks,
                "currency": "RUB",
                "category_id": categories[category],
                "account": "owner",
                "entry_date": day,
                "description": rng.choice(WORDS.get(category, ("расход",))),
                "comment": f"счёт №{n}" if n % 7 == 0 else None,
                "salon": rng.choice(SALONS),
                "city": rng.choice(CITIES),
                "created_by": owner_id,
                "created_at": created,
            }
        )
    async with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            await connection.execute(insert(EntryRow), rows[start : start + 10_000])
    async with database.read() as session:
        return list(await session.scalars(select(EntryRow.id).order_by(EntryRow.id)))


# -- our sync ------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: float
    writes: int
    reads: int
    tokens: int
    rejected: int
    fake_cpu: float
    own_cpu: float
    write_times: list[float]
    kinds: dict[str, int]
    handling: list[float] = dataclasses.field(default_factory=list)
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def requests(self) -> int:
        return self.writes + self.reads

    @property
    def writes_per_minute(self) -> float:
        return self.writes / self.seconds * 60 if self.seconds else 0.0

    @property
    def busiest_minute(self) -> int:
        """The most writes the fake received in any 60 s window."""
        times, best, left = sorted(self.write_times), 0, 0
        for right, at in enumerate(times):
            while at - times[left] >= 60.0:
                left += 1
            best = max(best, right - left + 1)
        return best


@contextlib.asynccontextmanager
async def phase(fake: FakeSheetsProcess, name: str, out: list[Phase]) -> AsyncIterator[Phase]:
    """Reset the fake's counters, time the body, then record what the fake saw."""
    await fake.reset()
    fake_cpu = (await fake.stats())["cpu_seconds"]
    record = Phase(name, 0.0, 0, 0, 0, 0, 0.0, 0.0, [], {})
    own_cpu, start = time.process_time(), time.perf_counter()
    try:
        yield record
    finally:
        record.seconds = time.perf_counter() - start
        record.own_cpu = time.process_time() - own_cpu
        stats = await fake.stats()
        record.writes, record.reads, record.tokens = (
            stats["writes"],
            stats["reads"],
            stats["tokens"],
        )
        record.rejected, record.kinds = stats["rejected"], stats["kinds"]
        record.write_times, record.handling = stats["write_times"], stats["handling"]
        record.fake_cpu = stats["cpu_seconds"] - fake_cpu
        out.append(record)


async def run_sync(
    fake: FakeSheetsProcess,
    database: Database,
    clock: FrozenClock,
    key_file: Path,
    pacing: Pacing,
    name: str,
    phases: list[Phase],
    chunk_rows: int = 2000,
) -> tuple[Phase, str]:
    spreadsheet_id = await fake.create_spreadsheet(f"Копейка — {name}", ("Лист1",))
    connect = functools.partial(open_spreadsheet, key_file, spreadsheet_id, fake.base_url)
    # The clock only dates the entries: pacing and backoff wait in real time, as in production.
    sync = SheetsSync(
        database,
        clock,
        connect,
        spreadsheet_id,
        chunk_rows=chunk_rows,
        pacing=pacing,
        sleep=asyncio.sleep,
        monotonic=time.monotonic,
    )
    async with phase(fake, name, phases) as record:
        start = time.perf_counter()
        init: PushReport = await sync.init()
        middle = time.perf_counter()
        push: PushReport = await sync.push()
        record.detail = {
            "init_seconds": middle - start,
            "push_seconds": time.perf_counter() - middle,
            "init": init,
            "push": push,
        }
    return record, spreadsheet_id


# -- the naive way -------------------------------------------------------------------------------


def plain_row(values: tuple[Any, ...]) -> list[str | int | float]:
    """An «Операции» row as a bot writing with `append_row` would send it."""
    cells: list[str | int | float] = []
    for value in values:
        if value is None:
            cells.append("")
        elif isinstance(value, date):
            cells.append(value.isoformat())
        elif isinstance(value, Decimal):
            cells.append(float(value))
        else:
            cells.append(value)
    return cells


def append_rows(
    key_file: Path, spreadsheet_id: str, base_url: str, rows: list[list]
) -> tuple[int, float]:
    """One `append_row` per row, stopping at the first refusal: how many were accepted, and
    the seconds the appends took (opening the spreadsheet not included)."""
    worksheet = open_spreadsheet(key_file, spreadsheet_id, base_url).sheet1
    option = gspread.utils.ValueInputOption.user_entered
    start = time.perf_counter()
    for done, row in enumerate(rows):
        try:
            worksheet.append_row(row, value_input_option=option)
        except gspread.exceptions.APIError as error:
            if error.response.status_code == 429:
                return done, time.perf_counter() - start
            raise
    return len(rows), time.perf_counter() - start


async def run_naive(
    fake: FakeSheetsProcess,
    key_file: Path,
    rows: list[list],
    expected_ids: list[int],
    phases: list[Phase],
) -> tuple[Phase, Phase, bool]:
    spreadsheet_id = await fake.create_spreadsheet("Бот с append_row", ("Sheet1",))
    await fake.set_quota(None)
    async with phase(fake, "naive sample", phases) as sample:
        sample.detail["appended"], sample.detail["append_seconds"] = await asyncio.to_thread(
            append_rows, key_file, spreadsheet_id, fake.base_url, rows
        )
    check = await fake.check(spreadsheet_id, "Sheet1", 0)
    correct = check["ids"] == expected_ids and check["gaps"] == 0
    probe_id = await fake.create_spreadsheet("Бот с append_row, квота", ("Sheet1",))
    await fake.set_quota(QUOTA_PER_MINUTE)
    async with phase(fake, "naive quota probe", phases) as probe:
        extra = rows * (QUOTA_PER_MINUTE * 2 // max(1, len(rows)) + 1)
        probe.detail["accepted"], probe.detail["append_seconds"] = await asyncio.to_thread(
            append_rows, key_file, probe_id, fake.base_url, extra[: QUOTA_PER_MINUTE * 2]
        )
    return sample, probe, correct


# -- the report ----------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def print_sync(record: Phase, label: str) -> None:
    init, push = record.detail["init"], record.detail["push"]
    print(f"\n{label}")
    print(
        f"  init(): {record.detail['init_seconds']:.1f} s, {init.write_requests} writes; "
        f"push(): {record.detail['push_seconds']:.1f} s, {push.rows_written:,} rows in "
        f"{push.write_requests} writes (summary rewritten: {push.summary_rewritten})"
    )
    print(
        f"  API requests the fake received: {record.writes} writes + {record.reads} reads "
        f"= {record.requests} (+ {record.tokens} token), 429 answers: {record.rejected}"
    )
    print(f"  by kind: {', '.join(f'{k} ×{v}' for k, v in sorted(record.kinds.items()))}")
    print(
        f"  wall time {record.seconds:.1f} s; {record.writes_per_minute:.1f} writes/min over "
        f"the run, at most {record.busiest_minute} writes in any 60 s window"
    )
    print(
        f"  CPU: product process {record.own_cpu:.1f} s, fake's process {record.fake_cpu:.1f} s"
        " (its grid work is inside the answers' time)"
    )
    if record.handling:
        pushes = record.handling[-record.detail["push"].write_requests or len(record.handling) :]
        print(
            f"  the fake's own time per batchUpdate (latency excluded): {sum(record.handling):.1f}"
            f" s in all; the push's first {pushes[0]:.2f} s, last {pushes[-1]:.2f} s "
            "(it copies its whole grid per batchUpdate, so this grows with the rows it holds)"
        )


async def main(args: argparse.Namespace) -> int:
    failures: list[str] = []
    phases: list[Phase] = []
    clock = FrozenClock(NOW, MOSCOW)
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-") as tmp:
        folder = Path(tmp)
        async with (
            fake_sheets_process(args.latency) as fake,
            fresh_database(Target("sqlite", "SQLite"), folder) as (_url, engine),
        ):
            database = Database(engine)
            start = time.perf_counter()
            ids = await fill_ledger(engine, database, clock, args.entries)
            print(
                f"{len(ids):,} expense entries in a fresh SQLite ledger "
                f"({time.perf_counter() - start:.1f} s, not timed below); fake latency "
                f"{args.latency * 1000:.0f} ms per API request, 2 processes on {cpus()} cores"
            )
            key_file = service_account_file(folder, fake.token_uri)

            # 1. production pacing, quota enforced by the fake
            await fake.set_quota(QUOTA_PER_MINUTE)
            paced, paced_id = await run_sync(
                fake, database, clock, key_file, Pacing(), "production pacing", phases
            )
            print_sync(
                paced,
                f"Our sync, Pacing() (≥ {Pacing().min_interval:g} s between writes), fake "
                f"quota {QUOTA_PER_MINUTE} writes/min:",
            )
            check = await fake.check(paced_id, OPERATIONS, 1)
            rows_ok = check["ids"] == ids and check["gaps"] == 0
            print(
                f"  «{OPERATIONS}»: {check['data_rows']:,} data rows, {check['gaps']} empty rows "
                f"among them, entry ids {'= the ledger, in order' if rows_ok else 'WRONG'}"
            )
            if not rows_ok:
                failures.append(f"«{OPERATIONS}» does not hold exactly the {len(ids):,} entries")
            if paced.rejected or paced.busiest_minute > QUOTA_PER_MINUTE:
                failures.append(
                    f"the paced push exceeded {QUOTA_PER_MINUTE} writes/min "
                    f"({paced.busiest_minute} in a minute, {paced.rejected} × 429)"
                )

            # 2. raw: no pacing, no quota
            await fake.set_quota(None)
            raw, raw_id = await run_sync(
                fake,
                database,
                clock,
                key_file,
                Pacing(min_interval=0),
                "no pacing",
                phases,
            )
            print_sync(raw, "Our sync, Pacing(min_interval=0), no quota (the raw time):")
            check = await fake.check(raw_id, OPERATIONS, 1)
            if check["ids"] != ids or check["gaps"]:
                failures.append("the unpaced push did not write exactly the entries")

            # 3. the naive way, on a sample of the same rows
            async with database.read() as session:
                projection = await load_projection(session)
            sample_rows = [plain_row(operations_row(r)) for r in projection.ledger[: args.sample]]
            sample, probe, naive_ok = await run_naive(
                fake, key_file, sample_rows, ids[: args.sample], phases
            )
            del projection
            if not naive_ok:
                failures.append("the naive sample's rows are not the entries")
            appended = sample.detail["appended"]
            per_request = sample.detail["append_seconds"] / appended
            naive_writes = args.entries  # one values.append per entry
            naive_requests = naive_writes + sample.reads
            naive_wall = per_request * args.entries
            quota_bound = args.entries / QUOTA_PER_MINUTE * 60
            print(f"\nThe naive way: worksheet.append_row(row) per entry, {appended} of them:")
            print(
                f"  {sample.writes} writes + {sample.reads} reads (+ {sample.tokens} token) in "
                f"{sample.seconds:.1f} s ({sample.detail['append_seconds']:.1f} s appending): "
                f"{per_request * 1000:.0f} ms per entry, "
                f"{60 / per_request:.0f} writes/min unthrottled; "
                f"CPU: product {sample.own_cpu:.1f} s, fake {sample.fake_cpu:.1f} s"
            )
            print(
                f"  quota probe ({QUOTA_PER_MINUTE} writes/min enforced): "
                f"{probe.detail['accepted']} appends accepted in "
                f"{probe.detail['append_seconds']:.1f} s, then 429"
                f" (the next minute must be waited for)"
            )
            print(
                f"  extrapolated to {args.entries:,} entries: {naive_requests:,} requests "
                f"({naive_writes:,} writes); {duration(naive_wall)} at {per_request * 1000:.0f} "
                f"ms each; under the quota {duration(quota_bound)} "
                f"({args.entries:,} / {QUOTA_PER_MINUTE} a minute)"
            )

            # 4. the XLSX export
            start = time.perf_counter()
            async with database.read() as session:
                projection = await load_projection(session)
            loaded = time.perf_counter()
            path = await asyncio.to_thread(
                export_xlsx, projection, folder / "kopeyka.xlsx", clock.today()
            )
            written = time.perf_counter()
            size = path.stat().st_size
            del projection

            # 5. does Pacing() alone keep a long run of writes within the quota?
            if args.pacing_probe:
                async with fresh_database(Target("sqlite", "SQLite"), folder / "probe") as (
                    _url,
                    probe_engine,
                ):
                    probe_factory = Database(probe_engine)
                    await fill_ledger(probe_engine, probe_factory, clock, args.pacing_probe * 10)
                    await fake.set_quota(QUOTA_PER_MINUTE)
                    steady, _ = await run_sync(
                        fake,
                        probe_factory,
                        clock,
                        key_file,
                        Pacing(),
                        "pacing probe",
                        phases,
                        chunk_rows=10,
                    )
                print_sync(
                    steady,
                    f"Pacing probe: Pacing() alone, {args.pacing_probe * 10:,} entries 10 a "
                    f"write (small, fast answers, so the pacing binds), fake quota "
                    f"{QUOTA_PER_MINUTE} writes/min:",
                )
                if steady.rejected or steady.busiest_minute > QUOTA_PER_MINUTE:
                    failures.append(
                        f"Pacing() alone exceeds {QUOTA_PER_MINUTE} writes/min over a long run "
                        f"({steady.busiest_minute} in a minute, {steady.rejected} × 429)"
                    )

    ratio_writes = naive_writes / paced.writes
    ratio_requests = naive_requests / paced.requests
    xlsx_total = written - start
    print(f"\nSide by side, {args.entries:,} entries at {args.latency * 1000:.0f} ms a request:")
    print(f"  {'':<34}{'write req.':>11}{'all req.':>10}{'wall time':>14}{'quota-bound':>14}")
    paced_quota = max(paced.seconds, paced.writes / QUOTA_PER_MINUTE * 60)
    print(
        f"  {'ours, Pacing() (measured)':<34}{paced.writes:>11,}{paced.requests:>10,}"
        f"{duration(paced.seconds):>14}{duration(paced_quota):>14}"
    )
    print(
        f"  {'ours, no pacing (measured)':<34}{raw.writes:>11,}{raw.requests:>10,}"
        f"{duration(raw.seconds):>14}{'':>14}"
    )
    print(
        f"  {'append_row each (extrapolated)':<34}{naive_writes:>11,}{naive_requests:>10,}"
        f"{duration(naive_wall):>14}{duration(quota_bound):>14}"
    )
    ratio_ok = ratio_writes >= GOAL_RATIO and ratio_requests >= GOAL_RATIO
    print(
        f"  naive / ours: {ratio_writes:,.0f}× the write requests, {ratio_requests:,.0f}× all "
        f"requests (goal ≥ {GOAL_RATIO}×: {'met' if ratio_ok else 'NOT met'})"
    )
    quota_ok = paced.rejected == 0 and paced.busiest_minute <= QUOTA_PER_MINUTE
    print(
        f"  within {QUOTA_PER_MINUTE} writes/min: {'yes' if quota_ok else 'NO'} "
        f"({paced.busiest_minute} at most in any minute, {paced.rejected} × 429)"
    )
    xlsx_ok = xlsx_total < GOAL_XLSX_SECONDS
    print(
        f"\nXLSX export of the same {args.entries:,} entries: load {loaded - start:.1f} s + write "
        f"{written - loaded:.1f} s = {xlsx_total:.1f} s, {size / 1024**2:.1f} MiB "
        f"(goal < {GOAL_XLSX_SECONDS:g} s: {'met' if xlsx_ok else 'NOT met'})"
    )
    if not ratio_ok and not args.smoke:
        failures.append(f"fewer than {GOAL_RATIO}× fewer requests")
    if not xlsx_ok and not args.smoke:
        failures.append(f"the XLSX export took {xlsx_total:.1f} s")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def cpus() -> int:
    return os.cpu_count() or 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="ledger entries to push")
    parser.add_argument(
        "--latency", type=float, default=0.15, help="seconds the fake waits per API request"
    )
    parser.add_argument(
        "--sample", type=int, default=300, help="entries the naive way really appends"
    )
    parser.add_argument(
        "--pacing-probe",
        type=int,
        default=90,
        help="writes of a separate paced run with tiny batches, to test Pacing() against the "
        "quota over more than a minute (0: skip)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run that checks everything but the goals (the suite's smoke test)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.entries, args.latency, args.sample, args.pacing_probe = 30, 0.0, 5, 0
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
