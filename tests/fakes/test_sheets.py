"""The fake Sheets API, driven by the real gspread client over HTTP: it keeps state the way
Google does and refuses what Google refuses (schema, semantics), atomically.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gspread
import pytest

from sheets.google_client import open_spreadsheet
from tests.fakes.sheets import FakeSheets
from tests.fakes.sheets_grid import Box, parse_cells
from tests.fakes.sheets_schema import SchemaError, validate_body, validate_query
from tests.integrations.sheets.test_google_client import service_account_file


@pytest.fixture
async def fake() -> AsyncIterator[FakeSheets]:
    async with FakeSheets() as fake:
        yield fake


@pytest.fixture
async def book(fake: FakeSheets, tmp_path: Path) -> tuple[FakeSheets, str, gspread.Spreadsheet]:
    spreadsheet_id = fake.create_spreadsheet("Копейка")
    path = service_account_file(tmp_path, fake.token_uri)
    sh = await asyncio.to_thread(open_spreadsheet, path, spreadsheet_id, fake.base_url)
    return fake, spreadsheet_id, sh


def chart(source_sheet: int, anchor_sheet: int) -> dict[str, Any]:
    source = {
        "sheetId": source_sheet,
        "startRowIndex": 0,
        "endRowIndex": 5,
        "startColumnIndex": 0,
        "endColumnIndex": 1,
    }
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": "Расходы",
                    "basicChart": {
                        "chartType": "COLUMN",
                        "domains": [{"domain": {"sourceRange": {"sources": [source]}}}],
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {"sheetId": anchor_sheet, "rowIndex": 0, "columnIndex": 3}
                    }
                },
            }
        }
    }


async def test_values_round_trip_and_append_after_the_table(book) -> None:
    fake, sid, sh = book

    def work() -> list[list[str]]:
        ws = sh.sheet1
        ws.update([["Дата", "Сумма"], ["2026-11-23", 1500]], "A1")
        ws.append_rows([["2026-11-24", "=B2*2"]], value_input_option="USER_ENTERED")
        ws.append_rows([["2026-11-25", "300"]], value_input_option="RAW")
        return ws.get_all_values()

    assert await asyncio.to_thread(work) == [
        ["Дата", "Сумма"],
        ["2026-11-23", "1500"],
        ["2026-11-24", "=B2*2"],
        ["2026-11-25", "300"],
    ]
    assert fake.values(sid, "Sheet1")[1:] == [
        ["2026-11-23", 1500],
        ["2026-11-24", "=B2*2"],
        ["2026-11-25", "300"],  # RAW keeps the string
    ]
    assert fake.formula(sid, "Sheet1", "B3") == "=B2*2"
    appends = fake.requests_to("POST", ":append")
    assert appends[0].query[0] == ("valueInputOption", "USER_ENTERED")


async def test_render_options_and_batch_get(book) -> None:
    _, _, sh = book

    def work() -> tuple[Any, Any]:
        ws = sh.sheet1
        ws.update([[1.5, True, "=A1"]], "A1:C1", value_input_option="USER_ENTERED")
        unformatted = ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE")
        return unformatted, ws.batch_get(["A1", "B1:C1"])

    unformatted, batch = await asyncio.to_thread(work)
    assert unformatted == [[1.5, True, "=A1"]]
    assert [list(r) for r in batch] == [[["1.5"]], [["TRUE", "=A1"]]]


async def test_update_beyond_the_grid_is_refused_but_append_grows_it(book) -> None:
    fake, sid, sh = book
    ws = await asyncio.to_thread(lambda: sh.sheet1)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(ws.update, [["x"]], "A1001")
    assert caught.value.code == 400
    assert "Range ('Sheet1'!A1001) exceeds grid limits" in caught.value.error["message"]
    await asyncio.to_thread(ws.update, [["x"]], "A1000")
    await asyncio.to_thread(ws.append_rows, [["y"], ["z"]])
    assert fake.sheet(sid, "Sheet1").rows == 1002
    assert fake.values(sid, "Sheet1")[-2:] == [["y"], ["z"]]


async def test_batch_update_kinds_and_replies(book) -> None:
    fake, sid, sh = book

    def work() -> dict[str, Any]:
        report = sh.add_worksheet("Отчёт за ноябрь", rows=20, cols=5)
        ws = sh.sheet1
        ws.update([["Категория", "Сумма"], ["Такси", 1500], ["Реклама", 300]], "A1")
        ws.freeze(rows=1)
        ws.set_basic_filter("A1:B3")
        ws.format("A1:B1", {"textFormat": {"bold": True}})
        return sh.batch_update(
            {
                "requests": [
                    chart(ws.id, report.id),
                    {"addBanding": {"bandedRange": {"range": {"sheetId": ws.id}}}},
                    {
                        "addNamedRange": {
                            "namedRange": {"name": "Totals", "range": {"sheetId": ws.id}}
                        }
                    },
                    {
                        "setDataValidation": {
                            "range": {
                                "sheetId": ws.id,
                                "startRowIndex": 1,
                                "endRowIndex": 3,
                                "startColumnIndex": 1,
                                "endColumnIndex": 2,
                            },
                            "rule": {
                                "condition": {
                                    "type": "NUMBER_GREATER",
                                    "values": [{"userEnteredValue": "0"}],
                                }
                            },
                        }
                    },
                    {
                        "addConditionalFormatRule": {
                            "rule": {
                                "ranges": [
                                    {"sheetId": ws.id, "startColumnIndex": 1, "endColumnIndex": 2}
                                ],
                                "booleanRule": {
                                    "condition": {
                                        "type": "NUMBER_GREATER",
                                        "values": [{"userEnteredValue": "1000"}],
                                    },
                                    "format": {"backgroundColor": {"red": 1}},
                                },
                            },
                            "index": 0,
                        }
                    },
                    {
                        "insertDimension": {
                            "range": {
                                "sheetId": ws.id,
                                "dimension": "ROWS",
                                "startIndex": 1,
                                "endIndex": 2,
                            }
                        }
                    },
                ]
            }
        )

    result = await asyncio.to_thread(work)
    replies = result["replies"]
    assert set(replies[0]) == {"addChart"}
    assert isinstance(replies[0]["addChart"]["chart"]["chartId"], int)
    assert "bandedRangeId" in replies[1]["addBanding"]["bandedRange"]
    assert replies[2]["addNamedRange"]["namedRange"]["name"] == "Totals"
    assert replies[3:] == [{}, {}, {}]
    meta = fake.metadata(sid)
    main, report = meta["sheets"]
    assert report["properties"]["title"] == "Отчёт за ноябрь"
    assert report["charts"][0]["chartId"] == replies[0]["addChart"]["chart"]["chartId"]
    assert main["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert main["properties"]["gridProperties"]["rowCount"] == 1001  # one row inserted
    assert main["basicFilter"]["range"]["endRowIndex"] == 4  # moved with the insert
    assert fake.values(sid, "Sheet1") == [
        ["Категория", "Сумма"],
        [None, None],
        ["Такси", 1500],
        ["Реклама", 300],
    ]
    assert fake.cell(sid, "Sheet1", "A1")["userEnteredFormat"]["textFormat"]["bold"] is True
    assert "dataValidation" in fake.cell(sid, "Sheet1", "B3")
    assert len(main["conditionalFormats"]) == 1


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (
            {"addSheet": {"properties": {"title": "X"}, "foo": 1}},
            "Unknown name \"foo\" at 'requests[1].add_sheet': Cannot find field.",
        ),
        ({"addSheet": {}, "deleteSheet": {"sheetId": 0}}, "Oneof field 'kind' is already set"),
        ({}, "No request set"),
        ({"addSheet": {"properties": {"sheetType": "TABLE_OF_DOOM"}}}, "(TYPE_ENUM)"),
        ({"addSheet": {"properties": {"gridProperties": {"rowCount": "many"}}}}, "(TYPE_INT32)"),
        ({"deleteSheet": {"sheetId": 424242}}, "No grid with id: 424242"),
        ({"addSheet": {"properties": {"title": "sheet1"}}}, "already exists"),
        (
            {
                "repeatCell": {
                    "range": {"sheetId": 0, "endRowIndex": 1001},
                    "cell": {},
                    "fields": "userEnteredFormat",
                }
            },
            "exceeds grid limits",
        ),
        ({"deleteEmbeddedObject": {"objectId": 7}}, "No embedded object with id: 7"),
    ],
)
async def test_malformed_batch_update_is_refused_and_changes_nothing(
    book, request_body: dict[str, Any], message: str
) -> None:
    fake, sid, sh = book
    before = fake.metadata(sid)
    body = {"requests": [{"addSheet": {"properties": {"title": "Новый"}}}, request_body]}
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(sh.batch_update, body)
    assert caught.value.code == 400
    assert caught.value.error["status"] == "INVALID_ARGUMENT"
    assert message in caught.value.error["message"]
    assert fake.metadata(sid) == before  # the valid first request was not applied either


async def test_chart_pointing_at_a_missing_sheet_is_refused(book) -> None:
    _, _, sh = book
    with pytest.raises(gspread.exceptions.APIError, match="No grid with id: 999"):
        await asyncio.to_thread(sh.batch_update, {"requests": [chart(999, 0)]})


async def test_bad_query_enum_and_error_format(book) -> None:
    _, _, sh = book
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(
            sh.values_update, "A1", {"valueInputOption": "COOKED"}, {"values": [[1]]}
        )
    assert caught.value.code == 400
    assert "value_input_option" in caught.value.error["message"]
    response = caught.value.response
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"


async def test_failure_injection_latency_and_counters(book) -> None:
    fake, _, sh = book
    ws = await asyncio.to_thread(lambda: sh.sheet1)
    fake.fail_next(429, count=2)
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as caught:
            await asyncio.to_thread(ws.update, [["x"]], "A1")
        assert caught.value.code == 429
        assert caught.value.error["status"] == "RESOURCE_EXHAUSTED"
    await asyncio.to_thread(ws.update, [["x"]], "A1")
    assert fake.write_requests == 3
    fake.down = True
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(ws.get_all_values)
    assert caught.value.code == 503
    fake.down = False
    fake.latency = 0.5
    await asyncio.gather(*(asyncio.to_thread(ws.acell, "A1") for _ in range(4)))
    assert fake.most_in_flight > 1  # latency does not serialise the calls


async def test_write_quota_with_an_injected_clock(book) -> None:
    fake, sid, sh = book
    now = [0.0]
    fake.clock = lambda: now[0]
    fake.write_quota_per_minute = 2
    ws = await asyncio.to_thread(lambda: sh.sheet1)
    await asyncio.to_thread(ws.update, [["a"]], "A1")
    await asyncio.to_thread(ws.update, [["b"]], "A1")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        await asyncio.to_thread(ws.update, [["c"]], "A1")
    assert caught.value.code == 429
    now[0] = 61.0
    await asyncio.to_thread(ws.update, [["d"]], "A1")
    assert fake.values(sid, "Sheet1") == [["d"]]


def test_a1_parsing() -> None:
    assert parse_cells("A1:B2") == Box(0, 2, 0, 2)
    assert parse_cells("A:C") == Box(0, None, 0, 3)
    assert parse_cells("2:5") == Box(1, 5, 0, None)
    assert parse_cells("B5:C") == Box(4, None, 1, 3)
    assert parse_cells("Sheet1") is None
    assert Box(4, None, 1, 3).a1() == "B5:C"


async def test_quoted_sheet_names(fake: FakeSheets) -> None:
    sid = fake.create_spreadsheet("t", sheets=["Sheet1", "Bob's list"])
    book = fake.spreadsheets[sid]
    sheet, box = book.resolve("'Bob''s list'!A2:B")
    assert (sheet.title, box) == ("Bob's list", Box(1, None, 0, 2))
    assert book.a1(sheet, Box(0, 1, 0, 1)) == "'Bob''s list'!A1"


def test_schema_validator_directly() -> None:
    validate_body(
        "ValueRange", {"range": "A1", "values": [[1, "x", True, None]], "majorDimension": None}
    )
    with pytest.raises(SchemaError, match="TYPE_BOOL"):
        validate_body("BatchUpdateValuesRequest", {"includeValuesInResponse": "yes"})
    with pytest.raises(SchemaError, match="Cannot bind query parameter"):
        validate_query("spreadsheets.values.get", [("bogus", "1")])
    assert validate_query("spreadsheets.values.batchGet", [("ranges", "A1"), ("ranges", "B2")])[
        "ranges"
    ] == ["A1", "B2"]
