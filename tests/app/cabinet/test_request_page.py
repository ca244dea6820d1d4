"""One request in the cabinet over HTTP (aiohttp's client on the real web app, the bot against
the fake Telegram): who sees which request, the invoice inline and to download, and every
action's refusals and bad input — each answered in words or with 404, nothing changed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from app.cabinet.web import CabinetConfig
from app.webapp import create_web_app
from ledger.attachments import MAX_RECEIPT_BYTES, ReceiptKind
from ledger.cabinet_links import LoginLinks
from ledger.requests.edits import SetInvoice
from ledger.requests.files import StoredFile
from ledger.roles import Actor
from ledger.storage.models import (
    PaymentRequestRow,
    RequestCommentRow,
    RequestHistoryRow,
    RequestPaymentRow,
)
from tests.app.cabinet.test_auth import BOT_TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.office import TODAY, Office, rub

PDF = b"%PDF-1.4\n% an invoice for the cabinet\n" + b"0" * 300 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ORDER = b"%PDF-1.4\n% a payment order\n" + b"1" * 100 + b"\n%%EOF\n"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Cabinet:
    """The cabinet's HTTP side, signed in as one person at a time."""

    def __init__(self, client: TestClient, office: Office, telegram: FakeTelegram) -> None:
        self.client = client
        self.office = office
        self.telegram = telegram
        self.csrf = ""

    async def sign_in(self, actor: Actor) -> None:
        self.client.session.cookie_jar.clear()
        async with self.office.services() as services:
            token = LoginLinks(
                services.uow, self.office.clock, self.office.context.secret_key
            ).issue(actor)
        answer = await self.client.get(f"/cabinet/login/{token}")
        assert answer.status == 200
        self.csrf = CSRF.findall(await answer.text())[0]

    async def get(self, path: str, **keys: Any) -> Any:
        return await self.client.get(f"/cabinet/requests/{path}", allow_redirects=False, **keys)

    async def post(self, path: str, data: Any, *, csrf: bool = True) -> Any:
        if isinstance(data, dict):
            data = {**data, **({"csrf": self.csrf} if csrf else {})}
        return await self.client.post(f"/cabinet/requests/{path}", data=data, allow_redirects=False)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def cabinet(office: Office, telegram: FakeTelegram) -> AsyncIterator[Cabinet]:
    api = TelegramAPIServer.from_base(telegram.base_url)
    bot = Bot(telegram.token, session=AiohttpSession(api=api))
    config = CabinetConfig(
        context=office.context, bot_token=BOT_TOKEN, secure_cookie=False, bot=bot
    )
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    try:
        async with TestClient(TestServer(app)) as client:
            yield Cabinet(client, office, telegram)
    finally:
        await bot.session.close()


async def with_invoice(
    office: Office, telegram: FakeTelegram, request_id: int, data: bytes, name: str, path: str
) -> None:
    """The requester's draft gets an invoice the fake Telegram holds, as an upload left it."""
    file_id = telegram.add_file(data, file_path=path)
    file = StoredFile(
        file_id,
        ReceiptKind.DOCUMENT,
        "application/pdf" if data == PDF else "image/png",
        len(data),
        hashlib.sha256(data).hexdigest(),
        name,
    )
    async with office.services() as services:
        await services.requests.edit(office.requester, request_id, SetInvoice(file))


async def row(office: Office, request_id: int) -> PaymentRequestRow:
    async with office.database.read() as session:
        found = await session.get(PaymentRequestRow, request_id)
    assert found is not None
    return found


async def counts(office: Office) -> tuple[int, ...]:
    """The rows an action would add: payments, comments, history lines."""
    async with office.database.read() as session:
        return tuple(
            [
                (await session.execute(select(func.count()).select_from(table))).scalar_one()
                for table in (RequestPaymentRow, RequestCommentRow, RequestHistoryRow)
            ]
        )


# -- who sees what ------------------------------------------------------------------------------


async def test_the_requester_sees_their_own_request_with_every_detail(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.requester)
    answer = await cabinet.get(str(request.id))
    assert answer.status == 200
    page = await answer.text()
    for shown in (
        "ООО «Ромашка»",
        "ИНН 7707083893",
        "КПП 773601001",
        "40702810938000012345",
        "30101810400000000225",
        "БИК 044525225",
        "ПАО Сбербанк",
        "Маркетинг",
        "Центральный, Казань",
        "Оплата по счёту №17 от 20.11.2026",
        "Маша Смирнова",
    ):
        assert shown in page, shown
    assert 'id="decide"' not in page
    assert 'id="pay"' not in page
    assert 'id="comment-form"' in page


@pytest.mark.parametrize("who", ["requester2", "accountant", "approver"])
async def test_another_persons_request_is_not_found_for_them(
    cabinet: Cabinet, office: Office, who: str
) -> None:
    request = await office.submitted()  # submitted: the accountant sees approved ones only
    await cabinet.sign_in(getattr(office, who))
    answer = await cabinet.get(str(request.id))
    assert answer.status == 404
    page = await answer.text()
    assert 'data-reason="missing"' in page
    assert "ООО «Ромашка»" not in page


async def test_a_draft_of_someone_else_and_a_missing_id_are_not_found(
    cabinet: Cabinet, office: Office
) -> None:
    draft = await office.draft()
    await cabinet.sign_in(office.accountant)
    for path in (str(draft.id), "999999", f"{draft.id}/invoice", f"{draft.id}/invoice/download"):
        answer = await cabinet.get(path)
        assert answer.status == 404, path
        assert 'data-reason="missing"' in await answer.text()


async def test_actions_on_a_request_out_of_sight_are_not_found_and_change_nothing(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.requester2)
    before = await counts(office)
    for action, data in (
        ("approve", {}),
        ("reject", {"reason": "нет"}),
        ("return", {"comment": "нет"}),
        ("comment", {"text": "чужое"}),
        ("pay", {"paid_on": TODAY.isoformat(), "no_order": "1"}),
    ):
        answer = await cabinet.post(f"{request.id}/{action}", data)
        assert answer.status == 404, action
    assert await counts(office) == before
    assert (await row(office, request.id)).status == "submitted"


async def test_a_post_without_csrf_is_refused_and_changes_nothing(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.owner)
    answer = await cabinet.post(f"{request.id}/approve", {}, csrf=False)
    assert answer.status == 403
    forged = await cabinet.post(f"{request.id}/approve", {"csrf": "forged"}, csrf=False)
    assert forged.status == 403
    assert (await row(office, request.id)).status == "submitted"


async def test_without_a_session_the_page_sends_to_sign_in(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    answer = await cabinet.get(str(request.id))
    assert (answer.status, answer.headers["Location"]) == (303, "/cabinet/signin")


# -- the invoice ---------------------------------------------------------------------------------


async def test_a_pdf_invoice_is_framed_inline_and_downloaded_under_its_name(
    cabinet: Cabinet, office: Office, telegram: FakeTelegram
) -> None:
    draft = await office.draft()
    await with_invoice(office, telegram, draft.id, PDF, "счёт 17.pdf", "documents/x.pdf")
    async with office.services() as services:
        await services.requests.submit(office.requester, draft.id)
    await cabinet.sign_in(office.owner)
    page = await (await cabinet.get(str(draft.id))).text()
    assert f'<iframe class="invoice" src="/cabinet/requests/{draft.id}/invoice"' in page
    shown = await cabinet.get(f"{draft.id}/invoice")
    assert shown.status == 200
    assert shown.headers["Content-Type"] == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    policy = shown.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "telegram" not in policy
    assert await shown.read() == PDF
    saved = await cabinet.get(f"{draft.id}/invoice/download")
    disposition = saved.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%2017.pdf" in disposition
    assert await saved.read() == PDF


async def test_an_image_invoice_is_an_image(
    cabinet: Cabinet, office: Office, telegram: FakeTelegram
) -> None:
    draft = await office.draft()
    await with_invoice(office, telegram, draft.id, PNG, "скан.png", "photos/x.png")
    await cabinet.sign_in(office.requester)
    page = await (await cabinet.get(str(draft.id))).text()
    assert f'<img class="invoice" src="/cabinet/requests/{draft.id}/invoice"' in page
    shown = await cabinet.get(f"{draft.id}/invoice")
    assert shown.headers["Content-Type"] == "image/png"


async def test_an_invoice_whose_bytes_are_no_receipt_is_only_downloaded(
    cabinet: Cabinet, office: Office, telegram: FakeTelegram
) -> None:
    draft = await office.draft()
    await with_invoice(
        office, telegram, draft.id, b"<html><script>x</script>", "a.pdf", "documents/a.pdf"
    )
    await cabinet.sign_in(office.requester)
    shown = await cabinet.get(f"{draft.id}/invoice")
    assert shown.headers["Content-Type"] == "application/octet-stream"
    assert shown.headers["Content-Disposition"].startswith("attachment;")


async def test_a_request_without_an_invoice_has_none_to_show(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.requester)
    assert (await cabinet.get(f"{request.id}/invoice")).status == 404
    assert "не приложен" in await (await cabinet.get(str(request.id))).text()


# -- deciding ------------------------------------------------------------------------------------


async def test_the_owner_approves_and_is_told_on_the_page(cabinet: Cabinet, office: Office) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.owner)
    page = await (await cabinet.get(str(request.id))).text()
    assert 'id="decide"' in page
    answer = await cabinet.post(f"{request.id}/approve", {"version": str(request.version)})
    assert answer.status == 303
    assert answer.headers["Location"] == f"/cabinet/requests/{request.id}?done=approved"
    after = await (await cabinet.get(f"{request.id}?done=approved")).text()
    assert "согласована — бухгалтер получил её к оплате" in after
    assert (await row(office, request.id)).status == "approved"
    told = [n for n in await office.notices() if n.chat_id == office.requester.telegram_id]
    assert told


async def test_approving_what_someone_else_approved_first_is_refused_in_words(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    async with office.services() as services:
        await services.requests.approve(office.owner, request.id)
    before = await counts(office)
    await cabinet.sign_in(office.owner)
    answer = await cabinet.post(f"{request.id}/approve", {"version": str(request.version)})
    assert answer.status == 409
    page = await answer.text()
    assert "Заявку уже изменили" in page
    assert 'id="problem"' in page
    assert await counts(office) == before


@pytest.mark.parametrize(("action", "field"), [("reject", "reason"), ("return", "comment")])
async def test_a_rejection_or_a_return_needs_its_words(
    cabinet: Cabinet, office: Office, action: str, field: str
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.owner)
    data = {"version": str(request.version), field: "   "}
    answer = await cabinet.post(f"{request.id}/{action}", data)
    assert answer.status == 400
    assert "Напишите причину" in await answer.text()
    assert (await row(office, request.id)).status == "submitted"
    data[field] = "Поставщик дал скидку"
    done = await cabinet.post(f"{request.id}/{action}", data)
    assert done.status == 303
    expected = "rejected" if action == "reject" else "returned"
    assert (await row(office, request.id)).status == expected


async def test_the_requester_cannot_decide_their_own_request(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.requester)
    answer = await cabinet.post(f"{request.id}/approve", {"version": str(request.version)})
    assert answer.status == 403
    assert "недоступно для вашей роли" in await answer.text()
    assert (await row(office, request.id)).status == "submitted"


# -- paying --------------------------------------------------------------------------------------


def pay_form(**fields: str | bytes) -> FormData:
    form = FormData()
    for key, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(key, value, filename="пп 341.pdf", content_type="application/pdf")
        else:
            form.add_field(key, value)
    return form


async def pay(
    cabinet: Cabinet, request_id: int, *, csrf: bool = True, **fields: str | bytes
) -> Any:
    if csrf:
        fields = {"csrf": cabinet.csrf, **fields}
    return await cabinet.post(f"{request_id}/pay", pay_form(**fields), csrf=False)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"paid_on": "2026-11-24", "no_order": "1"}, "не может быть в будущем"),
        ({"paid_on": "31.02.2026", "no_order": "1"}, "Такого дня нет"),
        ({"paid_on": "", "no_order": "1"}, "Не понял дату"),
        ({"paid_on": "2026-11-23", "amount": "20000", "no_order": "1"}, "больше, чем осталось"),
        ({"paid_on": "2026-11-23", "amount": "0", "no_order": "1"}, "не может быть нулевой"),
        ({"paid_on": "2026-11-23", "amount": "сто", "no_order": "1"}, "Не вижу суммы"),
        ({"paid_on": "2026-11-23"}, "Приложите файл платёжного поручения"),
        ({"paid_on": "2026-11-23", "no_order": "1", "order": ORDER}, "Приложите файл"),
        ({"paid_on": "2026-11-23", "order": b"MZ\x90\x00 not a pdf"}, "Такой файл не подойдёт"),
        ({"paid_on": "2026-11-23", "order": b"%PDF" + b"0" * MAX_RECEIPT_BYTES}, "больше 20 МБ"),
    ],
)
async def test_a_bad_payment_is_refused_in_words_and_changes_nothing(
    cabinet: Cabinet, office: Office, telegram: FakeTelegram, fields: dict[str, Any], words: str
) -> None:
    request = await office.approved()
    telegram.user(office.accountant.telegram_id, "Анна")
    await cabinet.sign_in(office.accountant)
    before = await counts(office)
    answer = await pay(cabinet, request.id, version=str(request.version), **fields)
    assert answer.status in (400, 413)
    page = await answer.text()
    assert words in page.replace("\xa0", " ")
    assert 'id="problem"' in page
    assert await counts(office) == before
    assert (await row(office, request.id)).status == "approved"
    assert not telegram.chat(office.accountant.telegram_id)  # no file went to Telegram


async def test_a_payment_with_its_order_is_recorded_and_the_order_kept(
    cabinet: Cabinet, office: Office, telegram: FakeTelegram
) -> None:
    request = await office.approved()
    version = (await row(office, request.id)).version
    anna = telegram.user(office.accountant.telegram_id, "Анна")
    await cabinet.sign_in(office.accountant)
    answer = await pay(
        cabinet,
        request.id,
        version=str(version),
        paid_on="2026-11-23",
        amount="5 000",
        order=ORDER,
    )
    assert answer.status == 303, await answer.text()
    assert answer.headers["Location"].endswith("?done=paid")
    current = await row(office, request.id)
    assert (current.status, current.paid_minor) == ("partly_paid", 500_000)
    page = await (await cabinet.get(f"{request.id}?done=paid")).text()
    assert "Оплата записана" in page
    assert "Осталось оплатить 7" in page.replace("\xa0", " ")
    # The order went to Telegram in Анна's chat, and comes back from the payment's link.
    assert anna.last_message().upload is not None
    async with office.database.read() as session:
        [payment] = list(await session.scalars(select(RequestPaymentRow)))
    assert payment.order_sha256 == hashlib.sha256(ORDER).hexdigest()
    assert payment.order_type == "application/pdf"
    order = await cabinet.get(f"{request.id}/payments/{payment.id}/order")
    assert await order.read() == ORDER
    assert order.headers["Content-Disposition"].startswith("attachment;")
    # A stale form (drawn before this payment) is refused: the request moved.
    again = await pay(cabinet, request.id, version=str(version), paid_on="2026-11-23", no_order="1")
    assert again.status == 409
    assert (await row(office, request.id)).paid_minor == 500_000


async def test_the_rest_without_an_order_pays_it_in_full(cabinet: Cabinet, office: Office) -> None:
    request = await office.approved()
    version = (await row(office, request.id)).version
    await cabinet.sign_in(office.owner)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    answer = await pay(cabinet, request.id, version=str(version), paid_on=yesterday, no_order="1")
    assert answer.status == 303
    current = await row(office, request.id)
    assert (current.status, current.paid_minor) == ("paid", 1_200_000)
    page = await (await cabinet.get(f"{request.id}?done=paid")).text()
    assert "Без платёжки" in page
    assert 'id="pay"' not in page


async def test_a_foreign_currency_request_needs_its_rubles(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.approved(amount=rub("100", "USD"))
    version = (await row(office, request.id)).version
    await cabinet.sign_in(office.accountant)
    fields = {"version": str(version), "paid_on": "2026-11-23", "no_order": "1"}
    refused = await pay(cabinet, request.id, **fields)
    assert refused.status == 400
    assert "сколько рублей" in await refused.text()
    assert (await row(office, request.id)).status == "approved"
    done = await pay(cabinet, request.id, rubles="9 150,50", **fields)
    assert done.status == 303
    current = await row(office, request.id)
    assert (current.status, current.paid_rub_minor) == ("paid", 915_050)


async def test_a_request_not_approved_cannot_be_paid(cabinet: Cabinet, office: Office) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.owner)
    answer = await pay(cabinet, request.id, paid_on="2026-11-23", no_order="1")
    assert answer.status == 400
    assert "не одобрена" in await answer.text()
    assert (await row(office, request.id)).status == "submitted"


# -- comments ------------------------------------------------------------------------------------


async def test_a_comment_joins_the_thread_and_an_empty_one_is_refused(
    cabinet: Cabinet, office: Office
) -> None:
    request = await office.submitted()
    await cabinet.sign_in(office.requester)
    before = await counts(office)
    empty = await cabinet.post(f"{request.id}/comment", {"text": "  "})
    assert empty.status == 400
    assert "Пустой ответ" in await empty.text()
    long = await cabinet.post(f"{request.id}/comment", {"text": "а" * 5000})
    assert long.status == 400
    assert "Слишком длинно" in await long.text()
    assert await counts(office) == before
    done = await cabinet.post(f"{request.id}/comment", {"text": "Счёт <b>срочный</b>"})
    assert done.status == 303
    page = await (await cabinet.get(f"{request.id}?done=commented")).text()
    assert "Комментарий добавлен" in page
    assert "Счёт &lt;b&gt;срочный&lt;/b&gt;" in page
