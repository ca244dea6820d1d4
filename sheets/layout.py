"""The management workbook described as data: one layout, rendered by two writers.

`build_layout(projection)` says what every sheet holds — titles, header rows, column widths,
number formats, formulas, frozen rows, filters, banding, dropdowns, highlights and the chart —
without saying how a file or an API spells them. `sheets.xlsx` renders it with openpyxl; the
Google Sheets writer renders the same objects as `batchUpdate` requests.

Conventions every writer relies on:

- Cell values are `str`, `int`, `Decimal`, `date`, `Formula` or `None` (an empty cell). A plain
  `str` is always text, even one starting with "=" (a comment is never run as a formula): write
  data as raw values, only `Formula` as a formula.
- Formulas are A1 strings in the en-US form both XLSX files and the Sheets API take (English
  function names, comma separators), using only functions Google Sheets, LibreOffice 7.x and
  Excel all compute: SUMIFS, SUM, IF, AND, OR, IFERROR, DATE, YEAR, MONTH, TODAY, SUBSTITUTE,
  and HYPERLINK (a «Чек» cell of the Google sheet: the file has no link to offer).
- The figures read «Операции» by whole columns (`'Операции'!$E:$E`): rows appended by the sync
  worker are counted without touching a formula, SUMIFS ignores the text header, and all three
  programs limit whole-column SUMIFS to the used rows, so it stays fast.
- Months are real dates (the 1st) shown as MM.YYYY; a month's figures select «Операции» rows by
  the date column (>= the 1st, < the next 1st), a numeric test no locale or program reads
  differently ("2026-11" as a criterion could be taken for a date by one and not another).
- A name is never a criterion as it is: SUMIFS reads a leading "<", ">" or "=" as a comparison
  and "*", "?", "~" as wildcards, so «<без категории>» or «a*b» would count other rows. Every
  name is matched by `"=" + the name with "~", "*", "?" escaped by "~"` (`exact` for a name
  known now, `exact_of` for one in a cell: a column header, a selector), which Google Sheets,
  LibreOffice (wildcards on, as it opens XLSX) and Excel all read as "equal to this text".
- A dimension selector ("все" or a value) becomes a criterion in a helper cell on «Списки»:
  "все" (or an emptied selector) turns into `"<>" + a string no cell holds`, which every
  program matches against every cell including blank ones, so an entry without a manager still
  counts when no manager is chosen; any other value into its exact criterion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openpyxl.utils import get_column_letter

from ledger.journal import EntryKind
from sheets.projection import (
    LedgerRow,
    LedgerShape,
    Projection,
    distinct_values,
)

RUB_FORMAT = '#,##0.00 "₽";-#,##0.00 "₽"'
AMOUNT_FORMAT = "#,##0.00"  # an amount whose currency is in the next column
DATE_FORMAT = "DD.MM.YYYY"
MONTH_FORMAT = "MM.YYYY"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"

OPERATIONS = "Операции"
PROFIT = "Прибыль"
CASH_HELD = "Деньги у менеджеров"
REQUESTS = "Заявки"
MARKETING = "Маркетинг и оборот"
LISTS = "Списки"

ALL = "все"
# A criterion no cell matches with "=", so "<>" + it matches every cell, blank ones included.
NEVER = "§нет§"

KIND_NAMES = {EntryKind.INCOME: "доход", EntryKind.EXPENSE: "расход", EntryKind.REVERSAL: "сторно"}
REQUEST_STATUS_NAMES = {
    "draft": "черновик",
    "submitted": "на согласовании",
    "approved": "одобрена",
    "returned": "на доработке",
    "rejected": "отклонена",
    "partly_paid": "оплачена частично",
    "paid": "оплачена",
    "cancelled": "отозвана",
}
# Never overdue: paid, closed, or (a draft) not yet asked for.
CLOSED_REQUEST_STATUSES = ("paid", "rejected", "cancelled", "draft")

HEADER_FILL = "DDE6F0"
BAND_FILL = "F3F6FA"
SELECTOR_FILL = "FFF2CC"
OVERDUE_FILL = "F8D7DA"
TOTAL_FILL = "EEF2F7"

OPERATIONS_NOTE = (
    "Этот лист — проекция учёта Копейки: каждая запись учёта — одна строка, новые строки "
    "добавляются снизу автоматически. Правки, сделанные здесь вручную, исправит следующая "
    "пересборка. Исправить запись — сторно в боте. Итоги — на листе «Прибыль»."
)


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula in A1 notation, with its leading "=" (see the module's conventions)."""

    text: str


CellValue = str | int | Decimal | date | Formula | None


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a sheet's table: header title, width in characters, number format."""

    title: str
    width: int
    number_format: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell placed by address outside the table rows: a title, a label, a selector."""

    ref: str
    value: CellValue
    number_format: str | None = None
    bold: bool = False
    italic: bool = False
    fill: str | None = None
    large: bool = False  # a sheet title


@dataclass(frozen=True, slots=True)
class Validation:
    """A dropdown on `ref` whose choices are the cells of `source` (an A1 range)."""

    ref: str
    source: str


@dataclass(frozen=True, slots=True)
class Highlight:
    """Conditional fill: cells of `ref` where `formula` (relative to its top-left) is true."""

    ref: str
    formula: str
    fill: str


@dataclass(frozen=True, slots=True)
class Series:
    title_ref: str
    values_ref: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A native chart: `kind` is "column" or "line"; placed with its top-left at `anchor`."""

    kind: str
    title: str
    anchor: str
    categories_ref: str
    series: tuple[Series, ...]
    y_title: str | None = None
    width_cm: float = 18.0
    height_cm: float = 9.0


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet. The table's header is at `header_row`, its rows follow from the next row.

    `band_fill` asks for alternate-row banding of the table (data rows, however many are
    appended); `filter` for an auto filter over header and rows; `total_row` marks the last
    row of `rows` as a totals row to be set in bold; `note` is a note on the header's first
    cell (a cell comment in XLSX, a note in Sheets), so the rows' position never moves.
    """

    title: str
    columns: tuple[Column, ...]
    header_row: int = 1
    rows: Sequence[tuple[CellValue, ...]] = ()
    cells: tuple[Cell, ...] = ()
    frozen_rows: int = 0
    frozen_columns: int = 0
    filter: bool = False
    band_fill: str | None = None
    total_row: bool = False
    note: str | None = None
    validations: tuple[Validation, ...] = ()
    highlights: tuple[Highlight, ...] = ()
    charts: tuple[Chart, ...] = ()
    hidden: bool = False

    @property
    def first_row(self) -> int:
        """The first table row, where data starts (and where appends continue from)."""
        return self.header_row + 1

    @property
    def last_column(self) -> str:
        return get_column_letter(len(self.columns))

    @property
    def filter_ref(self) -> str | None:
        """The auto filter's range: the header and every row written."""
        if not self.filter:
            return None
        return f"A{self.header_row}:{self.last_column}{self.header_row + max(len(self.rows), 1)}"


@dataclass(frozen=True, slots=True)
class WorkbookLayout:
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)

    def sheet(self, title: str) -> Sheet:
        return next(sheet for sheet in self.sheets if sheet.title == title)


# -- «Операции» ------------------------------------------------------------------------------

OPERATIONS_COLUMNS = (
    Column("Дата", 12, DATE_FORMAT),
    Column("Месяц", 9),
    Column("Вид", 9),
    Column("Категория", 16),
    Column("Сумма, ₽", 17, RUB_FORMAT),
    Column("Сделка", 14),
    Column("Договор", 12),
    Column("Менеджер", 16),
    Column("Продукт", 16),
    Column("Салон", 14),
    Column("Город", 13),
    Column("Контрагент", 18),
    Column("Комментарий", 34),
    Column("Кто", 14),
    Column("№ записи", 11, INTEGER_FORMAT),
    # Last: a column added at the end leaves every other where an existing sheet has it.
    Column("Чек", 8),
)
OPERATIONS_HEADER_ROW = 1
# What «Операции» rows hold. The sync worker rewrites a spreadsheet's rows once when they
# were written otherwise: raise it whenever `operations_row` writes something new.
OPERATIONS_ROWS_VERSION = 2  # 2: the «Чек» column
RECEIPT_MARK = "есть"
ReceiptLink = Callable[[int], str]  # an entry id → the address its receipt is served at


WILDCARDS = ("~", "*", "?")  # "~" first: the escapes added after it are not escaped again


def exact(value: str) -> str:
    """A criterion matching the cells equal to `value` and nothing else, as a formula string."""
    criterion = "=" + "".join("~" + char if char in WILDCARDS else char for char in value)
    return '"' + criterion.replace('"', '""') + '"'


def exact_of(ref: str) -> str:
    """The criterion `exact` gives for the text in cell `ref`, built by the formula itself."""
    escaped = ref
    for char in WILDCARDS:
        escaped = f'SUBSTITUTE({escaped},"{char}","~{char}")'
    return f'"="&{escaped}'


def _ops(title: str) -> str:
    """A whole-column reference into «Операции» by header title, e.g. 'Операции'!$E:$E."""
    titles = [column.title for column in OPERATIONS_COLUMNS]
    letter = get_column_letter(titles.index(title) + 1)
    return f"{quote(OPERATIONS)}!${letter}:${letter}"


def quote(title: str) -> str:
    """A sheet title as formulas name it."""
    return "'" + title.replace("'", "''") + "'"


def operations_row(
    row: LedgerRow, receipt_link: ReceiptLink | None = None
) -> tuple[CellValue, ...]:
    """One ledger entry as its «Операции» row: the sync worker appends exactly these, with a
    link to the receipt where the bot serves them (`receipt_link`), else a plain mark."""
    comment = row.comment
    if row.reverses_entry_id is not None:
        undo = f"сторно записи №{row.reverses_entry_id}"
        comment = f"{undo}: {comment}" if comment else undo
    return (
        row.entry_date,
        row.month,
        KIND_NAMES.get(row.kind, row.kind),
        row.category,
        row.amount,
        row.deal,
        row.contract,
        row.manager,
        row.product,
        row.salon,
        row.city,
        row.counterparty,
        comment,
        row.author,
        row.entry_id,
        _receipt_cell(row, receipt_link),
    )


def _receipt_cell(row: LedgerRow, receipt_link: ReceiptLink | None) -> CellValue:
    if not row.has_receipt:
        return None
    if receipt_link is None:
        return RECEIPT_MARK
    url = receipt_link(row.entry_id).replace('"', '""')
    return Formula(f'=HYPERLINK("{url}","{RECEIPT_MARK}")')


def operations_sheet(ledger: Iterable[LedgerRow]) -> Sheet:
    return Sheet(
        title=OPERATIONS,
        columns=OPERATIONS_COLUMNS,
        header_row=OPERATIONS_HEADER_ROW,
        rows=[operations_row(row) for row in ledger],
        frozen_rows=OPERATIONS_HEADER_ROW,
        filter=True,
        band_fill=BAND_FILL,
        note=OPERATIONS_NOTE,
    )


# -- «Списки»: distinct dimension values and the selectors' criteria ----------------------------

DIMENSIONS = (  # selector label on «Прибыль», «Операции» column, LedgerRow field
    ("Менеджер", "Менеджер", "manager"),
    ("Продукт", "Продукт", "product"),
    ("Салон", "Салон", "salon"),
    ("Город", "Город", "city"),
)
SELECTOR_ROW = 2  # «Прибыль»!B2:B5 hold the selectors, one per dimension
CRITERIA_COLUMN = "G"  # «Списки»!G2:G5 turn them into SUMIFS criteria


def shape_of(ledger: Sequence[LedgerRow]) -> LedgerShape:
    """The shape of rows in memory (the XLSX path); the sync worker reads it with SQL."""
    if not ledger:
        return LedgerShape()
    return LedgerShape(
        first=min(row.entry_date for row in ledger),
        last=max(row.entry_date for row in ledger),
        distinct={
            attribute: tuple(distinct_values(getattr(row, attribute) for row in ledger))
            for _, _, attribute in DIMENSIONS
        },
    )


def selector_ref(index: int) -> str:
    return f"{quote(PROFIT)}!$B${SELECTOR_ROW + index}"


def criterion_ref(index: int) -> str:
    return f"{quote(LISTS)}!${CRITERIA_COLUMN}${SELECTOR_ROW + index}"


def lists_sheet(shape: LedgerShape) -> tuple[Sheet, tuple[str, ...]]:
    """The hidden helper sheet, and each dimension's dropdown source range."""
    columns = [list(shape.distinct.get(attribute, ())) for _, _, attribute in DIMENSIONS]
    depth = max(len(values) for values in columns) + 1
    rows: list[tuple[CellValue, ...]] = []
    for index in range(depth):
        row: list[CellValue] = [
            ([ALL, *values][index] if index <= len(values) else None) for values in columns
        ]
        rows.append(tuple(row))
    cells = [Cell(f"F{SELECTOR_ROW - 1}", "Отбор", bold=True)]
    for index, (label, _, _) in enumerate(DIMENSIONS):
        selector = selector_ref(index)
        cells.append(Cell(f"F{SELECTOR_ROW + index}", label))
        cells.append(
            Cell(
                f"{CRITERIA_COLUMN}{SELECTOR_ROW + index}",
                Formula(
                    f'=IF(OR({selector}="{ALL}",{selector}=""),"<>{NEVER}",{exact_of(selector)})'
                ),
            )
        )
    sources = tuple(
        f"{quote(LISTS)}!${get_column_letter(i + 1)}$2:${get_column_letter(i + 1)}${len(v) + 2}"
        for i, v in enumerate(columns)
    )
    sheet = Sheet(
        title=LISTS,
        columns=tuple(Column(label, 16) for label, _, _ in DIMENSIONS),
        rows=rows,
        cells=tuple(cells),
        hidden=True,
    )
    return sheet, sources


# -- «Прибыль» -------------------------------------------------------------------------------

PROFIT_HEADER_ROW = 7


def months_of(shape: LedgerShape, today: date) -> list[date]:
    """Every month from the first entry's to the last's (gaps included), as their 1st days."""
    if shape.first is None or shape.last is None:
        return [today.replace(day=1)]
    first = shape.first.replace(day=1)
    last = shape.last.replace(day=1)
    months = [first]
    while months[-1] < last:
        current = months[-1]
        months.append(date(current.year + (current.month == 12), current.month % 12 + 1, 1))
    return months


def _sumifs(month_cell: str, *criteria: str, selectors: bool) -> str:
    """SUMIFS of signed amounts in the month of `month_cell`, narrowed by `criteria` pairs."""
    parts = [
        _ops("Сумма, ₽"),
        _ops("Дата"),
        f'">="&{month_cell}',
        _ops("Дата"),
        f'"<"&DATE(YEAR({month_cell}),MONTH({month_cell})+1,1)',
        *criteria,
    ]
    if selectors:
        for index, (_, column, _) in enumerate(DIMENSIONS):
            parts += [_ops(column), criterion_ref(index)]
    return f"SUMIFS({','.join(parts)})"


# The «Вид» criteria.
IS_INCOME = exact(KIND_NAMES[EntryKind.INCOME])
IS_EXPENSE = exact(KIND_NAMES[EntryKind.EXPENSE])
IS_REVERSAL = exact(KIND_NAMES[EntryKind.REVERSAL])


def income_formula(month_cell: str, *, selectors: bool) -> str:
    """Income: income entries, less reversals of income (the negative reversals)."""
    kind = _ops("Вид")
    amount = _ops("Сумма, ₽")
    return (
        _sumifs(month_cell, kind, IS_INCOME, selectors=selectors)
        + "+"
        + _sumifs(month_cell, kind, IS_REVERSAL, amount, '"<0"', selectors=selectors)
    )


def expense_formula(month_cell: str, category: str | None, *, selectors: bool) -> str:
    """Spending as a positive figure: expenses less their reversals (the positive ones).

    `category` is a criterion (`exact` of a name, `exact_of` a cell); None: every category.
    """
    kind, amount = _ops("Вид"), _ops("Сумма, ₽")
    narrow = (_ops("Категория"), category) if category is not None else ()
    return (
        "-("
        + _sumifs(month_cell, *narrow, kind, IS_EXPENSE, selectors=selectors)
        + "+"
        + _sumifs(month_cell, *narrow, kind, IS_REVERSAL, amount, '">0"', selectors=selectors)
        + ")"
    )


def profit_sheet(
    months: Sequence[date], categories: Sequence[str], sources: Sequence[str]
) -> Sheet:
    """Months as rows: income, each category, total spending, net profit, margin — all live."""
    columns = (
        Column("Месяц", 12, MONTH_FORMAT),
        Column("Доходы, ₽", 17, RUB_FORMAT),
        *(Column(name, max(15, len(name) + 4), RUB_FORMAT) for name in categories),
        Column("Расходы итого, ₽", 20, RUB_FORMAT),
        Column("Чистая прибыль, ₽", 21, RUB_FORMAT),
        Column("Маржа, %", 11, PERCENT_FORMAT),
    )
    first_category = 3
    total_col = get_column_letter(first_category + len(categories))
    net_col = get_column_letter(first_category + len(categories) + 1)
    rows: list[tuple[CellValue, ...]] = []
    for offset, month in enumerate(months):
        r = PROFIT_HEADER_ROW + 1 + offset
        month_cell = f"$A{r}"
        by_category = [
            Formula(
                "="
                + expense_formula(
                    month_cell, exact_of(f"{letter}${PROFIT_HEADER_ROW}"), selectors=True
                )
            )
            for letter in (get_column_letter(first_category + i) for i in range(len(categories)))
        ]
        rows.append(
            (
                month,
                Formula("=" + income_formula(month_cell, selectors=True)),
                *by_category,
                Formula("=" + expense_formula(month_cell, None, selectors=True)),
                Formula(f"=B{r}-{total_col}{r}"),
                Formula(f'=IFERROR({net_col}{r}/B{r},"")'),
            )
        )
    rows.append(_total_row(len(columns), PROFIT_HEADER_ROW + 1, PROFIT_HEADER_ROW + len(months)))
    cells = [Cell("A1", "Чистая прибыль по месяцам", bold=True, large=True)]
    validations = []
    for index, (label, _, _) in enumerate(DIMENSIONS):
        cells.append(Cell(f"A{SELECTOR_ROW + index}", label, bold=True))
        cells.append(Cell(f"B{SELECTOR_ROW + index}", ALL, fill=SELECTOR_FILL))
        validations.append(Validation(f"B{SELECTOR_ROW + index}", sources[index]))
    cells.append(
        Cell(
            f"A{SELECTOR_ROW + len(DIMENSIONS)}",
            "Выберите значения в жёлтых ячейках («все» — без отбора): цифры пересчитаются "
            "по листу «Операции».",
            italic=True,
        )
    )
    return Sheet(
        title=PROFIT,
        columns=columns,
        header_row=PROFIT_HEADER_ROW,
        rows=rows,
        cells=tuple(cells),
        frozen_rows=PROFIT_HEADER_ROW,
        frozen_columns=1,
        total_row=True,
        validations=tuple(validations),
    )


def _total_row(width: int, first: int, last: int) -> tuple[CellValue, ...]:
    """«Итого» over the month rows; the margin is recomputed, not summed."""
    letters = [get_column_letter(i) for i in range(2, width)]
    sums = [Formula(f"=SUM({c}{first}:{c}{last})") for c in letters]
    income, net = letters[0], letters[-1]
    return ("Итого", *sums, Formula(f'=IFERROR({net}{last + 1}/{income}{last + 1},"")'))


# -- «Маркетинг и оборот» -----------------------------------------------------------------------


def marketing_sheet(months: Sequence[date], category: str | None) -> Sheet:
    """Turnover and marketing spend by month (the whole business), and their chart;
    `category` is the marketing category's current name (None: there is none)."""
    marketing = exact(category if category is not None else NEVER)
    rows: list[tuple[CellValue, ...]] = []
    for offset, month in enumerate(months):
        r = 2 + offset
        rows.append(
            (
                month,
                Formula("=" + income_formula(f"$A{r}", selectors=False)),
                Formula("=" + expense_formula(f"$A{r}", marketing, selectors=False)),
                Formula(f'=IFERROR(C{r}/B{r},"")'),
            )
        )
    last = 1 + len(months)
    here = quote(MARKETING)
    chart = Chart(
        kind="column",
        title="Маркетинг и оборот по месяцам",
        anchor="F2",
        categories_ref=f"{here}!$A$2:$A${last}",
        series=(
            Series(f"{here}!$B$1", f"{here}!$B$2:$B${last}"),
            Series(f"{here}!$C$1", f"{here}!$C$2:$C${last}"),
        ),
        y_title="₽",
    )
    return Sheet(
        title=MARKETING,
        columns=(
            Column("Месяц", 12, MONTH_FORMAT),
            Column("Оборот, ₽", 18, RUB_FORMAT),
            Column("Маркетинг, ₽", 17, RUB_FORMAT),
            Column("Доля маркетинга", 19, PERCENT_FORMAT),
        ),
        rows=rows,
        frozen_rows=1,
        charts=(chart,),
    )


# -- «Деньги у менеджеров», «Заявки» ----------------------------------------------------------


def cash_held_sheet(projection: Projection) -> Sheet:
    """Cash on hand per manager and deal, oldest first within a manager; age counts live."""
    held = sorted(projection.cash_held, key=lambda h: (h.manager.casefold(), h.since))
    rows = [
        (h.manager, h.deal, h.contract, h.amount, h.since, Formula(f"=TODAY()-E{r}"))
        for r, h in enumerate(held, start=2)
    ]
    return Sheet(
        title=CASH_HELD,
        columns=(
            Column("Менеджер", 18),
            Column("Сделка", 16),
            Column("Договор", 12),
            Column("Сумма, ₽", 17, RUB_FORMAT),
            Column("На руках с", 13, DATE_FORMAT),
            Column("Дней", 8, INTEGER_FORMAT),
        ),
        rows=rows,
        frozen_rows=1,
        filter=True,
        band_fill=BAND_FILL,
    )


def requests_sheet(projection: Projection) -> Sheet:
    """Every payment request with its status and a live «просрочена» column (due date passed,
    still to be paid); the amount in the request's currency, the rubles paid beside it (what
    its expense entries took into «Прибыль»)."""
    closed = [REQUEST_STATUS_NAMES[status] for status in CLOSED_REQUEST_STATUSES]
    rows = []
    for r, q in enumerate(projection.requests, start=2):
        overdue = Formula(
            f'=IF(AND(H{r}<>"",H{r}<TODAY(),'
            + ",".join(f'I{r}<>"{name}"' for name in closed)
            + '),"да","")'
        )
        rows.append(
            (
                q.request_id,
                q.created,
                q.requester,
                q.deal,
                q.counterparty,
                q.purpose,
                q.amount,
                q.due,
                REQUEST_STATUS_NAMES.get(q.status, q.status),
                overdue,
                q.currency,
                q.paid,
                q.category,
            )
        )
    last = max(len(rows) + 1, 2)
    return Sheet(
        title=REQUESTS,
        columns=(
            Column("№ заявки", 11, INTEGER_FORMAT),
            Column("Создана", 12, DATE_FORMAT),
            Column("Заявитель", 16),
            Column("Сделка", 14),
            Column("Контрагент", 20),
            Column("Назначение", 30),
            Column("Сумма", 15, AMOUNT_FORMAT),
            Column("Оплатить до", 14, DATE_FORMAT),
            Column("Статус", 18),
            Column("Просрочена", 13),
            Column("Валюта", 9),
            Column("Оплачено, ₽", 17, RUB_FORMAT),
            Column("Категория", 16),
        ),
        rows=rows,
        frozen_rows=1,
        filter=True,
        band_fill=BAND_FILL,
        highlights=(Highlight(f"A2:M{last}", '=$J2="да"', OVERDUE_FILL),),
    )


# -- the workbook ----------------------------------------------------------------------------


def build_layout(
    projection: Projection, today: date, shape: LedgerShape | None = None
) -> WorkbookLayout:
    """The whole workbook for `projection`; `today` only picks the month of an empty ledger.

    With `shape`, the summary sheets follow it rather than `projection.ledger`: the sync
    worker passes an empty ledger (it appends «Операции» rows itself) and the shape of all.
    """
    shape = shape if shape is not None else shape_of(projection.ledger)
    months = months_of(shape, today)
    lists, sources = lists_sheet(shape)
    categories = list(projection.expense_categories)
    return WorkbookLayout(
        sheets=(
            operations_sheet(projection.ledger),
            profit_sheet(months, categories, sources),
            cash_held_sheet(projection),
            requests_sheet(projection),
            marketing_sheet(months, projection.marketing_category),
            lists,
        )
    )
