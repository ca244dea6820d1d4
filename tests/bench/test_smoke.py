"""Every benchmark in bench/, run at a tiny size, so a benchmark that breaks fails the suite
instead of the next person who measures with it.

Each runs as its own process, the way `python bench/…` is run: the benchmarks wrap
SQLAlchemy's session class and freeze the garbage collector for their measurements, which must
not happen inside a test worker. Only their own checks count here (every entry landed once,
nothing lost or processed twice); their goals are about speed at full size.

Those that take a database run on the test database: SQLite, or the PostgreSQL of
TEST_DATABASE_URL (so CI's PostgreSQL pass runs them there too). newcomer.py clones and
installs from scratch, minutes of work; only its cheap parts run here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import newcomer, warm_start

REPO = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str) -> str:
    """Run bench/<script> with `args`; its output, once it has exited with status 0."""
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def database_args(owner_database_url: str) -> list[str]:
    # The benchmark empties the database before each run: a thing only its owner may do.
    if owner_database_url.startswith("postgresql"):
        return ["--database", "postgresql", "--pg-url", owner_database_url]
    return ["--database", "sqlite"]  # a fresh file of the benchmark's own


def test_the_expense_flow_benchmark_saves_every_flow_once(owner_database_url: str) -> None:
    output = run_bench(
        "expense_flow.py",
        *("--flows", "10", "--concurrency", "2", "--warmup", "2"),
        *database_args(owner_database_url),
    )

    assert "correctness          OK" in output
    assert "entries table: 10 rows (expected 10)" in output


def test_the_webhook_benchmark_loses_nothing_and_processes_nothing_twice(
    owner_database_url: str,
) -> None:
    output = run_bench(
        "webhooks.py",
        *("--webhooks", "40", "--clients", "2", "--leads", "10", "--drain-timeout", "60"),
        *database_args(owner_database_url),
    )

    assert "correctness          OK" in output
    assert "deals 10 for 10 leads (wanted 10)" in output


def test_the_confirmation_benchmark_confirms_each_payment_once_and_notes_it_once(
    owner_database_url: str,
) -> None:
    output = run_bench(
        "confirmations.py",
        *("--deals", "12", "--cashiers", "3", "--think", "0", "--double-taps", "0.5"),
        *database_args(owner_database_url),
    )

    assert "correctness          OK" in output
    assert "12 confirmed" in output


def test_the_sheets_sync_benchmark_pushes_every_entry_in_order() -> None:
    output = run_bench("sheets_sync.py", "--smoke")

    assert "30 data rows, 0 empty rows among them, entry ids = the ledger, in order" in output
    assert "FAILED" not in output


def test_the_invoice_benchmark_reads_every_kind_to_the_truth() -> None:
    output = run_bench("invoices.py", "--runs", "2", "--warmup", "0")

    assert "correctness          OK" in output
    assert "one-page PDF, text + QR" in output


def test_the_statements_benchmark_reads_the_generated_statement_as_its_truth() -> None:
    output = run_bench("statements.py", "--lines", "200", "--runs", "1")

    assert "correctness          OK" in output
    assert "200 documents" in output
    assert "lines (documents) a second" in output
    assert "sure matches right against the truth: 100.00% (0 wrong): PASS" in output
    assert "lines stored with their proposals" in output
    assert "FAILED" not in output


def test_the_newcomer_benchmark_times_a_start_and_a_test_run(tmp_path: Path) -> None:
    args = newcomer.parse_args(["--repo", str(tmp_path), "--warm-caches", "--keep"])
    assert (args.repo, args.warm_caches, args.keep) == (tmp_path, True, True)
    # Stand-ins for ./start (a console that answers one line) and ./test (a green suite).
    start = tmp_path / "start"
    start.write_text("#!/bin/sh\nprintf 'you › '\nread line\necho 'Сумма: 1 500,00 ₽'\nread quit\n")
    test = tmp_path / "test"
    test.write_text("#!/bin/sh\necho '1 passed in 0.01s'\n")
    for script in (start, test):
        script.chmod(0o755)

    prompt, answer = newcomer.time_to_prompt(tmp_path, dict(os.environ), timeout=30)
    elapsed, summary = newcomer.run_tests(tmp_path, dict(os.environ))

    assert 0 < prompt <= answer < 30
    assert elapsed > 0
    assert summary == "1 passed in 0.01s"


def test_the_warm_start_benchmark_reads_and_ranks_import_times(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A whole run starts the bot several times (seconds each), so it stays by hand.
    args = warm_start.parse_args(["--runs", "3", "--importtime", "--top", "2"])
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       300 |        300 |     aiogram.types.user\n"
        "import time:       200 |        500 |   aiogram.types\n"
        "import time:       100 |        600 | aiogram\n"
        "import time:        50 |         50 | ledger.roles\n"
    )

    found = warm_start.parse_import_times(stderr)
    warm_start.print_import_times(found, args.top)

    assert (args.runs, args.importtime, args.top) == (3, True, 2)
    assert found[0] == ("aiogram.types.user", 300, 300, 2)
    assert found[2] == ("aiogram", 100, 600, 0)
    listed = capsys.readouterr().out.splitlines()
    assert listed[2:4] == ["     0.001 s  aiogram", "     0.000 s  ledger"]
    assert listed[5:7] == ["     0.001 s  aiogram", "     0.001 s    aiogram.types"]


def test_the_cabinet_benchmark_counts_every_registry_view_as_the_rows_written(
    owner_database_url: str,
) -> None:
    output = run_bench(
        "cabinet.py",
        *("--requests", "300", "--per-month", "120", "--repeat", "2"),
        *database_args(owner_database_url),
    )

    assert output.count("correctness                        OK") == 2  # registry, dashboard
    assert "300 requests, 2000 deals in the database" in output
    assert "dashboard: no filter" in output


def test_the_registry_benchmark_counts_every_bucket_as_the_rows_written(
    owner_database_url: str,
) -> None:
    output = run_bench(
        "registry.py",
        *("--requests", "300", "--repeat", "3"),
        *database_args(owner_database_url),
    )

    assert "correctness      OK" in output
    assert "300 requests in the database" in output
