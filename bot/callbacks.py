"""Callback data factories. Everything in them can be forged, so handlers re-check it all."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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


class EntryCallback(CallbackData, prefix="e"):
    entry_id: Int64
    action: str  # "ask" (undo's first tap), "undo" (its "yes"), "keep" (its "no")
    origin: str = "card"  # "card": the saved card itself; "list": a line of /history
    until: Int64 = 0  # for "undo": the moment (Unix seconds) after which "yes" is too late


class HistoryCallback(CallbackData, prefix="h"):
    before: Int64  # show the entries older than this one; 0: the newest


class InviteCallback(CallbackData, prefix="inv"):
    role: str
    # The amoCRM user a manager is: -1 not chosen yet, 0 none, else amoCRM's user id.
    crm: Int64 = -1


class RevokeCallback(CallbackData, prefix="rv"):
    user_id: Int64
    role: str
    step: str = "ask"  # "ask" (the first tap), "yes", "no"
    until: Int64 = 0  # for "yes": the moment (Unix seconds) after which it is too late


class CategoryCallback(CallbackData, prefix="cat"):
    action: str  # "add" or "rename"
    category_id: Int64 = 0


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
