"""The confirmations page over HTTP (aiohttp's client on the real web app, the `desk` of the
confirmation tests): who sees which section, each action once, and every refusal — someone was
first, too much, zero, garbage, a stale form, an id not the viewer's — said and changing
nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from html import unescape

import pytest
from aiogram import Dispatcher
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from app.cabinet.pages.confirmations import BANK_PER_PAGE, MANAGERS_PER_PAGE
from app.cabinet.web import CabinetConfig
from app.webapp import create_web_app
from ledger.cabinet_links import LoginLinks
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, from_payload
from ledger.notices import Notification
from ledger.payments import PaymentStatus
from ledger.roles import Actor, Role
from ledger.storage.models import EntryRow, ExpectedPaymentRow
from ledger.users import Person
from tests.app.cabinet.test_auth import BOT_TOKEN
from tests.desk import Desk

PAGE = "/cabinet/confirmations"
LEAD = 4242
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Viewer:
    """One person's browser: their own cookies, signed in by a login link."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def page(self, query: str = "") -> tuple[int, str]:
        response = await self.client.get(f"{PAGE}{query}")
        return response.status, await response.text()

    async def csrf(self) -> str:
        _, html = await self.page()
        found = _CSRF.search(html)
        assert found is not None, html
        return found.group(1)

    async def post(
        self, path: str, data: dict[str, str] | list[tuple[str, str]] | None = None
    ) -> ClientResponse:
        form = list(data.items()) if isinstance(data, dict) else list(data or [])
        form.append(("csrf", await self.csrf()))
        return await self.client.post(f"{PAGE}{path}", data=form, allow_redirects=False)

    async def follow(self, response: ClientResponse) -> str:
        """The page a 303 leads to: what it says was done."""
        assert response.status == 303, await response.text()
        page = await self.client.get(response.headers["Location"])
        assert page.status == 200
        return said(await page.text())


def said(html: str) -> str:
    """The page's words, tags and no-break spaces dropped: what the person reads."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def flash(html: str) -> str:
    found = re.search(r'<p class="flash[^"]*" id="flash"[^>]*>(.*?)</p>', html, re.S)
    return said(found.group(1)) if found else ""


@pytest.fixture
async def sign_in(desk: Desk) -> AsyncIterator[Callable[[Actor], object]]:
    config = CabinetConfig(context=desk.context, bot_token=BOT_TOKEN, secure_cookie=False)
    async with AsyncExitStack() as stack:

        async def viewer(actor: Actor) -> Viewer:
            app = create_web_app(Dispatcher(), None, None, cabinet=config)
            client = await stack.enter_async_context(TestClient(TestServer(app)))
            async with desk.services() as services:
                token = LoginLinks(services.uow, desk.clock, desk.context.secret_key).issue(actor)
            answer = await client.get(f"/cabinet/login/{token}", allow_redirects=False)
            assert answer.status == 303
            return Viewer(client)

        yield viewer


async def payment(desk: Desk, payment_id: int) -> ExpectedPaymentRow:
    async with desk.database.read() as session:
        row = await session.get(ExpectedPaymentRow, payment_id)
        assert row is not None
        return row


async def incomes(desk: Desk) -> int:
    return await desk.count(EntryRow, EntryRow.kind == "income")


# -- who sees what ---------------------------------------------------------------------------


async def test_each_role_sees_what_it_confirms(desk: Desk, sign_in) -> None:
    await desk.deal(LEAD)
    cashier, accountant, owner = (
        await sign_in(desk.cashier),
        await sign_in(desk.accountant),
        await sign_in(desk.owner),
    )

    status, html = await cashier.page()
    assert status == 200
    assert 'id="cash"' in html
    assert 'id="bank"' not in html
    assert "Платежей у менеджеров: 1, на 50 000,00 ₽" in said(html)
    assert "Принять всё у Иван" in said(html)
    _, html = await accountant.page()
    assert 'id="bank"' in html
    assert 'id="cash"' not in html
    assert "Ждём платежей: 1, на 100 000,00 ₽" in said(html)
    assert "На расчётный счёт 1 · 100 000,00 ₽" in said(html)
    _, html = await owner.page()
    assert 'id="cash"' in html
    assert 'id="bank"' in html
    assert 'href="/cabinet/confirmations" aria-current="page"' in html


# -- cash ------------------------------------------------------------------------------------


async def test_the_cashier_accepts_a_payment_once(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    prepay = await payment(desk, ids["Предоплата"])
    cashier, other = await sign_in(desk.cashier), await sign_in(desk.cashier2)
    form = {"version": str(prepay.version)}

    page = await cashier.follow(await cashier.post(f"/cash/{prepay.id}/accept", form))

    assert "✅ Принято 50 000,00 ₽: «Кухня Ивановых, договор Д-4242», «Предоплата»." in page
    assert "Все наличные в кассе" in page
    assert (await payment(desk, prepay.id)).status == PaymentStatus.CONFIRMED
    # A second submit of the same form, and another cashier's of the page they had: told who.
    for viewer in (cashier, other):
        again = await viewer.follow(await viewer.post(f"/cash/{prepay.id}/accept", form))
        assert "Уже подтверждено: Кира Иванова, 23.11.2026" in again
    assert await incomes(desk) == 1
    [told] = [Notification.from_payload(row.payload) for row in await desk.outbox("notify")]
    assert told.chat_id == desk.manager.telegram_id  # the manager, in the chat
    # amoCRM gets what the chat's confirmation writes: the note, the deal's paid total, its status.
    effects = [from_payload(row.payload) for row in await desk.outbox("crm")]
    assert [type(effect) for effect in effects] == [AddDealNote, SetDealFields, MoveDeal]
    assert "кассир Кира Иванова" in effects[0].text


async def test_accept_all_of_a_manager_takes_what_was_shown(desk: Desk, sign_in) -> None:
    first = await desk.deal(LEAD)
    second = await desk.deal(LEAD + 1, name="Шкаф Петровых")
    cashier = await sign_in(desk.cashier)
    shown = [("payment", str(first["Предоплата"])), ("payment", str(second["Предоплата"]))]
    async with desk.services() as services:  # one of them accepted in the chat meanwhile
        await services.cash.accept_cash(desk.cashier2, second["Предоплата"])

    page = await cashier.follow(await cashier.post("/cash/accept", shown))

    assert "Принято 50 000,00 ₽: 1 платёж. Ещё 1 уже подтвердили до вас." in page
    again = await cashier.follow(await cashier.post("/cash/accept", shown))
    assert "Уже подтверждено: Кира Иванова" in again
    assert await incomes(desk) == 2


async def test_a_hand_over_accepted_for_less_then_refused_the_second_time(
    desk: Desk, sign_in
) -> None:
    await desk.deal(LEAD)
    await desk.deal(LEAD + 1, name="Шкаф Петровых", prepay="30000")
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
    cashier = await sign_in(desk.cashier)
    _, html = await cashier.page()
    assert f'data-handover="{handover.id}"' in html
    assert "Сдачи, ждут кассира 1 · 80 000,00 ₽" in said(html)

    for typed, says in (
        ("", "Укажите сумму."),
        ("абв", "Не получилось прочитать сумму"),
        ("0", "Сумма должна быть больше нуля."),
        ("1,505", "больше двух знаков копеек"),
        ("90 000", "Это больше, чем сдано: в этой сдаче 80 000,00 ₽."),
    ):
        answer = await cashier.post(f"/handover/{handover.id}/less", {"amount": typed})
        assert answer.status == 400, typed
        html = await answer.text()
        assert says in said(html), typed
        assert '<details class="less" open>' in html
    assert await incomes(desk) == 0

    page = await cashier.follow(
        await cashier.post(f"/handover/{handover.id}/less", {"amount": "70 000"})
    )
    assert "Принято 70 000,00 ₽ из 80 000,00 ₽ от Иван. Разница 10 000,00 ₽" in page
    assert "Платежей у менеджеров: 1, на 10 000,00 ₽" in page
    for path, form in (
        (f"/handover/{handover.id}/less", {"amount": "1"}),
        (f"/handover/{handover.id}/accept", {}),
    ):
        again = await cashier.follow(await cashier.post(path, form))
        assert "Эту сдачу уже принял(а) Кира Иванова, 23.11.2026" in again
    assert await incomes(desk) == 2


async def test_one_payment_of_a_hand_over(desk: Desk, sign_in) -> None:
    first = await desk.deal(LEAD)
    second = await desk.deal(LEAD + 1, name="Шкаф Петровых")
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
    cashier = await sign_in(desk.cashier)
    item = f"/handover/{handover.id}/item/{first['Предоплата']}/accept"

    page = await cashier.follow(await cashier.post(item))
    assert "✅ Принято 50 000,00 ₽: «Кухня Ивановых" in page
    again = await cashier.follow(await cashier.post(item))
    assert "Уже подтверждено: Кира Иванова" in again
    # A payment that is no item of this hand-over, and one that is not a hand-over at all.
    alien = await cashier.post(f"/handover/{handover.id}/item/{second['Остаток']}/accept")
    assert alien.status == 404
    assert (await cashier.post(f"/handover/{handover.id + 7}/accept")).status == 404
    assert await incomes(desk) == 1


# -- bank ------------------------------------------------------------------------------------


async def test_the_accountant_confirms_part_once(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    rest = await payment(desk, ids["Остаток"])
    accountant = await sign_in(desk.accountant)
    form = {"version": str(rest.version), "day": "2026-11-19", "amount": "40 000"}

    page = await accountant.follow(await accountant.post(f"/bank/{rest.id}/confirm", form))

    assert "✅ Подтверждено 40 000,00 ₽ — Кухня Ивановых, договор Д-4242, Остаток" in page
    assert "поступление 19.11.2026. Ждём ещё 60 000,00 ₽." in page
    assert "получено 40 000,00 ₽ из 100 000,00 ₽" in page
    again = await accountant.follow(await accountant.post(f"/bank/{rest.id}/confirm", form))
    assert "Уже подтверждено: Анна Петрова, 23.11.2026" in again
    row = await payment(desk, rest.id)
    assert (row.status, row.confirmed_amount_minor) == (PaymentStatus.PARTLY_CONFIRMED, 4_000_000)
    assert await incomes(desk) == 1


@pytest.mark.parametrize(
    ("day", "amount", "says"),
    [
        ("", "абв", "Не получилось прочитать сумму"),
        ("", "0", "Сумма должна быть больше нуля."),
        ("", "-5", "Сумма должна быть больше нуля."),
        ("", "100 000,01", "Это больше, чем ждём: по платежу осталось 100 000,00 ₽."),
        ("2026-11-24", "", "Дата поступления не может быть в будущем."),
        ("31.02.2026", "", "Не понял дату"),
        ("вчера; drop table", "", "Не понял дату"),
    ],
)
async def test_bad_input_is_told_next_to_the_form(desk: Desk, sign_in, day, amount, says) -> None:
    ids = await desk.deal(LEAD)
    rest = await payment(desk, ids["Остаток"])
    accountant = await sign_in(desk.accountant)
    form = {"version": str(rest.version), "day": day, "amount": amount}

    answer = await accountant.post(f"/bank/{rest.id}/confirm", form)

    assert answer.status == 400
    html = await answer.text()
    assert says in said(html)
    assert '<details class="confirm" open>' in html
    assert f'value="{amount}"' in html  # what was typed, to mend
    assert (await payment(desk, rest.id)).version == rest.version
    assert await incomes(desk) == 0


async def test_a_form_without_its_version_is_stale(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    accountant = await sign_in(desk.accountant)
    for version in ("", "x", "99"):
        page = await accountant.follow(
            await accountant.post(f"/bank/{ids['Остаток']}/confirm", {"version": version})
        )
        assert "Платёж изменился, пока вы на него смотрели." in page
    assert await incomes(desk) == 0


async def test_not_received_is_said_once(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    accountant = await sign_in(desk.accountant)
    path = f"/bank/{ids['Остаток']}/not-received"

    empty = await accountant.post(path, {"comment": "   "})
    assert empty.status == 400
    assert "без комментария не отметить" in said(await empty.text())
    long = await accountant.post(path, {"comment": "x" * 1001})
    assert "до 1000 символов" in said(await long.text())
    assert await desk.outbox("notify") == []

    for _ in range(2):  # a double submit
        page = await accountant.follow(await accountant.post(path, {"comment": "нет в выписке"}))
        assert "Отмечено «не поступило» — Кухня Ивановых" in page
        assert "Не поступило: нет в выписке" in page
    assert len(await desk.outbox("notify")) == 1


async def test_the_owner_does_both(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    owner = await sign_in(desk.owner)
    prepay, rest = await payment(desk, ids["Предоплата"]), await payment(desk, ids["Остаток"])

    cash = await owner.follow(
        await owner.post(f"/cash/{prepay.id}/accept", {"version": str(prepay.version)})
    )
    bank = await owner.follow(
        await owner.post(f"/bank/{rest.id}/confirm", {"version": str(rest.version)})
    )

    assert "✅ Принято 50 000,00 ₽" in cash
    assert "✅ Подтверждено 100 000,00 ₽" in bank
    assert "Безналичных платежей не ждём." in bank
    assert await incomes(desk) == 2


# -- not theirs, not a form ----------------------------------------------------------------


async def test_an_id_not_the_viewers_answers_404_and_changes_nothing(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    cash, bank = ids["Предоплата"], ids["Остаток"]
    cashier, accountant = await sign_in(desk.cashier), await sign_in(desk.accountant)
    async with desk.services() as services:
        handover = await services.cash.start_handover(desk.manager)
    told = len(await desk.outbox("notify"))  # the cash desk, of the hand-over

    for viewer, path, form in (
        (accountant, f"/cash/{cash}/accept", {"version": "1"}),
        (accountant, "/cash/accept", {"payment": str(cash)}),
        (accountant, f"/handover/{handover.id}/accept", {}),
        (accountant, f"/handover/{handover.id}/less", {"amount": "1"}),
        (cashier, f"/bank/{bank}/confirm", {"version": "1"}),
        (cashier, f"/bank/{bank}/not-received", {"comment": "нет"}),
        (cashier, f"/cash/{bank}/accept", {"version": "1"}),
        (cashier, "/cash/accept", {"payment": str(bank)}),
        (accountant, f"/bank/{cash}/confirm", {"version": "1"}),
        (cashier, "/cash/999999/accept", {"version": "1"}),
        (cashier, "/cash/12abc/accept", {"version": "1"}),
        (cashier, "/cash/99999999999999999999999/accept", {"version": "1"}),
        (cashier, "/cash/accept", {"payment": "x"}),
        (cashier, "/cash/accept", {}),
    ):
        answer = await viewer.post(path, form)
        assert answer.status == 404, path
        assert "Такой записи нет или она вам недоступна." in said(await answer.text())
    assert await incomes(desk) == 0
    assert len(await desk.outbox("notify")) == told


async def test_a_post_without_csrf_changes_nothing(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    cashier = await sign_in(desk.cashier)
    answer = await cashier.client.post(
        f"{PAGE}/cash/{ids['Предоплата']}/accept", data={"version": "1"}, allow_redirects=False
    )
    assert answer.status == 403
    assert await incomes(desk) == 0


async def test_a_role_that_confirms_nothing_is_refused(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    async with desk.services() as services:
        invite = await services.invites.create_invite(desk.owner, Role.APPROVER)
        approver, _ = await services.invites.accept_invite(Person(7770009, "Вера"), invite.token)
    viewer = await sign_in(approver)

    status, html = await viewer.page()
    assert status == 403
    assert "Эта страница не для вашей роли." in said(html)
    answer = await viewer.post(f"/cash/{ids['Предоплата']}/accept", {"version": "1"})
    assert answer.status == 403
    assert await incomes(desk) == 0


async def test_a_crafted_flash_is_not_shown(desk: Desk, sign_in) -> None:
    ids = await desk.deal(LEAD)
    cashier = await sign_in(desk.cashier)
    prepay = await payment(desk, ids["Предоплата"])
    done = await cashier.post(f"/cash/{prepay.id}/accept", {"version": str(prepay.version)})
    location = done.headers["Location"]
    assert flash(await (await cashier.client.get(location)).text()).startswith("✅ Принято")
    forged = re.sub(r"sig=[0-9a-f]+", "sig=" + "0" * 32, location)
    assert flash(await (await cashier.client.get(forged)).text()) == ""
    # Nor is one made for another session.
    other = await sign_in(desk.cashier2)
    assert flash(await (await other.client.get(location)).text()) == ""


# -- long lists ------------------------------------------------------------------------------


async def test_long_lists_page_and_keep_their_totals(desk: Desk, sign_in) -> None:
    deals = BANK_PER_PAGE + 3
    for number in range(deals):
        desk.clock.advance(timedelta(minutes=1))
        await desk.deal(LEAD + number, name=f"Сделка {number:02d}", price="60000")
    accountant = await sign_in(desk.accountant)

    _, first = await accountant.page()
    _, second = await accountant.page("?bank_page=1")
    _, beyond = await accountant.page("?bank_page=99&cash_page=zz")

    summary = f"Ждём платежей: {deals}, на {deals * 10} 000,00 ₽"
    assert summary in said(first)
    assert summary in said(second)
    assert first.count('class="item" data-payment=') == BANK_PER_PAGE
    assert second.count('class="item" data-payment=') == 3
    assert "Страница 2 из 2" in said(second)
    assert 'rel="prev" href="?bank_page=0#bank"' in second
    assert beyond.count('class="item" data-payment=') == 3  # the last page


async def test_cash_of_many_managers_pages(desk: Desk, sign_in) -> None:
    holders = MANAGERS_PER_PAGE + 1
    for number in range(holders):  # each deal's manager another amoCRM user
        await desk.deal(LEAD + number, prepay="1000", price="1000", responsible=900 + number)
    cashier = await sign_in(desk.cashier)

    _, first = await cashier.page()
    _, second = await cashier.page("?cash_page=1&bank_page=3")

    assert f"Платежей у менеджеров: {holders}, на {holders} 000,00 ₽" in said(second)
    assert first.count('class="item" data-manager=') == MANAGERS_PER_PAGE
    assert second.count('class="item" data-manager=') == 1
    assert 'rel="next" href="?cash_page=1#cash"' in first
    # A form on the second page brings the viewer back to it.
    payment_id = re.findall(r'action="/cabinet/confirmations/cash/(\d+)/accept"', second)[0]
    answer = await cashier.post(
        f"/cash/{payment_id}/accept", {"version": "1", "cash_page": "1", "bank_page": "x"}
    )
    assert answer.headers["Location"].startswith(f"{PAGE}?cash_page=1&done=")
