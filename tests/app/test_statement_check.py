"""`run.py statement check FILE [--json]` as a person or a script runs it: what the file holds,
read without importing it; exit status 0 for a good file, 1 for a refused one."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.statements_factory import (
    Style,
    make_statement,
    malformed,
    render,
    render_csv,
)

REPO = Path(__file__).resolve().parents[2]
REPORT_KEYS = [
    "format",
    "encoding",
    "version",
    "accounts",
    "documents",
    "in_count",
    "in_total",
    "out_count",
    "out_total",
    "errors",
]
ACCOUNT_KEYS = [
    "account",
    "date_start",
    "date_end",
    "opening",
    "closing",
    "total_in",
    "total_out",
    "balance_ok",
]


def check(tmp_path: Path, data: bytes, *args: str, name: str = "statement.txt", **env: str):
    path = tmp_path / name
    path.write_bytes(data)
    # No settings at all (not even a database): reading a file needs none.
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8", **env}
    return subprocess.run(
        [sys.executable, str(REPO / "run.py"), "statement", "check", str(path), *args],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_a_good_statement_prints_its_facts_as_one_json_object_and_exits_zero(
    tmp_path: Path,
) -> None:
    truth = make_statement(random.Random(11), documents=9, accounts=2, sections=2)

    result = check(tmp_path, render(truth, Style(version="1.02")).data, "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == REPORT_KEYS
    assert (report["format"], report["encoding"], report["version"]) == ("1c", "cp1251", "1.02")
    assert [list(account) for account in report["accounts"]] == [ACCOUNT_KEYS] * 2
    first = report["accounts"][0]
    own = [s for s in truth.sections if s.account == first["account"]]
    assert first["opening"] == f"{own[0].opening:.2f}"
    assert first["closing"] == f"{own[-1].closing:.2f}"
    assert first["date_start"] == own[0].start.isoformat()
    assert first["balance_ok"] is True
    incoming = [d for d in truth.documents if d.direction.value == "in"]
    assert report["documents"] == len(truth.documents)
    assert report["in_count"] == len(incoming)
    assert Decimal(report["in_total"]) == sum((d.amount for d in incoming), Decimal(0))
    assert report["errors"] == []


def test_a_statement_off_by_100_is_refused_with_its_line_and_the_figure_due(
    tmp_path: Path,
) -> None:
    data, line, _ = malformed()["a balance off by 100"]

    result = check(tmp_path, data, "--json")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [error["line"] for error in report["errors"]] == [line]
    assert "КонечныйОстаток" in report["errors"][0]["message"]
    assert report["accounts"][0]["balance_ok"] is False


@pytest.mark.parametrize("name", list(malformed()))
def test_every_malformed_file_exits_one_and_names_the_line(tmp_path: Path, name: str) -> None:
    data, line, _ = malformed()[name]

    result = check(tmp_path, data, "--json")

    assert result.returncode == 1, result.stdout
    assert line in [error["line"] for error in json.loads(result.stdout)["errors"]]
    assert "Traceback" not in result.stderr


def test_for_people_it_says_whether_the_balances_add_up_and_lists_every_error(
    tmp_path: Path,
) -> None:
    good = check(tmp_path, render(make_statement(random.Random(2), documents=3)).data)
    data, line, _ = malformed()["Сумма=abc"]
    bad = check(tmp_path, data, name="bad.txt")

    assert good.returncode == 0
    assert "Format:    1C (1CClientBankExchange), version 1.03, cp1251" in good.stdout
    assert ": adds up" in good.stdout
    assert bad.returncode == 1
    assert f"  line {line}: Сумма=abc: not an amount" in bad.stdout
    assert "DOES NOT ADD UP" in bad.stdout
    assert bad.stdout.rstrip().endswith("Refused: the file would not be imported.")


def test_csv_and_xlsx_exports_are_checked_too(tmp_path: Path) -> None:
    truth = make_statement(random.Random(4), documents=4)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Выписка по счету", truth.accounts[0]])
    sheet.append(["Дата операции", "Сумма", "Назначение платежа"])
    for document in truth.documents:
        sign = 1 if document.direction.value == "in" else -1
        sheet.append([document.booked, float(document.amount * sign), document.purpose])
    workbook.save(tmp_path / "export.xlsx")

    from_csv = check(tmp_path, render_csv(truth), "--json", name="export.csv")
    from_xlsx = check(tmp_path, (tmp_path / "export.xlsx").read_bytes(), "--json", name="x.xlsx")

    assert from_csv.returncode == 0, from_csv.stdout
    assert from_xlsx.returncode == 0, from_xlsx.stdout
    csv_report, xlsx_report = json.loads(from_csv.stdout), json.loads(from_xlsx.stdout)
    assert csv_report["format"] == "csv"
    assert xlsx_report["format"] == "xlsx"
    for report in (csv_report, xlsx_report):
        assert report["accounts"][0]["account"] == truth.accounts[0]
        assert report["accounts"][0]["balance_ok"] is None
        assert report["documents"] == 4
        assert report["in_total"] == csv_report["in_total"]


def test_a_file_that_cannot_be_read_exits_one_with_a_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "statement", "check", "missing.txt"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "cannot read it" in result.stdout
    assert "Traceback" not in result.stderr


def test_no_other_command_loads_the_statements_package() -> None:
    probe = "import sys, run, app.cli; print('ledger.statements' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "False"
