"""«Заявки» lists every payment request from the database with its status, and what was paid
reaches «Прибыль» through the expense entries, as any other spending does."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sheets.layout import PROFIT, PROFIT_HEADER_ROW, REQUESTS, build_layout
from sheets.projection import load_projection
from sheets.xlsx import export_xlsx
from tests.integrations.sheets.test_xlsx import recalculated
from tests.office import TODAY, Office, rub


async def test_every_request_is_listed_with_its_status_and_what_was_paid(
    office: Office, tmp_path: Path
) -> None:
    draft = await office.draft()
    submitted = await office.submitted(office.requester2)
    paid = await office.approved(amount=rub("1000", "USD"))
    rejected = await office.submitted()
    async with office.services() as services:
        await services.request_payments.pay(
            office.accountant, paid.id, rubles=rub("92150.40"), on=TODAY - timedelta(days=2)
        )
        await services.requests.reject(office.owner, rejected.id, "Нет")

    async with office.database.read() as session:
        projection = await load_projection(session)
    sheet = build_layout(projection, TODAY).sheet(REQUESTS)

    rows = {row[0]: row for row in sheet.rows}
    assert [c.title for c in sheet.columns][-4:] == [
        "Просрочена",
        "Валюта",
        "Оплачено, ₽",
        "Категория",
    ]
    assert set(rows) == {draft.id, submitted.id, paid.id, rejected.id}
    assert rows[draft.id][2:9] == (
        "Маша Смирнова",
        None,
        "ООО «Ромашка»",
        "Баннеры на ноябрь",
        Decimal("12000.00"),
        TODAY + timedelta(days=3),
        "черновик",
    )
    assert rows[submitted.id][2] == "Денис"
    assert rows[submitted.id][8] == "на согласовании"
    assert rows[rejected.id][8] == "отклонена"
    assert rows[paid.id][6] == Decimal("1000.00")
    assert rows[paid.id][8] == "оплачена"
    assert rows[paid.id][10:] == ("USD", Decimal("92150.40"), "Маркетинг")
    # The rubles paid are an expense of their month under the request's category.
    [entry] = [row for row in projection.ledger if row.kind == "expense"]
    assert (entry.entry_date, entry.category, entry.amount) == (
        TODAY - timedelta(days=2),
        "Маркетинг",
        Decimal("-92150.40"),
    )

    # And LibreOffice computes «Прибыль» from it: November's marketing and net profit.
    book = recalculated(export_xlsx(projection, tmp_path / "book.xlsx", TODAY), tmp_path)
    sheet = book[PROFIT]
    header = [cell.value for cell in sheet[PROFIT_HEADER_ROW]]
    [november] = [
        row
        for row in sheet.iter_rows(min_row=PROFIT_HEADER_ROW + 1, values_only=True)
        if hasattr(row[0], "month") and (row[0].year, row[0].month) == (2026, 11)
    ]
    figures = dict(zip(header, november, strict=False))
    assert round(Decimal(str(figures["Маркетинг"])), 2) == Decimal("92150.40")
    assert round(Decimal(str(figures["Чистая прибыль, ₽"])), 2) == Decimal("-92150.40")


async def test_a_deals_request_is_listed_with_its_deal(office: Office) -> None:
    ids = await office.desk.deal(19620)
    async with office.services() as services:
        deal_id = (await services.confirmations.line(ids["Предоплата"])).deal_id
    request = await office.submitted(category=None, deal_id=deal_id, pay_by=date(2026, 11, 30))

    async with office.database.read() as session:
        projection = await load_projection(session)

    [row] = [r for r in projection.requests if r.request_id == request.id]
    assert (row.deal, row.category, row.due) == (
        "Кухня Ивановых (Д-19620)",
        None,
        date(2026, 11, 30),
    )
