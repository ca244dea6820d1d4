"""The state of the fake's spreadsheets: sheets, cell grids, the objects on them, A1 ranges,
and what `spreadsheets.batchUpdate` and the `values.*` methods do to them.

Everything here is synchronous and raises `SheetsError` for what Google would refuse; the
HTTP side (`tests/fakes/sheets.py`) applies a batch to a copy and keeps the copy only if every
request succeeded, which is how the batch stays atomic. Cells are stored sparsely as CellData
dicts keyed by (row, column), 0-based; a stored cell dict is never mutated, only replaced, so a
copy of a sheet is a shallow copy of its dict.

Choices where the real API was not observed (see the docstring of `tests/fakes/sheets.py`):
formulas are stored, never evaluated; USER_ENTERED parses formulas, numbers, percentages and
TRUE/FALSE but not dates or currencies; merging over an existing merge replaces it.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
_CELL = re.compile(r"^([A-Za-z]{0,3})(\d*)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class SheetsError(Exception):
    """An answer in Google's error format: `{"error": {"code", "message", "status"}}`."""

    def __init__(self, code: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS.get(code, "UNKNOWN")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def invalid(message: str) -> SheetsError:
    return SheetsError(400, message)


# --- A1 notation --------------------------------------------------------------------------


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def quote_title(title: str, *, always: bool = False) -> str:
    """A sheet name as A1 notation needs it: quoted (with '' for ') unless plainly safe."""
    if not always and _PLAIN_NAME.match(title) and not _CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Box:
    """A rectangle of a sheet, 0-based, end exclusive; None ends are unbounded."""

    row0: int = 0
    row1: int | None = None
    col0: int = 0
    col1: int | None = None

    def clip(self, rows: int, cols: int) -> Box:
        return Box(
            self.row0,
            rows if self.row1 is None else self.row1,
            self.col0,
            cols if self.col1 is None else self.col1,
        )

    def cells(self) -> Iterator[tuple[int, int]]:
        assert self.row1 is not None
        assert self.col1 is not None
        for row in range(self.row0, self.row1):
            for col in range(self.col0, self.col1):
                yield row, col

    def overlaps(self, other: Box) -> bool:
        return (
            self.row0 < (other.row1 if other.row1 is not None else math.inf)
            and other.row0 < (self.row1 if self.row1 is not None else math.inf)
            and self.col0 < (other.col1 if other.col1 is not None else math.inf)
            and other.col0 < (self.col1 if self.col1 is not None else math.inf)
        )

    def a1(self) -> str:
        """`A1:B2`, `A1`, `A:C`, `2:5` or `A5:C` as Google writes them."""
        start_col, end_col = column_letters(self.col0), ""
        if self.col1 is not None:
            end_col = column_letters(self.col1 - 1)
        if self.row1 is None:
            start = start_col + (str(self.row0 + 1) if self.row0 else "")
            return f"{start}:{end_col}"
        if self.col1 is None and self.col0 == 0:
            return f"{self.row0 + 1}:{self.row1}"
        start = f"{start_col}{self.row0 + 1}"
        end = f"{end_col}{self.row1}"
        return start if start == end else f"{start}:{end}"

    def grid_range(self, sheet_id: int) -> dict[str, int]:
        rng = {"sheetId": sheet_id, "startRowIndex": self.row0, "startColumnIndex": self.col0}
        if self.row1 is not None:
            rng["endRowIndex"] = self.row1
        if self.col1 is not None:
            rng["endColumnIndex"] = self.col1
        return rng


def parse_cells(text: str) -> Box | None:
    """The cell part of an A1 range, or None if it is not one."""
    parts = text.split(":")
    if len(parts) == 1:
        match = _CELL.match(parts[0])
        if not match or not match[1] or not match[2] or int(match[2]) == 0:
            return None
        row, col = int(match[2]) - 1, column_index(match[1])
        return Box(row, row + 1, col, col + 1)
    if len(parts) != 2:
        return None
    first, second = _CELL.match(parts[0]), _CELL.match(parts[1])
    if not first or not second or not (first[0] and second[0]):
        return None
    if "0" in (first[2], second[2]) or (first[2] and first[2].startswith("0")):
        return None
    rows = [int(m[2]) if m[2] else None for m in (first, second)]
    cols = [column_index(m[1]) if m[1] else None for m in (first, second)]
    if rows == [None, None] and None in cols:
        return None
    if cols == [None, None] and None in rows:
        return None
    row0, row1 = (rows[0] or 1) - 1, rows[1]
    col0, col1 = cols[0] or 0, cols[1] + 1 if cols[1] is not None else None
    if rows[0] is None and rows[1] is not None:
        row0, row1 = 0, rows[1]
    if row1 is not None and row1 <= row0:
        row0, row1 = row1 - 1, row0 + 1
    if col1 is not None and col1 <= col0:
        col0, col1 = col1 - 1, col0 + 1
    return Box(row0, row1, col0, col1)


# --- state ------------------------------------------------------------------------------------


@dataclass
class Sheet:
    properties: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    banded_ranges: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    filter_views: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    row_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)
    column_metadata: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def rows(self) -> int:
        return self.properties["gridProperties"]["rowCount"]

    @property
    def cols(self) -> int:
        return self.properties["gridProperties"]["columnCount"]

    def copy(self) -> Sheet:
        other = copy.deepcopy(self, {id(self.cells): {}})
        other.cells = dict(self.cells)  # cell dicts are replaced, never mutated
        return other

    def set_grid(self, rows: int | None = None, cols: int | None = None) -> None:
        grid = self.properties["gridProperties"]
        if rows is not None:
            grid["rowCount"] = rows
        if cols is not None:
            grid["columnCount"] = cols
        self.cells = {
            key: cell
            for key, cell in self.cells.items()
            if key[0] < self.rows and key[1] < self.cols
        }

    def last_data_row(self, box: Box | None = None) -> int:
        """1 + the last row holding a value (within `box`'s columns), 0 if none."""
        rows = [
            r
            for (r, c), cell in self.cells.items()
            if "userEnteredValue" in cell and (box is None or _in_cols(box, c))
        ]
        return max(rows) + 1 if rows else 0

    def metadata(self) -> dict[str, Any]:
        body: dict[str, Any] = {"properties": copy.deepcopy(self.properties)}
        for key, value in (
            ("merges", self.merges),
            ("basicFilter", self.basic_filter),
            ("bandedRanges", self.banded_ranges),
            ("charts", self.charts),
            ("conditionalFormats", self.conditional_formats),
            ("filterViews", self.filter_views),
            ("protectedRanges", self.protected_ranges),
        ):
            if value:
                body[key] = copy.deepcopy(value)
        return body

    def grid_data(self) -> dict[str, Any]:
        """`sheets[].data[0]` of `spreadsheets.get?includeGridData=true`."""
        height = max([r + 1 for r, _ in self.cells] or [0])
        rows = []
        for row in range(height):
            cols = [c for r, c in self.cells if r == row]
            values = []
            for col in range(max(cols) + 1 if cols else 0):
                cell = self.cells.get((row, col))
                values.append(_grid_cell(cell) if cell else {})
            rows.append({"values": values} if values else {})
        data: dict[str, Any] = {"startRow": 0, "startColumn": 0}
        if rows:
            data["rowData"] = rows
        data["rowMetadata"] = [
            copy.deepcopy(self.row_metadata.get(i, {"pixelSize": 21})) for i in range(self.rows)
        ]
        data["columnMetadata"] = [
            copy.deepcopy(self.column_metadata.get(i, {"pixelSize": 100})) for i in range(self.cols)
        ]
        return data


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1_000_003
    shared_with: frozenset[str] | None = None  # client emails allowed; None: everyone

    def copy(self) -> Spreadsheet:
        other = copy.copy(self)
        other.properties = copy.deepcopy(self.properties)
        other.sheets = [sheet.copy() for sheet in self.sheets]
        other.named_ranges = copy.deepcopy(self.named_ranges)
        return other

    def new_id(self) -> int:
        """Deterministic ids that look like Google's (big, not sequential)."""
        self.next_id = (self.next_id * 48271) % (2**31 - 1)
        return self.next_id

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title.lower() == title.lower()), None)

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: s.properties["index"])
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def metadata(self, *, include_grid_data: bool = False) -> dict[str, Any]:
        sheets = []
        for sheet in self.sheets:
            body = sheet.metadata()
            if include_grid_data:
                body["data"] = [sheet.grid_data()]
            sheets.append(body)
        body = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": copy.deepcopy(self.properties),
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        if self.named_ranges:
            body["namedRanges"] = copy.deepcopy(self.named_ranges)
        return body

    # --- ranges ------------------------------------------------------------------------------

    def resolve(self, text: str) -> tuple[Sheet, Box]:
        """An A1 range (`'My sheet'!A1:B2`, `Sheet1!A:C`, `2:5`, `Sheet1`) -> sheet and box."""
        sheet_part, cells_part = None, text
        if "!" in text:
            sheet_part, _, cells_part = text.rpartition("!")
        else:
            bare = _unquote(text)
            if bare is not None and (sheet := self.sheet_by_title(bare)):
                return sheet, Box()
        if sheet_part is None:
            sheet: Sheet | None = self.sheets[0]
        else:
            title = _unquote(sheet_part)
            sheet = self.sheet_by_title(title) if title is not None else None
        box = parse_cells(cells_part)
        if sheet is None or box is None:
            raise invalid(f"Unable to parse range: {text}")
        return sheet, box

    def check_within(self, sheet: Sheet, box: Box) -> None:
        """400 like Google's when an explicit range reaches past the sheet's grid."""
        too_low = (box.row1 is not None and box.row1 > sheet.rows) or box.row0 >= sheet.rows
        too_wide = (box.col1 is not None and box.col1 > sheet.cols) or box.col0 >= sheet.cols
        if too_low or too_wide:
            raise invalid(
                f"Range ({quote_title(sheet.title, always=True)}!{box.a1()}) exceeds grid "
                f"limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )

    def a1(self, sheet: Sheet, box: Box) -> str:
        return f"{quote_title(sheet.title)}!{box.a1()}"


def _unquote(text: str) -> str | None:
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        inner = text[1:-1]
        if re.search(r"(?<!')'(?!')", inner.replace("''", "")):
            return None
        return inner.replace("''", "'")
    return None if "'" in text else text


def _in_cols(box: Box, col: int) -> bool:
    return box.col0 <= col and (box.col1 is None or col < box.col1)


def new_sheet_properties(sheet_id: int, title: str, index: int) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLUMNS},
    }


# --- values: what is stored, what is read back --------------------------------------------------


def entered_value(value: Any, *, user_entered: bool) -> dict[str, Any] | None:
    """A JSON value from `values` -> ExtendedValue (None: an empty cell)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    text = str(value)
    if text == "":
        return None
    if not user_entered:
        return {"stringValue": text}
    if text.startswith("="):
        return {"formulaValue": text}
    if text.startswith("'"):
        return {"stringValue": text[1:]}
    if text.upper() in ("TRUE", "FALSE"):
        return {"boolValue": text.upper() == "TRUE"}
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return {"numberValue": _number(float(stripped))}
    if stripped.endswith("%") and _NUMBER.match(stripped[:-1].strip()):
        return {"numberValue": float(stripped[:-1]) / 100}
    return {"stringValue": text}


def rendered(cell: dict[str, Any] | None, option: str) -> Any:
    """A stored cell as `values.get` returns it; formulas come back as their text always."""
    value = (cell or {}).get("userEnteredValue")
    if not value:
        return ""
    if "formulaValue" in value:
        return value["formulaValue"]
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        flag = value["boolValue"]
        return ("TRUE" if flag else "FALSE") if option == "FORMATTED_VALUE" else flag
    if "numberValue" in value:
        number = _number(value["numberValue"])
        return _format_number(number) if option == "FORMATTED_VALUE" else number
    if "errorValue" in value:
        return value["errorValue"].get("type", "#ERROR!")
    return ""


def raw_value(cell: dict[str, Any] | None) -> Any:
    """What a test asserts on: numbers as numbers, formulas as text, empty as None."""
    value = (cell or {}).get("userEnteredValue")
    if not value:
        return None
    return rendered(cell, "FORMULA")


def _number(value: Any) -> Any:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _format_number(number: float) -> str:
    return str(number)


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars). Every cell written goes through it,
    and it is several times faster than `copy.deepcopy`, which must handle any object.
    """
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _grid_cell(cell: dict[str, Any]) -> dict[str, Any]:
    body = copy_json(cell)
    value = cell.get("userEnteredValue")
    if value and "formulaValue" not in value:
        body["effectiveValue"] = copy_json(value)
    if value:
        body["formattedValue"] = rendered(cell, "FORMATTED_VALUE")
    return body


# --- field masks --------------------------------------------------------------------------------


@functools.cache  # one mask is applied to every cell of a request: parse it once
def parse_mask(mask: str) -> tuple[tuple[str, ...], ...]:
    """`a,b.c,d(e,f)` -> ((a), (b, c), (d, e), (d, f)); gspread also writes `b/c`."""
    paths: list[tuple[str, ...]] = []

    def parse(text: str, prefix: list[str]) -> None:
        depth, start = 0, 0
        pieces = []
        for i, char in enumerate(text):
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "," and depth == 0:
                pieces.append(text[start:i])
                start = i + 1
        pieces.append(text[start:])
        for piece in (p.strip() for p in pieces):
            if not piece:
                continue
            if "(" in piece and piece.endswith(")"):
                head, _, inner = piece[:-1].partition("(")
                parse(inner, [*prefix, *re.split(r"[./]", head)])
            else:
                paths.append((*prefix, *re.split(r"[./]", piece)))

    parse(mask, [])
    return tuple(paths)


def apply_mask(target: dict[str, Any], source: dict[str, Any], mask: str) -> dict[str, Any]:
    """A copy of `target` whose masked fields are taken from `source` (absent there: cleared)."""
    result = copy_json(target)
    for path in parse_mask(mask):
        if path == ("*",):
            return copy_json(source)
        value: Any = source
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        node = result
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            if value is None:
                node.pop(path[-1], None)
            else:
                node[path[-1]] = copy_json(value)
    return _drop_empty(result)


def _drop_empty(node: dict[str, Any]) -> dict[str, Any]:
    for key in list(node):
        if isinstance(node[key], dict):
            _drop_empty(node[key])
            if not node[key]:
                del node[key]
    return node


# --- moving ranges when rows or columns come and go --------------------------------------------


def shift_ranges(obj: Any, sheet_id: int, dimension: str, at: int, delta: int) -> None:
    """Adjust every GridRange on `sheet_id` inside `obj` for `delta` rows/columns inserted
    (positive) or deleted (negative) at index `at`, as Google moves ranges with the grid.
    """
    start_key, end_key = (
        ("startRowIndex", "endRowIndex")
        if dimension == "ROWS"
        else ("startColumnIndex", "endColumnIndex")
    )
    if isinstance(obj, list):
        for item in obj:
            shift_ranges(item, sheet_id, dimension, at, delta)
        return
    if not isinstance(obj, dict):
        return
    looks_like_range = any(
        k in obj for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    )
    if looks_like_range and obj.get("sheetId", 0) == sheet_id:
        if start_key in obj:
            obj[start_key] = _moved(obj[start_key], at, delta)
        if end_key in obj:
            end = obj[end_key]
            obj[end_key] = end + delta if end > at and delta > 0 else _moved(end, at, delta)
    for value in obj.values():
        if isinstance(value, dict | list):
            shift_ranges(value, sheet_id, dimension, at, delta)


def _moved(index: int, at: int, delta: int) -> int:
    if delta > 0:
        return index + delta if index >= at else index
    if index < at:
        return index
    return max(at, index + delta)


# --- spreadsheets.batchUpdate --------------------------------------------------------------------


def apply_request(book: Spreadsheet, index: int, request: dict[str, Any]) -> dict[str, Any]:
    """Apply one (schema-valid) `Request` to `book`; return its reply (`{}` if it has none)."""
    kind, body = next((k, v) for k, v in request.items() if v is not None)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise SheetsError(501, f"FakeSheets does not implement requests[{index}].{kind}")
    try:
        reply = handler(book, body)
    except _Refused as refused:
        raise invalid(f"Invalid requests[{index}].{kind}: {refused}") from None
    return {kind: reply} if reply is not None else {}


class _Refused(Exception):
    """A request Google would refuse; the caller adds `Invalid requests[i].kind: `."""


def _sheet(book: Spreadsheet, sheet_id: Any) -> Sheet:
    sheet = book.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise _Refused(f"No grid with id: {int(sheet_id or 0)}")
    return sheet


def _grid_box(book: Spreadsheet, rng: dict[str, Any] | None) -> tuple[Sheet, Box]:
    """A GridRange -> its sheet and box, checked against the grid (unbounded ends clipped)."""
    rng = rng or {}
    sheet = _sheet(book, rng.get("sheetId"))
    box = Box(
        int(rng.get("startRowIndex") or 0),
        int(rng["endRowIndex"]) if rng.get("endRowIndex") is not None else None,
        int(rng.get("startColumnIndex") or 0),
        int(rng["endColumnIndex"]) if rng.get("endColumnIndex") is not None else None,
    )
    clipped = box.clip(sheet.rows, sheet.cols)
    assert clipped.row1 is not None
    assert clipped.col1 is not None
    if clipped.row1 < clipped.row0 or clipped.col1 < clipped.col0:
        raise _Refused("Invalid range: start index is after end index")
    if clipped.row1 > sheet.rows or clipped.col1 > sheet.cols:
        raise _Refused(
            f"Range ({quote_title(sheet.title, always=True)}!{clipped.a1()}) exceeds grid "
            f"limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )
    return sheet, clipped


def _require_fields(body: dict[str, Any]) -> str:
    fields = body.get("fields")
    if not fields:
        raise _Refused("At least one field must be specified.")
    return fields


def _add_sheet(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    given = copy.deepcopy(body.get("properties") or {})
    sheet_id = given.get("sheetId")
    if sheet_id is not None and book.sheet_by_id(int(sheet_id)):
        raise _Refused(f"A sheet with the id {sheet_id} already exists.")
    title = given.get("title")
    if title is None:
        number = len(book.sheets) + 1
        while book.sheet_by_title(f"Sheet{number}"):
            number += 1
        title = f"Sheet{number}"
    if book.sheet_by_title(title):
        raise _Refused(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    index = given.get("index")
    index = len(book.sheets) if index is None else min(int(index), len(book.sheets))
    properties = new_sheet_properties(
        int(sheet_id) if sheet_id is not None else book.new_id(), title, index
    )
    grid = given.pop("gridProperties", None) or {}
    properties.update({k: v for k, v in given.items() if k not in ("sheetId", "title", "index")})
    properties["gridProperties"].update(
        {k: int(v) for k, v in grid.items() if isinstance(v, int | str)}
    )
    properties["gridProperties"].update({k: v for k, v in grid.items() if isinstance(v, bool)})
    for sheet in book.sheets:
        if sheet.properties["index"] >= index:
            sheet.properties["index"] += 1
    book.sheets.append(Sheet(properties))
    book.reindex()
    return {"properties": copy.deepcopy(properties)}


def _delete_sheet(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet = _sheet(book, body.get("sheetId"))
    if len(book.sheets) == 1:
        raise _Refused("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()
    book.named_ranges = [
        n for n in book.named_ranges if n.get("range", {}).get("sheetId", 0) != sheet.id
    ]


def _update_sheet_properties(book: Spreadsheet, body: dict[str, Any]) -> None:
    given = body.get("properties") or {}
    sheet = _sheet(book, given.get("sheetId"))
    fields = _require_fields(body)
    merged = apply_mask(sheet.properties, given, fields)
    merged["sheetId"] = sheet.id
    title = merged.get("title")
    if not title:
        raise _Refused("Sheet names must be non-empty.")
    other = book.sheet_by_title(title)
    if other is not None and other is not sheet:
        raise _Refused(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    grid = merged.setdefault("gridProperties", {})
    rows, cols = int(grid.get("rowCount", sheet.rows)), int(grid.get("columnCount", sheet.cols))
    if rows < 1 or cols < 1:
        raise _Refused("You can't delete all the rows or columns on the sheet.")
    if int(grid.get("frozenRowCount", 0)) >= rows or int(grid.get("frozenColumnCount", 0)) >= cols:
        raise _Refused("You can't freeze all visible rows or columns on the sheet.")
    sheet.properties = merged
    sheet.set_grid(rows, cols)
    order = [s for s in book.sheets if s is not sheet]
    order.insert(min(int(merged.get("index", 0)), len(order)), sheet)
    for index, each in enumerate(order):
        each.properties["index"] = index
    book.reindex()


def _update_spreadsheet_properties(book: Spreadsheet, body: dict[str, Any]) -> None:
    book.properties = apply_mask(
        book.properties, body.get("properties") or {}, _require_fields(body)
    )


def _write_cells(
    sheet: Sheet, row0: int, col0: int, rows: list[dict[str, Any]], fields: str, box: Box | None
) -> None:
    if box is not None:  # cells of the range that `rows` leaves out are cleared too
        for row, col in box.cells():
            inside = row - row0 < len(rows) and col - col0 < len(
                (rows[row - row0] or {}).get("values") or []
            )
            if not inside:
                _put(sheet, row, col, apply_mask(sheet.cells.get((row, col), {}), {}, fields))
    for i, row_data in enumerate(rows):
        for j, cell in enumerate((row_data or {}).get("values") or []):
            row, col = row0 + i, col0 + j
            if row >= sheet.rows or col >= sheet.cols:
                raise _Refused(
                    f"Range ({quote_title(sheet.title, always=True)}!"
                    f"{Box(row, row + 1, col, col + 1).a1()}) exceeds grid limits. "
                    f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
                )
            if box is not None and not (row < box.row1 and col < box.col1):  # type: ignore[operator]
                raise _Refused("Attempting to write row or column outside of the range.")
            _put(sheet, row, col, apply_mask(sheet.cells.get((row, col), {}), cell or {}, fields))


def _put(sheet: Sheet, row: int, col: int, cell: dict[str, Any]) -> None:
    if cell:
        sheet.cells[(row, col)] = cell
    else:
        sheet.cells.pop((row, col), None)


def _update_cells(book: Spreadsheet, body: dict[str, Any]) -> None:
    fields = _require_fields(body)
    rows = body.get("rows") or []
    if body.get("range") is not None:
        sheet, box = _grid_box(book, body["range"])
        _write_cells(sheet, box.row0, box.col0, rows, fields, box)
    else:
        start = body.get("start") or {}
        sheet = _sheet(book, start.get("sheetId"))
        _write_cells(
            sheet,
            int(start.get("rowIndex") or 0),
            int(start.get("columnIndex") or 0),
            rows,
            fields,
            None,
        )


def _repeat_cell(book: Spreadsheet, body: dict[str, Any]) -> None:
    fields = _require_fields(body)
    sheet, box = _grid_box(book, body.get("range"))
    cell = body.get("cell") or {}
    for row, col in box.cells():
        _put(sheet, row, col, apply_mask(sheet.cells.get((row, col), {}), cell, fields))


def _append_cells(book: Spreadsheet, body: dict[str, Any]) -> None:
    fields = _require_fields(body)
    sheet = _sheet(book, body.get("sheetId"))
    rows = body.get("rows") or []
    start = sheet.last_data_row()
    width = max([len((r or {}).get("values") or []) for r in rows] or [0])
    sheet.set_grid(max(sheet.rows, start + len(rows)), max(sheet.cols, width))
    _write_cells(sheet, start, 0, rows, fields, None)


def _append_dimension(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet = _sheet(book, body.get("sheetId"))
    length = int(body.get("length") or 0)
    if length < 1:
        raise _Refused("length must be positive")
    if body.get("dimension") == "ROWS":
        sheet.set_grid(rows=sheet.rows + length)
    elif body.get("dimension") == "COLUMNS":
        sheet.set_grid(cols=sheet.cols + length)
    else:
        raise _Refused("dimension must be ROWS or COLUMNS")


def _dimension(book: Spreadsheet, rng: dict[str, Any] | None) -> tuple[Sheet, str, int, int]:
    rng = rng or {}
    sheet = _sheet(book, rng.get("sheetId"))
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise _Refused("dimension must be ROWS or COLUMNS")
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    start = int(rng.get("startIndex") or 0)
    end = int(rng["endIndex"]) if rng.get("endIndex") is not None else size
    if not 0 <= start <= end:
        raise _Refused("Invalid dimension range: start index is after end index")
    return sheet, dimension, start, end


def _insert_dimension(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension(book, body.get("range"))
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    if start > size:
        raise _Refused(f"Cannot insert {dimension.lower()} after the end of the grid.")
    _shift(book, sheet, dimension, start, end - start)


def _delete_dimension(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet, dimension, start, end = _dimension(book, body.get("range"))
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    if end > size:
        raise _Refused(
            f"Range ({quote_title(sheet.title, always=True)}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )
    if end - start >= size:
        raise _Refused(f"You can't delete all the {dimension.lower()} on the sheet.")
    _shift(book, sheet, dimension, start, start - end)


def _shift(book: Spreadsheet, sheet: Sheet, dimension: str, at: int, delta: int) -> None:
    """Move cells, row/column metadata and every range on the sheet by `delta` at `at`."""
    axis = 0 if dimension == "ROWS" else 1
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for key, cell in sheet.cells.items():
        index = key[axis]
        if delta < 0 and at <= index < at - delta:
            continue
        if index >= at:
            index += delta
        cells[(index, key[1]) if axis == 0 else (key[0], index)] = cell
    sheet.cells = cells
    meta = sheet.row_metadata if axis == 0 else sheet.column_metadata
    moved = {}
    for index, value in meta.items():
        if delta < 0 and at <= index < at - delta:
            continue
        moved[index + delta if index >= at else index] = value
    meta.clear()
    meta.update(moved)
    grid = sheet.properties["gridProperties"]
    grid["rowCount" if axis == 0 else "columnCount"] += delta
    for holder in (
        sheet.merges,
        sheet.banded_ranges,
        sheet.conditional_formats,
        sheet.filter_views,
        sheet.protected_ranges,
        book.named_ranges,
    ):
        shift_ranges(holder, sheet.id, dimension, at, delta)
    for other in book.sheets:
        shift_ranges(other.charts, sheet.id, dimension, at, delta)
    if sheet.basic_filter:
        shift_ranges(sheet.basic_filter, sheet.id, dimension, at, delta)
    sheet.merges = [m for m in sheet.merges if _nonempty(m)]


def _nonempty(rng: dict[str, Any]) -> bool:
    return (rng.get("endRowIndex", 1) > rng.get("startRowIndex", 0)) and (
        rng.get("endColumnIndex", 1) > rng.get("startColumnIndex", 0)
    )


def _update_dimension_properties(book: Spreadsheet, body: dict[str, Any]) -> None:
    fields = _require_fields(body)
    sheet, dimension, start, end = _dimension(book, body.get("range"))
    size = sheet.rows if dimension == "ROWS" else sheet.cols
    if end > size:
        raise _Refused(f"Invalid dimension range: end index {end} is past the grid ({size})")
    meta = sheet.row_metadata if dimension == "ROWS" else sheet.column_metadata
    for index in range(start, end):
        meta[index] = apply_mask(meta.get(index, {}), body.get("properties") or {}, fields)


def _auto_resize_dimensions(book: Spreadsheet, body: dict[str, Any]) -> None:
    if body.get("dimensions") is None:
        raise _Refused("dimensions is required")
    _dimension(book, body["dimensions"])  # checks it; widths are not simulated


def _set_basic_filter(book: Spreadsheet, body: dict[str, Any]) -> None:
    flt = copy.deepcopy(body.get("filter") or {})
    sheet, box = _grid_box(book, flt.get("range"))
    flt["range"] = box.grid_range(sheet.id)
    sheet.basic_filter = flt


def _clear_basic_filter(book: Spreadsheet, body: dict[str, Any]) -> None:
    _sheet(book, body.get("sheetId")).basic_filter = None


def _box_of(rng: dict[str, Any]) -> Box:
    return Box(
        rng.get("startRowIndex", 0),
        rng.get("endRowIndex"),
        rng.get("startColumnIndex", 0),
        rng.get("endColumnIndex"),
    )


def _fresh_id(book: Spreadsheet, given: Any, taken: set[int], what: str) -> int:
    if given is None:
        return book.new_id()
    if int(given) in taken:
        raise _Refused(f"{what} with id {given} already exists.")
    return int(given)


def _all_ids(book: Spreadsheet) -> set[int]:
    ids = {s.id for s in book.sheets}
    for sheet in book.sheets:
        ids |= {b["bandedRangeId"] for b in sheet.banded_ranges}
        ids |= {c["chartId"] for c in sheet.charts}
        ids |= {f["filterViewId"] for f in sheet.filter_views}
        ids |= {p["protectedRangeId"] for p in sheet.protected_ranges}
    return ids


def _add_banding(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    banded = copy.deepcopy(body.get("bandedRange") or {})
    if banded.get("range") is None:
        raise _Refused("bandedRange.range is required")
    sheet, box = _grid_box(book, banded["range"])
    for other in sheet.banded_ranges:
        if _box_of(other["range"]).overlaps(box):
            raise _Refused(
                "You cannot add alternating background colors to a range that already has "
                "alternating background colors."
            )
    banded["bandedRangeId"] = _fresh_id(
        book, banded.get("bandedRangeId"), _all_ids(book), "A banded range"
    )
    banded["range"] = box.grid_range(sheet.id)
    sheet.banded_ranges.append(banded)
    return {"bandedRange": copy.deepcopy(banded)}


def _delete_banding(book: Spreadsheet, body: dict[str, Any]) -> None:
    wanted = int(body.get("bandedRangeId") or 0)
    for sheet in book.sheets:
        for banded in sheet.banded_ranges:
            if banded["bandedRangeId"] == wanted:
                sheet.banded_ranges.remove(banded)
                return
    raise _Refused(f"No banded range with id: {wanted}")


def _grid_ranges(obj: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside `obj` that names a sheet (a GridRange, an anchor cell...)."""
    if isinstance(obj, dict):
        if "sheetId" in obj:
            yield obj
        for value in obj.values():
            yield from _grid_ranges(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _grid_ranges(item)


def _add_chart(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    chart = copy.deepcopy(body.get("chart") or {})
    if not chart.get("spec"):
        raise _Refused("chart.spec is required")
    for rng in _grid_ranges(chart["spec"]):
        _grid_box(book, rng)
    position = chart.get("position") or {}
    if position.get("newSheet"):
        raise SheetsError(501, "FakeSheets does not implement addChart with newSheet")
    anchor = (position.get("overlayPosition") or {}).get("anchorCell")
    if anchor is not None:
        host = _sheet(book, anchor.get("sheetId"))
    elif position.get("sheetId") is not None:
        host = _sheet(book, position["sheetId"])
    else:
        raise _Refused("chart.position is required")
    chart["chartId"] = _fresh_id(book, chart.get("chartId"), _all_ids(book), "An object")
    host.charts.append(chart)
    return {"chart": copy.deepcopy(chart)}


def _delete_embedded_object(book: Spreadsheet, body: dict[str, Any]) -> None:
    wanted = int(body.get("objectId") or 0)
    for sheet in book.sheets:
        for chart in sheet.charts:
            if chart["chartId"] == wanted:
                sheet.charts.remove(chart)
                return
    raise _Refused(f"No embedded object with id: {wanted}")


def _set_data_validation(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet, box = _grid_box(book, body.get("range"))
    rule = body.get("rule")
    source = {"dataValidation": rule} if rule else {}
    for row, col in box.cells():
        _put(sheet, row, col, apply_mask(sheet.cells.get((row, col), {}), source, "dataValidation"))


def _add_conditional_format_rule(book: Spreadsheet, body: dict[str, Any]) -> None:
    rule = copy.deepcopy(body.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise _Refused("rule.ranges must not be empty")
    if (rule.get("booleanRule") is None) == (rule.get("gradientRule") is None):
        raise _Refused("rule must set exactly one of booleanRule and gradientRule")
    sheets = set()
    for i, rng in enumerate(ranges):
        sheet, box = _grid_box(book, rng)
        sheets.add(sheet.id)
        ranges[i] = box.grid_range(sheet.id)
    if len(sheets) > 1:
        raise _Refused("All ranges of a conditional format rule must be on the same sheet.")
    host = _sheet(book, sheets.pop())
    index = int(body.get("index") or 0)
    host.conditional_formats.insert(min(index, len(host.conditional_formats)), rule)


def _delete_conditional_format_rule(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    sheet = _sheet(book, body.get("sheetId"))
    index = int(body.get("index") or 0)
    if index >= len(sheet.conditional_formats):
        raise _Refused(f"No conditional format on the sheet at index: {index}")
    return {"rule": sheet.conditional_formats.pop(index)}


def _merge_cells(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet, box = _grid_box(book, body.get("range"))
    assert box.row1 is not None
    assert box.col1 is not None
    kind = body.get("mergeType") or "MERGE_ALL"
    if kind == "MERGE_ROWS":
        boxes = [Box(r, r + 1, box.col0, box.col1) for r in range(box.row0, box.row1)]
    elif kind == "MERGE_COLUMNS":
        boxes = [Box(box.row0, box.row1, c, c + 1) for c in range(box.col0, box.col1)]
    else:
        boxes = [box]
    sheet.merges = [m for m in sheet.merges if not _box_of(m).overlaps(box)]
    sheet.merges.extend(b.grid_range(sheet.id) for b in boxes)


def _unmerge_cells(book: Spreadsheet, body: dict[str, Any]) -> None:
    sheet, box = _grid_box(book, body.get("range"))
    sheet.merges = [m for m in sheet.merges if not _box_of(m).overlaps(box)]


def _add_named_range(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    named = copy.deepcopy(body.get("namedRange") or {})
    name = named.get("name") or ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) or parse_cells(name):
        raise _Refused(f"Invalid name: '{name}'")
    if any(n["name"].lower() == name.lower() for n in book.named_ranges):
        raise _Refused(f"A named range with the name '{name}' already exists.")
    sheet, box = _grid_box(book, named.get("range"))
    named["range"] = box.grid_range(sheet.id)
    taken = {str(n["namedRangeId"]) for n in book.named_ranges}
    named_id = named.get("namedRangeId") or f"nr{book.new_id()}"
    if named_id in taken:
        raise _Refused(f"A named range with id {named_id} already exists.")
    named["namedRangeId"] = named_id
    book.named_ranges.append(named)
    return {"namedRange": copy.deepcopy(named)}


def _delete_named_range(book: Spreadsheet, body: dict[str, Any]) -> None:
    wanted = body.get("namedRangeId")
    before = len(book.named_ranges)
    book.named_ranges = [n for n in book.named_ranges if n["namedRangeId"] != wanted]
    if len(book.named_ranges) == before:
        raise _Refused(f"No named range with id: {wanted}")


def _add_filter_view(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    view = copy.deepcopy(body.get("filter") or {})
    sheet, box = _grid_box(book, view.get("range"))
    view["range"] = box.grid_range(sheet.id)
    view["filterViewId"] = _fresh_id(book, view.get("filterViewId"), _all_ids(book), "A filter")
    sheet.filter_views.append(view)
    return {"filter": copy.deepcopy(view)}


def _add_protected_range(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    protected = copy.deepcopy(body.get("protectedRange") or {})
    sheet, box = _grid_box(book, protected.get("range"))
    protected["range"] = box.grid_range(sheet.id)
    protected["protectedRangeId"] = _fresh_id(
        book, protected.get("protectedRangeId"), _all_ids(book), "A protected range"
    )
    sheet.protected_ranges.append(protected)
    return {"protectedRange": copy.deepcopy(protected)}


_HANDLERS: dict[str, Any] = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "appendCells": _append_cells,
    "appendDimension": _append_dimension,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "updateDimensionProperties": _update_dimension_properties,
    "autoResizeDimensions": _auto_resize_dimensions,
    "setBasicFilter": _set_basic_filter,
    "clearBasicFilter": _clear_basic_filter,
    "addBanding": _add_banding,
    "deleteBanding": _delete_banding,
    "addChart": _add_chart,
    "deleteEmbeddedObject": _delete_embedded_object,
    "setDataValidation": _set_data_validation,
    "addConditionalFormatRule": _add_conditional_format_rule,
    "deleteConditionalFormatRule": _delete_conditional_format_rule,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "addNamedRange": _add_named_range,
    "deleteNamedRange": _delete_named_range,
    "addFilterView": _add_filter_view,
    "addProtectedRange": _add_protected_range,
}
IMPLEMENTED_REQUESTS = frozenset(_HANDLERS)


# --- spreadsheets.values ---------------------------------------------------------------------


def read_values(book: Spreadsheet, text: str, render: str, major: str) -> dict[str, Any]:
    """`values.get` of one range: trailing empty rows and columns left out, like Google."""
    sheet, box = book.resolve(text)
    book.check_within(sheet, box)
    box = box.clip(sheet.rows, sheet.cols)
    assert box.row1 is not None
    assert box.col1 is not None
    grid = [
        [rendered(sheet.cells.get((r, c)), render) for c in range(box.col0, box.col1)]
        for r in range(box.row0, box.row1)
    ]
    if major == "COLUMNS":
        grid = [list(column) for column in zip(*grid, strict=True)] if grid else []
    rows = [_trim(row) for row in grid]
    while rows and not rows[-1]:
        rows.pop()
    body: dict[str, Any] = {"range": book.a1(sheet, box), "majorDimension": major}
    if rows:
        body["values"] = rows
    return body


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] == "":
        row.pop()
    return row


def _as_rows(values: list[list[Any]], major: str) -> list[list[Any]]:
    if major != "COLUMNS":
        return values
    height = max((len(c) for c in values), default=0)
    return [[col[r] if r < len(col) else None for col in values] for r in range(height)]


def write_values(
    book: Spreadsheet, text: str, values: list[list[Any]], major: str, *, user_entered: bool
) -> dict[str, Any]:
    """`values.update` (and each range of `values.batchUpdate`); the grid does not grow."""
    sheet, box = book.resolve(text)
    if box.row1 == box.row0 + 1 and box.col1 == box.col0 + 1:
        box = Box(box.row0, None, box.col0, None)  # one cell: where the data starts
    rows = _as_rows(values, major)
    height, width = len(rows), max((len(r) for r in rows), default=0)
    requested = book.a1(sheet, box.clip(sheet.rows, sheet.cols))
    if box.row1 is not None and box.row0 + height > box.row1:
        raise invalid(
            f"Requested writing within range [{requested}], but tried writing to row "
            f"[{box.row1 + 1}]"
        )
    if box.col1 is not None and box.col0 + width > box.col1:
        raise invalid(
            f"Requested writing within range [{requested}], but tried writing to column "
            f"[{column_letters(box.col1)}]"
        )
    written = Box(box.row0, box.row0 + max(height, 1), box.col0, box.col0 + max(width, 1))
    book.check_within(sheet, written)
    return _store(book, sheet, box.row0, box.col0, rows, user_entered)


def _store(
    book: Spreadsheet,
    sheet: Sheet,
    row0: int,
    col0: int,
    rows: list[list[Any]],
    user_entered: bool,
) -> dict[str, Any]:
    touched_rows, touched_cols, count = set(), set(), 0
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue  # null: leave the cell alone
            key = (row0 + i, col0 + j)
            cell = dict(sheet.cells.get(key, {}))
            entered = entered_value(value, user_entered=user_entered)
            if entered is None:
                cell.pop("userEnteredValue", None)
            else:
                cell["userEnteredValue"] = entered
            _put(sheet, key[0], key[1], cell)
            touched_rows.add(key[0])
            touched_cols.add(key[1])
            count += 1
    body: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if count:
        box = Box(
            min(touched_rows), max(touched_rows) + 1, min(touched_cols), max(touched_cols) + 1
        )
        body.update(
            updatedRange=book.a1(sheet, box),
            updatedRows=len(touched_rows),
            updatedColumns=len(touched_cols),
            updatedCells=count,
        )
    return body


def append_values(
    book: Spreadsheet,
    text: str,
    values: list[list[Any]],
    major: str,
    *,
    user_entered: bool,
    insert_rows: bool,
) -> dict[str, Any]:
    """`values.append`: find the table in the range (the first run of non-empty rows from the
    range's first non-empty row), write after its last row from its first column; the grid
    grows as needed (Google's OVERWRITE note: "adding data to the end of the sheet will still
    insert new rows or columns").
    """
    sheet, box = book.resolve(text)
    book.check_within(sheet, box)
    rows = _as_rows(values, major)
    height, width = len(rows), max((len(r) for r in rows), default=0)
    area = box.clip(sheet.rows, sheet.cols)
    assert area.row1 is not None
    assert area.col1 is not None
    filled: dict[int, list[int]] = {}
    for (r, c), cell in sheet.cells.items():
        if "userEnteredValue" in cell and area.row0 <= r < area.row1 and _in_cols(area, c):
            filled.setdefault(r, []).append(c)
    table: Box | None = None
    if filled:
        first = last = min(filled)
        while last + 1 in filled:
            last += 1
        cols = [c for r in range(first, last + 1) for c in filled[r]]
        table = Box(first, last + 1, min(cols), max(cols) + 1)
    start_row = table.row1 if table else area.row0
    start_col = table.col0 if table else area.col0
    assert start_row is not None
    if insert_rows:
        _shift(book, sheet, "ROWS", start_row, height) if start_row < sheet.rows else None
    need_rows = start_row + height
    need_cols = start_col + width
    if need_rows > sheet.rows or need_cols > sheet.cols:
        sheet.set_grid(max(sheet.rows, need_rows), max(sheet.cols, need_cols))
    body: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table is not None:
        body["tableRange"] = book.a1(sheet, table)
    body["updates"] = _store(book, sheet, start_row, start_col, rows, user_entered)
    return body


def clear_values(book: Spreadsheet, text: str) -> str:
    """`values.clear`: values go, formats stay; returns the cleared range."""
    sheet, box = book.resolve(text)
    book.check_within(sheet, box)
    box = box.clip(sheet.rows, sheet.cols)
    for key in [k for k in sheet.cells if box.row0 <= k[0] < box.row1 and _in_cols(box, k[1])]:  # type: ignore[operator]
        cell = dict(sheet.cells[key])
        cell.pop("userEnteredValue", None)
        _put(sheet, key[0], key[1], cell)
    return book.a1(sheet, box)
