"""Callback data factories. Everything in them can be forged, so handlers re-check it all."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


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


class DraftCallback(CallbackData, prefix="x"):
    draft_id: int
    revision: int
    action: DraftAction
    value: int = 0


class EntryCallback(CallbackData, prefix="e"):
    entry_id: int
    action: str  # "undo"
    origin: str = "card"  # "card": the saved card itself; "list": a line of /history


class InviteCallback(CallbackData, prefix="inv"):
    role: str
    # The amoCRM user a manager is: -1 not chosen yet, 0 none, else amoCRM's user id.
    crm: int = -1


class RevokeCallback(CallbackData, prefix="rv"):
    user_id: int
    role: str


class CategoryCallback(CallbackData, prefix="cat"):
    action: str  # "add" or "rename"
    category_id: int = 0
