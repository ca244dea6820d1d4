"""The cabinet's statements page over HTTP (aiohttp's client on the real web app): what an
upload refuses and stores nothing for (no CSRF, another role, too big, empty, no statement, a
1C file with errors, a table of unknown columns), a statement imported by a background job
whose stages are polled, the same file again, and ids not the viewer's answering 404."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Dispatcher
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from app.cabinet.pages import statements as page
from app.cabinet.web import CabinetConfig
from app.webapp import create_web_app
from ledger.cabinet_links import LoginLinks
from ledger.roles import Actor
from ledger.statement_imports import MAX_STATEMENT_BYTES
from ledger.storage.models import (
    PaymentConfirmationRow,
    StatementImportRow,
    StatementLineRow,
)
from tests.app.cabinet.test_auth import BOT_TOKEN
from tests.ledger.test_statement_imports import a_deal, credit, file_of
from tests.ledger.test_statement_review import UNKNOWN_CSV
from tests.office import Office

CSRF = re.compile(r'data-csrf="([^"]+)"')


class Viewer:
    """A signed-in browser of one person: their cookie and CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, office: Office, actor: Actor) -> Viewer:
        async with office.database.unit_of_work() as uow:
            token = LoginLinks(uow, office.clock, office.context.secret_key).issue(actor)
        answer = await self.client.get(f"/cabinet/login/{token}", allow_redirects=False)
        assert answer.status == 303
        home = await self.client.get("/cabinet/")
        found = CSRF.search(await home.text())
        assert found is not None
        self.csrf = found.group(1)
        return self

    async def upload(
        self, data: bytes, name: str = "выписка.txt", *, csrf: bool = True
    ) -> tuple[int, dict[str, Any]]:
        form = FormData()
        form.add_field("file", data, filename=name, content_type="text/plain")
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        answer = await self.client.post("/cabinet/statements/upload", data=form, headers=headers)
        body = await answer.json() if answer.content_type == "application/json" else {}
        return answer.status, body

    async def finished(self, poll: str) -> dict[str, Any]:
        """The job polled as the page polls it, until it is no longer running."""
        for _ in range(500):
            answer = await self.client.get(poll)
            assert answer.status == 200
            state = await answer.json()
            if state["state"] != "running":
                return state
            await asyncio.sleep(0.01)
        raise AssertionError("the import never finished")


@pytest.fixture
async def client(office: Office) -> AsyncIterator[TestClient]:
    config = CabinetConfig(context=office.context, bot_token=BOT_TOKEN, secure_cookie=False)
    app = create_web_app(Dispatcher(), None, None, cabinet=config)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
async def anna(client: TestClient, office: Office) -> Viewer:
    return await Viewer(client).sign_in(office, office.accountant)


async def stored(office: Office) -> tuple[int, int]:
    async with office.database.read() as session:
        imports = await session.scalar(select(func.count()).select_from(StatementImportRow))
        lines = await session.scalar(select(func.count()).select_from(StatementLineRow))
    return imports or 0, lines or 0


async def test_the_page_is_the_accountant_s_and_the_owner_s(
    client: TestClient, office: Office
) -> None:
    assert (await client.get("/cabinet/statements", allow_redirects=False)).status == 303
    cashier = await Viewer(client).sign_in(office, office.desk.cashier)
    answer = await client.get("/cabinet/statements")
    assert answer.status == 403
    status, _ = await cashier.upload(file_of(credit("100", "Оплата")))
    assert status == 403
    assert await stored(office) == (0, 0)
    client.session.cookie_jar.clear()
    await Viewer(client).sign_in(office, office.owner)
    page_text = await (await client.get("/cabinet/statements")).text()
    assert 'id="upload"' in page_text
    assert "Выписки" in page_text


async def test_an_upload_without_csrf_is_refused(anna: Viewer, office: Office) -> None:
    status, _ = await anna.upload(file_of(credit("100", "Оплата")), csrf=False)
    assert status == 403
    assert await stored(office) == (0, 0)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"%PDF-1.4\n%%EOF\n", "это PDF"),
        (b"", "файл пустой"),
        (b"   \n", "файл пустой"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "это не текстовый файл"),
        ("Купить молоко\nи хлеб".encode(), "ни файл 1С"),
    ],
)
async def test_a_file_that_is_no_statement_is_told_what_it_is(
    anna: Viewer, office: Office, data: bytes, why: str
) -> None:
    status, answer = await anna.upload(data, "выписка.txt")
    assert (status, answer["reason"]) == (422, "not_statement")
    assert why in answer["why"]
    assert await stored(office) == (0, 0)


async def test_a_file_too_big_is_refused_before_it_is_read(anna: Viewer, office: Office) -> None:
    status, answer = await anna.upload(b"1" * (MAX_STATEMENT_BYTES + 1))
    assert (status, answer["reason"]) == (413, "too_big")
    assert await stored(office) == (0, 0)


async def test_a_1c_file_with_errors_lists_them_and_stores_nothing(
    anna: Viewer, office: Office
) -> None:
    good = file_of(credit("100", "Оплата", number="1"), credit("200", "Оплата", number="2"))
    broken = good.replace("Сумма=100.00".encode("cp1251"), "Сумма=abc".encode("cp1251"))
    status, answer = await anna.upload(broken)
    assert status == 202
    state = await anna.finished(answer["poll"])
    assert state["state"] == "refused"
    assert any("Сумма=abc: это не сумма" in error for error in state["errors"])
    assert state["error_count"] == len(state["errors"])
    assert await stored(office) == (0, 0)


async def test_a_table_of_unknown_columns_points_to_the_bot(anna: Viewer, office: Office) -> None:
    status, answer = await anna.upload(UNKNOWN_CSV, "export.csv")
    assert status == 202
    state = await anna.finished(answer["poll"])
    assert state["state"] == "mapping"
    assert state["columns"][:3] == ["Operation date", "Doc", "Amount RUB"]
    assert await stored(office) == (0, 0)
    text = await (await anna.client.get("/cabinet/statements")).text()
    assert "Пришлите этот файл боту с подписью «выписка»" in text


async def test_a_statement_is_imported_with_its_stages_and_again_changes_nothing(
    anna: Viewer, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    await a_deal(office, 19640)
    data = file_of(
        credit("50000", "Предоплата по договору № Д-19640", number="1"),
        credit("777", "Перевод по СБП", number="2"),
    )
    seen: list[tuple[int, str]] = []
    progress = page.Job.progress

    async def recorded(job: page.Job, step: Any) -> None:
        await progress(job, step)
        seen.append((job.percent, job.stage))

    monkeypatch.setattr(page.Job, "progress", recorded)
    status, answer = await anna.upload(data, "kl_to_1c.txt")
    assert status == 202
    assert answer["state"] == "running"
    state = await anna.finished(answer["poll"])
    assert state["state"] == "done"
    assert state["percent"] == 100
    assert [percent for percent, _ in seen] == sorted(percent for percent, _ in seen)
    assert any("Прочитаны 2 строки" in stage for _, stage in seen), seen
    assert any("Сохранено новых строк: 2 из 2" in stage for _, stage in seen), seen
    shown = await anna.client.get(state["next"])
    text = await shown.text()
    assert shown.status == 200
    assert "Выписка загружена." in text
    assert 'data-count="sure"><span class="n">1</span>' in text
    assert 'data-count="unmatched"><span class="n">1</span>' in text
    assert "Принять верные (1)" in text

    before = await stored(office)
    status, answer = await anna.upload(data, "kl_to_1c (1).txt")
    again = await anna.finished(answer["poll"])
    assert again["next"] == state["next"].replace("done=imported", "done=again")
    text = await (await anna.client.get(again["next"])).text()
    assert "Эту выписку уже загружали" in text
    assert await stored(office) == before


async def test_the_sure_lines_are_accepted_by_a_post(anna: Viewer, office: Office) -> None:
    await a_deal(office, 19641)
    data = file_of(credit("50000", "Предоплата по договору № Д-19641", number="1"))
    _, answer = await anna.upload(data)
    state = await anna.finished(answer["poll"])
    import_id = int(state["next"].split("/")[-1].split("?")[0])
    url = f"/cabinet/statements/{import_id}/accept"

    refused = await anna.client.post(url, data={"x": "1"}, allow_redirects=False)
    assert refused.status == 403
    done = await anna.client.post(url, data={"csrf": anna.csrf}, allow_redirects=False)
    assert done.status == 303
    assert "accepted=1" in done.headers["Location"]
    async with office.database.read() as session:
        confirmations = await session.scalar(
            select(func.count()).select_from(PaymentConfirmationRow)
        )
    assert confirmations == 1


async def test_ids_not_the_viewer_s_answer_404_and_change_nothing(
    client: TestClient, anna: Viewer, office: Office
) -> None:
    data = file_of(credit("777", "Перевод по СБП", number="1"))
    _, answer = await anna.upload(data)
    state = await anna.finished(answer["poll"])
    async with office.database.read() as session:
        line = await session.scalar(select(StatementLineRow))
    assert line is not None
    missing = 10**9
    for url in (
        f"/cabinet/statements/{missing}",
        f"/cabinet/statements/{missing}/review",
        f"/cabinet/statements/lines/{missing}",
        "/cabinet/statements/lines/abc",
        "/cabinet/statements/lines/%C2%B2",  # a superscript two: a digit to Python, no number
    ):
        assert (await client.get(url)).status == 404, url
    form = {"csrf": anna.csrf, "action": "ignore", "version": "0"}
    gone = await client.post(f"/cabinet/statements/lines/{missing}", data=form)
    assert gone.status == 404
    accept = await client.post(f"/cabinet/statements/{missing}/accept", data={"csrf": anna.csrf})
    assert accept.status == 404
    # Another person's job: not theirs to watch.
    client.session.cookie_jar.clear()
    await Viewer(client).sign_in(office, office.owner)
    assert (await client.get(answer["poll"])).status == 404
    assert state["state"] == "done"
    async with office.database.read() as session:
        still = await session.get(StatementLineRow, line.id)
    assert still is not None
    assert still.state == "unmatched"


async def test_a_line_dealt_with_since_it_was_shown_is_refused_with_who(
    anna: Viewer, office: Office
) -> None:
    _, answer = await anna.upload(file_of(credit("777", "Перевод по СБП", number="1")))
    await anna.finished(answer["poll"])
    async with office.database.read() as session:
        line = await session.scalar(select(StatementLineRow))
    assert line is not None
    url = f"/cabinet/statements/lines/{line.id}"
    form = {"csrf": anna.csrf, "action": "ignore", "version": str(line.version)}
    first = await anna.client.post(url, data=form, allow_redirects=False)
    assert first.status == 303
    again = await anna.client.post(url, data=form)
    assert again.status == 409
    assert "Эту строку выписки уже обработали" in await again.text()
    bad = await anna.client.post(url, data={**form, "action": "explode"})
    assert bad.status == 409


async def test_hundreds_of_lines_come_in_pages(anna: Viewer, office: Office) -> None:
    many = [credit(f"{n}.00", "Перевод", number=str(n)) for n in range(1, 121)]
    _, answer = await anna.upload(file_of(*many))
    state = await anna.finished(answer["poll"])
    url = state["next"].split("?")[0]

    first = await (await anna.client.get(f"{url}?show=review")).text()
    last = await (await anna.client.get(f"{url}?show=review&page=2")).text()
    assert first.count('class="st-line"') == 50
    assert "Страница 1 из 3" in first
    assert 'rel="next"' in first
    assert last.count('class="st-line"') == 20
    assert 'rel="next"' not in last
    assert await stored(office) == (1, 120)


async def test_a_line_under_review_shows_its_reasons_and_takes_another_candidate(
    anna: Viewer, office: Office
) -> None:
    first = await a_deal(office, 19650)
    second = await a_deal(office, 19651)
    _, answer = await anna.upload(file_of(credit("100000", "Оплата", number="1")))
    state = await anna.finished(answer["poll"])
    import_id = state["next"].split("/")[-1].split("?")[0]
    review = await anna.client.get(f"/cabinet/statements/{import_id}/review")
    assert "/cabinet/statements/lines/" in str(review.url)
    text = await review.text()
    assert "Строка 1 из 1" in text
    assert "подходит несколько — предложен первый" in text
    assert "Другие варианты" in text
    assert f'data-target="{second["Остаток"]}"' in text
    async with office.database.read() as session:
        line = await session.scalar(select(StatementLineRow))
    assert line is not None
    form = {
        "csrf": anna.csrf,
        "action": "assign",
        "version": str(line.version),
        "target": str(second["Остаток"]),
    }
    done = await anna.client.post(f"/cabinet/statements/lines/{line.id}", data=form)
    assert done.status == 200
    assert "Всё разобрано." in await done.text()
    async with office.database.read() as session:
        [confirmation] = list(await session.scalars(select(PaymentConfirmationRow)))
        assert confirmation.payment_id == second["Остаток"]
        assert confirmation.payment_id != first["Остаток"]
