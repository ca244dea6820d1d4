"""Reading an invoice's text: the supplier's details, the invoice's number and date, the total.

The text is what the PDF's text layer says, row by row as the page shows it (labels and their
values on one line: "БИК      044525225"); plain line-per-string text works too. Nothing here
checks digits: it finds candidates, and the reader checks them.

Whose details: an invoice names both sides. Labels split the text into the supplier's parts
(«Поставщик», «Получатель», «Исполнитель», «Продавец», and «Банк получателя») and the buyer's
(«Покупатель», «Плательщик», «Заказчик», «Грузополучатель»); the text before the first label is
the supplier's too (1C's bank block at the top is the payee's). ИНН, КПП, БИК and accounts are
taken from the supplier's parts only, so the buyer's never pass for the supplier's.
"""

from __future__ import annotations

import bisect
import re
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.invoices.reading import VAT_EXEMPT, Vat

Candidates = dict[str, list[Any]]  # a field of InvoiceReading -> the values found, in order

_I = re.IGNORECASE
_IM = re.IGNORECASE | re.MULTILINE
_WORD_START = r"(?<![а-яёa-z])"
_SUPPLIER = r"поставщик|получател|исполнител|продав|грузоотправител"
_BUYER = r"покупател|плательщик|заказчик|грузополучател"
_LABEL_RE = re.compile(rf"{_WORD_START}(?:(?P<buyer>{_BUYER})|(?P<supplier>{_SUPPLIER}))", _I)

_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
        start=1,
    )
}
_DATE = (
    r"(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})(?!\d)"
    rf"|«?(?P<dd>\d{{1,2}})»?\s+(?P<mm>{'|'.join(_MONTHS)})\s+(?P<yy>\d{{4}}))"
)
_NUMBER_DATE_RE = re.compile(
    rf"{_WORD_START}сч[её]т\w*(?:\s+на\s+оплату)?\s*(?:№|N|No\.?|#)\s*(?P<number>[^\s,]+?)"
    rf",?\s+от\s+{_DATE}",
    _I,
)
_AMOUNT = (
    r"(?<![\d.,])(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<frac>\d{1,2}))?(?!\d)"
)
_TO_PAY_RE = re.compile(rf"(?:(?:всего|итого)\s+)?к\s+оплате\s*:?\s*(?:руб\.?\s*)?{_AMOUNT}", _I)
_TOTAL_RE = re.compile(
    rf"{_WORD_START}итого(?!\s+(?:ндс|по\s+ндс|без))(?:\s+с\s+ндс)?\s*:?\s*(?:руб\.?\s*)?{_AMOUNT}",
    _I,
)
_SUM_RE = re.compile(rf"на\s+сумму\s*:?\s*{_AMOUNT}", _I)
_VAT_RATED_RE = re.compile(
    rf"{_WORD_START}ндс\s*\(?\s*(?P<rate>\d{{1,2}}(?:[.,]\d{{1,2}})?)\s*%\s*\)?"
    rf"(?:[\s:\-–—]*{_AMOUNT})?",
    _I,
)
_VAT_AMOUNT_RE = re.compile(
    rf"(?:в\s+том\s+числе|в\s*т\.\s*ч\.|итого|сумма)\s+ндс\s*:?[\s\-–—]*{_AMOUNT}", _I
)
_VAT_EXEMPT_RE = re.compile(
    r"без\s+(?:налога\s*)?\(?\s*ндс|ндс\s+не\s+(?:облагается|предусмотрен)"
    r"|не\s+облагается\s+ндс",
    _I,
)
_INN_RE = re.compile(
    r"ИНН(?P<pair>\s*/\s*КПП)?[\s:№]*(?P<inn>\d{9,13})(?!\d)(?:\s*/\s*(?P<kpp>[0-9A-ZА-ЯЁ]{9}))?",
    _I,
)
_KPP_RE = re.compile(r"КПП[\s:№]*(?P<kpp>[0-9A-ZА-ЯЁ]{9})(?![0-9A-ZА-ЯЁ])")
_BIK_RE = re.compile(r"БИК[\s:№]*(?P<bik>\d{7,11})(?!\d)", _I)
_ACCOUNT_RE = re.compile(r"(?<![\d])(?P<account>\d{20})(?!\d)")
_NOT_AN_ACCOUNT_RE = re.compile(r"(?:КБК|УИН|ОКТМО)[\s:№]*$", _I)
_ACCOUNT_THEN_BANK_RE = re.compile(
    r"(?:р/с|р/сч|расч[её]тный\s+сч[её]т)[\s.:№]*\d{20}\s+в\s+(?P<bank>[^\n,]+)", _I
)
_BANK_RE = re.compile(r"^[ \t]*банк(?:\s+получателя)?\s*:[ \t]*(?P<bank>\S.*)$", _IM)
_BANK_LABEL_RE = re.compile(r"^[ \t]*банк\s+получателя[ \t]*$", _IM)
_NAME_RE = re.compile(
    r"^[ \t]*(?:поставщик|получатель|исполнитель|продавец)(?:[ \t]*\([^)\n]*\))?[ \t]*:?"
    r"[ \t]+(?P<name>\S.*)$",
    _IM,
)
_NAME_LABEL_RE = re.compile(r"^[ \t]*(?:получатель|поставщик)[ \t]*$", _IM)
_NAME_END_RE = re.compile(r",?\s*(?:ИНН|КПП|ОГРН|адрес|р/с|тел|\d{6},)|\s{3,}|,\s*\d{6}(?!\d)", _I)
_PURPOSE_RE = re.compile(r"назначение\s+платежа\s*:?[ \t]*(?P<purpose>\S[^\n]*)", _I)
_COLUMN_GAP_RE = re.compile(r"\s{3,}")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\t": " "})
_LABELS_ONLY_RE = re.compile(r"^(?:БИК|Сч\.?|ИНН|КПП|№|Банк получателя)\b", _I)


def read_text(text: str) -> Candidates:
    """Every candidate value the text gives, by field of InvoiceReading."""
    text = text.translate(_SPACES)
    sides = _Sides(text)
    found: Candidates = {}

    def add(name: str, value: object) -> None:
        if value is not None and value != "" and value not in found.setdefault(name, []):
            found[name].append(value)

    for match in _INN_RE.finditer(text):
        if sides.suppliers(match.start()):
            add("supplier_inn", match["inn"])
            if match["pair"] and match["kpp"]:
                add("supplier_kpp", match["kpp"])
    for match in _KPP_RE.finditer(text):
        if sides.suppliers(match.start()) and sum(ch.isdigit() for ch in match["kpp"]) >= 7:
            add("supplier_kpp", match["kpp"])
    for match in _BIK_RE.finditer(text):
        if sides.suppliers(match.start()):
            add("bik", match["bik"])
    for match in _ACCOUNT_RE.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if sides.suppliers(match.start()) and not _NOT_AN_ACCOUNT_RE.search(before):
            account = match["account"]
            add("correspondent_account" if account.startswith("301") else "account", account)
    for name in _supplier_names(text, sides):
        add("supplier_name", name)
    for bank in _bank_names(text, sides):
        add("bank_name", bank)
    for name, values in read_purpose_like(text).items():
        for value in values:
            add(name, value)
    total = _total(text)
    if total is not None:
        add("total", total)
    for match in _PURPOSE_RE.finditer(text):
        add("purpose", _first_column(match["purpose"]).strip())
    return found


def read_purpose_like(text: str) -> Candidates:
    """The invoice's number and date, and the VAT, from any text that names them: a whole
    invoice, or a QR's Purpose ("Оплата по счету № 123 от 22.11.2026. В т.ч. НДС 20%…")."""
    found: Candidates = {}
    match = _NUMBER_DATE_RE.search(text)
    if match:
        day = _date(match)
        if day is not None:
            found["number"] = [match["number"].rstrip(".")]
            found["date"] = [day]
    vat = _vat(text)
    if vat is not None:
        found["vat"] = [vat]
    return found


class _Sides:
    """Which side of the invoice a place in the text belongs to, by the last label before it."""

    def __init__(self, text: str) -> None:
        self._starts: list[int] = []
        self._buyer: list[bool] = []
        for match in _LABEL_RE.finditer(text):
            self._starts.append(match.start())
            self._buyer.append(match["buyer"] is not None)

    def suppliers(self, position: int) -> bool:
        index = bisect.bisect_right(self._starts, position) - 1
        return index < 0 or not self._buyer[index]


def _supplier_names(text: str, sides: _Sides) -> list[str]:
    names = []
    for match in _NAME_RE.finditer(text):
        name = _NAME_END_RE.split(match["name"], maxsplit=1)[0].strip(" ,;:")
        if name and any(ch.isalpha() for ch in name):
            names.append(name)
    if names:
        return names[:1]
    # 1C's bank block: the payee's name on the line above the lone label «Получатель».
    for match in _NAME_LABEL_RE.finditer(text):
        above = _line_above(text, match.start())
        if above and sides.suppliers(match.start()):
            return [above]
    return []


def _bank_names(text: str, sides: _Sides) -> list[str]:
    for match in _BANK_RE.finditer(text):
        if sides.suppliers(match.start()):
            return [_clean_bank(match["bank"])]
    for match in _ACCOUNT_THEN_BANK_RE.finditer(text):
        if sides.suppliers(match.start()):
            return [_clean_bank(match["bank"])]
    # 1C's bank block: the bank's name above the lone label «Банк получателя».
    for match in _BANK_LABEL_RE.finditer(text):
        above = _line_above(text, match.start())
        if above:
            return [_clean_bank(above)]
    return []


def _clean_bank(name: str) -> str:
    name = _first_column(name)
    name = re.split(r",?\s*(?:БИК|к/с|кор)", name, maxsplit=1, flags=_I)[0]
    return name.strip(" ,;:.")


def _line_above(text: str, position: int, *, lines: int = 4) -> str | None:
    """The first column of the nearest line above `position` that is a name, not a label."""
    above = text[:position].splitlines()
    for line in reversed(above[-lines:]):
        first = _first_column(line).strip()
        if first and not _LABELS_ONLY_RE.match(first) and any(ch.isalpha() for ch in first):
            return first
    return None


def _first_column(line: str) -> str:
    """A row's first cell: layout text separates a table's columns by runs of spaces."""
    return _COLUMN_GAP_RE.split(line.strip(), maxsplit=1)[0]


def _date(match: re.Match[str]) -> date | None:
    if match["d"]:
        day, month, year = int(match["d"]), int(match["m"]), int(match["y"])
        year += 2000 if year < 100 else 0
    else:
        day, month, year = int(match["dd"]), _MONTHS[match["mm"].lower()], int(match["yy"])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _amount(match: re.Match[str]) -> Decimal:
    """The amount an _AMOUNT match wrote: "15 000,00" is 15000.00."""
    whole = re.sub(r"\D", "", match["int"])
    fraction = (match["frac"] or "").ljust(2, "0")
    return Decimal(f"{whole}.{fraction}")


def _total(text: str) -> Decimal | None:
    # "к оплате" is the amount to pay; a bare "Итого" may be a page's subtotal, so its last
    # one counts; "на сумму" (1C's line under the table) is the last resort.
    to_pay = [_amount(m) for m in _TO_PAY_RE.finditer(text)]
    if to_pay:
        return to_pay[-1]
    for pattern in (_TOTAL_RE, _SUM_RE):
        matches = list(pattern.finditer(text))
        if matches:
            return _amount(matches[-1])
    return None


def _vat(text: str) -> Vat | None:
    rated = list(_VAT_RATED_RE.finditer(text))
    amounts = list(_VAT_AMOUNT_RE.finditer(text))
    if rated:
        last = rated[-1]
        rate = Decimal(last["rate"].replace(",", "."))
        if last["int"] is not None:
            return Vat(rate=rate, amount=_amount(last))
        return Vat(rate=rate, amount=_amount(amounts[-1]) if amounts else None)
    if amounts:
        return Vat(rate=None, amount=_amount(amounts[-1]))
    if _VAT_EXEMPT_RE.search(text):
        return VAT_EXEMPT
    return None
