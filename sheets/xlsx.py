"""The workbook as an XLSX file: `sheets.layout` rendered with openpyxl.

openpyxl writes every sheet, its formats, formulas, filters, dropdowns, highlights and the
chart. «Операции» can hold 100,000 rows, which openpyxl alone writes in about half a minute
here (some 20 µs a cell); so openpyxl writes its header and first row, and the remaining rows
are streamed into that sheet's XML part straight after, cell for cell as openpyxl wrote the
first one (same style ids, numbers as numbers, text as inline strings). Small workbooks never
take that path at all.

Decimal amounts go into the file as their exact decimal digits; no float is involved.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart import Series as ChartSeries
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ledger.storage.files import PRIVATE_FILE, private_dir
from sheets.layout import (
    HEADER_FILL,
    OPERATIONS,
    TOTAL_FILL,
    CellValue,
    Chart,
    Formula,
    Sheet,
    WorkbookLayout,
    build_layout,
)
from sheets.projection import Projection

# Characters XML 1.0 cannot carry; a pasted control character must not break the file.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_EPOCH = date(1899, 12, 30)
HEADER_FONT = Font(bold=True)
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9C1"))
OOXML_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OOXML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def export_xlsx(projection: Projection, path: Path, today: date) -> Path:
    """The CLI's and the bot's entry point: the projection as the workbook at `path`."""
    return write_workbook(build_layout(projection, today), path)


def write_workbook(layout: WorkbookLayout, path: Path) -> Path:
    """Render `layout` to `path` (replaced atomically: a reader never sees half a file)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in layout.sheets:
        _render_sheet(workbook.create_sheet(sheet.title), sheet)
    private_dir(path.parent)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        draft = Path(scratch) / "draft.xlsx"
        workbook.save(draft)
        operations = layout.sheet(OPERATIONS)
        if len(operations.rows) > 1:
            final = Path(scratch) / "final.xlsx"
            _append_rows_raw(draft, final, operations)
            draft = final
        # The whole ledger: its owner's alone, whatever the umask (the rename keeps the mode).
        os.chmod(draft, PRIVATE_FILE)
        shutil.move(draft, path)
    return path


# -- one sheet -------------------------------------------------------------------------------


def _render_sheet(ws: Worksheet, sheet: Sheet) -> None:
    """Everything but the bulk rows of «Операции» (rows after its first, see the module)."""
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    _render_header(ws, sheet)
    rows = sheet.rows[:1] if sheet.title == OPERATIONS else sheet.rows
    for offset, values in enumerate(rows):
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row=sheet.first_row + offset, column=index)
            _set_value(cell, value)
            number_format = sheet.columns[index - 1].number_format
            if number_format and value is not None:
                cell.number_format = number_format
    if sheet.total_row and sheet.rows:
        _style_total(ws, sheet)
    for placed in sheet.cells:
        cell = ws[placed.ref]
        _set_value(cell, placed.value)
        if placed.number_format:
            cell.number_format = placed.number_format
        if placed.bold or placed.italic or placed.large:
            cell.font = Font(
                bold=placed.bold, italic=placed.italic, size=14 if placed.large else None
            )
        if placed.fill:
            cell.fill = PatternFill("solid", fgColor=placed.fill)
    _render_decorations(ws, sheet)


def _render_header(ws: Worksheet, sheet: Sheet) -> None:
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    for index, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=sheet.header_row, column=index)
        _set_value(cell, column.title)  # a category called "=x" is a title, not a formula
        cell.font, cell.fill, cell.border = HEADER_FONT, fill, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if sheet.note:
        comment = Comment(sheet.note, "Копейка")
        comment.width, comment.height = 320, 120
        ws.cell(row=sheet.header_row, column=1).comment = comment


def _style_total(ws: Worksheet, sheet: Sheet) -> None:
    row = sheet.first_row + len(sheet.rows) - 1
    fill = PatternFill("solid", fgColor=TOTAL_FILL)
    for index in range(1, len(sheet.columns) + 1):
        cell = ws.cell(row=row, column=index)
        cell.font, cell.fill = HEADER_FONT, fill


def _render_decorations(ws: Worksheet, sheet: Sheet) -> None:
    """Frozen panes, filter, banding, dropdowns, highlights, charts, visibility, printing."""
    if sheet.frozen_rows or sheet.frozen_columns:
        ws.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{sheet.frozen_rows + 1}"
    if sheet.filter_ref:
        ws.auto_filter.ref = sheet.filter_ref
    for validation in sheet.validations:
        dropdown = DataValidation(type="list", formula1=validation.source, allow_blank=False)
        dropdown.errorTitle, dropdown.error = "Нет такого значения", "Выберите из списка."
        dropdown.add(validation.ref)
        ws.add_data_validation(dropdown)
    for highlight in sheet.highlights:
        fill = PatternFill("solid", fgColor=highlight.fill, bgColor=highlight.fill)
        rule = FormulaRule(formula=[highlight.formula.removeprefix("=")], fill=fill)
        ws.conditional_formatting.add(highlight.ref, rule)
    # After the highlights: the first rule added takes precedence where both apply.
    if sheet.band_fill and len(sheet.rows) > 1:
        last = sheet.first_row + len(sheet.rows) - 1
        ws.conditional_formatting.add(
            f"A{sheet.first_row}:{sheet.last_column}{last}",
            FormulaRule(
                formula=[f"MOD(ROW(),2)={(sheet.first_row + 1) % 2}"],
                fill=PatternFill("solid", fgColor=sheet.band_fill, bgColor=sheet.band_fill),
            ),
        )
    for chart in sheet.charts:
        ws.add_chart(_chart(chart), chart.anchor)
    if sheet.hidden:
        ws.sheet_state = "hidden"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _chart(spec: Chart) -> BarChart | LineChart:
    chart = BarChart() if spec.kind == "column" else LineChart()
    if isinstance(chart, BarChart):
        chart.type, chart.grouping = "col", "clustered"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.number_format = "MM.YYYY"
    # openpyxl 3.1 marks axes deleted unless told otherwise; an owner wants to see them.
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.legend.position = "b"
    for series in spec.series:
        plotted = ChartSeries(Reference(range_string=series.values_ref))
        plotted.tx = SeriesLabel(strRef=StrRef(f=series.title_ref))
        chart.series.append(plotted)
    chart.set_categories(Reference(range_string=spec.categories_ref))
    chart.width, chart.height = spec.width_cm, spec.height_cm
    return chart


def _set_value(cell, value: CellValue) -> None:
    """A layout value into an openpyxl cell: text stays text even when it starts with "="."""
    if isinstance(value, Formula):
        cell.value = value.text
    elif isinstance(value, str):
        cell.value = ILLEGAL_XML.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value


# -- streaming the bulk of «Операции» -------------------------------------------------------


def _append_rows_raw(source: Path, target: Path, sheet: Sheet) -> None:
    """Copy the package, giving `sheet`'s part its rows after the first one."""
    with zipfile.ZipFile(source) as package:
        part = _sheet_part(package, sheet.title)
        xml = package.read(part).decode("utf-8")
        styles = _first_row_styles(xml, sheet.first_row)
        end = xml.index("</sheetData>")
        last_row = sheet.first_row + len(sheet.rows) - 1
        head = re.sub(
            r'<dimension ref="[^"]*"',
            f'<dimension ref="A{sheet.header_row}:{sheet.last_column}{last_row}"',
            xml[:end],
            count=1,
        )
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in package.infolist():
                if info.filename != part:
                    out.writestr(info, package.read(info.filename))
                    continue
                with out.open(part, "w", force_zip64=True) as stream:
                    stream.write(head.encode("utf-8"))
                    for chunk in _raw_rows(sheet.rows, sheet.first_row + 1, styles):
                        stream.write(chunk.encode("utf-8"))
                    stream.write(xml[end:].encode("utf-8"))


def _sheet_part(package: zipfile.ZipFile, title: str) -> str:
    """The zip member holding the worksheet titled `title`, found as Excel finds it."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    relation = next(
        s.get(f"{{{OOXML_REL}}}id")
        for s in workbook.iter(f"{{{OOXML_MAIN}}}sheet")
        if s.get("name") == title
    )
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(
        r.get("Target")
        for r in rels.iter(f"{{{PACKAGE_REL}}}Relationship")
        if r.get("Id") == relation
    )
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


def _first_row_styles(xml: str, row: int) -> dict[str, str]:
    """Column letter → style id, as openpyxl wrote the first data row."""
    match = re.search(rf'<row r="{row}"[^>]*>(.*?)</row>', xml, re.S)
    styles: dict[str, str] = {}
    for tag in re.findall(r"<c ([^>]*)>", match.group(1) if match else ""):
        ref = re.search(r'r="([A-Z]+)\d+"', tag)
        style = re.search(r's="(\d+)"', tag)
        if ref and style:
            styles[ref.group(1)] = style.group(1)
    return styles


def _raw_rows(
    rows: Sequence[tuple[CellValue, ...]], start: int, styles: dict[str, str]
) -> Iterator[str]:
    """`<row>` elements for rows[1:], numbered from `start`, in chunks of a thousand."""
    letters = [get_column_letter(i) for i in range(1, 1 + max(len(r) for r in rows))]
    style_attr = [f' s="{styles[c]}"' if c in styles else "" for c in letters]
    chunk: list[str] = []
    for number, values in enumerate(rows[1:], start=start):
        cells = [
            _raw_cell(f"{letters[i]}{number}", style_attr[i], value)
            for i, value in enumerate(values)
            if value is not None
        ]
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) == 1000:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


def _raw_cell(ref: str, style: str, value: CellValue) -> str:
    if isinstance(value, str):
        text = escape(ILLEGAL_XML.sub("", value))
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"{style}><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{style}><v>{value:f}</v></c>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    raise TypeError(f"«{OPERATIONS}» rows hold data, not {type(value).__name__}")
