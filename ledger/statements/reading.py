"""One entry point for a statement file as it arrives: bytes in, a `Statement` or a `Refused`.

An empty file, a PDF (perhaps renamed .txt), an archive or other binary is refused by what it
is; a «1CClientBankExchange» text is read by `onec`.
"""

from __future__ import annotations

import hashlib

from ledger.statements.decoding import decode, sniff, split_lines
from ledger.statements.exchange import is_exchange, parse_exchange
from ledger.statements.model import LineError, Refused, Statement, StatementProblem
from ledger.statements.onec import read_exchange_statement


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_statement(data: bytes) -> Statement | Refused:
    problem = sniff(data)
    if problem is not None:
        return Refused((LineError(1, problem),))
    decoded = decode(data)
    lines = split_lines(decoded.text)
    if is_exchange(lines):
        raw = parse_exchange(lines)
        return read_exchange_statement(raw, encoding=decoded.encoding, sha256=file_hash(data))
    return Refused((LineError(1, StatementProblem.NOT_A_STATEMENT),))
