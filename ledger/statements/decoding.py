"""Bytes to text: what the file is, and in which encoding, decided by the bytes themselves.

A 1C file says `Кодировка=Windows` (cp1251) or `Кодировка=DOS` (cp866), but the header is
not to be trusted: some banks' APIs send UTF-8 under `Кодировка=Windows`. So the bytes decide:
valid UTF-8 with Cyrillic in it is UTF-8; otherwise the encoding in which the bytes spell
`Кодировка=`; otherwise cp1251, the one nearly every bank uses. The header's claim is kept and
checked separately (`reader`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.statements.model import StatementProblem

UTF8 = "utf-8"
CP1251 = "cp1251"
CP866 = "cp866"

_BOM = b"\xef\xbb\xbf"
_ENCODING_KEY = "Кодировка="


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


def sniff(data: bytes) -> StatementProblem | None:
    """What a file plainly is not, from its first bytes: empty, a PDF, an archive, binary."""
    if not data.strip():
        return StatementProblem.EMPTY_FILE
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return StatementProblem.PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return StatementProblem.ARCHIVE
    if b"\x00" in data[:4096]:
        return StatementProblem.BINARY
    return None


def decode(data: bytes, *, fallback: str = CP1251) -> Decoded:
    """The bytes as text, in the encoding they are in (see the module docstring). Call `sniff`
    first: this assumes the bytes are text."""
    if data.startswith(_BOM):
        return Decoded(data[len(_BOM) :].decode(UTF8, errors="replace"), UTF8)
    try:
        text = data.decode(UTF8)
    except UnicodeDecodeError:
        pass
    else:
        if not text.isascii():
            return Decoded(text, UTF8)
    for encoding in (CP1251, CP866):
        if _ENCODING_KEY.encode(encoding) in data:
            return Decoded(data.decode(encoding, errors="replace"), encoding)
    # cp1251 leaves a few bytes undefined; a stray one becomes U+FFFD, not a refusal of the file.
    return Decoded(data.decode(fallback, errors="replace"), fallback)
