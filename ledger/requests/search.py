"""The cabinet's registry of payment requests: filtered, searched, sorted and paged, with the
totals of everything that matches (not only the page shown).

Who sees what is the ledger's access rule (`access.visible`) narrowed to the statuses each
role's registry holds, as /registry in the chat shows them: the accountant approved requests
and later, the owner every filed one, an approver every filed one they approve or decided.
Drafts are nobody's registry: they are not requests yet.

A query comes from a web form (`read_query`): every value is checked here, and each one that
cannot be read is named (`FilterProblem`) rather than guessed or dropped. A page is two
statements: the totals by currency (count, amounts, what is left to pay), then the page's rows
with LIMIT/OFFSET in one query, on the registry's indexes (status, due date; migration 0017 adds
the other sort orders).

Free text is matched word by word (every word somewhere in the purpose, what it is for, the
counterparty's name or ИНН, the invoice's file name; a number also as the request's number),
case-insensitively: PostgreSQL's ILIKE folds any letter, SQLite's only Latin ones, so each word
is also tried in lower case, upper case and capitalised — "ромашка" finds «Ромашка» and
«РОМАШКА» on either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.amounts import AmountError, parse_amount
from ledger.dates import DateError, parse_date
from ledger.money import Money
from ledger.requests.access import PAYERS, visible
from ledger.requests.states import APPROVED_OR_LATER, PAYABLE, RequestStatus
from ledger.requests.views import RequestView, view, views_query
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, DealRow, PaymentRequestRow

VIEWERS = PAYERS | {Role.APPROVER}
PER_PAGE = 50
FEW = 2_000  # matches found first and then sorted; more are read off the sort's index
MAX_WORDS = 8  # of a search: more narrows nothing a person means
MAX_TEXT = 200  # characters of a text filter
# Every filed status, in the order a request lives through them (the filter's order).
FILED = (
    RequestStatus.SUBMITTED,
    RequestStatus.APPROVED,
    RequestStatus.PARTLY_PAID,
    RequestStatus.PAID,
    RequestStatus.RETURNED,
    RequestStatus.REJECTED,
    RequestStatus.CANCELLED,
)


class Sort(StrEnum):
    DUE = "due"
    AMOUNT = "amount"
    COUNTERPARTY = "counterparty"
    CREATED = "created"
    STATUS = "status"


class Problem(StrEnum):
    NOT_A_DATE = "not_a_date"
    NOT_AN_AMOUNT = "not_an_amount"
    BACKWARDS = "backwards"  # a range whose start is after its end
    UNKNOWN_STATUS = "unknown_status"  # no such status, or not one the viewer's registry holds
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_SORT = "unknown_sort"
    NOT_A_PAGE = "not_a_page"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class FilterProblem:
    field: str  # the form's field: status, due_from, amount_to, page…
    problem: Problem
    value: str  # as given (cut to MAX_TEXT)


@dataclass(frozen=True, slots=True)
class RegistryQuery:
    """What the viewer asked for. Empty `statuses`: every status their registry holds."""

    statuses: tuple[RequestStatus, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    counterparty: str = ""  # words of its name, or its ИНН (or part of it)
    amount_from: Decimal | None = None  # in the request's own currency
    amount_to: Decimal | None = None
    category_id: int | None = None
    deal: str = ""  # the deal's contract number, or part of it
    text: str = ""
    sort: Sort = Sort.CREATED
    descending: bool = True
    page: int = 1  # from 1

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list (the sort and page do not)."""
        return any(
            (
                self.statuses,
                self.due_from,
                self.due_to,
                self.counterparty,
                self.amount_from is not None,
                self.amount_to is not None,
                self.category_id is not None,
                self.deal,
                self.text,
            )
        )


@dataclass(frozen=True, slots=True)
class RegistryResult:
    rows: tuple[RequestView, ...]
    count: int  # every request that matches
    amounts: tuple[Money, ...]  # their amounts, by currency (in currency order)
    to_pay: tuple[Money, ...]  # what is left to pay of the approved and partly paid among them
    page: int  # from 1; the last when a later one was asked
    pages: int
    per_page: int
    asked: int  # the page asked for

    @property
    def past_the_end(self) -> bool:
        return self.asked != self.page

    @property
    def first_number(self) -> int:
        """The place in the list of the page's first row (from 1)."""
        return (self.page - 1) * self.per_page + 1


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    id: int
    name: str
    archived: bool


@dataclass
class _Reader:
    today: date
    problems: list[FilterProblem] = field(default_factory=list)

    def wrong(self, name: str, problem: Problem, value: str) -> None:
        self.problems.append(FilterProblem(name, problem, value[:MAX_TEXT]))

    def text(self, name: str, value: str) -> str:
        value = " ".join(value.split())
        if len(value) > MAX_TEXT:
            self.wrong(name, Problem.TOO_LONG, value)
            return ""
        return value

    def day(self, name: str, value: str) -> date | None:
        value = value.strip()
        if not value:
            return None
        try:
            return parse_date(value, today=self.today, allow_future=True)
        except DateError:
            self.wrong(name, Problem.NOT_A_DATE, value)
            return None

    def amount(self, name: str, value: str) -> Decimal | None:
        value = value.strip()
        if not value:
            return None
        if value.strip("0") in ("", ",", "."):  # "0": from nothing, which any amount is above
            return Decimal(0)
        try:
            return parse_amount(value).amount
        except AmountError:
            self.wrong(name, Problem.NOT_AN_AMOUNT, value)
            return None


def read_query(
    pairs: Iterable[tuple[str, str]],
    *,
    today: date,
    statuses: Sequence[RequestStatus],
    categories: Iterable[int],
) -> tuple[RegistryQuery, list[FilterProblem]]:
    """A query from a form's fields (a name may repeat: `status`), and what could not be read.
    `statuses`: those the viewer's registry holds (another is unknown to them); `categories`:
    the ids there are. Empty fields are no filter; dates as a date input or a person writes
    them ("2026-11-23", "23.11.2026"), amounts as a person writes them ("15 000,50")."""
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        given.setdefault(name, []).append(value)

    def one(name: str) -> str:
        values = given.get(name) or [""]
        return values[-1]

    reader = _Reader(today)
    chosen: list[RequestStatus] = []
    allowed = {status.value: status for status in statuses}
    for value in given.get("status", []):
        if not value:
            continue
        if value in allowed:
            if allowed[value] not in chosen:
                chosen.append(allowed[value])
        else:
            reader.wrong("status", Problem.UNKNOWN_STATUS, value)
    due_from, due_to = reader.day("due_from", one("due_from")), reader.day("due_to", one("due_to"))
    if due_from and due_to and due_from > due_to:
        reader.wrong("due_to", Problem.BACKWARDS, one("due_to"))
    low = reader.amount("amount_from", one("amount_from"))
    high = reader.amount("amount_to", one("amount_to"))
    if low is not None and high is not None and low > high:
        reader.wrong("amount_to", Problem.BACKWARDS, one("amount_to"))
    category_id = None
    if category := one("category").strip():
        known = set(categories)
        if category.isdigit() and int(category) in known:
            category_id = int(category)
        else:
            reader.wrong("category", Problem.UNKNOWN_CATEGORY, category)
    sort, descending = Sort.CREATED, True
    if raw_sort := one("sort").strip():
        if raw_sort in Sort.__members__.values():
            sort, descending = Sort(raw_sort), False
        else:
            reader.wrong("sort", Problem.UNKNOWN_SORT, raw_sort)
    if raw_order := one("order").strip():
        if raw_order in ("asc", "desc"):
            descending = raw_order == "desc"
        else:
            reader.wrong("order", Problem.UNKNOWN_SORT, raw_order)
    page = 1
    if raw_page := one("page").strip():
        if raw_page.isdigit() and 0 < int(raw_page) < 10**9:
            page = int(raw_page)
        else:
            reader.wrong("page", Problem.NOT_A_PAGE, raw_page)
    query = RegistryQuery(
        statuses=tuple(chosen),
        due_from=due_from,
        due_to=due_to,
        counterparty=reader.text("counterparty", one("counterparty")),
        amount_from=low,
        amount_to=high,
        category_id=category_id,
        deal=reader.text("deal", one("deal")),
        text=reader.text("q", one("q")),
        sort=sort,
        descending=descending,
        page=page,
    )
    return query, reader.problems


# -- the query ----------------------------------------------------------------------------------


def registry_statuses(actor: Actor) -> tuple[RequestStatus, ...]:
    """The statuses the actor's registry holds, in `FILED` order (none: it is not theirs)."""
    shown: set[RequestStatus] = set()
    if actor.is_owner or Role.APPROVER in actor.roles:
        shown.update(FILED)
    if Role.ACCOUNTANT in actor.roles:
        shown.update(APPROVED_OR_LATER)
    return tuple(status for status in FILED if status in shown)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _variants(word: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((word, word.lower(), word.upper(), word.capitalize())))


def _contains(columns: Sequence[Any], word: str, dialect: str) -> ColumnElement[bool]:
    """Any of `columns` holds `word`, in any of its cases: by ILIKE on PostgreSQL, by LIKE on
    SQLite (which folds Latin letters itself: its ILIKE would lower() every value first).
    The columns are matched as one text, a line each (a word never spans two): one match a
    row and case rather than one a column, which made a search a few times slower."""
    haystack = columns[0] if len(columns) == 1 else _joined(columns)
    if dialect == "postgresql":  # ILIKE folds every letter's case itself
        return haystack.ilike(f"%{_escaped(word)}%", escape="\\")
    return or_(
        *(haystack.like(f"%{_escaped(variant)}%", escape="\\") for variant in _variants(word))
    )


def _joined(columns: Sequence[Any]) -> ColumnElement[str]:
    parts: list[Any] = []
    for column in columns:
        if parts:
            parts.append(literal("\n"))
        parts.append(func.coalesce(column, ""))
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat(part)
    return joined


_NUMBER = re.compile(r"[№#]?(\d{1,12})")


def _words(text: str) -> list[str]:
    """The words to find, the likeliest to rule a row out first: the database stops at the
    first that fails, and a number ("1234") or a long word is rarer than a common one
    ("поставщик", which most rows may hold)."""
    words = list(dict.fromkeys(text.split()))[:MAX_WORDS]
    return sorted(words, key=lambda word: (not any(c.isdigit() for c in word), -len(word)))


def conditions(
    actor: Actor, query: RegistryQuery, dialect: str, *, scan: bool = False
) -> ColumnElement[bool]:
    """The requests `query` asks for among those `actor`'s registry holds (`dialect`: the
    database's, "sqlite" or "postgresql"). `scan`: the statuses are not looked up on their
    index (`status || ''` hides it): the table is read in order, or a sort's index walked."""
    row = PaymentRequestRow
    shown = query.statuses or registry_statuses(actor)
    column = row.status.concat("") if scan else row.status
    where: list[ColumnElement[bool]] = [column.in_([status.value for status in shown])]
    # The access rule (`access.visible`) lets the owner see every request and the accountant
    # every one approved or later: for them the statuses say it all, and the database counts
    # from its indexes alone. Anyone else (an approver) is asked the rule itself.
    sees_all = actor.is_owner or (
        Role.ACCOUNTANT in actor.roles and set(shown) <= set(APPROVED_OR_LATER)
    )
    if not sees_all:
        where.append(visible(actor))
    if query.due_from is not None:
        where.append(row.pay_by >= query.due_from)
    if query.due_to is not None:
        where.append(row.pay_by <= query.due_to)
    if query.amount_from is not None:
        where.append(row.amount_minor >= Money(query.amount_from).to_minor_units())
    if query.amount_to is not None:
        where.append(row.amount_minor <= Money(query.amount_to).to_minor_units())
    if query.category_id is not None:
        where.append(row.category_id == query.category_id)
    for word in _words(query.counterparty):
        where.append(_contains((row.counterparty_name, row.counterparty_inn), word, dialect))
    if query.deal:
        deals = select(DealRow.id).where(_contains((DealRow.contract,), query.deal, dialect))
        where.append(row.deal_id.in_(deals))
    searched = (row.purpose, row.what_for, row.counterparty_name, row.counterparty_inn)
    for word in _words(query.text):
        found = [_contains((*searched, row.invoice_name), word, dialect)]
        if number := _NUMBER.fullmatch(word):
            found.append(row.id == int(number[1]))
        where.append(or_(*found))
    return and_(*where)


# Each sort's columns, the id last (a page is always the same rows), all on an index: by
# status is by the status's code, then by due date (the registry's index), which groups
# them without sorting fifty thousand rows by a computed rank.
_SORTED = {
    Sort.DUE: (PaymentRequestRow.pay_by,),
    Sort.AMOUNT: (PaymentRequestRow.amount_minor,),
    Sort.COUNTERPARTY: (PaymentRequestRow.counterparty_name,),
    Sort.CREATED: (PaymentRequestRow.created_at,),
    Sort.STATUS: (PaymentRequestRow.status, PaymentRequestRow.pay_by),
}


def ordering(sort: Sort, descending: bool) -> tuple[ColumnElement, ...]:
    """The sort's columns, then the id, all in the one direction."""
    columns = (*_SORTED[sort], PaymentRequestRow.id)
    return tuple(column.desc() if descending else column.asc() for column in columns)


@dataclass(frozen=True, slots=True)
class _Totals:
    count: int
    amounts: tuple[Money, ...]
    to_pay: tuple[Money, ...]
    ids: tuple[int, ...] | None  # every match's id, when they were asked for and are few


async def totals(
    session: AsyncSession, where: ColumnElement[bool], *, ids: bool = False
) -> _Totals:
    """How many requests match, their amounts and what is left to pay, by currency; with
    `ids`, the matches' ids too when there are no more than `FEW` of them."""
    row = PaymentRequestRow
    payable = row.status.in_([status.value for status in PAYABLE])
    left = case((payable, row.amount_minor - row.paid_minor), else_=0)
    columns = [row.currency, func.count(), func.sum(row.amount_minor), func.sum(left)]
    if ids:
        columns.append(func.aggregate_strings(cast(row.id, String), ","))
    found = await session.execute(
        select(*columns).where(where).group_by(row.currency).order_by(row.currency)
    )
    count, amounts, to_pay, matches = 0, [], [], []
    for currency, number, amount, rest, *listed in found:
        count += int(number)
        if amount is not None:
            amounts.append(Money.from_minor_units(int(amount), currency))
        if rest:
            to_pay.append(Money.from_minor_units(int(rest), currency))
        if listed and listed[0]:
            matches.extend(int(ident) for ident in str(listed[0]).split(","))
    few = tuple(matches) if ids and count <= FEW else None
    return _Totals(count, tuple(amounts), tuple(to_pay), few)


async def search(
    session: AsyncSession, actor: Actor, query: RegistryQuery, *, per_page: int = PER_PAGE
) -> RegistryResult:
    """The page `query` asks for (past the end: the last), with the totals of all that match."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # A text filter is matched in every row the viewer may see: the table is read through
    # once rather than row by row in the status index's order.
    texts = bool(query.text or query.counterparty or query.deal)
    where = conditions(actor, query, dialect, scan=texts)
    # The text filters' matches are listed as they are counted, so the page's query looks
    # them up by id rather than matching every row's text again.
    summed = await totals(session, where, ids=texts)
    count, amounts, to_pay = summed.count, summed.amounts, summed.to_pay
    pages = max(1, -(-count // per_page))
    page = min(query.page, pages)
    rows: tuple[RequestView, ...] = ()
    if count:
        # The page's ids are found narrow, read off the sort's index, and only their rows are
        # joined to the names they show: one statement. A page in the list's second half is
        # read from the other end (the same rows, the order turned), so the last page costs
        # what the first does. Both databases put NULLs at one end and the other when the
        # order turns, so the turned order is exactly the reverse.
        skip = (page - 1) * per_page
        take = min(per_page, count - skip)
        backwards = skip > count // 2
        if backwards:
            skip = count - skip - take
        order = ordering(query.sort, query.descending != backwards)
        if summed.ids is not None:
            where = PaymentRequestRow.id.in_(summed.ids)
        elif count > FEW:
            # Many: the sort's index is walked in order, each row checked, until the page
            # is full — the statuses' index would have them all fetched and sorted.
            where = conditions(actor, query, dialect, scan=True)
        else:
            # Few: found first (on the filters' indexes, or by reading the table once), then
            # sorted; walking the sort's index would look at every row to find them.
            where = PaymentRequestRow.id.in_(select(PaymentRequestRow.id).where(where))
        ids = select(PaymentRequestRow.id).where(where).order_by(*order).offset(skip).limit(take)
        found = await session.execute(
            views_query().where(PaymentRequestRow.id.in_(ids.scalar_subquery())).order_by(*order)
        )
        rows = tuple(view(*line) for line in found)
        if backwards:
            rows = rows[::-1]
    return RegistryResult(rows, count, amounts, to_pay, page, pages, per_page, query.page)


async def category_choices(session: AsyncSession) -> list[CategoryChoice]:
    """The expense categories a request may be filed under, the archived ones last."""
    found = await session.execute(
        select(CategoryRow.id, CategoryRow.name, CategoryRow.is_active)
        .where(CategoryRow.kind == "expense")
        .order_by(CategoryRow.is_active.desc(), CategoryRow.position, CategoryRow.name)
    )
    return [CategoryChoice(ident, name, not active) for ident, name, active in found]
