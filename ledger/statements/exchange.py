"""The structure of a «1CClientBankExchange» file: its header, sections and keys, with line
numbers, before any value is read.

The format, as 1C publishes it: the first line is `1CClientBankExchange`; header lines
`key=value` follow (ВерсияФормата, Кодировка, Отправитель, Получатель, ДатаСоздания,
ВремяСоздания, ДатаНачала, ДатаКонца, and `РасчСчет` and `Документ` as often as needed); then
`СекцияРасчСчет` … `КонецРасчСчет` sections (balances, bank → 1C only) and
`СекцияДокумент=<type>` … `КонецДокумента` sections; `КонецФайла` ends the file. Keys come in
any order and unknown keys are kept. Blank lines are ignored.

Every structural problem is collected, not only the first: a document left unclosed is
reported at its first line and the next section starts as if it had been closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ledger.statements.model import LineError, StatementProblem

MAGIC = "1CClientBankExchange"
END_OF_FILE = "КонецФайла"
ACCOUNT_START = "СекцияРасчСчет"
ACCOUNT_END = "КонецРасчСчет"
DOCUMENT_START = "СекцияДокумент"
DOCUMENT_END = "КонецДокумента"
# Header keys that may repeat: one line per account and per document type.
REPEATED_HEADER_KEYS = frozenset({"РасчСчет", "Документ"})


class SectionKind(StrEnum):
    HEADER = "header"
    ACCOUNT = "account"
    DOCUMENT = "document"


@dataclass(slots=True)
class RawSection:
    kind: SectionKind
    line: int  # where it starts
    title: str = ""  # a document's type, after `СекцияДокумент=`
    closed: bool = False
    # key → (value, line); the first occurrence of a key
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    # the header's repeated keys, every occurrence
    repeated: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def value(self, key: str) -> str:
        found = self.fields.get(key)
        return found[0] if found else ""

    def line_of(self, key: str) -> int:
        found = self.fields.get(key)
        return found[1] if found else self.line


@dataclass(slots=True)
class RawExchange:
    header: RawSection
    accounts: list[RawSection]
    documents: list[RawSection]
    errors: list[LineError]
    last_line: int


def is_exchange(lines: list[str]) -> bool:
    """Whether the first non-blank line is the format's magic line."""
    for line in lines:
        if line.strip():
            return line.strip() == MAGIC
    return False


def parse_exchange(lines: list[str]) -> RawExchange:
    """The sections of a file whose first non-blank line is `MAGIC` (see `is_exchange`)."""
    errors: list[LineError] = []
    start = next(index for index, line in enumerate(lines) if line.strip())
    header = RawSection(SectionKind.HEADER, start + 1)
    accounts: list[RawSection] = []
    documents: list[RawSection] = []
    current: RawSection | None = header  # the section keys go to; None between sections
    ended = False
    after_end_reported = False

    def close_unclosed() -> None:
        if current is not None and current.kind is not SectionKind.HEADER:
            errors.append(
                LineError(
                    current.line,
                    StatementProblem.UNCLOSED_SECTION,
                    key=ACCOUNT_START if current.kind is SectionKind.ACCOUNT else DOCUMENT_START,
                    expected=ACCOUNT_END if current.kind is SectionKind.ACCOUNT else DOCUMENT_END,
                )
            )

    last = start + 1  # the last line with anything on it: where a cut-short file ends
    for number, raw in enumerate(lines[start + 1 :], start=start + 2):
        line = raw.strip()
        if not line:
            continue
        last = number
        if ended:
            if not after_end_reported:
                errors.append(LineError(number, StatementProblem.TEXT_AFTER_END, value=line[:60]))
                after_end_reported = True
            continue
        if line[0] in "СК":  # every marker starts with one of these; most lines don't
            if line == END_OF_FILE:
                close_unclosed()
                ended = True
                current = None
                continue
            if line == ACCOUNT_START or line.startswith(DOCUMENT_START):
                rest = line[len(DOCUMENT_START) :] if line != ACCOUNT_START else ""
                if line != ACCOUNT_START and rest and not rest.lstrip().startswith("="):
                    errors.append(LineError(number, StatementProblem.UNEXPECTED_LINE, value=line))
                    continue
                close_unclosed()
                if line == ACCOUNT_START:
                    current = RawSection(SectionKind.ACCOUNT, number)
                    accounts.append(current)
                else:
                    title = rest.lstrip()[1:].strip() if rest else ""
                    current = RawSection(SectionKind.DOCUMENT, number, title=title)
                    documents.append(current)
                continue
            if line in (ACCOUNT_END, DOCUMENT_END):
                kind = SectionKind.ACCOUNT if line == ACCOUNT_END else SectionKind.DOCUMENT
                if current is not None and current.kind is kind:
                    current.closed = True
                    current = None
                else:
                    errors.append(
                        LineError(
                            number,
                            StatementProblem.UNEXPECTED_LINE,
                            value=line,
                            expected=ACCOUNT_START if line == ACCOUNT_END else DOCUMENT_START,
                        )
                    )
                continue
        key, sep, value = line.partition("=")
        if not sep:
            errors.append(LineError(number, StatementProblem.UNEXPECTED_LINE, value=line[:60]))
            continue
        if current is None:
            # A key between two sections belongs to none: a file put together by hand.
            errors.append(LineError(number, StatementProblem.UNEXPECTED_LINE, value=line[:60]))
            continue
        key = key.strip()
        value = value.strip()
        if current.kind is SectionKind.HEADER and key in REPEATED_HEADER_KEYS:
            current.repeated.setdefault(key, []).append((value, number))
        previous = current.fields.get(key)
        if previous is None:
            current.fields[key] = (value, number)
        elif previous[0] != value and key not in REPEATED_HEADER_KEYS:
            errors.append(
                LineError(
                    number,
                    StatementProblem.CONFLICTING_KEY,
                    key=key,
                    value=value,
                    expected=previous[0],
                )
            )
    if not ended:
        close_unclosed()
        errors.append(LineError(last, StatementProblem.NO_END_OF_FILE, expected=END_OF_FILE))
    return RawExchange(header, accounts, documents, errors, last)
