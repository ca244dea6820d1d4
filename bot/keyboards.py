"""Inline keyboards. Labels come from texts; data from the callback factories."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TypeVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    BankAction,
    BankCallback,
    BatchAction,
    BatchCallback,
    CategoryAction,
    CategoryCallback,
    CrmLinkCallback,
    DeskAction,
    DeskCallback,
    DraftAction,
    DraftCallback,
    EntryAction,
    EntryCallback,
    HandOverAction,
    HandOverCallback,
    HistoryCallback,
    HistoryView,
    InviteCallback,
    Listing,
    MineAction,
    MineCallback,
    OrdersAction,
    OrdersCallback,
    PageCallback,
    ProfitAction,
    ProfitCallback,
    RegistryCallback,
    RegistryView,
    RequestAction,
    RequestCallback,
    RetryCallback,
    RevokeCallback,
    UndoPaymentCallback,
    month_code,
    pack_filters,
)
from bot.paging import ListPage
from bot.texts import Texts
from ledger.cash import Handover, HeldCash, ItemStatus
from ledger.categories import ArchivedCategory, Category
from ledger.confirmations import PaymentLine
from ledger.entries import Entry, EntryFilter, Options, Page
from ledger.expenses import Batch, Draft
from ledger.money import Money
from ledger.profit import DIMENSIONS
from ledger.requests.registry import BucketSummary, StatusSummary
from ledger.requests.states import RequestStatus
from ledger.requests.views import Abilities, RegistryPage, RequestCard, RequestView
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
    row = [(texts.btn_undo, EntryCallback(entry_id=entry.id, action="ask").pack())]
    if entry.has_receipt:
        row.append((texts.btn_receipt, _receipt_button(entry)))
    return _markup([row])


def _receipt_button(entry: Entry) -> str:
    return EntryCallback(entry_id=entry.id, action=EntryAction.RECEIPT).pack()


# A picker's page of choices: well under Telegram's 100 buttons, and a card still readable.
CATEGORY_CHOICES = 10
MONTH_CHOICES = 12


def _history(only: EntryFilter, *, before: int | None = None, **more: object) -> str:
    """A /history button keeping `only` (and the page, `before`), with `more` set."""
    return HistoryCallback(
        before=before or 0,
        category=only.category_id or 0,
        month=month_code(only.month),
        **more,
    ).pack()


def history(page: Page, texts: Texts) -> InlineKeyboardMarkup:
    """Undo and 📎 per entry, the pages, and the filters (each button keeps the others)."""
    only = page.only
    place = {
        "before": page.before or 0,
        "category": only.category_id or 0,
        "month": month_code(only.month),
    }
    entries = page.entries
    undoable = [e for e in entries if e.kind != "reversal" and e.reversed_by_entry_id is None]
    buttons = [
        (
            texts.undo_button(entry.id),
            EntryCallback(entry_id=entry.id, action="ask", origin="list", **place).pack(),
        )
        for entry in undoable
    ]
    receipts = [
        (texts.receipt_button(entry.id), _receipt_button(entry))
        for entry in entries
        if entry.has_receipt
    ]
    pages: Row = []
    if not page.is_first:
        pages.append((texts.btn_newest, _history(only)))
    if page.has_older and entries:
        pages.append((texts.btn_older, _history(only, before=entries[-1].id)))
    filters: Row = [
        (
            texts.history_category_button(page.category_name),
            _history(only, before=page.before, view=HistoryView.CATEGORIES),
        ),
        (
            texts.history_month_button(only.month),
            _history(only, before=page.before, view=HistoryView.MONTHS),
        ),
    ]
    reset: Row = [(texts.btn_reset_filter, _history(EntryFilter()))] if only.is_on else []
    return _markup([*_in_rows(buttons, 2), *_in_rows(receipts, 3), pages, filters, reset])


def history_categories(
    only: EntryFilter, before: int | None, choices: Options[Category], at: int, texts: Texts
) -> InlineKeyboardMarkup:
    """Page `at` of the categories to narrow /history to; a choice shows the newest page."""

    def choose(category_id: int | None) -> str:
        return _history(replace(only, category_id=category_id))

    def mark(category_id: int | None, label: str) -> str:
        return f"• {label}" if only.category_id == category_id else label

    values = [(mark(c.id, c.name[:30]), choose(c.id)) for c in choices.items]
    return _picker(
        (mark(None, texts.btn_all_categories), choose(None)),
        _in_rows(values, 2),
        only,
        before,
        HistoryView.CATEGORIES,
        at,
        has_more=choices.has_more,
        texts=texts,
    )


def history_months(
    only: EntryFilter, before: int | None, choices: Options[date], at: int, texts: Texts
) -> InlineKeyboardMarkup:
    """Page `at` of the months that have entries, latest first; a choice shows its newest."""

    def choose(month: date | None) -> str:
        return _history(replace(only, month=month))

    def mark(month: date | None, label: str) -> str:
        return f"• {label}" if only.month == month else label

    values = [(mark(m, texts.month_number(m)), choose(m)) for m in choices.items]
    return _picker(
        (mark(None, texts.btn_all_months), choose(None)),
        _in_rows(values, 3),
        only,
        before,
        HistoryView.MONTHS,
        at,
        has_more=choices.has_more,
        texts=texts,
    )


def _picker(
    everything: tuple[str, str],
    values: list[Row],
    only: EntryFilter,
    before: int | None,
    view: HistoryView,
    at: int,
    *,
    has_more: bool,
    texts: Texts,
) -> InlineKeyboardMarkup:
    turn: Row = []
    if at > 0:
        turn.append(("◀", _history(only, before=before, view=view, page=at - 1)))
    if has_more:
        turn.append(("▶", _history(only, before=before, view=view, page=at + 1)))
    back = (texts.btn_back, _history(only, before=before))
    return _markup([[everything], *values, turn, [back]])


def confirm_undo(asked: EntryCallback, until: int, texts: Texts) -> InlineKeyboardMarkup:
    """Undo's second tap, in place of the button that `asked` (and keeping where it stood:
    a /history page redraws as it was). "Yes" stands where no button stood before, so a
    double tap on the button that asked lands on "no"."""
    keep = asked.model_copy(update={"action": EntryAction.KEEP, "until": 0}).pack()
    undo = asked.model_copy(update={"action": EntryAction.UNDO, "until": until}).pack()
    return _markup([[(texts.btn_keep, keep), (texts.btn_confirm_undo(asked.entry_id), undo)]])


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
    users: list[UserView], page: ListPage, texts: Texts, *, crm_on: bool = False
) -> InlineKeyboardMarkup | None:
    """A revoke button for each role of the people on `page` of /users, for a manager (when
    amoCRM's users are known) the amoCRM user they are, and its ◀/▶."""
    buttons: Row = []
    for user in (users[index] for index in page.items):
        buttons += [
            (
                texts.revoke_button(user, role),
                RevokeCallback(user_id=user.user_id, role=role.value, page=page.number).pack(),
            )
            for role in sorted(user.roles - {Role.OWNER})
        ]
        if crm_on and Role.MANAGER in user.roles:
            link = CrmLinkCallback(user_id=user.user_id).pack()
            buttons.append((texts.btn_link_crm(user.name), link))
    rows = [*_in_rows(buttons, 1), page_turns(page, Listing.USERS, texts)]
    return _markup(rows) if any(rows) else None


# amoCRM users offered for a manager: a keyboard holds at most 100 buttons.
CRM_CHOICES = 90


def crm_link_choices(
    user_id: int, people: list[tuple[int, str]], texts: Texts
) -> InlineKeyboardMarkup:
    buttons = [
        (name[:40], CrmLinkCallback(user_id=user_id, crm=amo_id).pack())
        for amo_id, name in people[:CRM_CHOICES]
    ]
    buttons.append((texts.invite_without_crm, CrmLinkCallback(user_id=user_id, crm=0).pack()))
    return _markup(_in_rows(buttons, 2))


def confirm_revoke(
    user_id: int, role: Role, until: int, page: int, texts: Texts
) -> InlineKeyboardMarkup:
    no = RevokeCallback(user_id=user_id, role=role.value, step="no", page=page).pack()
    yes = RevokeCallback(
        user_id=user_id, role=role.value, step="yes", until=until, page=page
    ).pack()
    return _markup([[(texts.btn_keep, no), (texts.btn_confirm_revoke, yes)]])


T = TypeVar("T")
# Categories a page: 8 rows of buttons, and the archive's text stays far under 4,096.
CATEGORIES_PAGE = 16


def category_page(items: list[T], page: int) -> tuple[list[T], int, int]:
    """The items of page `page` (a page past the end shows the last), that page, how many."""
    pages = max(1, -(-len(items) // CATEGORIES_PAGE))
    page = min(max(page, 0), pages - 1)
    return items[page * CATEGORIES_PAGE : (page + 1) * CATEGORIES_PAGE], page, pages


def _category_button(action: CategoryAction, category_id: int = 0, **values: int) -> str:
    return CategoryCallback(action=action, category_id=category_id, **values).pack()


def _pages(
    action: CategoryAction, page: int, pages: int, texts: Texts, category_id: int = 0
) -> Row:
    turns: Row = []
    if page > 0:
        turns.append(
            (texts.btn_previous_page, _category_button(action, category_id, page=page - 1))
        )
    if page + 1 < pages:
        turns.append((texts.btn_next_page, _category_button(action, category_id, page=page + 1)))
    return turns


def categories_menu(
    categories: list[Category], texts: Texts, *, page: int = 0, archived: int = 0
) -> InlineKeyboardMarkup:
    """The active categories, each opening its card; adding one; the archive, if any."""
    shown, page, pages = category_page(categories, page)
    buttons = [
        (category.name, _category_button(CategoryAction.OPEN, category.id)) for category in shown
    ]
    rows = [
        *_in_rows(buttons, 2),
        _pages(CategoryAction.LIST, page, pages, texts),
        [(texts.btn_add_category, _category_button(CategoryAction.ADD))],
    ]
    if archived:
        rows.append([(texts.btn_archive(archived), _category_button(CategoryAction.ARCHIVED))])
    return _markup(rows)


def category_card(category: Category, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [(texts.btn_rename_category, _category_button(CategoryAction.RENAME, category.id))],
            [(texts.btn_archive_category, _category_button(CategoryAction.ARCHIVE, category.id))],
            [(texts.btn_merge_category, _category_button(CategoryAction.MERGE, category.id))],
            [(texts.btn_back, _category_button(CategoryAction.LIST))],
        ]
    )


def confirm_archive(category_id: int, until: int, texts: Texts) -> InlineKeyboardMarkup:
    """Archive's second tap, on the top row: «🗄 В архив» stood on the second, so a double tap
    on it lands on no button at all."""
    no = _category_button(CategoryAction.OPEN, category_id)
    yes = _category_button(CategoryAction.ARCHIVE_YES, category_id, until=until)
    return _markup([[(texts.btn_keep, no), (texts.btn_confirm_archive, yes)]])


def merge_targets(
    source: Category, categories: list[Category], texts: Texts, *, page: int = 0
) -> InlineKeyboardMarkup:
    """The active categories but `source`, to merge it into; «back» on top (see
    `confirm_merge`)."""
    others = [category for category in categories if category.id != source.id]
    shown, page, pages = category_page(others, page)
    buttons = [
        (
            category.name,
            _category_button(CategoryAction.MERGE_ASK, source.id, into=category.id),
        )
        for category in shown
    ]
    back = (texts.btn_back, _category_button(CategoryAction.OPEN, source.id))
    turns = _pages(CategoryAction.MERGE, page, pages, texts, source.id)
    return _markup([[back], *_in_rows(buttons, 2), turns])


def confirm_merge(source_id: int, into_id: int, until: int, texts: Texts) -> InlineKeyboardMarkup:
    """Merge's second tap, on the top row, where «back» stood: a double tap on the chosen
    category (below it) lands on no button at all."""
    no = _category_button(CategoryAction.OPEN, source_id)
    yes = _category_button(CategoryAction.MERGE_YES, source_id, into=into_id, until=until)
    return _markup([[(texts.btn_keep, no), (texts.btn_confirm_merge, yes)]])


def archived_categories(
    categories: list[ArchivedCategory], texts: Texts, *, page: int = 0
) -> InlineKeyboardMarkup:
    shown, page, pages = category_page(categories, page)
    buttons = [
        (texts.restore_button(category.name), _category_button(CategoryAction.RESTORE, category.id))
        for category in shown
    ]
    back = (texts.btn_back, _category_button(CategoryAction.LIST))
    return _markup(
        [*_in_rows(buttons, 2), _pages(CategoryAction.ARCHIVED, page, pages, texts), [back]]
    )


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


# -- cash -------------------------------------------------------------------------------------


def held_cash(held: list[HeldCash], page: ListPage, texts: Texts) -> InlineKeyboardMarkup | None:
    """A manager's /cash: hand over one payment of the page, or all of it, and ◀/▶."""
    rows: list[Row] = [
        [
            (
                texts.btn_hand_over_one(held[index]),
                HandOverCallback(
                    action=HandOverAction.ONE, payment_id=held[index].payment.payment_id
                ).pack(),
            )
        ]
        for index in page.items
        if held[index].handover_id is None
    ]
    if any(h.handover_id is None for h in held):
        rows.append([(texts.btn_hand_over_all, HandOverCallback(action=HandOverAction.ALL).pack())])
    rows.append(page_turns(page, Listing.CASH, texts))
    return _markup(rows) if any(rows) else None


def accept_payment_button(line: PaymentLine, texts: Texts, *, page: int = -1) -> tuple[str, str]:
    """Accept one cash payment: from page `page` of /pending, or (-1) from a link's card."""
    data = DeskCallback(
        action=DeskAction.PAYMENT, ident=page, payment_id=line.payment_id, version=line.version
    ).pack()
    return texts.btn_accept_payment(line), data


def payment_card(line: PaymentLine, texts: Texts) -> InlineKeyboardMarkup:
    return _markup([[accept_payment_button(line, texts)]])


def pending_cash(
    buttons: list[tuple[str, str] | None], page: ListPage, texts: Texts
) -> InlineKeyboardMarkup | None:
    """/pending: the buttons of the items on `page` (a manager's "accept all", a payment's
    accept), one a row, and ◀/▶."""
    rows: list[Row] = []
    for index in page.items:
        button = buttons[index]
        if button is not None:
            rows.append([button])
    rows.append(page_turns(page, Listing.PENDING, texts))
    return _markup(rows) if any(rows) else None


# A keyboard holds at most 100 buttons: beyond these, "accept all" or the amount received.
HANDOVER_BUTTONS = 20


def handover(handover: Handover, texts: Texts) -> InlineKeyboardMarkup:
    """A hand-over for the cash desk: accept all, each pending payment, "получено меньше"."""
    ident = handover.id
    rows: list[Row] = [
        [
            (
                texts.btn_accept_handover,
                DeskCallback(action=DeskAction.HANDOVER, ident=ident).pack(),
            )
        ]
    ]
    pending = [item for item in handover.items if item.status is ItemStatus.PENDING]
    for item in pending[:HANDOVER_BUTTONS]:
        if item.status is ItemStatus.PENDING:
            data = DeskCallback(
                action=DeskAction.ITEM, ident=ident, payment_id=item.payment.payment_id
            ).pack()
            rows.append([(texts.btn_accept_payment(item.payment), data)])
    rows.append([(texts.btn_accept_less, DeskCallback(action=DeskAction.LESS, ident=ident).pack())])
    return _markup(rows)


def _bank(action: BankAction, line: PaymentLine | None = None, day: date | None = None) -> str:
    return BankCallback(
        action=action,
        payment_id=line.payment_id if line else 0,
        version=line.version if line else 0,
        day=day.toordinal() if day else 0,
    ).pack()


def bank_list(
    numbered: list[tuple[int, PaymentLine]], page: ListPage, texts: Texts, *, owner: bool = False
) -> InlineKeyboardMarkup | None:
    """For each payment on `page` of /bank: "поступило" and "не поступило"; its ◀/▶; and
    for the owner, the way to undo a confirmation."""
    rows: list[Row] = [
        [
            (texts.btn_confirm_payment(number), _bank(BankAction.OPEN, line)),
            (texts.btn_not_received(number), _bank(BankAction.NOT_RECEIVED, line)),
        ]
        for number, line in numbered
    ]
    rows.append(page_turns(page, Listing.BANK, texts))
    if owner:
        rows.append([(texts.btn_undo_confirmations, _bank(BankAction.RECENT))])
    return _markup(rows) if any(rows) else None


def recent_confirmations(payment_ids: list[int], texts: Texts) -> InlineKeyboardMarkup:
    undo = [
        (texts.btn_undo_confirmation(number), UndoPaymentCallback(payment_id=payment_id).pack())
        for number, payment_id in enumerate(payment_ids, start=1)
    ]
    return _markup([*_in_rows(undo, 5), [(texts.btn_back, _bank(BankAction.BACK))]])


def confirm_payment_undo(
    payment_id: int, until: int, version: int, texts: Texts
) -> InlineKeyboardMarkup:
    """Undo's second tap: "no" where the first button stood (a double tap lands on it)."""
    yes = UndoPaymentCallback(payment_id=payment_id, step="yes", until=until, version=version)
    no = UndoPaymentCallback(payment_id=payment_id, step="no")
    return _markup([[(texts.btn_keep, no.pack()), (texts.btn_undo_yes, yes.pack())]])


def bank_dates(
    line: PaymentLine, today: date, yesterday: date, texts: Texts
) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                (texts.btn_today, _bank(BankAction.DAY, line, today)),
                (texts.btn_yesterday, _bank(BankAction.DAY, line, yesterday)),
            ],
            [(texts.btn_other_date, _bank(BankAction.OTHER_DATE, line))],
            [(texts.btn_back, _bank(BankAction.BACK))],
        ]
    )


def bank_amount(line: PaymentLine, day: date, texts: Texts) -> InlineKeyboardMarkup:
    return _markup([[(texts.btn_all_received, _bank(BankAction.ALL, line, day))]])


def outbox(
    numbered: list[tuple[int, int]], page: ListPage, texts: Texts
) -> InlineKeyboardMarkup | None:
    """A retry button for each (number, row id) on `page` of /outbox, "retry all", ◀/▶."""
    retry = [
        (texts.btn_retry(number), RetryCallback(row_id=row_id, page=page.number).pack())
        for number, row_id in numbered
    ]
    rows: list[Row] = [
        *_in_rows(retry, 5),
        [(texts.btn_retry_all, RetryCallback(row_id=0, page=page.number).pack())],
        page_turns(page, Listing.OUTBOX, texts),
    ]
    return _markup(rows)


# -- payment requests: approvals and the registry ---------------------------------------------

# A list's page: one button a request, five a row, under Telegram's hundred by far.
REQUESTS_PER_PAGE = 10


def _request(action: RequestAction, request: RequestView, value: int = 0) -> str:
    return RequestCallback(
        action=action, request_id=request.id, version=request.version, value=value
    ).pack()


def desk_card(
    card: RequestCard, abilities: Abilities, texts: Texts, *, orders: int = 5
) -> InlineKeyboardMarkup:
    """What the viewer may do now: decide (an approver of its step), pay (the accountant, the
    owner), fix and send again (its requester, when it came back for rework: the requester's
    own form), get the invoice and the payment orders back, comment (anyone who sees it). The
    latest `orders` payment orders each get a button."""
    request = card.request
    rows: list[Row] = []
    if abilities.edit:
        label = (
            texts.btn_mine_edit if request.status is RequestStatus.RETURNED else texts.btn_mine_fill
        )
        edit = MineCallback(
            action=MineAction.EDIT, request_id=request.id, version=request.version
        ).pack()
        rows.append([(label, edit)])
    if abilities.decide:
        rows.append(
            [
                (texts.btn_desk_approve, _request(RequestAction.APPROVE, request)),
                (texts.btn_desk_reject, _request(RequestAction.REJECT, request)),
            ]
        )
        rows.append([(texts.btn_desk_return, _request(RequestAction.RETURN, request))])
    first: Row = []
    if abilities.pay:
        first.append((texts.btn_desk_pay, _request(RequestAction.PAY, request)))
    if request.invoice is not None:
        first.append((texts.btn_desk_invoice, _request(RequestAction.INVOICE, request)))
    rows.append(first)
    numbered = [
        (number, payment)
        for number, payment in enumerate(card.payments, start=1)
        if payment.order is not None
    ][-orders:]
    rows += _in_rows(
        [
            (texts.btn_desk_order(number), _request(RequestAction.ORDER, request, payment.id))
            for number, payment in numbered
        ],
        3,
    )
    rows.append([(texts.btn_desk_comment, _request(RequestAction.COMMENT, request))])
    return _markup(rows)


def desk_back(request: RequestView, texts: Texts) -> InlineKeyboardMarkup:
    return _markup([[(texts.btn_desk_back, _request(RequestAction.BACK, request))]])


def desk_pay_dates(
    request: RequestView, today: date, yesterday: date, texts: Texts
) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                (texts.btn_today, _request(RequestAction.DAY, request, today.toordinal())),
                (texts.btn_yesterday, _request(RequestAction.DAY, request, yesterday.toordinal())),
            ],
            [(texts.btn_other_date, _request(RequestAction.OTHER_DATE, request))],
            [(texts.btn_desk_back, _request(RequestAction.BACK, request))],
        ]
    )


def desk_pay_rest(
    request: RequestView, rest: Money, day: date, texts: Texts
) -> InlineKeyboardMarkup:
    return _markup(
        [
            [(texts.btn_desk_rest(rest), _request(RequestAction.REST, request, day.toordinal()))],
            [(texts.btn_desk_back, _request(RequestAction.BACK, request))],
        ]
    )


def desk_pay_order(request: RequestView, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [(texts.btn_desk_no_order, _request(RequestAction.NO_ORDER, request))],
            [(texts.btn_desk_back, _request(RequestAction.BACK, request))],
        ]
    )


def registry_summary(
    buckets: list[BucketSummary], statuses: list[StatusSummary], texts: Texts
) -> InlineKeyboardMarkup:
    def listing(view: RegistryView, key: str) -> str:
        return RegistryCallback(view=view, key=key).pack()

    due = [
        (texts.btn_registry_bucket(b.bucket, b.count), listing(RegistryView.BUCKET, b.bucket))
        for b in buckets
    ]
    by_status = [
        (texts.btn_registry_status(s.status, s.count), listing(RegistryView.STATUS, s.status))
        for s in statuses
    ]
    orders = [(texts.btn_orders, OrdersCallback(action=OrdersAction.LIST).pack())]
    return _markup([*_in_rows(due, 2), *_in_rows(by_status, 2), orders])


def request_list(
    page: RegistryPage, view: RegistryView, key: str, texts: Texts
) -> InlineKeyboardMarkup | None:
    """A button for each request on the page (by its number on the list), ◀/▶, and back to
    the registry's menu for the registry's lists."""
    first = page.page * page.per_page + 1
    opening = [
        (
            texts.btn_registry_open(number),
            RequestCallback(
                action=RequestAction.OPEN, request_id=request.id, version=request.version
            ).pack(),
        )
        for number, request in enumerate(page.rows, start=first)
    ]
    turns: Row = []
    if page.has_previous:
        back = RegistryCallback(view=view, key=key, page=page.page - 1).pack()
        turns.append((texts.btn_page_previous(page.page), back))
    if page.has_next:
        on = RegistryCallback(view=view, key=key, page=page.page + 1).pack()
        turns.append((texts.btn_page_next(page.page + 2), on))
    rows = [*_in_rows(opening, 5), turns]
    if view is not RegistryView.TO_APPROVE:
        rows.append([(texts.btn_registry_back, RegistryCallback(view=RegistryView.SUMMARY).pack())])
    return _markup(rows) if any(rows) else None
