"""The workbook layout as Google Sheets API v4 requests. Pure: no I/O, JSON-ready dicts.

`structure_requests` lays out one sheet (properties, column widths and formats, header, placed
cells, filter, banding, dropdowns, highlights, charts, and for summary sheets their rows),
removing what an earlier layout left (bandings, rules, charts), so applying it again repairs
rather than duplicates. `rows_request` writes table rows at a known position: the sync worker
writes «Операции» rows by number, so a retried write lands on the same cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sheets.layout import (
    BAND_FILL,
    HEADER_FILL,
    TOTAL_FILL,
    CellValue,
    Chart,
    Formula,
    Sheet,
)

Request = dict[str, Any]
# Google Sheets counts days from 30 December 1899, like Excel.
SERIAL_EPOCH = date(1899, 12, 30)
PIXELS_PER_CHARACTER = 7
PIXELS_PER_CM = 38
SPARE_ROWS = 1000  # grown in steps, so most writes need no resize
_A1 = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^!]+)!)?"
    r"\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$"
)


WORKBOOK_LOCALE = "ru_RU"


def column_index(letters: str) -> int:
    """0-based index of a column letter ("A" → 0, "AA" → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def grid_range(ref: str, sheet_ids: Mapping[str, int], default_sheet: str) -> dict[str, int]:
    """An A1 range ("'Лист'!$A$2:$B$9" or "B2") as a GridRange (0-based, end exclusive)."""
    match = _A1.match(ref)
    if match is None:
        raise ValueError(f"not an A1 cell range: {ref!r}")
    title = match["sheet"] or default_sheet
    if title.startswith("'"):
        title = title[1:-1].replace("''", "'")
    c1, r1 = column_index(match["c1"]), int(match["r1"]) - 1
    c2 = column_index(match["c2"]) if match["c2"] else c1
    r2 = int(match["r2"]) - 1 if match["r2"] else r1
    return {
        "sheetId": sheet_ids[title],
        "startRowIndex": r1,
        "endRowIndex": r2 + 1,
        "startColumnIndex": c1,
        "endColumnIndex": c2 + 1,
    }


def color(hex_rgb: str) -> dict[str, float]:
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def number_format(pattern: str | None) -> dict[str, str] | None:
    if pattern is None:
        return None
    upper = pattern.upper()
    if "%" in pattern:
        kind = "PERCENT"
    elif "YY" in upper or "DD" in upper:
        kind = "DATE"
    else:
        kind = "NUMBER"
    return {"type": kind, "pattern": pattern}


def extended_value(value: CellValue) -> dict[str, Any] | None:
    """A cell value as the API's ExtendedValue; None for an empty cell.

    Decimal becomes a JSON number only here, at the boundary: the API has no decimal type.
    """
    match value:
        case None:
            return None
        case Formula():
            return {"formulaValue": value.text}
        case bool():
            return {"boolValue": value}
        case int() | Decimal():
            return {"numberValue": float(value)}
        case date():
            return {"numberValue": (value - SERIAL_EPOCH).days}
        case str():
            return {"stringValue": value}
    raise TypeError(f"no cell value for {type(value).__name__}")


def cell_data(value: CellValue) -> dict[str, Any]:
    extended = extended_value(value)
    return {"userEnteredValue": extended} if extended is not None else {}


def rows_request(
    sheet_id: int, first_row: int, rows: Sequence[Sequence[CellValue]], width: int
) -> Request:
    """Write `rows` from 1-based row `first_row`, column A; missing cells are cleared, so a
    rewritten row never keeps a stale value.
    """
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": first_row - 1, "columnIndex": 0},
            "rows": [
                {"values": [cell_data(row[i] if i < len(row) else None) for i in range(width)]}
                for row in rows
            ],
            "fields": "userEnteredValue",
        }
    }


def resize_request(sheet_id: int, row_count: int, column_count: int) -> Request:
    return {
        "updateSheetProperties": {
            "properties": {
                "sheetId": sheet_id,
                "gridProperties": {"rowCount": row_count, "columnCount": column_count},
            },
            "fields": "gridProperties.rowCount,gridProperties.columnCount",
        }
    }


def clear_rows_request(sheet_id: int, first_row: int, last_row: int, width: int) -> Request:
    """Empty the values of 1-based rows first_row..last_row (a rebuild's leftovers)."""
    return {
        "updateCells": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": first_row - 1,
                "endRowIndex": last_row,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            },
            "fields": "userEnteredValue",
        }
    }


def grid_size(sheet: Sheet, rows_needed: int) -> tuple[int, int]:
    """Rows and columns a sheet needs: its content, with room to grow."""
    placed_rows = [_row_of(cell.ref) for cell in sheet.cells]
    placed_cols = [column_index(re.sub(r"[^A-Z]", "", cell.ref)) + 1 for cell in sheet.cells]
    last_row = max([sheet.header_row + rows_needed, *placed_rows])
    chart_cols = 12 if sheet.charts else 0
    columns = max([len(sheet.columns) + chart_cols, *placed_cols, 1])
    return last_row + SPARE_ROWS, columns


def _row_of(ref: str) -> int:
    return int(re.sub(r"[^0-9]", "", ref))


def spreadsheet_properties_request(time_zone: str) -> Request:
    """Russian locale (decimal comma, ru dates, «₽» formats read as meant) and the business's
    time zone, which TODAY() in the formulas follows. A spreadsheet made by someone with an
    English Google account starts in en_US and the account's time zone."""
    return {
        "updateSpreadsheetProperties": {
            "properties": {"locale": WORKBOOK_LOCALE, "timeZone": time_zone},
            "fields": "locale,timeZone",
        }
    }


def structure_requests(
    sheet: Sheet,
    sheet_ids: Mapping[str, int],
    existing: Mapping[str, Any],
    *,
    write_rows: bool,
    row_count: int,
) -> list[Request]:
    """Everything that makes `sheet` look as the layout says.

    `existing` is the sheet's current metadata (bandings, conditional formats, charts), so old
    ones are removed first; `write_rows` also (re)writes the table rows and clears the sheet
    before, which summary sheets want and «Операции» (rows written by the sync) does not.
    """
    sheet_id = sheet_ids[sheet.title]
    width = len(sheet.columns)
    requests: list[Request] = [*_removals(sheet_id, existing)]
    total_rows, total_columns = grid_size(sheet, len(sheet.rows) if write_rows else 0)
    total_rows = max(total_rows, row_count)
    requests.append(
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet_id,
                    "hidden": sheet.hidden,
                    "gridProperties": {
                        "frozenRowCount": sheet.frozen_rows,
                        "frozenColumnCount": sheet.frozen_columns,
                        "rowCount": total_rows,
                        "columnCount": total_columns,
                    },
                },
                "fields": "hidden,gridProperties.frozenRowCount,gridProperties.frozenColumnCount,"
                "gridProperties.rowCount,gridProperties.columnCount",
            }
        }
    )
    if write_rows:
        requests.append(_clear_sheet(sheet_id, total_rows, total_columns))
    requests += _columns(sheet, sheet_id)
    requests.append(_header(sheet, sheet_id))
    if write_rows and sheet.rows:
        requests.append(rows_request(sheet_id, sheet.first_row, sheet.rows, width))
        if sheet.total_row:
            requests.append(_bold_row(sheet_id, sheet.first_row + len(sheet.rows) - 1, width))
    requests += [_placed(cell, sheet_id) for cell in sheet.cells]
    if sheet.filter:
        requests.append({"setBasicFilter": {"filter": {"range": _table(sheet, sheet_id)}}})
    if sheet.band_fill:
        requests.append(_banding(sheet, sheet_id))
    for validation in sheet.validations:
        requests.append(
            {
                "setDataValidation": {
                    "range": grid_range(validation.ref, sheet_ids, sheet.title),
                    "rule": {
                        "condition": {
                            "type": "ONE_OF_RANGE",
                            "values": [{"userEnteredValue": "=" + validation.source}],
                        },
                        "showCustomUi": True,
                        "strict": True,
                    },
                }
            }
        )
    for index, highlight in enumerate(sheet.highlights):
        requests.append(
            {
                "addConditionalFormatRule": {
                    "index": index,
                    "rule": {
                        "ranges": [grid_range(highlight.ref, sheet_ids, sheet.title)],
                        "booleanRule": {
                            "condition": {
                                "type": "CUSTOM_FORMULA",
                                "values": [{"userEnteredValue": highlight.formula}],
                            },
                            "format": {"backgroundColor": color(highlight.fill)},
                        },
                    },
                }
            }
        )
    requests += [_chart(chart, sheet, sheet_ids) for chart in sheet.charts]
    return requests


def _removals(sheet_id: int, existing: Mapping[str, Any]) -> list[Request]:
    requests: list[Request] = [
        {"deleteBanding": {"bandedRangeId": banded["bandedRangeId"]}}
        for banded in existing.get("bandedRanges", [])
    ]
    # Deleting index 0 repeatedly removes them all (the rest move up each time).
    requests += [
        {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": 0}}
        for _ in existing.get("conditionalFormats", [])
    ]
    requests += [
        {"deleteEmbeddedObject": {"objectId": chart["chartId"]}}
        for chart in existing.get("charts", [])
    ]
    return requests


def _clear_sheet(sheet_id: int, rows: int, columns: int) -> Request:
    return {
        "updateCells": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": 0,
                "endRowIndex": rows,
                "startColumnIndex": 0,
                "endColumnIndex": columns,
            },
            "fields": "userEnteredValue,userEnteredFormat,note,dataValidation",
        }
    }


def _columns(sheet: Sheet, sheet_id: int) -> list[Request]:
    requests: list[Request] = []
    for index, column in enumerate(sheet.columns):
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": index,
                        "endIndex": index + 1,
                    },
                    "properties": {"pixelSize": column.width * PIXELS_PER_CHARACTER + 10},
                    "fields": "pixelSize",
                }
            }
        )
        fmt = number_format(column.number_format)
        if fmt is not None:
            # The whole column below the header, rows appended later included.
            requests.append(
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": sheet_id,
                            "startRowIndex": sheet.header_row,
                            "startColumnIndex": index,
                            "endColumnIndex": index + 1,
                        },
                        "cell": {"userEnteredFormat": {"numberFormat": fmt}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
    return requests


def _header(sheet: Sheet, sheet_id: int) -> Request:
    values: list[dict[str, Any]] = []
    for index, column in enumerate(sheet.columns):
        cell = cell_data(column.title)
        cell["userEnteredFormat"] = {
            "backgroundColor": color(HEADER_FILL),
            "textFormat": {"bold": True},
            "wrapStrategy": "WRAP",
            "verticalAlignment": "MIDDLE",
        }
        if index == 0 and sheet.note:
            cell["note"] = sheet.note
        values.append(cell)
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": sheet.header_row - 1, "columnIndex": 0},
            "rows": [{"values": values}],
            "fields": "userEnteredValue,userEnteredFormat,note",
        }
    }


def _bold_row(sheet_id: int, row: int, width: int) -> Request:
    return {
        "repeatCell": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": row - 1,
                "endRowIndex": row,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            },
            "cell": {
                "userEnteredFormat": {
                    "textFormat": {"bold": True},
                    "backgroundColor": color(TOTAL_FILL),
                }
            },
            "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor",
        }
    }


def _placed(cell: Any, sheet_id: int) -> Request:
    data = cell_data(cell.value)
    text_format: dict[str, Any] = {}
    if cell.bold or cell.large:
        text_format["bold"] = True
    if cell.italic:
        text_format["italic"] = True
    if cell.large:
        text_format["fontSize"] = 14
    fmt: dict[str, Any] = {}
    if text_format:
        fmt["textFormat"] = text_format
    if cell.fill:
        fmt["backgroundColor"] = color(cell.fill)
    if (number := number_format(cell.number_format)) is not None:
        fmt["numberFormat"] = number
    if fmt:
        data["userEnteredFormat"] = fmt
    column = column_index(re.sub(r"[^A-Z]", "", cell.ref))
    return {
        "updateCells": {
            "start": {
                "sheetId": sheet_id,
                "rowIndex": _row_of(cell.ref) - 1,
                "columnIndex": column,
            },
            "rows": [{"values": [data]}],
            "fields": "userEnteredValue,userEnteredFormat",
        }
    }


def _table(sheet: Sheet, sheet_id: int) -> dict[str, int]:
    """Header and every row below it, however many are appended (no end row)."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": sheet.header_row - 1,
        "startColumnIndex": 0,
        "endColumnIndex": len(sheet.columns),
    }


def _banding(sheet: Sheet, sheet_id: int) -> Request:
    return {
        "addBanding": {
            "bandedRange": {
                "range": _table(sheet, sheet_id),
                "rowProperties": {
                    "headerColor": color(HEADER_FILL),
                    "firstBandColor": color("FFFFFF"),
                    "secondBandColor": color(sheet.band_fill or BAND_FILL),
                },
            }
        }
    }


def _chart(chart: Chart, sheet: Sheet, sheet_ids: Mapping[str, int]) -> Request:
    """A basic chart; series ranges start at their title cell (headerCount 1) so the legend
    names them.
    """
    anchor = grid_range(chart.anchor, sheet_ids, sheet.title)
    domain = grid_range(chart.categories_ref, sheet_ids, sheet.title)
    domain["startRowIndex"] -= 1  # include the header row, matching the series' title cells
    series = []
    for item in chart.series:
        values = grid_range(item.values_ref, sheet_ids, sheet.title)
        values["startRowIndex"] = grid_range(item.title_ref, sheet_ids, sheet.title)[
            "startRowIndex"
        ]
        series.append({"series": {"sourceRange": {"sources": [values]}}, "targetAxis": "LEFT_AXIS"})
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": chart.title,
                    "basicChart": {
                        "chartType": "LINE" if chart.kind == "line" else "COLUMN",
                        "legendPosition": "BOTTOM_LEGEND",
                        "headerCount": 1,
                        "axis": [
                            {"position": "BOTTOM_AXIS"},
                            {"position": "LEFT_AXIS", "title": chart.y_title or ""},
                        ],
                        "domains": [{"domain": {"sourceRange": {"sources": [domain]}}}],
                        "series": series,
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": anchor["sheetId"],
                            "rowIndex": anchor["startRowIndex"],
                            "columnIndex": anchor["startColumnIndex"],
                        },
                        "widthPixels": round(chart.width_cm * PIXELS_PER_CM),
                        "heightPixels": round(chart.height_cm * PIXELS_PER_CM),
                    }
                },
            }
        }
    }
