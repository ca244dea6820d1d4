"""Inline keyboards. Labels come from texts; data from the callback factories."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    CategoryCallback,
    DraftAction,
    DraftCallback,
    EntryCallback,
    InviteCallback,
    RevokeCallback,
)
from bot.texts import Texts
from ledger.categories import Category
from ledger.expenses import Draft, Entry
from ledger.roles import GRANTABLE_ROLES, Role
from ledger.users import UserView


def _draft_button(draft: Draft, action: DraftAction, value: int = 0) -> str:
    return DraftCallback(
        draft_id=draft.id, revision=draft.revision, action=action, value=value
    ).pack()


def draft_card(draft: Draft, texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_save, callback_data=_draft_button(draft, DraftAction.SAVE))
    builder.button(text=texts.btn_cancel, callback_data=_draft_button(draft, DraftAction.CANCEL))
    builder.button(
        text=texts.btn_category, callback_data=_draft_button(draft, DraftAction.CATEGORIES)
    )
    builder.button(text=texts.btn_date, callback_data=_draft_button(draft, DraftAction.DATES))
    builder.button(text=texts.btn_comment, callback_data=_draft_button(draft, DraftAction.COMMENT))
    builder.adjust(2, 3)
    return builder.as_markup()


def category_picker(draft: Draft, categories: list[Category], texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in categories:
        label = f"• {category.name}" if category.id == draft.category_id else category.name
        builder.button(
            text=label,
            callback_data=_draft_button(draft, DraftAction.PICK_CATEGORY, category.id),
        )
    builder.adjust(2)
    builder.row()
    builder.button(text=texts.btn_back, callback_data=_draft_button(draft, DraftAction.BACK))
    return builder.as_markup()


def date_picker(draft: Draft, texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts.btn_today, callback_data=_draft_button(draft, DraftAction.TODAY))
    builder.button(
        text=texts.btn_yesterday, callback_data=_draft_button(draft, DraftAction.YESTERDAY)
    )
    builder.button(
        text=texts.btn_other_date, callback_data=_draft_button(draft, DraftAction.OTHER_DATE)
    )
    builder.button(text=texts.btn_back, callback_data=_draft_button(draft, DraftAction.BACK))
    builder.adjust(2, 1, 1)
    return builder.as_markup()


def saved_entry(entry: Entry, texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts.btn_undo, callback_data=EntryCallback(entry_id=entry.id, action="undo").pack()
    )
    return builder.as_markup()


def history(entries: list[Entry], texts: Texts) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    undoable = [e for e in entries if e.kind != "reversal" and e.reversed_by_entry_id is None]
    for entry in undoable:
        builder.button(
            text=texts.undo_button(entry.id),
            callback_data=EntryCallback(entry_id=entry.id, action="undo", origin="list").pack(),
        )
    builder.adjust(2)
    return builder.as_markup() if undoable else None


def invite_roles(texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in GRANTABLE_ROLES:
        builder.button(text=texts.role(role), callback_data=InviteCallback(role=role.value).pack())
    builder.adjust(2)
    return builder.as_markup()


def revoke_roles(users: list[UserView], texts: Texts) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    count = 0
    for user in users:
        for role in sorted(user.roles - {Role.OWNER}):
            builder.button(
                text=texts.revoke_button(user, role),
                callback_data=RevokeCallback(user_id=user.user_id, role=role.value).pack(),
            )
            count += 1
    builder.adjust(1)
    return builder.as_markup() if count else None


def categories_menu(categories: list[Category], texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in categories:
        builder.button(
            text=f"✏️ {category.name}",
            callback_data=CategoryCallback(action="rename", category_id=category.id).pack(),
        )
    builder.adjust(2)
    builder.row()
    builder.button(text=texts.btn_add_category, callback_data=CategoryCallback(action="add").pack())
    return builder.as_markup()
