"""Benchmark: reading a bank statement (the reading half; matching it comes with the matcher).

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

Run: `.venv/bin/python bench/statements.py [--lines 10000] [--runs 5] [--seed N]`.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

# `python bench/statements.py` puts bench/ on the path; the generator lives in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import code_version
from ledger.statements import Refused, Statement, read_statement
from tests.statements_factory import (
    Amounts,
    Style,
    TruthStatement,
    expected_documents,
    make_statement,
    read_documents,
    render,
)

BUDGET_SECONDS = 2.0  # the goal for reading and matching a 10,000-line statement


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
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


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
    parser.add_argument("--runs", type=int, default=5, help="timed readings after a warm-up")
    parser.add_argument("--seed", type=int, default=20_260_302)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse_args()))
