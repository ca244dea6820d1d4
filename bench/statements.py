"""Benchmark: reading a bank statement, then reading and matching one against the ledger.

A statement of `--lines` documents (default 10,000) over two accounts in daily sections is made
by the tests' own generator (`tests.statements_factory`), written as banks write it: cp1251,
CRLF, 1.03, `ИНН … name` parties with every key 1C writes, grouped amounts here and there and
unknown keys, about 33 text lines a document. What is timed: `read_statement(bytes)`, from the
bytes to the typed, balance-checked `Statement` (decoding, structure, values, direction,
booking, balances, identities), `--runs` times after one warm-up; the median and the fastest
wall times and the median CPU time (steadier on a shared machine) are printed, with documents
and text lines a second.

Correctness (exit 1 on a failure): the reading equals the generator's truth, document by
document, and every account's balances add up. Before the timed runs the generator's objects
are dropped and the rest frozen, as the bot freezes what it loaded, so the garbage collector
walks only what a reading makes.

The issue's budget is 2 s on SQLite for reading and matching together; the share reading
takes is printed against it.

The matching half: a book of `--payments` expected payments (default 5,000: deals with
contract numbers, a tenth paid by terminal) and `--requests` approved requests (2,000, a tenth
sent to the bank), written to a fresh migrated SQLite database, and a statement of `--lines`
lines that pays them as payers write it (`tests.statements_factory.pay_book`: the contract
number in each of its spellings, payments in two parts, a day's card payments as one acquiring
credit net of the fee, requests by the supplier's ИНН or our order's number, bank fees, taxes,
salaries, and lines nothing should match, traps among them), with the truth of every line.
Timed, `--runs` times: reading the bytes, loading what the ledger expects from the database
(`StatementImports.expectations`) and matching (`ledger.statements.matching.match`): that is
the 2 s budget. Then the whole import once (read, load, match, and every line, proposal and
target stored in one transaction), as the bot runs it. Printed: lines a second, the match rate
(lines with a proposal), the share matched for sure (goal: at least 90 %), and how many of the
sure matches are right against the generator's truth (goal: all of them; exit 1 otherwise);
and the whole import's time: read, matched and stored, then the payment orders we sent (a
tenth of the requests) marked paid through `RequestPayments.pay`.

`--accept` also times accepting every sure line through the services a person would use.

Run: `.venv/bin/python bench/statements.py [--lines 10000] [--payments 5000]
[--requests 2000] [--runs 5] [--accept] [--seed N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# `python bench/statements.py` puts bench/ on the path; the generator lives in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import code_version, verdict
from bench.databases import Target, fresh_database
from ledger.statements import Refused, Statement, read_statement
from tests.statements_factory import (
    Amounts,
    Style,
    TruthStatement,
    category_ids,
    expected_documents,
    make_book,
    make_statement,
    pay_book,
    read_documents,
    render,
    seed_book,
    truth_targets,
)

BUDGET_SECONDS = 2.0  # the goal for reading and matching a 10,000-line statement
SURE_GOAL = 0.90  # of the lines matched for sure


def main(args: argparse.Namespace) -> int:
    truth = make_statement(random.Random(args.seed), documents=args.lines, accounts=2, sections=22)
    rendered = render(truth, Style(amounts=Amounts.MIXED, seed=args.seed))
    data = rendered.data
    print(
        f"{len(truth.documents):,} documents, {len(rendered.lines):,} text lines, "
        f"{len(data) / 1024**2:.1f} MiB (cp1251, CRLF), {len(truth.sections)} sections; "
        f"commit {code_version()}"
    )
    failures = check(read_statement(data), truth)  # also the warm-up
    print(f"correctness          {'OK' if not failures else 'FAILED'}")
    documents, text_lines = len(truth.documents), len(rendered.lines)
    # The generator's 300,000 objects go, and what is left is frozen, as the bot freezes what
    # it loaded (`app.cli.loading`): the collector then walks only what a reading makes.
    del truth, rendered
    gc.collect()
    gc.freeze()
    timings, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        read_statement(data)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median, fastest = statistics.median(timings), min(timings)
    print(
        f"read in {median * 1000:.0f} ms (median of {args.runs}; fastest {fastest * 1000:.0f} ms; "
        f"CPU {statistics.median(cpu) * 1000:.0f} ms)"
    )
    print(
        f"  {documents / median:,.0f} lines (documents) a second, "
        f"{text_lines / median:,.0f} text lines a second"
    )
    print(f"  {median / BUDGET_SECONDS:.0%} of the {BUDGET_SECONDS:g} s budget for read + match")
    failures += asyncio.run(matching(args))
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


async def matching(args: argparse.Namespace) -> list[str]:
    """The matching half (see the module docstring); its failures."""
    from app.context import AppContext
    from config.mappings import Mappings
    from config.settings import Settings
    from ledger.clock import FrozenClock
    from ledger.statement_imports import Imported, Progress, Stage
    from ledger.statements.matching import match
    from ledger.storage.database import Database
    from ledger.users import Person
    from tests.conftest import MOSCOW, NOW, OWNER_ID

    payments = args.payments if args.payments is not None else args.lines // 2
    requests = args.requests if args.requests is not None else args.lines // 5
    rng = random.Random(args.seed + 1)
    # One or two payments a deal, one and a half on average.
    book = make_book(rng, deals=max(1, payments * 2 // 3), requests=requests, terminal_days=20)
    paid = pay_book(rng, book, lines=args.lines, days=20)
    data = render(paid.truth, Style(amounts=Amounts.MIXED, seed=args.seed)).data
    lines = len(paid.truth.documents)
    print()
    print(
        f"matching: {lines:,} lines against {len(book.payments):,} expected payments "
        f"({len(book.deals):,} deals) and {len(book.requests):,} approved requests, "
        "on SQLite"
    )
    clock = FrozenClock(NOW, MOSCOW)
    failures = []
    with tempfile.TemporaryDirectory(prefix="kopeyka-bench-statements-") as folder:
        async with fresh_database(Target("sqlite", "SQLite"), Path(folder)) as (_, engine):
            database = Database(engine)
            settings = Settings(_env_file=None, owner_telegram_ids=[OWNER_ID], data_dir=folder)
            context = AppContext(settings, Mappings(), database, clock, secret_key=b"k" * 32)
            async with database.unit_of_work() as uow:
                owner = await context.services(uow).users.resolve(Person(OWNER_ID, "Owner"))
            assert owner is not None
            await seed_book(database, clock, book, user_id=owner.user_id)
            categories = await category_ids(database)
            timings: dict[str, list[float]] = {"read": [], "load": [], "match": []}
            proposals = []
            gc.collect()
            for _ in range(args.runs):
                start = time.perf_counter()
                statement = read_statement(data)
                read = time.perf_counter()
                async with database.unit_of_work() as uow:
                    expectations = await context.services(uow).statements.expectations()
                loaded = time.perf_counter()
                assert isinstance(statement, Statement), statement
                proposals = match(statement.documents, expectations)
                matched = time.perf_counter()
                timings["read"].append(read - start)
                timings["load"].append(loaded - read)
                timings["match"].append(matched - loaded)
            totals = [sum(t) for t in zip(*timings.values(), strict=True)]
            total = statistics.median(totals)
            for name, values in timings.items():
                median = statistics.median(values) * 1000
                print(f"  {name:<6} {median:6.0f} ms (median of {args.runs})")
            print(
                f"read + load + match: {total * 1000:.0f} ms, {lines / total:,.0f} lines a second: "
                f"{verdict(total < BUDGET_SECONDS)} against the {BUDGET_SECONDS:g} s budget"
            )
            counts: Counter[tuple[str, bool]] = Counter()
            for document, proposal in zip(statement.documents, proposals, strict=True):
                truth = truth_targets(paid.paid[(document.direction, document.number)], categories)
                got = (
                    tuple((t.kind.value, t.id, t.amount_minor) for t in proposal.targets)
                    if proposal is not None
                    else ()
                )
                state = "none" if proposal is None else "sure" if proposal.sure else "review"
                counts[(state, got == truth)] += 1
            sure = counts[("sure", True)] + counts[("sure", False)]
            review = counts[("review", True)] + counts[("review", False)]
            unmatched = counts[("none", True)] + counts[("none", False)]
            nothing_due = counts[("none", True)]
            print(
                f"  match rate {(sure + review) / lines:.1%} ({sure + review:,} lines proposed; "
                f"{unmatched:,} unmatched, {nothing_due:,} of them with nothing to match)"
            )
            print(
                f"  sure {sure / lines:.1%} ({sure:,}; goal {SURE_GOAL:.0%}): "
                f"{verdict(sure / lines >= SURE_GOAL)}; to review {review:,} "
                f"({counts[('review', True)]:,} of them right)"
            )
            right = counts[("sure", True)] / sure if sure else 1.0
            print(
                f"  sure matches right against the truth: {right:.2%} "
                f"({counts[('sure', False)]:,} wrong): {verdict(right == 1.0)}"
            )
            if right < 1.0:
                failures.append(f"{counts[('sure', False)]} sure matches are wrong")
            stages: dict[Stage, float] = {}

            async def progress(told: Progress) -> None:
                stages[told.stage] = time.perf_counter()

            start = time.perf_counter()
            async with database.unit_of_work() as uow:
                result = await context.services(uow).statements.import_file(
                    owner, data, progress=progress
                )
            elapsed = time.perf_counter() - start
            assert isinstance(result, Imported), result
            stored = stages[Stage.STORED] - start
            print(
                f"the whole import as the bot runs it: {elapsed * 1000:.0f} ms; read, matched and "
                f"{result.new:,} lines stored with their proposals in {stored * 1000:.0f} ms "
                f"({lines / stored:,.0f} lines a second), then {result.settled:,} payment orders "
                f"we sent marked paid in {(elapsed - stored) * 1000:.0f} ms"
            )
            if args.accept:
                start = time.perf_counter()
                async with database.unit_of_work() as uow:
                    accepted = await context.services(uow).statements.accept_sure(owner)
                elapsed = time.perf_counter() - start
                count = len(accepted.accepted)
                print(
                    f"accepting the {count:,} sure lines (each through the confirmation or "
                    f"request-paying service): {elapsed:.1f} s, {count / elapsed:,.0f} lines "
                    "a second"
                )
            if (result.sure + result.done, result.new) != (sure, lines):
                failures.append(
                    f"the import stored {result.new} lines, {result.sure + result.done} sure; "
                    f"the matcher said {lines} and {sure}"
                )
    return failures


def check(result: Statement | Refused, truth: TruthStatement) -> list[str]:
    if isinstance(result, Refused):
        return [f"the statement was refused: {result.errors[:3]}"]
    failures = []
    if read_documents(result, truth) != expected_documents(truth):
        failures.append("the documents read differ from the generator's truth")
    if not all(summary.balance_ok for summary in result.accounts):
        failures.append("an account's balances do not add up")
    return failures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000, help="documents in the statement")
    parser.add_argument(
        "--payments", type=int, default=None, help="expected payments (default: half the lines)"
    )
    parser.add_argument(
        "--requests", type=int, default=None, help="approved requests (default: a fifth)"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed readings after a warm-up")
    parser.add_argument(
        "--accept", action="store_true", help="also time accepting every sure line (minutes)"
    )
    parser.add_argument("--seed", type=int, default=20_260_302)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse_args()))
