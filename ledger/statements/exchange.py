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

A statement of 10,000 documents is some 300,000 lines, so the lines are not looked at one by
one in Python: regular expressions find the section markers and take each section's
`key=value` pairs apart, and a line's number is worked out only where something needs it (a
section's start, a key an error is about). A section with anything unusual in it (a line
that is no `key=value`, a key given twice) is gone through line by line instead.
"""

from __future__ import annotations

import re
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

# Both match from the newline before their line: a search for "\n" is what the regular
# expression engine does fastest, far faster than trying `^` at every character.
_MARKER_RE = re.compile(
    r"\n[ \t]*(?:(?P<document>СекцияДокумент)(?:[ \t]*=(?P<title>[^\n]*))?"
    r"|(?P<marker>СекцияРасчСчет|КонецДокумента|КонецРасчСчет|КонецФайла))[ \t]*(?=\n|$)"
)
_PAIR_RE = re.compile(r"\n([^=\n]*)=([^\n]*)")
_NOT_BLANK_RE = re.compile(r"\S")


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
    fields: dict[str, str] = field(default_factory=dict)  # the first value of each key
    # the header's repeated keys, every occurrence, with its line
    repeated: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # the text of the section's keys (from the newline that ends the line before them), and
    # the number of that line: for `line_of`
    block: str = ""
    block_line: int = 0

    def value(self, key: str) -> str:
        return self.fields.get(key, "")

    def line_of(self, key: str) -> int:
        """The line of the key's first occurrence; the section's own line if it has none."""
        found = re.search(rf"\n[ \t]*{re.escape(key)}[ \t]*=", self.block)
        if found is None:
            return self.line
        return self.block_line + self.block.count("\n", 0, found.start() + 1)


@dataclass(slots=True)
class RawExchange:
    header: RawSection
    accounts: list[RawSection]
    documents: list[RawSection]
    errors: list[LineError]
    last_line: int


def _first_line(text: str) -> tuple[str, int, int]:
    """The first line with anything on it, its number, and where the text after it starts."""
    found = _NOT_BLANK_RE.search(text)
    if found is None:
        return "", 0, len(text)
    start = text.rfind("\n", 0, found.start()) + 1
    end = text.find("\n", found.start())
    end = len(text) if end < 0 else end
    return text[start:end].strip(), text.count("\n", 0, start) + 1, min(end + 1, len(text))


def is_exchange(text: str) -> bool:
    """Whether the first line with anything on it is the format's magic line."""
    return _first_line(text)[0] == MAGIC


class _Lines:
    """Line numbers of positions in the text, counted forward from the last one asked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 1

    def at(self, position: int) -> int:
        if position < self.position:
            return self.text.count("\n", 0, position) + 1
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def parse_exchange(text: str) -> RawExchange:
    """The sections of a text whose first line is `MAGIC` (see `is_exchange`)."""
    text = text.replace("\r\n", "\n")  # the same lines, one character to look for
    errors: list[LineError] = []
    _, magic_line, after_magic = _first_line(text)
    lines = _Lines(text)
    header = RawSection(SectionKind.HEADER, magic_line)
    accounts: list[RawSection] = []
    documents: list[RawSection] = []
    current: RawSection | None = header  # the section keys go to; None between sections
    ended = False
    position = after_magic - 1  # the newline that ends the magic line

    def close_unclosed() -> None:
        if current is not None and current.kind is not SectionKind.HEADER:
            account = current.kind is SectionKind.ACCOUNT
            errors.append(
                LineError(
                    current.line,
                    StatementProblem.UNCLOSED_SECTION,
                    key=ACCOUNT_START if account else DOCUMENT_START,
                    expected=ACCOUNT_END if account else DOCUMENT_END,
                )
            )

    for marker in _MARKER_RE.finditer(text, position):
        if marker.start() > position:  # else two markers on consecutive lines: no keys between
            _keys(text[position : marker.start()], position, current, lines, errors)
        line = lines.at(marker.start() + 1)
        position = marker.end()
        name = marker["marker"]
        if marker["document"]:
            close_unclosed()
            current = RawSection(SectionKind.DOCUMENT, line, title=(marker["title"] or "").strip())
            documents.append(current)
        elif name == ACCOUNT_START:
            close_unclosed()
            current = RawSection(SectionKind.ACCOUNT, line)
            accounts.append(current)
        elif name == END_OF_FILE:
            close_unclosed()
            ended = True
            break
        else:
            kind = SectionKind.ACCOUNT if name == ACCOUNT_END else SectionKind.DOCUMENT
            if current is not None and current.kind is kind:
                current.closed = True
                current = None
            else:
                expected = ACCOUNT_START if name == ACCOUNT_END else DOCUMENT_START
                errors.append(
                    LineError(line, StatementProblem.UNEXPECTED_LINE, value=name, expected=expected)
                )
    if ended:
        last = lines.at(position)
        stray = _NOT_BLANK_RE.search(text, position)
        if stray is not None:
            value = text[stray.start() :].split("\n", 1)[0].strip()
            line = lines.at(stray.start())
            errors.append(LineError(line, StatementProblem.TEXT_AFTER_END, value=value[:60]))
    else:
        _keys(text[position:], position, current, lines, errors)
        close_unclosed()
        last = _last_line(text, lines)
        errors.append(LineError(last, StatementProblem.NO_END_OF_FILE, expected=END_OF_FILE))
    return RawExchange(header, accounts, documents, errors, last)


def _last_line(text: str, lines: _Lines) -> int:
    """The number of the last line with anything on it: where a cut-short file ends."""
    end = len(text.rstrip())
    return lines.at(text.rfind("\n", 0, end) + 1) if end else 1


def _keys(
    block: str,
    start: int,
    section: RawSection | None,
    lines: _Lines,
    errors: list[LineError],
) -> None:
    """The `key=value` lines of `block` (the text from the newline ending one marker's line to
    the newline before the next marker, at `start` in the file), into `section` (None: between
    two sections)."""
    pairs = _PAIR_RE.findall(block)
    if not pairs and not block.strip():
        return  # nothing but blank lines
    block_line = lines.at(start)
    if section is not None and not section.block:
        section.block, section.block_line = block, block_line
    if (
        section is not None
        and section.kind is not SectionKind.HEADER
        and not section.fields
        and len(pairs) == block.count("\n")  # every line a key: no blank or stray line
    ):
        if _padded(block):
            pairs = [(key.strip(), value.strip()) for key, value in pairs]
        fields = dict(pairs)
        if len(fields) == len(pairs):  # each key once
            section.fields = fields
            return
    _keys_one_by_one(block, block_line, section, errors)


def _padded(block: str) -> bool:
    """Whether a key or a value may have spaces around it: rare enough to strip only then.
    (Plain substring tests: a regular expression with these alternatives is ten times
    slower.)"""
    return (
        "\t" in block
        or " =" in block
        or "= " in block
        or " \n" in block
        or "\n " in block
        or block.endswith(" ")
    )


def _keys_one_by_one(
    block: str, block_line: int, section: RawSection | None, errors: list[LineError]
) -> None:
    for number, raw in enumerate(block.split("\n"), start=block_line):
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or section is None:
            # No key, or a key between two sections: it belongs to none.
            errors.append(LineError(number, StatementProblem.UNEXPECTED_LINE, value=line[:60]))
            continue
        key, value = key.strip(), value.strip()
        if section.kind is SectionKind.HEADER and key in REPEATED_HEADER_KEYS:
            section.repeated.setdefault(key, []).append((value, number))
        previous = section.fields.get(key)
        if previous is None:
            section.fields[key] = value
        elif previous != value and key not in REPEATED_HEADER_KEYS:
            errors.append(LineError(number, StatementProblem.CONFLICTING_KEY, key, value, previous))
