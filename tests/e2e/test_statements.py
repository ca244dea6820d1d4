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

from handlers import statements as statement_screens
from ledger.statements import Direction, DocumentKind
from ledger.storage.models import EntryRow, StatementImportRow, StatementLineRow
from tests.e2e import test_amocrm_deals as amocrm_deals
from tests.e2e.conftest import button_data
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
) -> TruthDocument:
    return TruthDocument(
        kind_text="Платежное поручение",
        kind=DocumentKind.PAYMENT_ORDER,
        number=number,
        written=on,
        booked=on,
        amount=Decimal(amount),
        direction=direction,
        account=OUR_ACCOUNT,
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
            OUR_ACCOUNT, day, day, balance, tuple(d for d in documents if d.booked == day)
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
