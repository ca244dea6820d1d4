"""Bank statements in the bot end to end, through the fake Telegram and the fake amoCRM: the
accountant sends the bank's file, watches it read and matched, accepts the sure lines with one
tap (the deal gets its notes, its paid field and its status in the CRM, the ledger the
income), sends it again to no effect, reviews a line and assigns one by hand; a refused file
lists its errors; a bank's table of unknown columns asks which is which once; what is
refused (forged and stale buttons, a manager's file)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import MappingCallback, StatementAction, StatementCallback
from bot.texts import texts_for
from handlers import statements as statement_screens
from ledger.statements import Direction, DocumentKind
from ledger.storage.models import EntryRow, StatementImportRow, StatementLineRow
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import Running, button_data
from tests.e2e.personas import ACCOUNTANT_ID, join
from tests.e2e.test_amocrm_deals import LEAD_ID, STATUS_BODY, Crm, closed_lead
from tests.fakes import amocrm_deals as account
from tests.fakes.telegram_user import FakeUser
from tests.statements_factory import (
    Counterparty,
    TruthDocument,
    TruthSection,
    TruthStatement,
    render,
)

amo = amocrm_deals.amo
crm = amocrm_deals.crm
PAID_STATUS = 142
DAY = date(2026, 11, 22)  # the day before the tests' clock's
OUR_ACCOUNT = "40702810900000012345"
CLIENT = Counterparty("Иванов Иван Иванович", "770512345678", None, "40817810100000000077")
STRANGER = Counterparty("Петров Пётр Петрович", "771234567897", None, "40817810500000000099")
LANDLORD = Counterparty('ООО "Бизнес-центр"', "7710140679", "771001001", "40702810300000000042")
UNKNOWN_CSV = (
    "Operation date;Doc;Amount RUB;Details;Payer or payee;Tax ID\r\n"
    "20.11.2026;17;50000,00;по дог. Д-17;Иванов Иван Иванович;770512345678\r\n"
    "20.11.2026;18;-1200,00;Аренда за ноябрь;ООО Бизнес-центр;7710140679\r\n"
).encode("cp1251")


def said(person: FakeUser, message_id: int | None = None) -> str:
    """The bot's last message to `person` (or message `message_id` as it is now), no-break
    spaces (in amounts) as spaces."""
    message = person.last_message()
    if message_id is not None:
        [message] = [m for m in person.tg.chat(person.id) if m.message_id == message_id]
    return message.body.replace("\xa0", " ")


def nb(label: str) -> str:
    """A label as the bot writes amounts: no-break spaces inside them."""
    return label.replace(" ", "\xa0")


def document(
    direction: Direction,
    amount: str,
    purpose: str,
    party: Counterparty,
    *,
    number: str = "1",
    on: date = DAY,
    account: str = OUR_ACCOUNT,
) -> TruthDocument:
    return TruthDocument(
        kind_text="Платежное поручение",
        kind=DocumentKind.PAYMENT_ORDER,
        number=number,
        written=on,
        booked=on,
        amount=Decimal(amount),
        direction=direction,
        account=account,
        counterparty=party,
        purpose=purpose,
    )


def credit(amount: str, purpose: str, party: Counterparty = CLIENT, **keys: Any) -> TruthDocument:
    return document(Direction.IN, amount, purpose, party, **keys)


def debit(amount: str, purpose: str, party: Counterparty = LANDLORD, **keys: Any) -> TruthDocument:
    return document(Direction.OUT, amount, purpose, party, **keys)


def statement_file(*documents: TruthDocument, opening: str = "1000000.00") -> bytes:
    """One account, one section a day from the first document's day to the last's."""
    days = sorted({d.booked for d in documents})
    sections, balance, day = [], Decimal(opening), days[0]
    while day <= days[-1]:
        section = TruthSection(
            documents[0].account,
            day,
            day,
            balance,
            tuple(d for d in documents if d.booked == day),
        )
        sections.append(section)
        balance, day = section.closing, day + timedelta(days=1)
    return render(TruthStatement(tuple(sections))).data


async def bank_deal(crm: Crm) -> FakeUser:
    """A deal «Д-17» of 150 000 ₽ closed with a 50 000 ₽ prepayment, both by bank transfer,
    and Анна the accountant."""
    crm.amo.leads[LEAD_ID] = closed_lead(price=150_000, prepayment="50000", pay_type="Безнал")
    assert await crm.post(STATUS_BODY) == 200
    assert await crm.process() == 1
    return await join(
        crm.telegram, crm.owner, "бухгалтер", ACCOUNTANT_ID, "Анна", username="accountant_anna"
    )


async def count(context: Any, model: Any) -> int:
    async with context.database.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def income_total(context: Any) -> int:
    async with context.database.read() as session:
        query = select(func.coalesce(func.sum(EntryRow.amount_minor), 0)).where(
            EntryRow.kind == "income"
        )
        return (await session.execute(query)).scalar_one()


def edits_of(person: FakeUser, message_id: int) -> list[str]:
    return [
        str(call.params.get("text", ""))
        for call in person.tg.calls_of("editMessageText")
        if int(call.params.get("message_id", 0)) == message_id
        and int(call.params.get("chat_id", 0)) == person.id
    ]


def paid_field(crm: Crm) -> Any:
    lead = crm.amo.leads[LEAD_ID]
    [paid] = [f for f in lead["custom_fields_values"] if f["field_id"] == account.PAID_FIELD]
    return paid["values"][0]["value"]


# -- importing and accepting -------------------------------------------------------------------


async def test_the_sure_lines_accepted_with_one_tap_pay_the_deal_in_the_crm(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statement_screens, "EDIT_INTERVAL", 0.0)  # every stage shown
    accountant = await bank_deal(crm)
    data = statement_file(
        credit("50000", "Предоплата по договору № Д-17 за кухню", number="11"),
        credit("100000", "Оплата по дог. Д-17, остаток", number="12"),
        credit("777", "Перевод по СБП", STRANGER, number="13"),
    )

    await accountant.send_document(data, "kl_to_1c.txt", "text/plain")
    result = accountant.last_message()
    shown = said(accountant)
    assert "Выписка загружена: 1С, 3 строки" in shown
    assert "✅ Верных: 2" in shown
    assert "🔍 На разбор: 0" in shown
    assert "❓ Без пары: 1" in shown
    assert f"🧾 {OUR_ACCOUNT}, 22.11.2026–22.11.2026" in shown
    assert "✅ остатки сходятся" in shown
    stages = edits_of(accountant, result.message_id)
    assert any("Прочитаны 3 строки" in text for text in stages), stages
    assert any("Сохранено новых строк: 3 из 3" in text for text in stages), stages
    assert accountant.buttons() == ["✅ Принять верные (2)", "🔍 Разобрать (1)"]
    accept = button_data(result, "✅ Принять верные (2)")

    await accountant.tap("✅ Принять верные (2)")
    done = said(accountant, result.message_id)
    assert "Приняты 2 строки" in done
    assert "подтверждено по сделкам: 150 000,00 ₽" in done
    assert await income_total(crm.context) == 15_000_000
    # A second tap on the same button: nothing left, nothing doubled.
    await accountant.tap_data(accept, message_id=result.message_id)
    assert "Верных строк к принятию нет" in said(accountant, result.message_id)
    assert await income_total(crm.context) == 15_000_000

    assert await crm.integration.perform_effects() > 0
    assert float(paid_field(crm)) == 150_000
    assert crm.amo.leads[LEAD_ID]["status_id"] == PAID_STATUS
    notes = [n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]
    assert len(notes) == 2

    # The same file again: told so, nothing changes.
    lines = await count(crm.context, StatementLineRow)
    await accountant.send_document(data, "kl_to_1c (1).txt", "text/plain")
    again = said(accountant)
    assert "Эту выписку уже загружали: Анна, 23.11.2026" in again
    assert "Ничего не изменилось" in again
    assert "❓ Без пары: 1" in again
    assert await count(crm.context, StatementLineRow) == lines
    assert await count(crm.context, StatementImportRow) == 1
    assert await income_total(crm.context) == 15_000_000


async def test_a_line_reviewed_and_others_assigned_by_hand(crm: Crm) -> None:
    accountant = await bank_deal(crm)
    data = statement_file(
        credit("50000", "Оплата за кухню", number="21"),
        credit("30000", "Частичная оплата", STRANGER, number="22"),
        debit("1200", "Аренда за ноябрь", number="23"),
        credit("10", "Возврат", STRANGER, number="24"),
    )
    await accountant.send_document(data, "выписка.txt", "application/octet-stream")
    assert "🔍 На разбор: 1" in said(accountant)
    assert "❓ Без пары: 3" in said(accountant)
    card = accountant.last_message()

    # The proposal, with its reasons, accepted as shown.
    await accountant.tap("🔍 Разобрать (4)")
    shown = said(accountant, card.message_id)
    assert "🔍 Строка 1 из 4" in shown
    assert "📥 Поступление 22.11.2026 — 50 000,00 ₽" in shown
    assert "От кого: Иванов Иван Иванович, ИНН 770512345678" in shown
    assert "Назначение: Оплата за кухню" in shown
    assert "Предлагаю: Кухня Ивановых (Д-17): Предоплата — 50 000,00 ₽" in shown
    assert "Почему: совпала только сумма" in shown
    first = accountant.last_message()
    accept = button_data(first, "✅ Принять")
    await accountant.tap("✅ Принять")
    shown = said(accountant, card.message_id)
    assert "Кухня Ивановых (Д-17): Предоплата — 50 000,00 ₽" in shown.split("\n\n")[0]
    assert "🔍 Строка 1 из 3" in shown
    assert "Частичная оплата" in shown
    assert "Пары не нашлось" in shown
    # The same button again: the line was dealt with, and by whom.
    await accountant.tap_data(accept, message_id=card.message_id)
    assert accountant.answers()[-1].startswith(
        "Эту строку выписки уже обработали: теперь она «принята» (Анна, "
    )

    # Money in, to a deal named by its contract number.
    await accountant.tap("✍️ Вручную")
    assert "Куда отнести эту строку?" in said(accountant, card.message_id)
    await accountant.tap("📄 Сделка по номеру договора")
    assert "Напишите номер договора" in said(accountant, card.message_id)
    await accountant.send("Д-18")
    assert "По договору «Д-18» не жду безналичных оплат" in said(accountant)
    await accountant.send("д 17")
    listed = said(accountant)
    assert "1. Кухня Ивановых (Д-17): Остаток — осталось 100 000,00 ₽ (часть суммы)" in listed
    assert "Предоплата" not in listed  # paid in full above
    await accountant.tap("✓ 1")
    shown = said(accountant)
    assert "Кухня Ивановых (Д-17): Остаток — 30 000,00 ₽" in shown
    assert "🔍 Строка 1 из 2" in shown
    assert "📤 Списание 22.11.2026 — 1 200,00 ₽" in shown

    # Money out, as a company expense under a category.
    await accountant.tap("✍️ Вручную")
    assert "📄 Заявка по номеру" in accountant.buttons()
    await accountant.tap("🔴 Расход компании")
    assert "Категория: расход компании" in said(accountant)
    await accountant.tap("Аренда")
    shown = said(accountant)
    assert "→ Аренда — 1 200,00 ₽" in shown
    assert "🔍 Строка 1 из 1" in shown

    # The last one: nothing to do for it.
    await accountant.tap("🚫 Пропустить")
    shown = said(accountant)
    assert "🚫 Пропущена: 📥 22.11.2026 10,00 ₽ Петров Пётр Петрович" in shown
    assert "🎉 Всё разобрано" in shown
    assert "☑️ Уже решено: 4" in shown

    assert await income_total(crm.context) == 8_000_000
    async with crm.context.database.read() as session:
        [rent] = await session.scalars(select(EntryRow).where(EntryRow.kind == "expense"))
    assert rent.amount_minor == -120_000
    payments = await crm.payments()
    assert payments["Остаток"].confirmed_amount_minor == 3_000_000
    assert await crm.integration.perform_effects() > 0
    assert float(paid_field(crm)) == 80_000
    assert len([n for n in crm.amo.notes if n["entity_id"] == LEAD_ID]) == 2


# -- refused files -----------------------------------------------------------------------------


async def test_a_refused_file_lists_every_error_and_imports_nothing(
    kopeyka: Running, accountant: FakeUser
) -> None:
    good = statement_file(credit("100", "Оплата", number="1"), credit("200", "Оплата", number="2"))
    broken = good.replace("Сумма=100.00".encode("cp1251"), "Сумма=abc".encode("cp1251"))
    broken = broken.replace("КонецФайла".encode("cp1251"), b"")

    await accountant.send_document(broken, "выписка.txt", "text/plain")
    shown = said(accountant)
    assert "⛔ Выписка не загружена — ничего не изменено." in shown
    assert "Сумма=abc: это не сумма" in shown
    assert "файл обрывается: нет строки КонецФайла" in shown
    assert shown.count("строка ") >= 2
    # A PDF named .txt, an empty file: not statements, and said what they are.
    await accountant.send_document(b"%PDF-1.4\n%%EOF\n", "выписка.txt", "text/plain")
    assert "Это не выписка: это PDF" in said(accountant)
    await accountant.send_document(b"   \n", "пусто.txt", "text/plain")
    assert "Это не выписка: файл пустой" in said(accountant)
    assert await count(kopeyka.context, StatementImportRow) == 0
    assert await count(kopeyka.context, StatementLineRow) == 0


async def test_many_errors_come_in_pages_and_past_a_few_pages_as_a_file(
    kopeyka: Running, accountant: FakeUser
) -> None:
    def with_bad_amounts(documents: int) -> bytes:
        many = [credit("1", "Оплата", number=str(n)) for n in range(1, documents + 1)]
        return statement_file(*many).replace(
            "Сумма=1.00".encode("cp1251"), b"\xd1\xf3\xec\xec\xe0=x"
        )

    before = len(accountant.tg.chat(accountant.id))
    await accountant.send_document(with_bad_amounts(300), "выписка.txt", "text/plain")
    pages = [m.body for m in accountant.tg.chat(accountant.id)[before:]]
    assert len(pages) > 1
    assert all(len(page) < 4096 for page in pages)
    assert all(page.startswith("⛔ Выписка не загружена") for page in pages)
    # Every bad amount and the section's total that no longer adds up, each once.
    listed = [line for page in pages for line in page.splitlines()[1:] if "строка" in line]
    assert len(listed) == len(set(listed)) == 301

    await accountant.send_document(with_bad_amounts(1000), "выписка.txt", "text/plain")
    sent = accountant.last_message()
    assert sent.document is not None
    assert sent.upload is not None
    assert len(sent.upload.data.decode().splitlines()) == 1001
    first = accountant.tg.chat(accountant.id)[-2].body
    assert "Полный список ошибок — в файле" in first
    assert len(first) < 4096
    assert await count(kopeyka.context, StatementImportRow) == 0


# -- a bank's table --------------------------------------------------------------------------


async def test_a_table_of_unknown_columns_asks_them_once_then_imports(
    kopeyka: Running, accountant: FakeUser
) -> None:
    # Without a word it is not taken for a statement: the accountant is told how to say so.
    await accountant.send_document(UNKNOWN_CSV, "export.csv", "text/csv")
    assert "колонки мне незнакомы" in said(accountant)
    assert await count(kopeyka.context, StatementImportRow) == 0

    await accountant.send_document(UNKNOWN_CSV, "export.csv", "text/csv", caption="выписка")
    card = accountant.last_message()
    shown = said(accountant)
    assert "Таблица банка, которую я ещё не знаю" in shown
    assert "1. Operation date: 20.11.2026, 20.11.2026" in shown
    assert "Какая колонка — дата операции?" in shown
    stale = button_data(card, "2 · Doc")
    await accountant.tap("1 · Operation date")
    assert "одной колонке со знаком или в двух" in said(accountant, card.message_id)
    # An answer to a question answered already, a column no table has: refused.
    await accountant.tap_data(stale, message_id=card.message_id)
    assert accountant.answers()[-1] == "Этот вопрос уже закрыт — пришлите файл ещё раз."
    check = stale.rsplit(":", 1)[1]
    forged = MappingCallback(step="money", column=7, check=check).pack()
    await accountant.tap_data(forged, message_id=card.message_id)
    assert accountant.answers()[-1] == "Кнопка не распознана — ничего не изменено."

    await accountant.tap("Одна колонка со знаком")
    assert "сумма (со знаком" in said(accountant, card.message_id)
    assert "1 · Operation date" not in accountant.buttons()  # taken already
    await accountant.tap("3 · Amount RUB")
    await accountant.tap("4 · Details")
    await accountant.tap("5 · Payer or payee")
    await accountant.tap("6 · Tax ID")
    assert "счёт контрагента" in said(accountant, card.message_id)
    await accountant.tap("Нет такой колонки")
    await accountant.tap("2 · Doc")
    shown = said(accountant, card.message_id)
    assert "• дата операции — 1 «Operation date»" in shown
    assert "• номер документа — 2 «Doc»" in shown
    await accountant.tap("✅ Верно, загрузить")
    shown = said(accountant, card.message_id)
    assert "Выписка загружена: CSV, 2 строки" in shown
    assert "приход 50 000,00 ₽, расход 1 200,00 ₽; остатков в таблице нет" in shown
    assert "❓ Без пары: 2" in shown

    # The same bank's next export: known by its columns, imported without a question.
    later = UNKNOWN_CSV.replace(b"20.11.2026;17", b"21.11.2026;19")
    await accountant.send_document(later, "export (2).csv", "text/csv")
    shown = said(accountant)
    assert "Выписка загружена: CSV, 2 строки" in shown
    assert "↩️ 1 строка уже была в прошлых выписках — пропущена" in shown
    assert await count(kopeyka.context, StatementImportRow) == 2
    assert await count(kopeyka.context, StatementLineRow) == 3


# -- what is refused -------------------------------------------------------------------------


async def test_forged_and_stale_buttons_and_a_manager_s_file_change_nothing(
    crm: Crm, manager: FakeUser
) -> None:
    accountant = await bank_deal(crm)
    data = statement_file(
        credit("777", "Перевод по СБП", STRANGER, number="31"),
        debit("1200", "Аренда за ноябрь", number="32"),
    )

    # A manager's file that reads as a statement is no statement of theirs to import.
    await manager.send_document(data, "kl_to_1c.txt", "text/plain")
    assert "Выписка" not in said(manager)
    assert await count(crm.context, StatementImportRow) == 0
    forged = StatementCallback(action=StatementAction.ACCEPT_SURE, scope=1).pack()
    await manager.tap_data(forged, message_id=manager.last_message().message_id)
    assert manager.answers()[-1] == "Это действие недоступно для вашей роли."

    await accountant.send_document(data, "kl_to_1c.txt", "text/plain")
    result = accountant.last_message()
    await accountant.tap("🔍 Разобрать (2)")
    shown = accountant.last_message()
    ignore = button_data(shown, "🚫 Пропустить")
    hand = button_data(shown, "✍️ Вручную")
    line_id, version = (int(part) for part in ignore.split(":")[2:4])

    def tap(action: StatementAction, **keys: int) -> StatementCallback:
        values = {"ident": line_id, "version": version, "scope": 1, **keys}
        return StatementCallback(action=action, **values)

    for callback, says in (
        (tap(StatementAction.ACCEPT, ident=987654), "Запись не найдена."),
        (tap(StatementAction.IGNORE, version=version + 3), "Эту строку выписки уже обработали"),
        (tap(StatementAction.REVIEW, page=-1), "Кнопка не распознана"),
        # Money in filed under an expense category: refused by the service.
        (tap(StatementAction.CATEGORY, value=await expense_category(crm)), "Эта категория"),
        (tap(StatementAction.PICK, value=987654), "Запись не найдена."),
    ):
        await accountant.tap_data(callback.pack(), message_id=result.message_id)
        assert accountant.answers()[-1].startswith(says), (callback, accountant.answers()[-1])
    assert await count(crm.context, EntryRow) == 0

    # Ignored once; the same tap again, and a card of it opened from an old button.
    await accountant.tap_data(ignore, message_id=result.message_id)
    assert "🚫 Пропущена" in said(accountant, result.message_id)
    await accountant.tap_data(ignore, message_id=result.message_id)
    assert accountant.answers()[-1].startswith(
        "Эту строку выписки уже обработали: теперь она «пропущена» (Анна, "
    )
    await accountant.tap_data(hand, message_id=result.message_id)
    assert accountant.answers()[-1].startswith("Эту строку выписки уже обработали")
    async with crm.context.database.read() as session:
        states = sorted(await session.scalars(select(StatementLineRow.state)))
    assert states == ["ignored", "unmatched"]


async def expense_category(crm: Crm) -> int:
    async with crm.context.database.unit_of_work() as uow:
        active = await crm.context.services(uow).categories.active()
    return active[0].id


async def test_the_owner_imports_too_and_her_receipts_stay_receipts(
    kopeyka: Running, owner: FakeUser
) -> None:
    receipt = b"%PDF-1.4\n% a receipt\n" + b"0" * 64 + b"\n%%EOF\n"
    await owner.send_document(receipt, "чек.pdf", "application/pdf", caption="1500 такси")
    assert "1 500,00 ₽" in said(owner)
    assert "Выписка" not in said(owner)

    await owner.send_document(statement_file(credit("100", "Оплата")), "1.txt", "text/plain")
    assert "Выписка загружена: 1С, 1 строка" in said(owner)
    assert await count(kopeyka.context, StatementImportRow) == 1

    # /help and the command menu name it; after it, a table of unknown columns is taken.
    await owner.send("/help")
    assert "/statement — банковская выписка" in said(owner)
    assert "«🏦 Платёжки в банк»" in said(owner)
    assert ("statement", "Загрузить банковскую выписку") in texts_for("ru").command_menu()
    assert ("statement", "Import a bank statement") in texts_for("en").command_menu()
    await owner.send("/statement")
    assert "Банковская выписка" in said(owner)
    assert "Ждут решения по всем выпискам: верных 0, на разбор 1." in said(owner)
    assert owner.buttons() == ["🔍 Разобрать (1)"]
    await owner.send_document(UNKNOWN_CSV, "export.csv", "text/csv")
    assert "Какая колонка — дата операции?" in said(owner)
    await owner.send("/cancel")
    assert await count(kopeyka.context, StatementImportRow) == 1


async def test_an_accountant_s_help_names_statements(
    kopeyka: Running, accountant: FakeUser
) -> None:
    await accountant.send("/help")
    assert "/statement — банковская выписка" in said(accountant)
    await accountant.send("/statement")
    assert "Строк выписок, ждущих решения, нет." in said(accountant)
    assert accountant.buttons() == []


async def test_a_line_confirmed_by_hand_meanwhile_is_reported_and_a_repeat_is_asked(
    crm: Crm,
) -> None:
    accountant = await bank_deal(crm)
    twice = credit("700", "Перевод по СБП", STRANGER, number="41")
    data = statement_file(
        credit("50000", "Предоплата по договору № Д-17", number="42"),
        credit("100000", "Перевод за кухню", number="43"),
        twice,
        twice,
    )
    await accountant.send_document(data, "kl_to_1c.txt", "text/plain")
    result = accountant.last_message()
    shown = said(accountant)
    assert "✅ Верных: 1" in shown
    assert "⚠️ Одинаковых строк в файле: 1" in shown

    # Before the tap, the prepayment is confirmed by hand on /bank.
    await accountant.send("/bank")
    await accountant.tap("✓ 1: поступило")
    await accountant.tap("Сегодня")
    await accountant.tap("Вся сумма")
    await accountant.tap("✅ Принять верные (1)", message_id=result.message_id)
    shown = said(accountant, result.message_id)
    assert "Не принята 1 строка — осталась на разбор:" in shown
    assert (
        "📥 22.11.2026 50 000,00 ₽ Иванов Иван Иванович — платёж уже подтверждён (Анна, " in shown
    )
    assert await income_total(crm.context) == 5_000_000  # once, by hand

    # Review: the line proposed for the rest, shown another candidate; the repeat asked.
    await accountant.tap("🔍 Разобрать (4)", message_id=result.message_id)
    shown = said(accountant, result.message_id)
    assert "Не принята с верными: платёж уже подтверждён" in shown
    await accountant.tap("🚫 Пропустить")
    shown = said(accountant, result.message_id)
    assert "Перевод за кухню" in shown
    await accountant.tap("🔁 Другой вариант")
    assert "Других вариантов не нашлось" in said(accountant, result.message_id)
    await accountant.tap("← К строке")
    await accountant.tap("✅ Принять")
    assert "Кухня Ивановых (Д-17): Остаток — 100 000,00 ₽" in said(accountant, result.message_id)
    shown = said(accountant, result.message_id)
    assert "Перевод по СБП" in shown
    await accountant.tap("⏭ Дальше")
    shown = said(accountant, result.message_id)
    assert "В файле две одинаковые строки" in shown
    await accountant.tap("✅ Отдельный платёж")
    shown = said(accountant, result.message_id)
    assert "Отмечена как отдельный платёж: 📥 22.11.2026 700,00 ₽" in shown
    await accountant.tap("🚫 Пропустить")
    await accountant.tap("🚫 Пропустить")
    assert "🎉 Всё разобрано" in said(accountant, result.message_id)
    assert await income_total(crm.context) == 15_000_000
    async with crm.context.database.read() as session:
        states = sorted(await session.scalars(select(StatementLineRow.state)))
    assert states == ["accepted", "ignored", "ignored", "ignored"]
