"""`run.py amocrm fields` and the doctor's live amoCRM check: the real `AmoClient` over real
HTTP against `FakeAmoCRM`, seeded from the fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from amocrm_client.account_report import MappingProblem, check_mapping, describe_account
from amocrm_client.client import AmoClient, LongLivedTokenStore
from app.doctor import BAD, NOT_AUTHORISED, OFF, OK, WARN, check_amocrm, run_doctor
from config.amocrm_mapping import AmoMapping
from config.settings import Settings
from tests.fakes.amocrm import FakeAmoCRM

PIPELINE = 3177727
# The fixture account: pipeline 3177727 with statuses 32392156 (unsorted), 32392159, 32392165,
# 142, 143; lead fields 500001 numeric, 500003 text, 500005 select (Сайт, Telegram, Звонок),
# 500007 date, 500009 checkbox.
CORRECT: dict[str, Any] = {
    "closed_statuses": [[PIPELINE, 32392165]],
    "confirmed_status": 32392159,
    "paid_status": 142,
    "paid_field": 500009,
    "contract_field": 500003,
    "contract_date_field": 500007,
    "product_field": 500005,
    "salon_field": 500003,
    "city_field": 500005,
    "payments": [
        {"name": "Предоплата", "amount_field": 500001, "type_field": 500005, "date_field": 500007}
    ],
    "payment_types": {"Сайт": "cash", "Telegram": "card_transfer", "Звонок": "bank_transfer"},
}

CORRECT_TOML = """
[amocrm]
closed_statuses = [[3177727, 32392165]]
confirmed_status = 32392159
paid_field = 500009

[[amocrm.payments]]
name = "Предоплата"
amount_field = 500001
type_field = 500005

[amocrm.payment_types]
"Сайт" = "cash"
"Telegram" = "card_transfer"
"Звонок" = "bank_transfer"
"""


async def no_sleep(seconds: float) -> None:
    """Backoff is not what these tests are about."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmoCRM]:
    async with FakeAmoCRM() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def token(fake: FakeAmoCRM) -> str:
    return fake.issue_tokens()["access_token"]


@pytest.fixture
def client(fake: FakeAmoCRM, session: aiohttp.ClientSession, token: str) -> AmoClient:
    return AmoClient(fake.base_url, LongLivedTokenStore(token), session, sleep=no_sleep)


def mapping(**changes: Any) -> AmoMapping:
    return AmoMapping.model_validate({**CORRECT, **changes})


def keyed(problems: list[MappingProblem], key: str) -> list[MappingProblem]:
    return [p for p in problems if p.key == key]


# --- run.py amocrm fields --------------------------------------------------------------------


async def test_the_report_lists_every_id_an_owner_copies(client):
    report = await describe_account(client)

    for text in ("Kopeyka test", "28805383", "subdomain example"):
        assert text in report
    for status_id, name in (
        (32392156, "Неразобранное"),
        (32392159, "Первичный контакт"),
        (32392165, "Принимают решение"),
        (142, "Успешно реализовано"),
        (143, "Закрыто и не реализовано"),
    ):
        [line] = [line for line in report.splitlines() if line.endswith(name) or name in line]
        assert str(status_id) in line
    assert f"pipeline {PIPELINE}  Воронка (main)" in report
    assert "142  Успешно реализовано (won" in report
    assert "143  Закрыто и не реализовано (lost" in report
    assert "32392156  Неразобранное (unsorted)" in report
    assert "504141  Менеджер Иван  <ivan@example.com>" in report
    for field_id, field_type, name in (
        (500001, "numeric", "Сумма оплаты"),
        (500003, "text", "Комментарий менеджера"),
        (500005, "select", "Источник"),
        (500007, "date", "Дата оплаты"),
        (500009, "checkbox", "Оплачено"),
    ):
        [line] = [line for line in report.splitlines() if name in line]
        assert line.split() == [str(field_id), field_type, *name.split()]
    for enum_id, value in ((700001, "Сайт"), (700003, "Telegram"), (700005, "Звонок")):
        assert f"value {enum_id}  {value}" in report
    assert "# [amocrm]" in report
    assert "# [[amocrm.payments]]" in report
    assert "# [amocrm.payment_types]" in report


async def test_the_report_fits_an_80_column_terminal_even_with_long_names(fake, client):
    fake.pipelines[0]["name"] = "Воронка " * 20
    fake.pipelines[0]["_embedded"]["statuses"][1]["name"] = "Очень длинный этап " * 10
    fake.users[0]["name"] = "Иван " * 30
    fake.custom_fields[2]["name"] = "Способ оплаты " * 10
    fake.custom_fields[2]["enums"][0]["value"] = "Безналичный перевод " * 10

    report = await describe_account(client)

    assert max(len(line) for line in report.splitlines()) <= 80
    assert "700001" in report
    assert "…" in report


async def test_an_empty_account_says_none_rather_than_nothing(fake, client):
    fake.users.clear()
    fake.custom_fields.clear()

    report = await describe_account(client)

    assert report.count("(none)") == 2


# --- check_mapping ---------------------------------------------------------------------------


async def test_a_mapping_built_from_the_accounts_ids_has_no_problems(client):
    assert await check_mapping(client, mapping()) == []


async def test_won_and_lost_are_in_every_pipeline_even_if_not_listed(fake, client):
    statuses = fake.pipelines[0]["_embedded"]["statuses"]
    statuses[:] = [s for s in statuses if s["id"] not in (142, 143)]

    assert await check_mapping(client, mapping(closed_statuses=[[PIPELINE, 142]])) == []


async def test_a_status_or_pipeline_that_does_not_exist_is_named_by_its_key(client):
    problems = await check_mapping(
        client,
        mapping(
            closed_statuses=[[PIPELINE, 32392165], [PIPELINE, 999], [555, 32392165]],
            confirmed_status=888,
        ),
    )

    closed = keyed(problems, "amocrm.closed_statuses")
    assert len(closed) == 2
    assert "pair 2 [3177727, 999]: status 999 is not in pipeline 3177727" in closed[0].text
    assert "pair 3 [555, 32392165]: there is no pipeline 555" in closed[1].text
    assert all("./start amocrm fields" in p.text for p in closed)
    [confirmed] = keyed(problems, "amocrm.confirmed_status")
    assert "status 888 is not in pipeline 3177727 «Воронка»" in confirmed.text
    assert not any(p.warning for p in problems)


async def test_a_status_of_another_pipeline_is_not_where_closed_deals_are(fake, client):
    other = {
        "id": 4000001,
        "name": "Опт",
        "sort": 2,
        "is_main": False,
        "is_archive": False,
        "_embedded": {"statuses": [{"id": 41000001, "name": "Новый", "pipeline_id": 4000001}]},
    }
    fake.pipelines.append(other)

    problems = await check_mapping(client, mapping(paid_status=41000001))

    [paid] = problems
    assert paid.key == "amocrm.paid_status"
    assert "status 41000001 is not in pipeline 3177727" in paid.text


async def test_lost_as_a_target_is_an_error_and_as_closed_a_warning(client):
    problems = await check_mapping(
        client, mapping(paid_status=143, closed_statuses=[[PIPELINE, 143]])
    )

    [paid] = keyed(problems, "amocrm.paid_status")
    assert not paid.warning
    assert "lost" in paid.text
    [closed] = keyed(problems, "amocrm.closed_statuses")
    assert closed.warning


async def test_missing_and_wrongly_typed_fields_name_their_keys(client):
    slot = {"name": "Предоплата", "amount_field": 500003, "type_field": 500001}
    slot |= {"date_field": 500099}
    problems = await check_mapping(
        client, mapping(paid_field=500005, contract_field=500404, payments=[slot])
    )

    assert {p.key for p in problems} == {
        "amocrm.paid_field",
        "amocrm.contract_field",
        "amocrm.payments[«Предоплата»].amount_field",
        "amocrm.payments[«Предоплата»].type_field",
        "amocrm.payments[«Предоплата»].date_field",
    }
    texts = {p.key: p.text for p in problems}
    assert "field 500005 «Источник» is a select field" in texts["amocrm.paid_field"]
    assert "numeric or checkbox" in texts["amocrm.paid_field"]
    assert "there is no lead field 500404" in texts["amocrm.contract_field"]
    assert "is a text field" in texts["amocrm.payments[«Предоплата»].amount_field"]
    assert "list (select" in texts["amocrm.payments[«Предоплата»].type_field"]
    assert "there is no lead field 500099" in texts["amocrm.payments[«Предоплата»].date_field"]


async def test_unknown_and_unmapped_payment_types_are_said_by_name(client):
    problems = await check_mapping(
        client, mapping(payment_types={"Сайт": "cash", "Криптовалюта": "credit"})
    )

    [unknown] = keyed(problems, 'amocrm.payment_types."Криптовалюта"')
    assert not unknown.warning
    assert "«Криптовалюта» is not a value of field 500005 «Источник»" in unknown.text
    assert "«Сайт», «Telegram», «Звонок»" in unknown.text
    [unmapped] = keyed(problems, "amocrm.payment_types")
    assert unmapped.warning
    assert "«Telegram», «Звонок» with no kind" in unmapped.text
    assert "«Сайт» with" not in unmapped.text


async def test_a_key_missing_from_one_slots_type_field_names_that_slot(fake, client):
    fake.custom_fields.append(
        {
            "id": 500011,
            "name": "Тип остатка",
            "type": "radiobutton",
            "enums": [{"id": 700101, "value": "Сайт"}, {"id": 700103, "value": "Кредит"}],
        }
    )
    slots = [
        CORRECT["payments"][0],
        {"name": "Остаток", "amount": "price_minus_others", "type_field": 500011},
    ]
    types = {**CORRECT["payment_types"], "Кредит": "credit"}

    problems = await check_mapping(client, mapping(payments=slots, payment_types=types))

    errors = [p for p in problems if not p.warning]
    assert [p.key for p in errors] == [
        'amocrm.payment_types."Telegram"',
        'amocrm.payment_types."Звонок"',
        'amocrm.payment_types."Кредит"',
    ]
    assert "the type field of «Остаток»" in errors[0].text
    assert "the type field of «Предоплата»" in errors[2].text
    assert not [p for p in problems if p.warning]


async def test_every_problem_is_returned_not_only_the_first(client):
    problems = await check_mapping(
        client,
        mapping(
            closed_statuses=[[PIPELINE, 1]],
            confirmed_status=2,
            city_field=500007,
            payment_types={"Наличные": "cash"},
        ),
    )

    assert [p.key for p in problems] == [
        "amocrm.closed_statuses",
        "amocrm.confirmed_status",
        "amocrm.city_field",
        'amocrm.payment_types."Наличные"',
        "amocrm.payment_types",
    ]


async def test_an_empty_mapping_warns_that_nothing_is_owed(client):
    problems = await check_mapping(client, AmoMapping())

    [closed] = problems
    assert closed.key == "amocrm.closed_statuses"
    assert closed.warning


# --- the doctor ------------------------------------------------------------------------------


def doctor_settings(tmp_path: Path, mappings: str = CORRECT_TOML, **values: Any) -> Settings:
    mappings_file = tmp_path / "mappings.toml"
    mappings_file.write_text(mappings, encoding="utf-8")
    return Settings(_env_file=None, data_dir=tmp_path, mappings_file=mappings_file, **values)


def fake_settings(fake: FakeAmoCRM, token: str, tmp_path: Path, **values: Any) -> Settings:
    return doctor_settings(
        tmp_path, amocrm_base_url=fake.base_url, amocrm_long_lived_token=token, **values
    )


async def no_backoff_client(settings: Settings, session: aiohttp.ClientSession) -> AmoClient:
    token = LongLivedTokenStore(settings.amocrm_long_lived_token)
    return AmoClient(str(settings.amocrm_base_url), token, session, sleep=no_sleep)


async def test_the_doctor_says_the_account_answers_and_the_mapping_fits(fake, token, tmp_path):
    found = await check_amocrm(fake_settings(fake, token, tmp_path))

    assert found == [
        (OK, "AMOCRM", "account «Kopeyka test» (id 28805383) answers"),
        (OK, "AMOCRM mapping", "every id in [amocrm] is in the account, types fit"),
    ]


async def test_the_doctor_names_each_mapping_problem_by_its_key(fake, token, tmp_path):
    toml = CORRECT_TOML.replace("32392165", "32392999").replace("paid_field = 500009", "")
    toml = toml.replace('"Звонок" = "bank_transfer"', '"Крипта" = "credit"')

    found = await check_amocrm(fake_settings(fake, token, tmp_path, mappings=toml))

    assert found[0] == (OK, "AMOCRM", "account «Kopeyka test» (id 28805383) answers")
    marks = {name: mark for mark, name, _ in found}
    assert marks["amocrm.closed_statuses"] == BAD
    assert marks['amocrm.payment_types."Крипта"'] == BAD
    assert marks["amocrm.payment_types"] == WARN


async def test_a_wrong_account_id_is_bad(fake, token, tmp_path):
    found = await check_amocrm(fake_settings(fake, token, tmp_path, amocrm_account_id=1))

    [account_id] = [line for line in found if line[1] == "AMOCRM_ACCOUNT_ID"]
    assert account_id[0] == BAD
    assert "28805383" in account_id[2]


async def test_without_a_token_the_doctor_says_how_to_authorise(fake, tmp_path):
    settings = doctor_settings(
        tmp_path,
        amocrm_base_url=fake.base_url,
        amocrm_client_id="kopeyka-test-client",
        amocrm_client_secret="kopeyka-test-secret",
    )

    found = await check_amocrm(settings)

    assert found == [(OFF, "AMOCRM", NOT_AUTHORISED)]
    assert NOT_AUTHORISED == "not authorised — run ./start amocrm auth CODE"
    assert fake.requests == []


async def test_amocrm_off_means_no_live_check(tmp_path):
    assert await check_amocrm(doctor_settings(tmp_path)) == []


async def test_an_invalid_mapping_section_is_bad_and_the_account_still_checked(
    fake, token, tmp_path, database_url, capsys
):
    toml = "[amocrm]\nclosed_statuses = [[3177727]]\npaid_feild = 500009\n"
    settings = fake_settings(fake, token, tmp_path, mappings=toml, database_url=database_url)

    code = await run_doctor(settings)

    out = capsys.readouterr().out
    assert code == 1
    bad = [line for line in out.splitlines() if line.startswith("[BAD]")]
    assert any("closed_statuses" in line for line in bad)
    assert any("paid_feild" in line for line in bad)
    assert "[ok ] AMOCRM: account «Kopeyka test» (id 28805383) answers" in out
    assert "AMOCRM mapping" not in out


async def test_an_empty_mapping_section_is_off(fake, token, tmp_path):
    found = await check_amocrm(fake_settings(fake, token, tmp_path, mappings=""))

    assert found[0][:2] == (OFF, "AMOCRM mapping")
    assert "./start amocrm fields" in found[0][2]
    assert found[1][:2] == (OK, "AMOCRM")


async def test_a_refused_token_is_one_bad_line_in_the_doctors_output(
    fake, token, tmp_path, database_url, capsys
):
    fake.expire_access_tokens()
    settings = fake_settings(fake, token, tmp_path, database_url=database_url)

    code = await run_doctor(settings)

    out = capsys.readouterr()
    assert code == 1
    [line] = [line for line in out.out.splitlines() if line.startswith("[BAD] AMOCRM:")]
    assert "401" in line
    assert "Invalid access token" in line
    assert "amocrm auth CODE" in line
    assert token not in out.out
    assert "Traceback" not in out.out + out.err


async def test_a_failing_amocrm_is_one_bad_line_in_the_doctors_output(
    fake, token, tmp_path, database_url, capsys
):
    fake.fail_next(500, times=10)
    settings = fake_settings(fake, token, tmp_path, database_url=database_url)

    code = await run_doctor(settings, amo_client_factory=no_backoff_client)

    out = capsys.readouterr()
    assert code == 1
    amo_lines = [line for line in out.out.splitlines() if "] AMOCRM:" in line]
    assert amo_lines == [
        "[BAD] AMOCRM: GET /api/v4/account: amoCRM answered 500 Internal Server Error: "
        "Planned failure — amoCRM failed: try again later"
    ]
    assert "Traceback" not in out.out + out.err


async def test_the_doctor_passes_on_warnings_and_says_so(
    fake, token, tmp_path, database_url, capsys
):
    toml = CORRECT_TOML.replace('"Звонок" = "bank_transfer"\n', "")
    settings = fake_settings(fake, token, tmp_path, mappings=toml, database_url=database_url)

    code = await run_doctor(settings)

    out = capsys.readouterr().out
    assert code == 0
    assert "[ ! ] amocrm.payment_types: field 500005 «Источник»" in out
    assert "No problems; 1 warning(s)" in out
