"""Inline keyboards. Labels come from texts; data from the callback factories."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    BatchAction,
    BatchCallback,
    CategoryCallback,
    DraftAction,
    DraftCallback,
    EntryCallback,
    HistoryCallback,
    InviteCallback,
    Listing,
    PageCallback,
    ProfitAction,
    ProfitCallback,
    RevokeCallback,
    pack_filters,
)
from bot.paging import ListPage
from bot.texts import Texts
from ledger.categories import Category
from ledger.entries import Entry
from ledger.expenses import Batch, Draft
from ledger.profit import DIMENSIONS
from ledger.roles import GRANTABLE_ROLES, Role
from ledger.users import UserView

# Markups are built directly: aiogram's KeyboardBuilder deep-copies every button, a cost
# paid for every card on the hottest path of the bot.
Row = list[tuple[str, str]]


def _markup(rows: list[Row]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
            if row
        ]
    )


def _in_rows(buttons: Row, width: int) -> list[Row]:
    return [buttons[start : start + width] for start in range(0, len(buttons), width)]


def _draft_button(draft: Draft, action: DraftAction, value: int = 0) -> str:
    return DraftCallback(
        draft_id=draft.id, revision=draft.revision, action=action, value=value
    ).pack()


def draft_card(draft: Draft, texts: Texts) -> InlineKeyboardMarkup:
    rows = [
        [
            (texts.btn_save, _draft_button(draft, DraftAction.SAVE)),
            (texts.btn_cancel, _draft_button(draft, DraftAction.CANCEL)),
        ],
        [
            (texts.btn_category, _draft_button(draft, DraftAction.CATEGORIES)),
            (texts.btn_date, _draft_button(draft, DraftAction.DATES)),
        ],
        [
            (texts.btn_amount, _draft_button(draft, DraftAction.AMOUNT)),
            (texts.btn_comment, _draft_button(draft, DraftAction.COMMENT)),
        ],
        [(texts.btn_switch_kind(draft.kind), _draft_button(draft, DraftAction.KIND))],
    ]
    if draft.alternative is not None:
        # The other reading of the amount, one tap away ("Не 2 ₽, а 1 500 ₽?").
        button = texts.btn_alternative(draft.amount, draft.alternative)
        rows.insert(0, [(button, _draft_button(draft, DraftAction.ALTERNATIVE))])
    return _markup(rows)


def batch_card(batch: Batch, texts: Texts) -> InlineKeyboardMarkup:
    def button(action: BatchAction) -> str:
        return BatchCallback(batch_id=batch.id, revision=batch.revision, action=action).pack()

    return _markup(
        [
            [
                (texts.btn_save_all(len(batch.items)), button(BatchAction.SAVE)),
                (texts.btn_cancel, button(BatchAction.CANCEL)),
            ],
            [(texts.btn_split, button(BatchAction.SPLIT))],
        ]
    )


def category_picker(draft: Draft, categories: list[Category], texts: Texts) -> InlineKeyboardMarkup:
    choices = [
        (
            f"• {category.name}" if category.id == draft.category_id else category.name,
            _draft_button(draft, DraftAction.PICK_CATEGORY, category.id),
        )
        for category in categories
    ]
    return _markup(
        [*_in_rows(choices, 2), [(texts.btn_back, _draft_button(draft, DraftAction.BACK))]]
    )


def date_picker(draft: Draft, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                (texts.btn_today, _draft_button(draft, DraftAction.TODAY)),
                (texts.btn_yesterday, _draft_button(draft, DraftAction.YESTERDAY)),
            ],
            [(texts.btn_other_date, _draft_button(draft, DraftAction.OTHER_DATE))],
            [(texts.btn_back, _draft_button(draft, DraftAction.BACK))],
        ]
    )


def saved_entry(entry: Entry, texts: Texts) -> InlineKeyboardMarkup:
    undo = EntryCallback(entry_id=entry.id, action="ask").pack()
    return _markup([[(texts.btn_undo, undo)]])


def history(
    entries: list[Entry], texts: Texts, *, has_older: bool = False, is_first: bool = True
) -> InlineKeyboardMarkup | None:
    undoable = [e for e in entries if e.kind != "reversal" and e.reversed_by_entry_id is None]
    buttons = [
        (
            texts.undo_button(entry.id),
            EntryCallback(entry_id=entry.id, action="ask", origin="list").pack(),
        )
        for entry in undoable
    ]
    pages: Row = []
    if not is_first:
        pages.append((texts.btn_newest, HistoryCallback(before=0).pack()))
    if has_older and entries:
        pages.append((texts.btn_older, HistoryCallback(before=entries[-1].id).pack()))
    rows = [*_in_rows(buttons, 2), *([pages] if pages else [])]
    return _markup(rows) if rows else None


def confirm_undo(entry_id: int, origin: str, until: int, texts: Texts) -> InlineKeyboardMarkup:
    """Undo's second tap. "Yes" stands where no button stood before, so a double tap on the
    button that asked lands on "no"."""
    keep = EntryCallback(entry_id=entry_id, action="keep", origin=origin).pack()
    undo = EntryCallback(entry_id=entry_id, action="undo", origin=origin, until=until).pack()
    return _markup([[(texts.btn_keep, keep), (texts.btn_confirm_undo(entry_id), undo)]])


def invite_roles(texts: Texts) -> InlineKeyboardMarkup:
    buttons = [
        (texts.role(role), InviteCallback(role=role.value).pack()) for role in GRANTABLE_ROLES
    ]
    return _markup(_in_rows(buttons, 2))


def invite_crm_users(people: list[tuple[int, str]], texts: Texts) -> InlineKeyboardMarkup:
    role = Role.MANAGER.value
    buttons = [(name[:40], InviteCallback(role=role, crm=amo_id).pack()) for amo_id, name in people]
    buttons.append((texts.invite_without_crm, InviteCallback(role=role, crm=0).pack()))
    return _markup(_in_rows(buttons, 2))


def page_turns(page: ListPage, listing: Listing, texts: Texts) -> Row:
    """◀/▶ under a page of a long list (none when it has one page)."""
    turns: Row = []
    if page.has_previous:
        back = PageCallback(listing=listing, page=page.number - 1).pack()
        turns.append((texts.btn_page_previous(page.number), back))
    if page.has_next:
        on = PageCallback(listing=listing, page=page.number + 1).pack()
        turns.append((texts.btn_page_next(page.number + 2), on))
    return turns


def list_page(page: ListPage, listing: Listing, texts: Texts) -> InlineKeyboardMarkup | None:
    turns = page_turns(page, listing, texts)
    return _markup([turns]) if turns else None


def revoke_roles(
    users: list[UserView], page: ListPage, texts: Texts
) -> InlineKeyboardMarkup | None:
    """A revoke button for each role of the people on `page` of /users, and its ◀/▶."""
    buttons = [
        (
            texts.revoke_button(user, role),
            RevokeCallback(user_id=user.user_id, role=role.value, page=page.number).pack(),
        )
        for user in (users[index] for index in page.items)
        for role in sorted(user.roles - {Role.OWNER})
    ]
    rows = [*_in_rows(buttons, 1), page_turns(page, Listing.USERS, texts)]
    return _markup(rows) if any(rows) else None


def confirm_revoke(
    user_id: int, role: Role, until: int, page: int, texts: Texts
) -> InlineKeyboardMarkup:
    no = RevokeCallback(user_id=user_id, role=role.value, step="no", page=page).pack()
    yes = RevokeCallback(
        user_id=user_id, role=role.value, step="yes", until=until, page=page
    ).pack()
    return _markup([[(texts.btn_keep, no), (texts.btn_confirm_revoke, yes)]])


def categories_menu(categories: list[Category], texts: Texts) -> InlineKeyboardMarkup:
    buttons = [
        (f"✏️ {category.name}", CategoryCallback(action="rename", category_id=category.id).pack())
        for category in categories
    ]
    add = (texts.btn_add_category, CategoryCallback(action="add").pack())
    return _markup([*_in_rows(buttons, 2), [add]])


# A longer list would pass Telegram's 100-button limit and bury the card; the workbook's
# dropdowns list every value.
MAX_FILTER_VALUES = 60
Choices = list[int | None]  # per dimension: the index of the chosen value, None for "все"


def profit_card(
    chosen: Choices, lists: list[tuple[str, ...]], texts: Texts
) -> InlineKeyboardMarkup:
    """A button per dimension showing its filter, and a reset when any filter is on."""
    filters = pack_filters(chosen, lists)
    buttons = [
        (
            texts.dimension_button(dimension, _chosen_value(chosen[i], lists[i])),
            ProfitCallback(action=ProfitAction.PICK, dim=i, filters=filters).pack(),
        )
        for i, dimension in enumerate(DIMENSIONS)
    ]
    rows = _in_rows(buttons, 2)
    if any(choice is not None for choice in chosen):
        rows.append([(texts.btn_profit_reset, ProfitCallback(action=ProfitAction.SHOW).pack())])
    return _markup(rows)


def _chosen_value(index: int | None, values: tuple[str, ...]) -> str | None:
    return None if index is None else values[index]


def profit_values(
    dim: int, chosen: Choices, lists: list[tuple[str, ...]], texts: Texts
) -> InlineKeyboardMarkup:
    """One dimension's values ("все" first); each redraws the card with that filter added."""

    def choose(index: int | None) -> str:
        choices = list(chosen)
        choices[dim] = index
        filters = pack_filters(choices, lists)
        return ProfitCallback(action=ProfitAction.SHOW, filters=filters).pack()

    def mark(index: int | None, label: str) -> str:
        return f"• {label}" if chosen[dim] == index else label

    everything = (mark(None, texts.dimension_button(DIMENSIONS[dim], None)), choose(None))
    values = [
        (mark(index, value[:40]), choose(index))
        for index, value in enumerate(lists[dim][:MAX_FILTER_VALUES])
    ]
    back = (
        texts.btn_back,
        ProfitCallback(action=ProfitAction.SHOW, filters=pack_filters(chosen, lists)).pack(),
    )
    return _markup([[everything], *_in_rows(values, 2), [back]])
