"""Callback data factories. Everything in them can be forged, so handlers re-check it all."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Every number in callback data fits the signed 64-bit columns it is looked up in: a forged
# larger one is no button of ours (the filter does not match) instead of a database error.
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class DraftAction(StrEnum):
    SAVE = "s"
    CANCEL = "x"
    CATEGORIES = "c"
    PICK_CATEGORY = "pc"
    DATES = "d"
    TODAY = "t"
    YESTERDAY = "y"
    OTHER_DATE = "od"
    COMMENT = "m"
    BACK = "b"
    ALTERNATIVE = "a"  # the other reading of the amount
    AMOUNT = "am"  # type a new amount
    KIND = "k"  # income read as an expense, or the other way round


class DraftCallback(CallbackData, prefix="x"):
    draft_id: Int64
    revision: Int64
    action: DraftAction
    value: Int64 = 0


class BatchAction(StrEnum):
    SAVE = "s"
    CANCEL = "x"
    SPLIT = "p"  # one card per item, to correct them one by one


class BatchCallback(CallbackData, prefix="xb"):
    """A button of the card of several items; the first draft's revision guards it."""

    batch_id: Int64
    revision: Int64
    action: BatchAction


class EntryAction(StrEnum):
    ASK = "ask"  # undo's first tap
    UNDO = "undo"  # its "yes"
    KEEP = "keep"  # its "no"
    RECEIPT = "rcpt"  # send the entry's receipt back


class EntryCallback(CallbackData, prefix="e"):
    entry_id: Int64
    action: str  # an `EntryAction`
    origin: str = "card"  # "card": the saved card itself; "list": a line of /history
    until: Int64 = 0  # for "undo": the moment (Unix seconds) after which "yes" is too late
    # For "list": the /history page the button is on (as `HistoryCallback` has it), so undo
    # redraws that page. With ten-digit ids all round the data is 62 bytes of Telegram's 64.
    before: Int64 = 0
    category: Int64 = 0
    month: Int64 = 0


class HistoryView(StrEnum):
    LIST = "l"  # the entries
    CATEGORIES = "c"  # the categories to narrow them to
    MONTHS = "m"  # the months to narrow them to


class HistoryCallback(CallbackData, prefix="h"):
    """A /history button. The message keeps no state: the page and the filters ride in every
    button, so turning a page keeps the filters and a filter keeps the other."""

    before: Int64 = 0  # show the entries older than this one; 0: the newest
    category: Int64 = 0  # a category's id; 0: every category
    month: Int64 = 0  # YYYYMM (`month_code`); 0: every month
    view: HistoryView = HistoryView.LIST
    page: Int64 = 0  # which page of a picker's choices


def month_code(month: date | None) -> int:
    """A month as callback data: 202611 for November 2026, 0 for none."""
    return month.year * 100 + month.month if month is not None else 0


def month_of_code(code: int) -> date | None:
    """The month `month_code` wrote; StaleFilter for a number that is no month (forged)."""
    if code == 0:
        return None
    year, month = divmod(code, 100)
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise StaleFilter(str(code))
    return date(year, month, 1)


class Listing(StrEnum):
    """The lists `bot.paging` cuts into pages; each names its page in ◀/▶ buttons."""

    DEALS = "d"
    USERS = "u"
    CASH = "c"  # a manager's /cash
    PENDING = "p"  # the cash desk's /pending
    BANK = "b"
    OUTBOX = "o"


class PageCallback(CallbackData, prefix="pg"):
    """◀/▶ under a list: show page `page` (from 0) of `listing`, as the list is now."""

    listing: Listing
    page: Int64


class HandOverAction(StrEnum):
    ALL = "all"  # all the cash the manager holds
    ONE = "one"  # one payment of it


class HandOverCallback(CallbackData, prefix="ho"):
    """A manager's «Сдать в кассу» under /cash."""

    action: HandOverAction
    payment_id: Int64 = 0


class DeskAction(StrEnum):
    PAYMENT = "p"  # accept one cash payment, no hand-over needed
    MANAGER = "m"  # accept all of this manager's cash (`ident`: the manager's user id)
    HANDOVER = "h"  # accept all of a hand-over (`ident`: the hand-over)
    ITEM = "i"  # accept one payment of a hand-over
    LESS = "l"  # «получено меньше»: ask the amount really received


class DeskCallback(CallbackData, prefix="dk"):
    """The cash desk's buttons (/pending, a hand-over, a payment link)."""

    action: DeskAction
    # The hand-over (HANDOVER, ITEM, LESS), the manager's amoCRM user (MANAGER), or for
    # PAYMENT the /pending page the button is on (-1: the card of a payment's link).
    ident: Int64 = 0
    payment_id: Int64 = 0  # the payment (PAYMENT, ITEM), or for MANAGER the /pending page
    version: Int64 = 0


class BankAction(StrEnum):
    OPEN = "o"  # a payment's card: when did the money come
    DAY = "d"  # the date chosen (`day`): now the amount
    OTHER_DATE = "t"  # the date will be typed
    ALL = "a"  # confirm all the payment still owes, received on `day`
    NOT_RECEIVED = "n"  # «не поступило»: a comment will be typed
    BACK = "b"  # back to the list
    RECENT = "r"  # the owner: the latest confirmations, to undo one


class BankCallback(CallbackData, prefix="bk"):
    """A /bank button. It names the payment as it was shown (`version`): a payment that
    changed since is not acted on."""

    action: BankAction
    payment_id: Int64 = 0
    version: Int64 = 0
    day: Int64 = 0  # the date's ordinal (`date.toordinal`), for DAY and ALL


class UndoPaymentCallback(CallbackData, prefix="up"):
    """The owner's undo of a payment's last confirmation: "ask" (the first tap), "yes"
    (until `until`, for the payment as it was asked about: `version`), "no"."""

    payment_id: Int64
    step: str = "ask"
    until: Int64 = 0
    version: Int64 = 0


# -- payment requests: the requester's form ------------------------------------------------


class FormAction(StrEnum):
    ASK = "a"  # ask a part of the form (`value`: its index in `FORM_ORDER`)
    SKIP = "s"  # skip the question asked: come back to it later
    DATE = "t"  # pay by this date (`value`: its ordinal)
    VAT = "v"  # without VAT (`value` 0), or with VAT at `value` percent of the amount shown
    NO_KPP = "n"  # the counterparty has no КПП (a sole trader)
    CHOOSE = "h"  # a deal or a category: 1 the categories, 2 a contract number, 3 my deals
    KNOWN = "k"  # take the counterparty found in the directory by its ИНН
    CATEGORY = "c"  # file under an expense category (`value`: its id)
    DEAL = "d"  # for a deal (`value`: its id)
    SUBMIT = "go"  # send for approval
    CONFIRM = "ok"  # the invoice's values are right: fill the form with them
    PICK = "p"  # one of two values read differently (`value`: `pick_code`)
    FIX = "f"  # fill the invoice's values but one part, asked instead (`value`: its index)
    CLOSE = "x"  # stop filling for now: the draft stays, /request brings it back
    RESUME = "r"  # /request: go on with this draft
    NEW = "new"  # /request: leave this draft, start another


class FormCallback(CallbackData, prefix="rf"):
    """A button of a request's form card. It names the request as it was shown (`version`):
    a form that changed since is not acted on."""

    request_id: Int64
    version: Int64
    action: FormAction
    value: Int64 = 0


def pick_code(value_index: int, choice: int) -> int:
    """A conflict's choice as one number: which value (its index in the offer's `VALUES`)
    and which of the values read for it."""
    return value_index * 10 + choice


def unpick_code(code: int) -> tuple[int, int]:
    return divmod(code, 10)


class MineAction(StrEnum):
    PAGE = "p"  # a page of /requests (`page`)
    OPEN = "o"  # a request's card
    COMMENTS = "c"  # its comment thread (page `page`)
    HISTORY = "h"  # its history (page `page`)
    COMMENT = "m"  # write a comment
    EDIT = "e"  # fill it again: a draft, or one returned for rework
    CANCEL = "x"  # withdraw it: asks
    CANCEL_YES = "y"  # withdraw it: yes (for the request as asked about: `version`)


class MineCallback(CallbackData, prefix="rm"):
    """A button of the requester's /requests and of a request's card there."""

    action: MineAction
    request_id: Int64 = 0
    page: Int64 = 0
    version: Int64 = 0


class FilingLinkAction(StrEnum):
    NEW = "n"  # make a new filing link: its name is asked
    CATEGORY = "c"  # the new link's category (`ident`: its id, 0: none)
    REVOKE = "r"  # revoke link `ident`: asks
    REVOKE_YES = "y"  # revoke link `ident`: yes
    LIST = "l"  # the links again, page `ident`


class FilingLinkCallback(CallbackData, prefix="rl"):
    """The owner's /reqlinks."""

    action: FilingLinkAction
    ident: Int64 = 0


class RetryCallback(CallbackData, prefix="ob"):
    """/outbox: put a dead row (`row_id`, 0: all of them) back in line; `page` to redraw."""

    row_id: Int64 = 0
    page: Int64 = 0


class InviteCallback(CallbackData, prefix="inv"):
    role: str
    # The amoCRM user a manager is: -1 not chosen yet, 0 none, else amoCRM's user id.
    crm: Int64 = -1


class CrmLinkCallback(CallbackData, prefix="cl"):
    """/users → a manager → the amoCRM user they are."""

    user_id: Int64
    crm: Int64 = -1  # -1: show the choices; 0: none; else amoCRM's user id


class RevokeCallback(CallbackData, prefix="rv"):
    user_id: Int64
    role: str
    step: str = "ask"  # "ask" (the first tap), "yes", "no"
    until: Int64 = 0  # for "yes": the moment (Unix seconds) after which it is too late
    page: Int64 = 0  # the page of /users the button stands on ("no" goes back to it)


class CategoryAction(StrEnum):
    LIST = "list"  # the active categories, page `page`
    ADD = "add"
    OPEN = "open"  # one category's card: rename, archive, merge
    RENAME = "rename"
    ARCHIVE = "archive"  # archive's first tap: asks
    ARCHIVE_YES = "archive_yes"
    MERGE = "merge"  # the categories to merge into, page `page`
    MERGE_ASK = "merge_ask"  # a target chosen: asks
    MERGE_YES = "merge_yes"
    ARCHIVED = "archived"  # the archive, page `page`
    RESTORE = "restore"


class CategoryCallback(CallbackData, prefix="cat"):
    action: CategoryAction
    category_id: Int64 = 0
    into: Int64 = 0  # for the merge steps: the category to merge into
    until: Int64 = 0  # for a "yes": the moment (Unix seconds) after which it is too late
    page: Int64 = 0


class ProfitAction(StrEnum):
    SHOW = "s"  # draw the /profit card with `filters`
    PICK = "p"  # list the values of dimension `dim`, keeping `filters`


class ProfitCallback(CallbackData, prefix="pf"):
    """A /profit card button. The card keeps no state: its filters ride in every button."""

    action: ProfitAction
    dim: Int64 = 0
    filters: str = ""  # see `pack_filters`


class StaleFilter(ValueError):
    """Filter data that does not name a value the lists hold now: forged, or the data moved."""


# Telegram allows 64 bytes of callback data, too few for names ("Санкт-Петербург" alone is 29
# in UTF-8). So a filter is a value's index in its dimension's list, with a short check of the
# value itself: if the list changed since the card was drawn, the check catches the index now
# pointing elsewhere. Four filters take at most ~30 bytes: "12.a1b2~~3.ffff~".
FILTER_SEPARATOR = "~"


def value_check(value: str) -> str:
    """Four hex digits of the value (case-blind, as the filters compare)."""
    return hashlib.sha256(value.casefold().encode()).hexdigest()[:4]


def pack_filters(chosen: Sequence[int | None], lists: Sequence[Sequence[str]]) -> str:
    """Chosen indices (None: "все"), one per dimension, as callback data."""
    slots = [
        "" if index is None else f"{index}.{value_check(values[index])}"
        for index, values in zip(chosen, lists, strict=True)
    ]
    return FILTER_SEPARATOR.join(slots) if any(slots) else ""


def unpack_filters(text: str, lists: Sequence[Sequence[str]]) -> list[int | None]:
    """The indices `pack_filters` wrote, checked against the lists as they are now."""
    if not text:
        return [None] * len(lists)
    slots = text.split(FILTER_SEPARATOR)
    if len(slots) != len(lists):
        raise StaleFilter(text)
    return [_unpack_slot(slot, values) for slot, values in zip(slots, lists, strict=True)]


def _unpack_slot(slot: str, values: Sequence[str]) -> int | None:
    if not slot:
        return None
    index, _, check = slot.partition(".")
    if not index.isdigit() or int(index) >= len(values):
        raise StaleFilter(slot)
    if value_check(values[int(index)]) != check:
        raise StaleFilter(slot)
    return int(index)


# -- payment requests: approvals and the registry ---------------------------------------------


class RequestAction(StrEnum):
    OPEN = "o"  # the request's card, sent anew (a list stays as it was)
    BACK = "b"  # the card again in place of a question, the question dropped
    INVOICE = "i"  # send the invoice as it came
    ORDER = "f"  # send a payment's payment order (`value`: the payment)
    COMMENT = "c"  # asks the comment
    APPROVE = "a"
    REJECT = "r"  # asks the reason
    RETURN = "w"  # asks what to fix
    PAY = "p"  # «Оплачено»: asks the date
    DAY = "d"  # the date chosen (`value`: its ordinal): asks the amount
    OTHER_DATE = "t"  # the date will be typed
    REST = "l"  # all that is left, paid on `value` (an ordinal)
    NO_ORDER = "n"  # record the payment asked without its payment order


class RequestCallback(CallbackData, prefix="rqd"):
    """A request card's button. It names the request as it was shown (`version`): the
    services refuse a decision or a payment on a request that changed since."""

    action: RequestAction
    request_id: Int64
    version: Int64 = 0
    value: Int64 = 0


class RegistryView(StrEnum):
    SUMMARY = "s"  # /registry's menu
    BUCKET = "b"  # a bucket's list (`key`: the bucket)
    STATUS = "t"  # a status's list (`key`: the status)
    TO_APPROVE = "a"  # /approve's list


class RegistryCallback(CallbackData, prefix="rg"):
    """A list of requests, page `page` (from 0) as the list is now. `key` is checked against
    the buckets and statuses: anything else was forged."""

    view: RegistryView
    key: str = ""
    page: Int64 = 0


# -- bank statements and payment orders -------------------------------------------------------


class StatementAction(StrEnum):
    ACCEPT_SURE = "s"  # accept the sure matches of import `ident` (0: of every import)
    REVIEW = "r"  # the line at `page` of those to review in `scope`
    SUMMARY = "m"  # what import `ident` holds now (0: every import)
    ACCEPT = "a"  # accept line `ident`'s proposal
    OTHER = "o"  # the line's other candidates
    PICK = "p"  # assign the line to `value`: a deal's payment (money in) or a request (out)
    HAND = "h"  # the ways to assign it by hand
    CONTRACT = "c"  # a deal's contract number will be typed
    REQUEST = "q"  # a request's number will be typed
    CATEGORIES = "g"  # a company income or expense: the categories, page `value`
    CATEGORY = "k"  # file it under category `value`
    IGNORE = "i"  # nothing to do for it
    KEEP = "e"  # a second line of one identity is a payment of its own
    NEXT = "n"  # the next line to review
    CARD = "v"  # the line's card again


class StatementCallback(CallbackData, prefix="st"):
    """A statement's button. A line's names it as it was shown (`version`): the service acts
    only on that; `scope` (the import, 0: all) and `page` say where the review stands."""

    action: StatementAction
    ident: Int64 = 0  # the import (ACCEPT_SURE, REVIEW, SUMMARY), else the line
    version: Int64 = 0
    scope: Int64 = 0
    page: Int64 = 0
    value: Int64 = 0


class MappingCallback(CallbackData, prefix="sm"):
    """An answer to "which column is which" for a table export: column `column` (from 0;
    -1: there is none) for `step`. `check` is the file's hash's start: an answer for another
    file, or a question closed, is refused."""

    step: str
    column: Int64 = -1
    check: str = ""


class OrdersAction(StrEnum):
    LIST = "l"  # the approved requests to pick from, page `page`
    TOGGLE = "t"  # pick or unpick request `ident`
    TODAY = "d"  # everything due today, in one file
    MAKE = "m"  # the picked ones, in one file
    CLEAR = "c"  # unpick all


class OrdersCallback(CallbackData, prefix="bo"):
    """/registry's «🏦 Платёжки в банк»."""

    action: OrdersAction
    ident: Int64 = 0
    page: Int64 = 0
