"""The owner's /profit (card, filters, chart) and /report (the XLSX workbook) in Telegram."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from ledger.money import Money, format_money
from ledger.storage.models import CategoryRow, EntryRow, UserRow
from tests.e2e.conftest import OWNER_ID, Running
from tests.fakes.telegram_state import SentMessage
from tests.fakes.telegram_user import FakeUser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rub(amount: str) -> str:
    """Money as the bot prints it (Babel's no-break spaces included)."""
    return format_money(Money(Decimal(amount)))


async def add_city_entries(kopeyka: Running) -> None:
    """November income in two cities and Moscow's marketing: entries of kinds and dimensions
    that payment confirmation and payment requests will post (no service posts them yet).
    """
    async with kopeyka.context.database.read() as session:
        owner_id = await session.scalar(select(UserRow.id).where(UserRow.telegram_id == OWNER_ID))
        categories = dict((await session.execute(select(CategoryRow.name, CategoryRow.id))).all())
        for kind, minor, category, city in (
            ("income", 10_000_000, "Прочее", "Москва"),
            ("income", 2_000_000, "Прочее", "Казань"),
            ("expense", -500_000, "Маркетинг", "Москва"),
        ):
            session.add(
                EntryRow(
                    kind=kind,
                    amount_minor=minor,
                    currency="RUB",
                    category_id=categories[category],
                    account="bank",
                    entry_date=date(2026, 11, 10),
                    description="",
                    city=city,
                    created_by=owner_id,
                    created_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
                )
            )
        await session.commit()


def the_card(kopeyka: Running) -> SentMessage:
    return next(
        m for m in reversed(kopeyka.telegram.chat(OWNER_ID)) if "Прибыль по месяцам" in m.body
    )


def november(card: SentMessage) -> str:
    """The card's lines for November 2026 (the month shown first)."""
    return card.body.split("Ноябрь 2026", 1)[1].split("Октябрь 2026", 1)[0]


async def test_owner_sees_profit_by_month_with_a_chart_and_filters_by_city(
    kopeyka: Running,
) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await add_city_entries(kopeyka)

    await owner.send("/profit")

    card = the_card(kopeyka)
    assert "Отбор: нет — весь бизнес" in card.body
    assert f"Доходы: {rub('120000')}" in november(card)
    assert f"Расходы: {rub('6500')}" in november(card)
    assert f"Чистая прибыль: {rub('113500')}" in november(card)
    assert "Маржа: 94,6%" in november(card)
    for month in ("Октябрь 2026", "Сентябрь 2026", "Август 2026"):
        assert month in card.body
    chart = owner.last_message()
    assert chart.photo is not None
    assert chart.upload is not None
    assert chart.upload.data.startswith(PNG_SIGNATURE)
    assert "Маркетинг и оборот" in chart.body

    await owner.tap("🏙 Город: все")
    assert {"• 🏙 Город: все", "Казань", "Москва", "← Назад"} <= set(owner.buttons())
    await owner.tap("Москва")

    card = the_card(kopeyka)
    assert "Отбор: город «Москва»" in card.body
    assert f"Доходы: {rub('100000')}" in november(card)
    assert f"Расходы: {rub('5000')}" in november(card)  # the taxi has no city
    assert f"Чистая прибыль: {rub('95000')}" in november(card)
    assert "🏙 Город: Москва" in owner.buttons(card.message_id)

    await owner.tap("✖ Сбросить отбор")
    assert f"Доходы: {rub('120000')}" in november(the_card(kopeyka))


async def test_a_forged_or_stale_filter_changes_nothing_and_says_so(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("/start")  # the owner is known from the first message on
    await add_city_entries(kopeyka)
    await owner.send("/profit")
    card = the_card(kopeyka)
    before = (card.body, card.reply_markup)

    for forged in ("pf:s:0:~~~7.0000", "pf:s:0:~~~1.ffff", "pf:p:9:", "pf:s:0:garbage"):
        await owner.tap_data(forged, message_id=card.message_id)
        assert "ничего не изменено" in owner.answers()[-1], forged

    assert (card.body, card.reply_markup) == before
    await owner.tap("👤 Менеджер: все")  # no deals linked yet: an empty list, explained
    assert "сделок" in owner.answers()[-1]


async def test_report_sends_the_workbook_with_the_entries(kopeyka: Running) -> None:
    owner = kopeyka.owner
    await owner.send("1500 такси")
    await owner.tap("✅ Сохранить")
    await add_city_entries(kopeyka)

    await owner.send("/report")

    sent = owner.last_message()
    assert sent.document is not None
    assert sent.upload is not None
    assert sent.document["file_name"] == "kopeyka-2026-11-23.xlsx"
    assert "записей: 4" in sent.body
    book = openpyxl.load_workbook(io.BytesIO(sent.upload.data))
    operations = [[cell.value for cell in row] for row in book["Операции"].iter_rows(min_row=2)]
    amounts = sorted(Decimal(str(row[4])) for row in operations)
    assert amounts == [Decimal(-5000), Decimal(-1500), Decimal(20000), Decimal(100000)]
    assert any("такси" in (row[12] or "") for row in operations)
    assert {"Прибыль", "Маркетинг и оборот"} <= set(book.sheetnames)

    await owner.send("/report 2026-10")
    october = owner.last_message()
    assert october.document is not None
    assert "за октябрь 2026, записей: 0" in october.body

    await owner.send("/report ноябрь")
    assert "/report 2026-11" in owner.last_message().body
    await owner.send("/report 2027-01")
    assert "ещё не наступил" in owner.last_message().body


async def test_someone_else_gets_the_refusal_and_no_figures(
    kopeyka: Running, cashier: FakeUser
) -> None:
    owner = kopeyka.owner
    await owner.send("/start")
    await add_city_entries(kopeyka)
    await owner.send("/profit")
    city_list = "pf:p:3:"

    for command in ("/profit", "/report"):
        await cashier.send(command)
        assert "недоступно для вашей роли" in cashier.last_message().body, command
    await cashier.tap_data(city_list, message_id=cashier.last_message().message_id)
    assert "недоступно для вашей роли" in cashier.answers()[-1]
    sent = kopeyka.telegram.chat(cashier.id)
    assert not [m for m in sent if m.document or m.photo or "Доходы" in m.body]

    stranger = kopeyka.telegram.user(5550011, "Незнакомец")
    await stranger.send("/report")
    assert "доступа у вас пока нет" in stranger.last_message().body
