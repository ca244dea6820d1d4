"""`run.py statement import FILE`: a statement imported as the owner sending it to the bot
would, what came of it printed; exit status 0 when imported (again, too), 1 when refused."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from config.settings import Settings
from ledger.statements import Direction, DocumentKind
from ledger.storage.models import StatementLineRow
from tests.conftest import OWNER_ID
from tests.desk import Desk
from tests.statements_factory import (
    OUR_ACCOUNT,
    Corruption,
    Counterparty,
    TruthDocument,
    TruthSection,
    TruthStatement,
    corrupt,
    render,
)

REPO = Path(__file__).resolve().parents[2]
CLIENT = Counterparty("Иванов Иван Иванович", "770512345678", None, "40817810100000000077")
DAY = date(2026, 11, 20)


def _line(amount: str, purpose: str, number: str) -> TruthDocument:
    return TruthDocument(
        kind_text="Платежное поручение",
        kind=DocumentKind.PAYMENT_ORDER,
        number=number,
        written=DAY,
        booked=DAY,
        amount=Decimal(amount),
        direction=Direction.IN,
        account=OUR_ACCOUNT,
        counterparty=CLIENT,
        purpose=purpose,
    )


STATEMENT = TruthStatement(
    (
        TruthSection(
            OUR_ACCOUNT,
            DAY,
            DAY,
            Decimal("1000.00"),
            (
                _line("100000", "Оплата остатка по договору № Д-19620", "1"),
                _line("777", "Перевод по заявлению", "2"),
            ),
        ),
    )
)


async def _import(tmp_path: Path, database_url: str, data: bytes) -> subprocess.CompletedProcess:
    path = tmp_path / "выписка.txt"
    path.write_bytes(data)
    settings_names = {name.upper() for name in Settings.model_fields}
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_names and not name.startswith(("AMOCRM_", "GOOGLE_"))
    }
    environment.update(
        DATA_DIR=str(tmp_path / "data"),
        MAPPINGS_FILE=str(REPO / "config" / "mappings.toml"),
        DATABASE_URL=database_url,
        OWNER_TELEGRAM_IDS=str(OWNER_ID),
        PYTHONPATH=str(REPO),
        PYTHONIOENCODING="utf-8",
    )
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(REPO / "run.py"), "statement", "import", str(path)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


async def _lines(desk: Desk) -> int:
    async with desk.database.read() as session:
        return await session.scalar(select(func.count()).select_from(StatementLineRow)) or 0


async def test_a_statement_is_imported_as_the_owner_and_what_came_of_it_printed(
    desk: Desk, tmp_path: Path, database_url: str
) -> None:
    await desk.deal(19620)
    data = render(STATEMENT).data

    first = await _import(tmp_path, database_url, data)
    again = await _import(tmp_path, database_url, data)

    assert first.returncode == 0, first.stderr
    assert "as Ольга" in first.stdout
    assert (
        "Lines:     2: 1 matched for sure, 0 to review, 1 unmatched, 0 asked about, 0 done"
        in first.stdout
    )
    assert "2 new, 0 already imported" in first.stdout
    assert f"Account:   {OUR_ACCOUNT}, 2026-11-20 to 2026-11-20: opening 1000.00" in first.stdout
    assert ": adds up" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "Imported before (#1, by Ольга" in again.stdout
    assert await _lines(desk) == 2


async def test_a_refused_statement_prints_its_errors_and_imports_nothing(
    desk: Desk, tmp_path: Path, database_url: str
) -> None:
    broken = corrupt(render(STATEMENT), Corruption.CLOSING_OFF, 0)
    assert broken is not None

    result = await _import(tmp_path, database_url, broken.data)

    assert result.returncode == 1
    assert f"line {broken.line}: the balance does not add up" in result.stdout
    assert "Refused: nothing was imported." in result.stdout
    assert await _lines(desk) == 0
