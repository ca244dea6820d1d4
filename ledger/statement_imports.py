"""Importing bank statements: a file in, its lines stored once and matched, the accountant's
one tap to accept what is sure, the rest reviewed or assigned by hand.

`import_file` reads the bytes (a 1C file, a CSV export; an XLSX one through the workbook
reader the composition hands in), refuses a file with any error whole (nothing changes), and
otherwise, in one transaction: stores the file (by its hash: the same file again is told
what it held, nothing more), stores each line not stored before (by the hash of its identity
and its occurrence in the file: an overlapping statement adds only what is new; a second line
of the same identity within one file is kept and asked about), and the matcher's proposal
for each new line, which claims the money it names (no other line, now or in a later import,
is proposed the same). Payment orders we sent whose debits the statement carries are then
marked paid.

Accepting goes through the services a person would use: each payment through
`ConfirmationService` (entry, CRM note, field and status, the manager told, audit), each
request through `RequestPayments.pay`, a category as an entry of the journal; each line on
its own (a savepoint), so a line whose payment was confirmed by hand meanwhile is reported and
left for review, never confirmed twice. A hand assignment (to a deal's payment, to a request, or
as a company income or expense under a category) teaches the next import: the payer's ИНН
the deal, the counterparty's ИНН and the purpose's words the category.

Who: the accountant and the owner. Progress is reported between transactions, never inside
one (the bot edits a message over the network then). Accepting all goes `ACCEPT_BATCH` lines
to a transaction, each line in a savepoint of its own, so a refused line is rolled back alone.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, insert, select, text, update

from ledger import audit
from ledger.clock import Clock
from ledger.confirmations import ConfirmationService, Source
from ledger.contracts import contract_key, contract_keys_in
from ledger.errors import (
    AlreadyConfirmed,
    DomainError,
    NotFound,
    PaymentChanged,
    PaymentRefused,
    RequestMoved,
    RequestRefused,
    StatementLineMoved,
    StatementLineRefused,
)
from ledger.journal import EntryKind, Journal, MoneyAccount, Posting
from ledger.money import Money
from ledger.payments import OWING, DealState, PaymentKind
from ledger.requests.paying import RequestPayments
from ledger.requests.states import PAYABLE
from ledger.roles import Actor, Role
from ledger.statements import (
    AccountSummary,
    BankDocument,
    ColumnMapping,
    Direction,
    DocumentKind,
    LineError,
    Party,
    Refused,
    SourceFormat,
    Statement,
    StatementProblem,
    Table,
    TablePreview,
    guess_mapping,
    open_statement,
    preview_table,
    read_table,
    table_layout,
)
from ledger.statements.decoding import sniff
from ledger.statements.matching import (
    Categories,
    Expectations,
    ExpectedPayment,
    Learned,
    OpenRequest,
    Proposal,
    Reason,
    TargetKind,
    invoice_numbers,
    match,
    purpose_words,
)
from ledger.statements.reading import looks_tabular
from ledger.statements.tables import find_header_row
from ledger.storage.models import (
    CategoryRow,
    DealRow,
    ExpectedPaymentRow,
    PaymentRequestRow,
    StatementHintRow,
    StatementImportRow,
    StatementLineRow,
    StatementMappingRow,
    StatementPayerRow,
    StatementProposalRow,
    StatementTargetRow,
    UserRow,
)
from ledger.storage.uow import UnitOfWork

IMPORTERS = (Role.ACCOUNTANT, Role.OWNER)
# Telegram lets a bot download files up to 20 MB; a month of a busy account is well under it.
MAX_STATEMENT_BYTES = 20 * 1024 * 1024
# One import at a time on PostgreSQL (SQLite's write gate already does it): two overlapping
# files at once must not both store a line, nor both claim a payment.
IMPORT_LOCK = 0x4B6F_7065_5354  # "KopeST"
# Lines accepted in one transaction: a commit each would wait for the disk every time, and a
# batch holds SQLite's write gate for a fraction of a second (some twenty statements a line).
ACCEPT_BATCH = 10
_CHUNK = 500  # keys per IN (…): well under SQLite's and asyncpg's limits on parameters
_REASONS = frozenset(reason.value for reason in Reason)
_UNREAD_WORKBOOK = Refused((LineError(1, StatementProblem.ARCHIVE),))


class LineState(StrEnum):
    UNMATCHED = "unmatched"  # nothing proposed: the accountant assigns it or ignores it
    PROPOSED = "proposed"  # the matcher proposes something, sure or to review
    ACCEPTED = "accepted"  # its proposal accepted: confirmed, paid or posted
    ASSIGNED = "assigned"  # assigned by hand
    IGNORED = "ignored"  # nothing to do (a transfer between our accounts, a duplicate)
    ASKED = "asked"  # a second line of one identity in a file: a payment, or a bank's repeat?


OPEN = (LineState.UNMATCHED, LineState.PROPOSED, LineState.ASKED)
DONE = (LineState.ACCEPTED, LineState.ASSIGNED, LineState.IGNORED)


class FileKind(StrEnum):
    """What a file someone sent is, before it is imported (`StatementImports.recognize`)."""

    STATEMENT = "statement"  # a 1C exchange file, a table read before or by its header words
    TABLE = "table"  # a table whose columns are not known: a statement if the person says so
    OTHER = "other"  # no statement at all: a PDF, a picture, an archive, text of another kind


# What the first bytes tell of a file that is not a statement: it is `OTHER` by them.
_NOT_STATEMENTS = frozenset(
    {
        StatementProblem.EMPTY_FILE,
        StatementProblem.PDF,
        StatementProblem.ARCHIVE,
        StatementProblem.BINARY,
        StatementProblem.NOT_A_STATEMENT,
    }
)


@dataclass(frozen=True, slots=True)
class Recognized:
    kind: FileKind
    problem: StatementProblem | None = None  # for `OTHER`: what the file is instead


class Stage(StrEnum):
    READ = "read"  # the file was read: `total` documents
    MATCHING = "matching"  # matching and storing them
    STORED = "stored"  # stored: `done` new lines of `total`
    ACCEPTING = "accepting"  # `done` of `total` lines accepted so far (on import: the orders
    # we sent, marked paid)


@dataclass(frozen=True, slots=True)
class Progress:
    stage: Stage
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[Progress], Awaitable[None]]
# An XLSX workbook's rows (the composition passes `sheets.statement_rows`' reader); raises
# ValueError for bytes that are no workbook.
WorkbookReader = Callable[[bytes, str], Table]


@dataclass(frozen=True, slots=True)
class CategoryNames:
    """The expense categories (by name, or the name they were seeded under) that bank fees,
    taxes and salaries are filed under: the `[statements]` mappings."""

    bank_fee: str | None = "Услуги"
    tax: str | None = "Налоги"
    salary: str | None = "Зарплаты"


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: str | None
    date_start: date | None
    date_end: date | None
    opening: Money | None  # None: a table export carries no balances
    closing: Money | None
    total_in: Money
    total_out: Money
    balance_ok: bool | None


@dataclass(frozen=True, slots=True)
class Imported:
    """A statement imported (or, `again`, a file imported before: nothing changed). `lines`
    is the documents in the file; `new` of them were stored now, `duplicates` were known from
    an overlapping import. The states count this import's lines as they are now."""

    import_id: int
    again: bool
    format: SourceFormat
    lines: int
    new: int
    duplicates: int
    sure: int  # proposed, sure: accepted all at once with `accept_sure`
    review: int  # proposed, to review one by one
    unmatched: int
    asked: int  # a second line of one identity: the accountant says what it is
    done: int  # accepted, assigned or ignored (the orders we sent, paid on import)
    accounts: tuple[AccountBalance, ...]
    balance_ok: bool | None
    imported_by: str
    imported_at: datetime
    settled: int = 0  # of `done`: requests sent to the bank, marked paid by this import
    file_name: str | None = None  # as its sender named it


@dataclass(frozen=True, slots=True)
class NeedsMapping:
    """A table whose columns are not known for this bank yet: ask which is which (the guess
    from its header, if any, proposed), then import again with `mapping=`."""

    preview: TablePreview
    guessed: ColumnMapping | None


ImportOutcome = Imported | Refused | NeedsMapping


@dataclass(frozen=True, slots=True)
class TargetView:
    kind: TargetKind
    id: int
    amount: Money
    title: str  # the deal (contract, slot), the request, the category, as people know it
    deal_id: int | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something a line could be assigned to by hand: a deal's payment (money in) or a
    request (money out), `target.amount` what is left of it, and why it is offered."""

    target: TargetView
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class ProposalView:
    id: int
    rank: int
    hand: bool  # assigned by hand, not proposed
    confidence: int
    sure: bool
    reasons: tuple[Reason, ...]
    targets: tuple[TargetView, ...]
    accepted_by: str | None
    accepted_at: datetime | None


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    version: int  # a button carries it: it acts only on the line as it was shown
    import_id: int
    booked: date
    direction: Direction
    amount: Money
    number: str
    counterparty: str
    counterparty_inn: str | None
    purpose: str
    state: LineState
    sure: bool
    problem: str | None
    proposals: tuple[ProposalView, ...]

    @property
    def proposal(self) -> ProposalView | None:
        """What is proposed (or was accepted) for it."""
        return self.proposals[0] if self.proposals else None


@dataclass(frozen=True, slots=True)
class LinePage:
    lines: tuple[LineView, ...]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A sure line not accepted: why (`already_confirmed`, `payment_changed`, `not_owed`,
    `more_than_owed`, `request_moved`, `request_refused`, `moved`), and who came first."""

    line_id: int
    reason: str
    by_name: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    accepted: tuple[int, ...]  # line ids
    skipped: tuple[Skipped, ...]
    confirmed: Money  # money in confirmed on deals' payments
    paid: Money  # money out recorded on requests
    posted: int  # entries posted under categories


@dataclass(frozen=True, slots=True)
class LineDone:
    line: LineView
    confirmation_ids: tuple[int, ...] = ()
    request_payment_ids: tuple[int, ...] = ()
    entry_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ToPayment:
    """The line's money to a deal's payment: all of what it still owes, or part of it (a
    payment in parts); more than it owes is refused."""

    payment_id: int


@dataclass(frozen=True, slots=True)
class ToRequest:
    request_id: int


@dataclass(frozen=True, slots=True)
class ToCategory:
    category_id: int
    salon: str | None = None
    city: str | None = None


Assignment = ToPayment | ToRequest | ToCategory


@dataclass(slots=True)
class _Done:
    confirmations: list[int] = field(default_factory=list)
    request_payments: list[int] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    confirmed_minor: int = 0
    paid_minor: int = 0
    posted: int = 0  # entries under categories


def line_key(document: BankDocument, occurrence: int) -> str:
    return hashlib.sha256(f"{document.identity.key()}#{occurrence}".encode()).hexdigest()


def keyed(documents: Sequence[BankDocument]) -> list[tuple[str, int]]:
    """Each document's key and occurrence: the n-th document of one identity in a file is
    its n-th occurrence."""
    seen: Counter[str] = Counter()
    keys = []
    for document in documents:
        identity = document.identity.key()
        seen[identity] += 1
        keys.append((line_key(document, seen[identity]), seen[identity]))
    return keys


class StatementImports:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        confirmations: ConfirmationService,
        request_payments: RequestPayments,
        categories: CategoryNames = CategoryNames(),
        read_workbook: WorkbookReader | None = None,
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._confirmations = confirmations
        self._requests = request_payments
        self._names = categories
        self._read_workbook = read_workbook
        self._journal = Journal(uow, clock)

    # -- importing ---------------------------------------------------------------------------

    async def import_file(
        self,
        actor: Actor,
        data: bytes,
        *,
        file_name: str | None = None,
        mapping: ColumnMapping | None = None,
        progress: ProgressCallback | None = None,
    ) -> ImportOutcome:
        """Import a statement file (see the module docstring). A table export whose bank's
        columns are not known yet gives `NeedsMapping`; given `mapping`, it is read with it
        and the mapping saved for that bank's layout."""
        actor.require(*IMPORTERS)
        sha256 = hashlib.sha256(data).hexdigest()
        known = await self._import_id(sha256)
        if known is not None:
            return await self.summary(actor, known, again=True)
        opened = self._open(data, sha256, mapped=mapping is not None)
        layout: str | None = None
        if isinstance(opened, Table):
            table = opened
            if mapping is None:
                mapping = await self._saved_mapping(table)
                if mapping is None:
                    return NeedsMapping(preview_table(table), guess_mapping(table))
            else:
                layout = table_layout(table, mapping.header_row)
            opened = read_table(table, mapping)
        if isinstance(opened, Refused):
            return opened
        statement = opened
        if progress is not None:
            await progress(Progress(Stage.READ, len(statement.documents), len(statement.documents)))
            await progress(Progress(Stage.MATCHING, 0, len(statement.documents)))
        import_id, new = await self._store(actor, statement, file_name, layout, mapping)
        if new is None:  # the same file, imported meanwhile by someone else
            return await self.summary(actor, import_id, again=True)
        if progress is not None:
            await progress(Progress(Stage.STORED, new, len(statement.documents)))
        settled = await self._settle_sent(actor, import_id, progress)
        return await self.summary(actor, import_id, settled=settled)

    def _open(self, data: bytes, sha256: str, *, mapped: bool) -> Statement | Refused | Table:
        if sniff(data) is StatementProblem.ARCHIVE and self._read_workbook is not None:
            try:
                return self._read_workbook(data, sha256)
            except ValueError:
                return _UNREAD_WORKBOOK
        return open_statement(data, mapped=mapped)

    async def recognize(self, actor: Actor, data: bytes) -> Recognized:
        """Whether `data` is a statement, by its bytes alone (not by the name or the type its
        sender declared): a 1C exchange file (a statement, or refused as what else it is), a
        file imported before, a table whose header or bank's saved mapping we know; a table
        of unknown columns is one only if the person says so."""
        actor.require(*IMPORTERS)
        sha256 = hashlib.sha256(data).hexdigest()
        if await self._import_id(sha256) is not None:
            return Recognized(FileKind.STATEMENT)
        opened = self._open(data, sha256, mapped=True)
        if isinstance(opened, Refused):
            problems = {error.problem for error in opened.errors}
            if len(problems) == 1 and problems <= _NOT_STATEMENTS:
                return Recognized(FileKind.OTHER, problems.pop())
            return Recognized(FileKind.STATEMENT)  # a 1C file with errors: it is told them
        if isinstance(opened, Statement):
            return Recognized(FileKind.STATEMENT)
        if find_header_row(opened) is not None or await self._saved_mapping(opened) is not None:
            return Recognized(FileKind.STATEMENT)
        if opened.format is SourceFormat.XLSX or looks_tabular(opened):
            return Recognized(FileKind.TABLE)
        return Recognized(FileKind.OTHER, StatementProblem.NOT_A_STATEMENT)

    async def _import_id(self, sha256: str) -> int | None:
        return await self._session.scalar(
            select(StatementImportRow.id).where(StatementImportRow.sha256 == sha256)
        )

    async def _saved_mapping(self, table: Table) -> ColumnMapping | None:
        rows = (await self._session.execute(select(StatementMappingRow))).scalars().all()
        for row in rows:
            try:
                mapping = ColumnMapping.from_dict(row.mapping)
            except (TypeError, ValueError):
                continue
            if table_layout(table, mapping.header_row) == row.layout:
                return mapping
        return None

    async def _store(
        self,
        actor: Actor,
        statement: Statement,
        file_name: str | None,
        layout: str | None,
        mapping: ColumnMapping | None,
    ) -> tuple[int, int | None]:
        """The file, its new lines and their proposals, in one transaction: the import's id
        and how many lines were new (None: the file was imported meanwhile)."""
        documents = statement.documents
        keys = keyed(documents)
        async with self._uow.write():
            if self._session.bind.dialect.name == "postgresql":
                await self._session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK}
                )
            known = await self._import_id(statement.sha256)
            if known is not None:
                await self._uow.commit()  # nothing written: the lock is let go
                return known, None
            stored = await self._stored_keys([key for key, _ in keys])
            fresh = [
                (document, key, occurrence)
                for document, (key, occurrence) in zip(documents, keys, strict=True)
                if key not in stored
            ]
            to_match = [document for document, _, occurrence in fresh if occurrence == 1]
            proposals = iter(match(to_match, await self.expectations()))
            now = self._clock.now()
            summaries = statement.accounts
            row = StatementImportRow(
                sha256=statement.sha256,
                format=statement.format.value,
                encoding=statement.encoding,
                version=statement.version,
                file_name=(file_name or "")[:255] or None,
                accounts=[_account_json(s) for s in summaries],
                date_start=min((s.date_start for s in summaries if s.date_start), default=None),
                date_end=max((s.date_end for s in summaries if s.date_end), default=None),
                balance_ok=_balance_ok(summaries),
                documents=len(documents),
                new_lines=len(fresh),
                duplicates=len(documents) - len(fresh),
                imported_by=actor.user_id,
                imported_at=now,
            )
            self._session.add(row)
            await self._session.flush()
            lines, matched = [], []
            for document, key, occurrence in fresh:
                proposal = next(proposals) if occurrence == 1 else None
                if occurrence > 1:
                    state = LineState.ASKED
                elif proposal is None:
                    state = LineState.UNMATCHED
                else:
                    state = LineState.PROPOSED
                lines.append(_line_values(document, key, occurrence, row.id, state, proposal, now))
                matched.append(proposal)
            line_ids = await self._insert_lines(row.id, lines)
            await self._insert_proposals(line_ids, matched, source="matcher", import_id=row.id)
            if layout is not None and mapping is not None:
                await self._save_mapping(actor, layout, mapping, statement, now)
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="statement.imported",
                object_type="statement_import",
                object_id=row.id,
                after={
                    "sha256": statement.sha256,
                    "documents": len(documents),
                    "new": len(fresh),
                    "proposed": sum(p is not None for p in matched),
                },
            )
            await self._uow.commit()
        return row.id, len(fresh)

    async def _stored_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            found.update(
                await self._session.scalars(
                    select(StatementLineRow.key).where(StatementLineRow.key.in_(chunk))
                )
            )
        return found

    async def _insert_lines(self, import_id: int, lines: list[dict[str, Any]]) -> list[int]:
        """The lines inserted (all of them this import's), and their ids in the same order.
        One executemany, then one read of the ids by key: RETURNING over ten thousand rows
        costs SQLAlchemy time that grows with the square of their number."""
        if not lines:
            return []
        await self._session.execute(insert(StatementLineRow.__table__), lines)
        ids = dict(
            (
                await self._session.execute(
                    select(StatementLineRow.key, StatementLineRow.id).where(
                        StatementLineRow.import_id == import_id
                    )
                )
            ).all()
        )
        return [ids[line["key"]] for line in lines]

    async def _insert_proposals(
        self,
        line_ids: Sequence[int],
        proposals: Sequence[Proposal | None],
        *,
        source: str,
        import_id: int | None = None,
    ) -> None:
        """Each proposal (rank 0) of its line, and what it names. Inserted at once, their ids
        read back by line: of this import's lines, or of the one line given."""
        pairs = [(line, p) for line, p in zip(line_ids, proposals, strict=True) if p is not None]
        if not pairs:
            return
        await self._session.execute(
            insert(StatementProposalRow.__table__),
            [
                {
                    "line_id": line,
                    "rank": 0,
                    "source": source,
                    "confidence": p.confidence,
                    "sure": p.sure,
                    "reasons": [r.value for r in p.reasons],
                    "accepted_by": None,
                    "accepted_at": None,
                }
                for line, p in pairs
            ],
        )
        query = select(StatementProposalRow.line_id, StatementProposalRow.id).where(
            StatementProposalRow.rank == 0
        )
        if import_id is not None:
            query = query.join(
                StatementLineRow, StatementLineRow.id == StatementProposalRow.line_id
            ).where(StatementLineRow.import_id == import_id)
        else:
            query = query.where(StatementProposalRow.line_id.in_([line for line, _ in pairs]))
        ids = dict((await self._session.execute(query)).all())
        targets = [_target_values(ids[line], target) for line, p in pairs for target in p.targets]
        await self._session.execute(insert(StatementTargetRow.__table__), targets)

    async def _save_mapping(
        self,
        actor: Actor,
        layout: str,
        mapping: ColumnMapping,
        statement: Statement,
        now: datetime,
    ) -> None:
        existing = await self._session.scalar(
            select(StatementMappingRow).where(StatementMappingRow.layout == layout)
        )
        if existing is not None:
            existing.mapping = mapping.to_dict()
            existing.saved_by, existing.saved_at = actor.user_id, now
        else:
            self._session.add(
                StatementMappingRow(
                    layout=layout,
                    header=[],
                    mapping=mapping.to_dict(),
                    label=statement.format.value,
                    saved_by=actor.user_id,
                    saved_at=now,
                )
            )
        await self._session.flush()

    # -- what is expected --------------------------------------------------------------------

    async def expectations(self) -> Expectations:
        """What lines may be matched to now: non-cash payments of closed deals in rubles and
        approved requests in rubles, each less what open proposals already claim; the
        categories of the rules; what was taught."""
        claims = await self._claims()
        tz = self._clock.tz
        payments = [
            ExpectedPayment(
                id=row.id,
                deal_id=row.deal_id,
                contract=row.contract,
                kind=row.kind,
                remaining_minor=(
                    row.amount_minor
                    - (row.confirmed_amount_minor or 0)
                    - claims.get((TargetKind.PAYMENT, row.id), 0)
                ),
                created=row.created_at.astimezone(tz).date(),
                due=row.due_date,
            )
            for row in await self._session.execute(
                select(
                    ExpectedPaymentRow.id,
                    ExpectedPaymentRow.deal_id,
                    DealRow.contract,
                    ExpectedPaymentRow.kind,
                    ExpectedPaymentRow.amount_minor,
                    ExpectedPaymentRow.confirmed_amount_minor,
                    ExpectedPaymentRow.created_at,
                    ExpectedPaymentRow.due_date,
                )
                .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
                .where(
                    ExpectedPaymentRow.status.in_([s.value for s in OWING]),
                    DealRow.state == DealState.CLOSED.value,
                    ExpectedPaymentRow.kind != PaymentKind.CASH.value,
                    ExpectedPaymentRow.currency == "RUB",
                )
            )
        ]
        requests = [
            OpenRequest(
                id=row.id,
                inn=row.counterparty_inn,
                account=row.account,
                remaining_minor=(
                    (row.amount_minor or 0)
                    - row.paid_minor
                    - claims.get((TargetKind.REQUEST, row.id), 0)
                ),
                purpose=" ".join(p for p in (row.purpose, row.what_for) if p),
                pay_by=row.pay_by,
                order_number=row.order_number,
                order_date=row.order_date,
            )
            for row in await self._session.execute(
                select(
                    PaymentRequestRow.id,
                    PaymentRequestRow.counterparty_inn,
                    PaymentRequestRow.account,
                    PaymentRequestRow.amount_minor,
                    PaymentRequestRow.paid_minor,
                    PaymentRequestRow.purpose,
                    PaymentRequestRow.what_for,
                    PaymentRequestRow.pay_by,
                    PaymentRequestRow.order_number,
                    PaymentRequestRow.order_date,
                ).where(
                    PaymentRequestRow.status.in_([s.value for s in PAYABLE]),
                    PaymentRequestRow.currency == "RUB",
                )
            )
        ]
        return Expectations(payments, requests, await self._categories(), await self._learned())

    async def _claims(self) -> dict[tuple[TargetKind, int], int]:
        """What the matcher's open proposals claim, per payment and per request."""
        claimed: dict[tuple[TargetKind, int], int] = {}
        for column, kind in (
            (StatementTargetRow.payment_id, TargetKind.PAYMENT),
            (StatementTargetRow.request_id, TargetKind.REQUEST),
        ):
            rows = await self._session.execute(
                select(column, func.sum(StatementTargetRow.amount_minor))
                .join(
                    StatementProposalRow, StatementProposalRow.id == StatementTargetRow.proposal_id
                )
                .join(StatementLineRow, StatementLineRow.id == StatementProposalRow.line_id)
                .where(
                    column.is_not(None),
                    StatementLineRow.state == LineState.PROPOSED.value,
                    StatementProposalRow.rank == 0,
                    StatementProposalRow.accepted_at.is_(None),
                )
                .group_by(column)
            )
            for ident, total in rows:
                claimed[(kind, ident)] = int(total)
        return claimed

    async def _categories(self) -> Categories:
        names = {n for n in (self._names.bank_fee, self._names.tax, self._names.salary) if n}
        if not names:
            return Categories()
        rows = (
            await self._session.execute(
                select(CategoryRow.id, CategoryRow.name, CategoryRow.seed_key).where(
                    CategoryRow.kind == EntryKind.EXPENSE.value,
                    CategoryRow.is_active.is_(True),
                )
            )
        ).all()
        by_seed = {row.seed_key: row.id for row in rows if row.seed_key}
        by_name = {row.name: row.id for row in rows}

        def found(name: str | None) -> int | None:
            return None if name is None else by_seed.get(name, by_name.get(name))

        return Categories(
            bank_fee=found(self._names.bank_fee),
            tax=found(self._names.tax),
            salary=found(self._names.salary),
        )

    async def _learned(self) -> Learned:
        payer_deals: dict[str, set[int]] = defaultdict(set)
        for inn, deal_id in await self._session.execute(
            select(StatementPayerRow.inn, StatementPayerRow.deal_id)
        ):
            payer_deals[inn].add(deal_id)
        inns: dict[tuple[Direction, str], dict[int, int]] = defaultdict(dict)
        words: dict[tuple[Direction, str], dict[int, int]] = defaultdict(dict)
        active = select(CategoryRow.id).where(CategoryRow.is_active.is_(True))
        for row in await self._session.execute(
            select(StatementHintRow).where(StatementHintRow.category_id.in_(active))
        ):
            hint = row[0]
            into = inns if hint.key_kind == "inn" else words
            into[(Direction(hint.direction), hint.key)][hint.category_id] = hint.hits
        return Learned(
            payer_deals={inn: frozenset(deals) for inn, deals in payer_deals.items()},
            inn_categories=MappingProxyType(dict(inns)),
            word_categories=MappingProxyType(dict(words)),
        )

    # -- what an import holds ----------------------------------------------------------------

    async def summary(
        self, actor: Actor, import_id: int, *, again: bool = False, settled: int = 0
    ) -> Imported:
        actor.require(*IMPORTERS)
        found = (
            await self._session.execute(
                select(StatementImportRow, UserRow.name)
                .join(UserRow, UserRow.id == StatementImportRow.imported_by)
                .where(StatementImportRow.id == import_id)
            )
        ).first()
        if found is None:
            raise NotFound("statement_import", import_id)
        row, name = found
        counts: Counter[str] = Counter()
        for state, sure, problem, count in await self._session.execute(
            select(
                StatementLineRow.state,
                StatementLineRow.sure,
                StatementLineRow.problem.is_not(None),
                func.count(),
            )
            .where(StatementLineRow.import_id == import_id)
            .group_by(
                StatementLineRow.state, StatementLineRow.sure, StatementLineRow.problem.is_not(None)
            )
        ):
            if state == LineState.PROPOSED.value:
                counts["sure" if sure and not problem else "review"] += count
            elif state in (s.value for s in DONE):
                counts["done"] += count
            else:
                counts[state] += count
        return Imported(
            import_id=row.id,
            again=again,
            format=SourceFormat(row.format),
            lines=row.documents,
            new=row.new_lines,
            duplicates=row.duplicates,
            sure=counts["sure"],
            review=counts["review"],
            unmatched=counts[LineState.UNMATCHED.value],
            asked=counts[LineState.ASKED.value],
            done=counts["done"],
            accounts=tuple(_balance(a) for a in row.accounts),
            balance_ok=row.balance_ok,
            imported_by=name,
            imported_at=row.imported_at,
            settled=settled,
            file_name=row.file_name,
        )

    async def recent(self, actor: Actor, *, limit: int = 10) -> list[Imported]:
        """The latest imports, newest first, each as it stands now."""
        actor.require(*IMPORTERS)
        ids = await self._session.scalars(
            select(StatementImportRow.id).order_by(StatementImportRow.id.desc()).limit(limit)
        )
        return [await self.summary(actor, import_id) for import_id in list(ids)]

    async def lines(
        self,
        actor: Actor,
        *,
        import_id: int | None = None,
        states: Iterable[LineState] = OPEN,
        sure: bool | None = None,
        page: int = 0,
        per_page: int = 10,
    ) -> LinePage:
        """A page of lines (of one import, or all), in booking order: `sure` True for the
        sure ones, False for those to review, None for both."""
        actor.require(*IMPORTERS)
        where = [StatementLineRow.state.in_([LineState(s).value for s in states])]
        if import_id is not None:
            where.append(StatementLineRow.import_id == import_id)
        if sure is True:
            where += [StatementLineRow.sure.is_(True), StatementLineRow.problem.is_(None)]
        elif sure is False:
            where.append(
                (StatementLineRow.sure.is_(False)) | (StatementLineRow.problem.is_not(None))
            )
        total = await self._session.scalar(
            select(func.count()).select_from(StatementLineRow).where(*where)
        )
        rows = list(
            await self._session.scalars(
                select(StatementLineRow)
                .where(*where)
                .order_by(StatementLineRow.booked, StatementLineRow.id)
                .offset(page * per_page)
                .limit(per_page)
            )
        )
        views = await self._views(rows)
        return LinePage(tuple(views), total or 0, page, per_page)

    async def line(self, actor: Actor, line_id: int) -> LineView:
        actor.require(*IMPORTERS)
        row = await self._session.get(StatementLineRow, line_id, populate_existing=True)
        if row is None:
            raise NotFound("statement_line", line_id)
        [view] = await self._views([row])
        return view

    async def open_line(self, actor: Actor, line_id: int, version: int) -> LineView:
        """The line as it was shown (`version`), still waiting for a decision; else
        `StatementLineMoved` says who dealt with it and when."""
        actor.require(*IMPORTERS)
        row = await self._open_line(line_id)
        if LineState(row.state) not in OPEN or row.version != version:
            raise await self._moved(row)
        [view] = await self._views([row])
        return view

    async def _views(self, rows: Sequence[StatementLineRow]) -> list[LineView]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        accepted_by = UserRow.name
        proposals = (
            await self._session.execute(
                select(StatementProposalRow, accepted_by)
                .outerjoin(UserRow, UserRow.id == StatementProposalRow.accepted_by)
                .where(StatementProposalRow.line_id.in_(ids))
                .order_by(StatementProposalRow.line_id, StatementProposalRow.rank.desc())
            )
        ).all()
        targets: dict[int, list[StatementTargetRow]] = defaultdict(list)
        if proposals:
            for target in await self._session.scalars(
                select(StatementTargetRow)
                .where(StatementTargetRow.proposal_id.in_([p.id for p, _ in proposals]))
                .order_by(StatementTargetRow.id)
            ):
                targets[target.proposal_id].append(target)
        titles = await self._titles([t for ts in targets.values() for t in ts])
        by_line: dict[int, list[ProposalView]] = defaultdict(list)
        for proposal, name in proposals:
            by_line[proposal.line_id].append(
                ProposalView(
                    id=proposal.id,
                    rank=proposal.rank,
                    hand=proposal.source == "hand",
                    confidence=proposal.confidence,
                    sure=proposal.sure,
                    reasons=tuple(Reason(r) for r in proposal.reasons if r in _REASONS),
                    targets=tuple(_target_view(t, titles) for t in targets.get(proposal.id, [])),
                    accepted_by=name,
                    accepted_at=proposal.accepted_at,
                )
            )
        return [
            LineView(
                id=row.id,
                version=row.version,
                import_id=row.import_id,
                booked=row.booked,
                direction=Direction(row.direction),
                amount=Money.from_minor_units(row.amount_minor, row.currency),
                number=row.number,
                counterparty=row.counterparty_name,
                counterparty_inn=row.counterparty_inn,
                purpose=row.purpose,
                state=LineState(row.state),
                sure=row.sure and row.problem is None,
                problem=row.problem,
                proposals=tuple(by_line.get(row.id, [])),
            )
            for row in rows
        ]

    async def _titles(
        self, targets: Sequence[StatementTargetRow]
    ) -> dict[tuple[str, int], tuple[str, int | None]]:
        """How each target is named to people: (kind, id) → (title, deal id)."""
        return await self._titles_of(
            payments={t.payment_id for t in targets if t.payment_id is not None},
            requests={t.request_id for t in targets if t.request_id is not None},
            categories={t.category_id for t in targets if t.category_id is not None},
        )

    async def _titles_of(
        self,
        *,
        payments: Collection[int] = (),
        requests: Collection[int] = (),
        categories: Collection[int] = (),
    ) -> dict[tuple[str, int], tuple[str, int | None]]:
        titles: dict[tuple[str, int], tuple[str, int | None]] = {}
        if payments:
            for pid, slot, deal_id, name, contract in await self._session.execute(
                select(
                    ExpectedPaymentRow.id,
                    ExpectedPaymentRow.slot,
                    DealRow.id,
                    DealRow.name,
                    DealRow.contract,
                )
                .join(DealRow, DealRow.id == ExpectedPaymentRow.deal_id)
                .where(ExpectedPaymentRow.id.in_(list(payments)))
            ):
                named = f"{name} ({contract})" if contract else name
                titles[("payment", pid)] = (f"{named}: {slot}", deal_id)
        if requests:
            for rid, what_for, counterparty in await self._session.execute(
                select(
                    PaymentRequestRow.id,
                    PaymentRequestRow.what_for,
                    PaymentRequestRow.counterparty_name,
                ).where(PaymentRequestRow.id.in_(list(requests)))
            ):
                parts = [part for part in (what_for, counterparty) if part]
                titles[("request", rid)] = (f"№{rid}: {', '.join(parts)}", None)
        if categories:
            for cid, name in await self._session.execute(
                select(CategoryRow.id, CategoryRow.name).where(CategoryRow.id.in_(list(categories)))
            ):
                titles[("category", cid)] = (name, None)
        return titles

    # -- what a line could be assigned to ----------------------------------------------------

    async def candidates(self, actor: Actor, line_id: int, *, limit: int = 8) -> list[Candidate]:
        """What else the line could be: for money in, deals' payments its purpose's contract
        number, its payer or its amount point to; for money out, requests its recipient or its
        amount point to. Each takes the line's whole amount (or is paid in part by it), none
        is the line's own proposal; the likeliest first."""
        actor.require(*IMPORTERS)
        line = await self._open_line(line_id)
        expected = await self._expected_for(line)
        amount = line.amount_minor
        scored: list[tuple[int, TargetKind, int, int, tuple[Reason, ...]]] = []
        if line.direction == Direction.IN.value:
            keys = set(contract_keys_in(line.purpose))
            payer_deals = expected.learned.payer_deals.get(line.counterparty_inn or "", ())
            for payment in expected.payments:
                if payment.remaining_minor < amount:
                    continue
                reasons = []
                if payment.contract and contract_key(payment.contract) in keys:
                    reasons.append(Reason.CONTRACT)
                if payment.deal_id in payer_deals:
                    reasons.append(Reason.PAYER_KNOWN)
                reasons.append(_amount_reason(payment.remaining_minor, amount))
                scored.append(
                    (0, TargetKind.PAYMENT, payment.id, payment.remaining_minor, (*reasons,))
                )
        else:
            invoices = invoice_numbers(line.purpose)
            for request in expected.requests:
                if request.remaining_minor < amount:
                    continue
                reasons = []
                if line.counterparty_inn and request.inn == line.counterparty_inn:
                    reasons.append(Reason.RECIPIENT_INN)
                if line.counterparty_account and request.account == line.counterparty_account:
                    reasons.append(Reason.RECIPIENT_ACCOUNT)
                if invoices & invoice_numbers(request.purpose):
                    reasons.append(Reason.INVOICE_NUMBER)
                reasons.append(_amount_reason(request.remaining_minor, amount))
                scored.append(
                    (0, TargetKind.REQUEST, request.id, request.remaining_minor, (*reasons,))
                )
        own = await self._own_targets(line.id)
        found = [
            (sum(_CANDIDATE_WEIGHTS.get(r, 0) for r in reasons), kind, ident, left, reasons)
            for _, kind, ident, left, reasons in scored
            if (kind, ident) not in own and set(reasons) - {Reason.AMOUNT_PARTIAL}
        ]
        found.sort(key=lambda c: (-c[0], c[2]))
        return await self._candidate_views(found[:limit])

    async def payments_of_contract(
        self, actor: Actor, line_id: int, contract: str
    ) -> list[Candidate]:
        """The payments still owed by the deal of `contract` (as the accountant types it, in
        any of its spellings), for a line of money in to be assigned to by hand."""
        actor.require(*IMPORTERS)
        line = await self._open_line(line_id)
        if line.direction != Direction.IN.value:
            raise StatementLineRefused("direction")
        key = contract_key(contract)
        if not key:
            return []
        expected = await self._expected_for(line)
        found = [
            (
                0,
                TargetKind.PAYMENT,
                p.id,
                p.remaining_minor,
                (_amount_reason(p.remaining_minor, line.amount_minor),),
            )
            for p in expected.payments
            if p.contract and contract_key(p.contract) == key and p.remaining_minor > 0
        ]
        found.sort(key=lambda c: c[2])
        return await self._candidate_views(found)

    async def search_targets(
        self, actor: Actor, line_id: int, query: str, *, limit: int = 20
    ) -> list[Candidate]:
        """What a line could be assigned to by hand, found by what the accountant types: for
        money in, the deals' payments still owed whose contract number (in any spelling) or
        deal name holds it; for money out, the open requests of that number or whose
        counterparty or purpose holds it. The line's own proposal counts as still open."""
        actor.require(*IMPORTERS)
        line = await self._open_line(line_id)
        words = " ".join(query.split()).casefold()
        if not words:
            return []
        expected = await self._expected_for(line)
        amount = line.amount_minor
        found: list[tuple[int, TargetKind, int, int, tuple[Reason, ...]]] = []
        if line.direction == Direction.IN.value:
            key = contract_key(query)
            owed = [p for p in expected.payments if p.remaining_minor > 0]
            titles = await self._titles_of(payments=[p.id for p in owed])
            for payment in owed:
                title = titles.get(("payment", payment.id), ("", None))[0]
                by_contract = bool(
                    key and payment.contract and contract_key(payment.contract) == key
                )
                if by_contract or words in title.casefold():
                    reasons = (Reason.CONTRACT,) if by_contract else ()
                    reasons += (_amount_reason(payment.remaining_minor, amount),)
                    rank = 0 if by_contract else 1
                    found.append(
                        (rank, TargetKind.PAYMENT, payment.id, payment.remaining_minor, reasons)
                    )
        else:
            number = _request_number(query)
            open_requests = [r for r in expected.requests if r.remaining_minor > 0]
            titles = await self._titles_of(requests=[r.id for r in open_requests])
            for request in open_requests:
                title = titles.get(("request", request.id), ("", None))[0]
                if request.id == number or words in title.casefold():
                    reasons = (_amount_reason(request.remaining_minor, amount),)
                    rank = 0 if request.id == number else 1
                    found.append(
                        (rank, TargetKind.REQUEST, request.id, request.remaining_minor, reasons)
                    )
        found.sort(key=lambda c: (c[0], c[2]))
        return await self._candidate_views(found[:limit])

    async def _open_line(self, line_id: int) -> StatementLineRow:
        line = await self._session.get(StatementLineRow, line_id, populate_existing=True)
        if line is None:
            raise NotFound("statement_line", line_id)
        return line

    async def _expected_for(self, line: StatementLineRow) -> Expectations:
        """What is expected, with what the line's own open proposal claims given back."""
        expected = await self.expectations()
        own = await self._own_targets(line.id) if line.state == LineState.PROPOSED.value else {}
        if not own:
            return expected
        payments = [
            dataclasses.replace(
                p, remaining_minor=p.remaining_minor + own.get((TargetKind.PAYMENT, p.id), 0)
            )
            for p in expected.payments
        ]
        requests = [
            dataclasses.replace(
                r, remaining_minor=r.remaining_minor + own.get((TargetKind.REQUEST, r.id), 0)
            )
            for r in expected.requests
        ]
        return dataclasses.replace(expected, payments=payments, requests=requests)

    async def _own_targets(self, line_id: int) -> dict[tuple[TargetKind, int], int]:
        """What the line's standing proposal names: (kind, id) → the amount it claims."""
        own: dict[tuple[TargetKind, int], int] = {}
        rows = await self._session.execute(
            select(StatementTargetRow)
            .join(StatementProposalRow, StatementProposalRow.id == StatementTargetRow.proposal_id)
            .where(StatementProposalRow.line_id == line_id, StatementProposalRow.rank == 0)
        )
        for target in rows.scalars():
            if target.payment_id is not None:
                own[(TargetKind.PAYMENT, target.payment_id)] = target.amount_minor
            elif target.request_id is not None:
                own[(TargetKind.REQUEST, target.request_id)] = target.amount_minor
        return own

    async def _candidate_views(
        self, found: Sequence[tuple[int, TargetKind, int, int, tuple[Reason, ...]]]
    ) -> list[Candidate]:
        titles = await self._titles_of(
            payments=[ident for _, kind, ident, _, _ in found if kind is TargetKind.PAYMENT],
            requests=[ident for _, kind, ident, _, _ in found if kind is TargetKind.REQUEST],
        )
        views = []
        for _, kind, ident, left, reasons in found:
            title, deal_id = titles.get((kind.value, ident), ("—", None))
            target = TargetView(kind, ident, Money.from_minor_units(left), title, deal_id)
            views.append(Candidate(target, reasons))
        return views

    # -- accepting ---------------------------------------------------------------------------

    async def accept_sure(
        self,
        actor: Actor,
        import_id: int | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> Accepted:
        """Accept every sure proposal (of one import, or all), each line in a transaction of
        its own: a line whose money was confirmed or paid by hand meanwhile is skipped and
        reported (left to review), never done twice."""
        actor.require(*IMPORTERS)
        where = [
            StatementLineRow.state == LineState.PROPOSED.value,
            StatementLineRow.sure.is_(True),
            StatementLineRow.problem.is_(None),
        ]
        if import_id is not None:
            where.append(StatementLineRow.import_id == import_id)
        ids = list(
            await self._session.scalars(
                select(StatementLineRow.id)
                .where(*where)
                .order_by(StatementLineRow.booked, StatementLineRow.id)
            )
        )
        return await self._accept_all(actor, ids, progress)

    async def _accept_all(
        self, actor: Actor, ids: Sequence[int], progress: ProgressCallback | None
    ) -> Accepted:
        """Each line accepted inside a savepoint of its own, `ACCEPT_BATCH` lines to a
        transaction: a line refused (its payment confirmed by hand meanwhile) is rolled back
        alone and noted on the line, the others of its batch stand. A commit per line would
        wait for the disk ten thousand times."""
        accepted, skipped = [], []
        totals = _Done()
        for start in range(0, len(ids), ACCEPT_BATCH):
            async with self._uow.write():
                for line_id in ids[start : start + ACCEPT_BATCH]:
                    try:
                        async with self._session.begin_nested():
                            done = await self._accept_here(
                                actor, line_id, version=None, only_sure=True
                            )
                    except StatementLineMoved as moved:
                        skipped.append(Skipped(line_id, "moved", moved.by_name, moved.at))
                    except DomainError as refused:
                        skipped.append(await self._note_problem(line_id, refused))
                    else:
                        accepted.append(line_id)
                        totals.confirmed_minor += done.confirmed_minor
                        totals.paid_minor += done.paid_minor
                        totals.posted += done.posted
                await self._uow.commit()
            if progress is not None:
                done_count = min(start + ACCEPT_BATCH, len(ids))
                await progress(Progress(Stage.ACCEPTING, done_count, len(ids)))
        return Accepted(
            accepted=tuple(accepted),
            skipped=tuple(skipped),
            confirmed=Money.from_minor_units(totals.confirmed_minor),
            paid=Money.from_minor_units(totals.paid_minor),
            posted=totals.posted,
        )

    async def accept(self, actor: Actor, line_id: int, *, version: int) -> LineDone:
        """Accept a line's proposal, sure or reviewed, as it was shown (`version`)."""
        actor.require(*IMPORTERS)
        async with self._uow.write():
            done = await self._accept_here(actor, line_id, version=version, only_sure=False)
            await self._uow.commit()
        return await self._line_done(actor, line_id, done)

    async def _accept_here(
        self, actor: Actor, line_id: int, *, version: int | None, only_sure: bool
    ) -> _Done:
        """Accept the line's proposal inside the caller's write block."""
        line = await self._claim_line(actor, line_id, version, (LineState.PROPOSED,))
        proposal = await self._session.scalar(
            select(StatementProposalRow).where(
                StatementProposalRow.line_id == line.id, StatementProposalRow.rank == 0
            )
        )
        if proposal is None or (only_sure and not proposal.sure):
            raise StatementLineRefused("no_proposal")
        done = await self._carry_out(actor, line, proposal)
        await self._finish(actor, line, LineState.ACCEPTED, proposal)
        return done

    async def _claim_line(
        self,
        actor: Actor,
        line_id: int,
        version: int | None,
        states: Sequence[LineState],
    ) -> StatementLineRow:
        """The line, moved on a version (a conditional update: of two taps, one wins) if it is
        in one of `states` and as shown; else `StatementLineMoved` with who dealt with it."""
        line = await self._session.get(StatementLineRow, line_id, populate_existing=True)
        if line is None:
            raise NotFound("statement_line", line_id)
        if LineState(line.state) not in states or (version is not None and line.version != version):
            raise await self._moved(line)
        moved = await self._session.execute(
            update(StatementLineRow)
            .where(
                StatementLineRow.id == line_id,
                StatementLineRow.version == line.version,
                StatementLineRow.state == line.state,
            )
            .values(version=line.version + 1)
            .returning(StatementLineRow.id)
            .execution_options(synchronize_session=False)
        )
        if moved.scalar_one_or_none() is None:
            fresh = await self._session.get(StatementLineRow, line_id, populate_existing=True)
            assert fresh is not None
            raise await self._moved(fresh)
        await self._session.refresh(line)
        return line

    async def _moved(self, line: StatementLineRow) -> StatementLineMoved:
        name = None
        if line.resolved_by is not None:
            name = await self._session.scalar(
                select(UserRow.name).where(UserRow.id == line.resolved_by)
            )
        return StatementLineMoved(line.state, name or "—", line.resolved_at or line.created_at)

    async def _carry_out(
        self, actor: Actor, line: StatementLineRow, proposal: StatementProposalRow
    ) -> _Done:
        """What the proposal names, done through the services a person would use."""
        targets = list(
            await self._session.scalars(
                select(StatementTargetRow)
                .where(StatementTargetRow.proposal_id == proposal.id)
                .order_by(StatementTargetRow.id)
            )
        )
        done = _Done()
        direction = Direction(line.direction)
        for target in targets:
            kind = TargetKind(target.kind)
            amount = Money.from_minor_units(target.amount_minor, line.currency)
            if kind is TargetKind.PAYMENT:
                if direction is not Direction.IN:
                    raise StatementLineRefused("direction")
                assert target.payment_id is not None
                confirmation = await self._confirmations.confirm_here(
                    actor,
                    target.payment_id,
                    amount=amount,
                    on=line.booked,
                    account=MoneyAccount.BANK_ACCOUNT,
                    source=Source.STATEMENT,
                )
                target.confirmation_id = confirmation.id
                done.confirmations.append(confirmation.id)
                done.entries.append(confirmation.entry_id)
                done.confirmed_minor += target.amount_minor
                await self._teach_payer(line, confirmation.payment.deal_id)
            elif kind is TargetKind.REQUEST:
                if direction is not Direction.OUT:
                    raise StatementLineRefused("direction")
                assert target.request_id is not None
                paid = await self._requests.pay(
                    actor, target.request_id, amount=amount, on=line.booked
                )
                target.request_payment_id = paid.payment.id
                done.request_payments.append(paid.payment.id)
                done.paid_minor += target.amount_minor
            else:
                assert target.category_id is not None
                entry = await self._post(actor, line, target.category_id, kind, amount)
                target.entry_id = entry
                done.entries.append(entry)
                done.posted += 1
        await self._session.flush()
        return done

    async def _post(
        self,
        actor: Actor,
        line: StatementLineRow,
        category_id: int,
        kind: TargetKind,
        amount: Money,
        *,
        salon: str | None = None,
        city: str | None = None,
    ) -> int:
        category = await self._session.get(CategoryRow, category_id)
        entry_kind = EntryKind.INCOME if kind is TargetKind.INCOME else EntryKind.EXPENSE
        if category is None or not category.is_active or category.kind != entry_kind.value:
            raise StatementLineRefused("category")
        if line.booked > self._clock.today():
            raise StatementLineRefused("future_date")  # a clock or a bank a day ahead
        entry = await self._journal.post(
            actor,
            Posting(
                entry_kind,
                amount,
                category_id,
                MoneyAccount.BANK_ACCOUNT,
                line.booked,
                description=f"{line.counterparty_name}: {line.purpose}"[:500],
                comment=f"Выписка: №{line.number} от {line.document_date:%d.%m.%Y}"[:1000],
                salon=salon,
                city=city,
            ),
        )
        return entry.id

    async def _finish(
        self,
        actor: Actor,
        line: StatementLineRow,
        state: LineState,
        proposal: StatementProposalRow | None,
    ) -> None:
        now = self._clock.now()
        before = line.state
        line.state = state.value
        line.problem = None
        line.resolved_by, line.resolved_at = actor.user_id, now
        if proposal is not None:
            proposal.accepted_by, proposal.accepted_at = actor.user_id, now
        await self._session.flush()
        audit.record(
            self._session,
            at=now,
            actor_user_id=actor.user_id,
            action=f"statement_line.{state.value}",
            object_type="statement_line",
            object_id=line.id,
            before={"state": before},
            after={"state": state.value, "proposal": proposal.id if proposal else None},
        )

    async def _note_problem(self, line_id: int, refused: DomainError) -> Skipped:
        """A sure line that could not be accepted: why, kept on the line (it is now to
        review, out of the next "accept all"), and who came first; in the caller's write
        block."""
        reason, by_name, at = _why(refused)
        await self._session.execute(
            update(StatementLineRow)
            .where(
                StatementLineRow.id == line_id,
                StatementLineRow.state == LineState.PROPOSED.value,
            )
            .values(problem=reason, version=StatementLineRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return Skipped(line_id, reason, by_name, at)

    async def _line_done(self, actor: Actor, line_id: int, done: _Done) -> LineDone:
        return LineDone(
            line=await self.line(actor, line_id),
            confirmation_ids=tuple(done.confirmations),
            request_payment_ids=tuple(done.request_payments),
            entry_ids=tuple(done.entries),
        )

    async def _settle_sent(
        self, actor: Actor, import_id: int, progress: ProgressCallback | None = None
    ) -> int:
        """Accept the sure matches of orders we sent: the statement shows them paid."""
        rows = await self._session.execute(
            select(StatementLineRow.id, StatementProposalRow.reasons)
            .join(StatementProposalRow, StatementProposalRow.line_id == StatementLineRow.id)
            .where(
                StatementLineRow.import_id == import_id,
                StatementLineRow.state == LineState.PROPOSED.value,
                StatementLineRow.sure.is_(True),
                StatementProposalRow.rank == 0,
            )
            .order_by(StatementLineRow.booked, StatementLineRow.id)
        )
        ids = [line_id for line_id, reasons in rows if Reason.ORDER_NUMBER.value in reasons]
        if not ids:
            return 0
        return len((await self._accept_all(actor, ids, progress)).accepted)

    # -- by hand -----------------------------------------------------------------------------

    async def assign(self, actor: Actor, line_id: int, to: Assignment, *, version: int) -> LineDone:
        """Assign a line by hand: money in to a deal's payment (all it owes, or part of it)
        or as a company income under a category; money out to a request or as a
        company expense under a category. Done at once (confirmed, paid, posted), and
        taught: the payer's ИНН → the deal; the counterparty's ИНН and the purpose's words →
        the category."""
        actor.require(*IMPORTERS)
        async with self._uow.write():
            line = await self._claim_line(actor, line_id, version, OPEN)
            direction = Direction(line.direction)
            kind, ident, minor = self._assigned(line, direction, to)
            await self._require_target(kind, ident)
            rank = await self._session.scalar(
                select(func.coalesce(func.max(StatementProposalRow.rank), -1) + 1).where(
                    StatementProposalRow.line_id == line.id
                )
            )
            proposal = StatementProposalRow(
                line_id=line.id,
                rank=rank,
                source="hand",
                confidence=100,
                sure=True,
                reasons=[],
            )
            self._session.add(proposal)
            await self._session.flush()
            target = StatementTargetRow(
                proposal_id=proposal.id, kind=kind.value, amount_minor=minor
            )
            if kind is TargetKind.PAYMENT:
                target.payment_id = ident
            elif kind is TargetKind.REQUEST:
                target.request_id = ident
            else:
                target.category_id = ident
            self._session.add(target)
            await self._session.flush()
            if isinstance(to, ToCategory):
                amount = Money.from_minor_units(minor, line.currency)
                target.entry_id = await self._post(
                    actor, line, ident, kind, amount, salon=to.salon, city=to.city
                )
                await self._teach_category(line, ident)
                done = _Done(entries=[target.entry_id], posted=1)
            else:
                done = await self._carry_out(actor, line, proposal)
            await self._finish(actor, line, LineState.ASSIGNED, proposal)
            await self._uow.commit()
        return await self._line_done(actor, line_id, done)

    async def _require_target(self, kind: TargetKind, ident: int) -> None:
        """What a hand assignment names must exist (a forged or stale id is `NotFound`,
        before anything is written that would point at it)."""
        model, what = {
            TargetKind.PAYMENT: (ExpectedPaymentRow, "payment"),
            TargetKind.REQUEST: (PaymentRequestRow, "request"),
        }.get(kind, (CategoryRow, "category"))
        if await self._session.get(model, ident) is None:
            raise NotFound(what, ident)

    def _assigned(
        self, line: StatementLineRow, direction: Direction, to: Assignment
    ) -> tuple[TargetKind, int, int]:
        if isinstance(to, ToPayment):
            if direction is not Direction.IN:
                raise StatementLineRefused("direction")
            return TargetKind.PAYMENT, to.payment_id, line.amount_minor
        if isinstance(to, ToRequest):
            if direction is not Direction.OUT:
                raise StatementLineRefused("direction")
            return TargetKind.REQUEST, to.request_id, line.amount_minor
        kind = TargetKind.INCOME if direction is Direction.IN else TargetKind.EXPENSE
        return kind, to.category_id, line.amount_minor

    async def ignore(self, actor: Actor, line_id: int, *, version: int) -> LineView:
        """Nothing to do for this line: a transfer between our own accounts, money already
        accounted for, or a second line that is the bank repeating the first."""
        actor.require(*IMPORTERS)
        async with self._uow.write():
            line = await self._claim_line(actor, line_id, version, OPEN)
            await self._finish(actor, line, LineState.IGNORED, None)
            await self._uow.commit()
        return await self.line(actor, line_id)

    async def keep(self, actor: Actor, line_id: int, *, version: int) -> LineView:
        """A line asked about is a payment of its own: it is matched now, as a new line."""
        actor.require(*IMPORTERS)
        async with self._uow.write():
            line = await self._claim_line(actor, line_id, version, (LineState.ASKED,))
            [proposal] = match([_document(line)], await self.expectations())
            line.state = (LineState.PROPOSED if proposal else LineState.UNMATCHED).value
            line.sure = bool(proposal and proposal.sure)
            await self._session.flush()
            if proposal is not None:
                await self._insert_proposals([line.id], [proposal], source="matcher")
            audit.record(
                self._session,
                at=self._clock.now(),
                actor_user_id=actor.user_id,
                action="statement_line.kept",
                object_type="statement_line",
                object_id=line.id,
                after={"state": line.state},
            )
            await self._uow.commit()
        return await self.line(actor, line_id)

    # -- teaching ----------------------------------------------------------------------------

    async def _teach_payer(self, line: StatementLineRow, deal_id: int) -> None:
        if not line.counterparty_inn or line.direction != Direction.IN.value:
            return
        statement = _upsert(self._session.bind.dialect.name, StatementPayerRow, ("inn", "deal_id"))
        await self._session.execute(
            statement,
            [
                {
                    "inn": line.counterparty_inn,
                    "deal_id": deal_id,
                    "hits": 1,
                    "last_at": self._clock.now(),
                }
            ],
        )

    async def _teach_category(self, line: StatementLineRow, category_id: int) -> None:
        now = self._clock.now()
        rows = [
            {
                "direction": line.direction,
                "key_kind": "word",
                "key": word,
                "category_id": category_id,
                "hits": 1,
                "last_at": now,
            }
            for word in purpose_words(line.purpose)
        ]
        if line.counterparty_inn:
            rows.append(
                {
                    "direction": line.direction,
                    "key_kind": "inn",
                    "key": line.counterparty_inn,
                    "category_id": category_id,
                    "hits": 1,
                    "last_at": now,
                }
            )
        if rows:
            statement = _upsert(
                self._session.bind.dialect.name,
                StatementHintRow,
                ("direction", "key_kind", "key", "category_id"),
            )
            await self._session.execute(statement, rows)


# -- helpers -----------------------------------------------------------------------------------


@functools.cache
def _upsert(dialect: str, model: Any, keys: tuple[str, ...]) -> Any:
    """Insert a count, or add one to it where the row exists."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert_ = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    statement = insert_(model)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={"hits": model.hits + 1, "last_at": statement.excluded.last_at},
    )


_CANDIDATE_WEIGHTS = {
    Reason.CONTRACT: 50,
    Reason.PAYER_KNOWN: 35,
    Reason.RECIPIENT_INN: 35,
    Reason.RECIPIENT_ACCOUNT: 20,
    Reason.INVOICE_NUMBER: 20,
    Reason.AMOUNT_EXACT: 30,
    Reason.AMOUNT_PARTIAL: 5,
}


def _amount_reason(left_minor: int, amount_minor: int) -> Reason:
    return Reason.AMOUNT_EXACT if left_minor == amount_minor else Reason.AMOUNT_PARTIAL


def _why(refused: DomainError) -> tuple[str, str | None, datetime | None]:
    if isinstance(refused, AlreadyConfirmed):
        return "already_confirmed", refused.by_name, refused.at
    if isinstance(refused, RequestMoved):
        return "request_moved", refused.by_name, refused.at
    if isinstance(refused, PaymentChanged):
        return "payment_changed", None, None
    if isinstance(refused, PaymentRefused):
        return refused.reason, None, None
    if isinstance(refused, RequestRefused):
        return f"request_{refused.reason}"[:30], None, None
    if isinstance(refused, StatementLineRefused):
        return refused.reason, None, None
    return type(refused).__name__[:30], None, None


def _line_values(
    document: BankDocument,
    key: str,
    occurrence: int,
    import_id: int,
    state: LineState,
    proposal: Proposal | None,
    now: datetime,
) -> dict[str, Any]:
    counterparty = document.counterparty
    bik = counterparty.bik if counterparty.bik and len(counterparty.bik) == 9 else None
    return {
        "key": key,
        "occurrence": occurrence,
        "import_id": import_id,
        "line": document.line,
        "account": document.account or "",
        "booked": document.booked,
        "number": document.number[:40],
        "direction": document.direction.value,
        "amount_minor": document.amount.to_minor_units(),
        "currency": document.amount.currency,
        "document_date": document.date,
        "kind": document.kind.value,
        "kind_text": document.kind_text[:100],
        "counterparty_name": counterparty.name[:500],
        "counterparty_inn": counterparty.inn,
        "counterparty_kpp": counterparty.kpp,
        "counterparty_account": counterparty.account,
        "counterparty_bik": bik,
        "purpose": document.purpose,
        "state": state.value,
        "sure": bool(proposal and proposal.sure),
        "problem": None,
        "version": 0,
        "created_at": now,
    }


def _target_values(proposal_id: int, target: Any) -> dict[str, Any]:
    kind = TargetKind(target.kind)
    return {
        "proposal_id": proposal_id,
        "kind": kind.value,
        "payment_id": target.id if kind is TargetKind.PAYMENT else None,
        "request_id": target.id if kind is TargetKind.REQUEST else None,
        "category_id": target.id if kind in (TargetKind.INCOME, TargetKind.EXPENSE) else None,
        "amount_minor": target.amount_minor,
        "confirmation_id": None,
        "request_payment_id": None,
        "entry_id": None,
    }


def _target_view(
    target: StatementTargetRow, titles: dict[tuple[str, int], tuple[str, int | None]]
) -> TargetView:
    kind = TargetKind(target.kind)
    if kind is TargetKind.PAYMENT:
        key = ("payment", target.payment_id)
    elif kind is TargetKind.REQUEST:
        key = ("request", target.request_id)
    else:
        key = ("category", target.category_id)
    title, deal_id = titles.get(key, ("—", None))  # type: ignore[arg-type]
    return TargetView(
        kind=kind,
        id=key[1] or 0,
        amount=Money.from_minor_units(target.amount_minor),
        title=title,
        deal_id=deal_id,
    )


def _document(line: StatementLineRow) -> BankDocument:
    """A stored line as the matcher reads documents."""
    direction = Direction(line.direction)
    ours = Party("", account=line.account or None)
    theirs = Party(
        line.counterparty_name,
        inn=line.counterparty_inn,
        kpp=line.counterparty_kpp,
        account=line.counterparty_account,
        bik=line.counterparty_bik,
    )
    return BankDocument(
        kind=DocumentKind(line.kind),
        kind_text=line.kind_text,
        number=line.number,
        date=line.document_date,
        amount=Money.from_minor_units(line.amount_minor, line.currency),
        direction=direction,
        account=line.account or None,
        booked=line.booked,
        payer=theirs if direction is Direction.IN else ours,
        payee=ours if direction is Direction.IN else theirs,
        purpose=line.purpose,
        line=line.line,
    )


def _minor(money: Money | None) -> int | None:
    return None if money is None else money.to_minor_units()


def _account_json(summary: AccountSummary) -> dict[str, Any]:
    return {
        "account": summary.account,
        "date_start": summary.date_start.isoformat() if summary.date_start else None,
        "date_end": summary.date_end.isoformat() if summary.date_end else None,
        "opening": _minor(summary.opening),
        "closing": _minor(summary.closing),
        "total_in": summary.total_in.to_minor_units(),
        "total_out": summary.total_out.to_minor_units(),
        "balance_ok": summary.balance_ok,
    }


def _balance(data: dict[str, Any]) -> AccountBalance:
    def money(key: str) -> Money | None:
        value = data.get(key)
        return None if value is None else Money.from_minor_units(int(value))

    def day(key: str) -> date | None:
        value = data.get(key)
        return None if value is None else date.fromisoformat(value)

    return AccountBalance(
        account=data.get("account"),
        date_start=day("date_start"),
        date_end=day("date_end"),
        opening=money("opening"),
        closing=money("closing"),
        total_in=money("total_in") or Money(Decimal(0)),
        total_out=money("total_out") or Money(Decimal(0)),
        balance_ok=data.get("balance_ok"),
    )


def _balance_ok(summaries: Sequence[AccountSummary]) -> bool | None:
    checked = [s.balance_ok for s in summaries if s.balance_ok is not None]
    return all(checked) if checked else None


__all__ = [
    "DONE",
    "MAX_STATEMENT_BYTES",
    "OPEN",
    "Accepted",
    "AccountBalance",
    "Assignment",
    "Candidate",
    "CategoryNames",
    "FileKind",
    "ImportOutcome",
    "Imported",
    "LineDone",
    "LinePage",
    "LineState",
    "LineView",
    "NeedsMapping",
    "Progress",
    "ProgressCallback",
    "ProposalView",
    "Recognized",
    "Skipped",
    "Stage",
    "StatementImports",
    "TargetView",
    "ToCategory",
    "ToPayment",
    "ToRequest",
    "keyed",
    "line_key",
]


def _request_number(query: str) -> int | None:
    """A request's number as typed: «17», «№17», «#17»."""
    digits = query.strip().lstrip("№#Nn").strip()
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None
