"""Keyboards of bank statements and payment orders: an import's result, a line to review and
the ways to assign it, the questions of a table's columns, the requests picked for the bank.
Labels come from texts; data from the callback factories, a line's naming it as it was shown."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    MappingCallback,
    OrdersAction,
    OrdersCallback,
    RegistryCallback,
    RegistryView,
    StatementAction,
    StatementCallback,
)
from bot.texts import Texts
from ledger.bank_orders import SendablePage
from ledger.categories import Category
from ledger.statement_imports import Candidate, LineState, LineView
from ledger.statements import Direction

Row = list[tuple[str, str]]
CATEGORIES_PER_PAGE = 10


def _markup(rows: list[Row]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
            if row
        ]
    )


def _in_rows(buttons: Row, width: int) -> list[Row]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# -- an import's result ------------------------------------------------------------------------


def result(scope: int, sure: int, to_review: int, texts: Texts) -> InlineKeyboardMarkup | None:
    """«Принять верные» and «Разобрать» for import `scope` (0: every import)."""
    rows: list[Row] = []
    if sure:
        data = StatementCallback(action=StatementAction.ACCEPT_SURE, scope=scope).pack()
        rows.append([(texts.btn_statement_accept_sure(sure), data)])
    if to_review:
        data = StatementCallback(action=StatementAction.REVIEW, scope=scope).pack()
        rows.append([(texts.btn_statement_review(to_review), data)])
    return _markup(rows) if rows else None


def summary(scope: int, texts: Texts) -> InlineKeyboardMarkup:
    data = StatementCallback(action=StatementAction.SUMMARY, scope=scope).pack()
    return _markup([[(texts.btn_statement_summary, data)]])


# -- a line to review --------------------------------------------------------------------------


def _line(line: LineView, scope: int, page: int, action: StatementAction, value: int = 0) -> str:
    return StatementCallback(
        action=action, ident=line.id, version=line.version, scope=scope, page=page, value=value
    ).pack()


def _summary_button(scope: int, texts: Texts) -> tuple[str, str]:
    return texts.btn_statement_summary, StatementCallback(
        action=StatementAction.SUMMARY, scope=scope
    ).pack()


def line_card(line: LineView, scope: int, page: int, texts: Texts) -> InlineKeyboardMarkup:
    def button(label: str, action: StatementAction) -> tuple[str, str]:
        return label, _line(line, scope, page, action)

    A = StatementAction
    next_one = button(texts.btn_statement_next, A.NEXT)
    if line.state is LineState.ASKED:
        rows = [
            [button(texts.btn_statement_keep, A.KEEP)],
            [button(texts.btn_statement_repeat, A.IGNORE)],
            [next_one, _summary_button(scope, texts)],
        ]
    elif line.state is LineState.PROPOSED and line.proposal is not None:
        rows = [
            [
                button(texts.btn_statement_accept, A.ACCEPT),
                button(texts.btn_statement_other, A.OTHER),
            ],
            [
                button(texts.btn_statement_hand, A.HAND),
                button(texts.btn_statement_ignore, A.IGNORE),
            ],
            [next_one, _summary_button(scope, texts)],
        ]
    else:
        rows = [
            [
                button(texts.btn_statement_candidates, A.OTHER),
                button(texts.btn_statement_hand, A.HAND),
            ],
            [button(texts.btn_statement_ignore, A.IGNORE), next_one],
            [_summary_button(scope, texts)],
        ]
    return _markup(rows)


def _back_to_card(line: LineView, scope: int, page: int, texts: Texts) -> Row:
    return [(texts.btn_statement_card, _line(line, scope, page, StatementAction.CARD))]


def candidates(
    line: LineView, found: Sequence[Candidate], scope: int, page: int, texts: Texts
) -> InlineKeyboardMarkup:
    picks = [
        (texts.btn_statement_pick(n), _line(line, scope, page, StatementAction.PICK, c.target.id))
        for n, c in enumerate(found, start=1)
    ]
    hand = (texts.btn_statement_hand, _line(line, scope, page, StatementAction.HAND))
    return _markup([*_in_rows(picks, 4), [hand], _back_to_card(line, scope, page, texts)])


def hand(line: LineView, scope: int, page: int, texts: Texts) -> InlineKeyboardMarkup:
    A = StatementAction
    if line.direction is Direction.IN:
        named = (texts.btn_statement_contract, _line(line, scope, page, A.CONTRACT))
        company = (texts.btn_statement_income, _line(line, scope, page, A.CATEGORIES))
    else:
        named = (texts.btn_statement_request, _line(line, scope, page, A.REQUEST))
        company = (texts.btn_statement_expense, _line(line, scope, page, A.CATEGORIES))
    return _markup([[named], [company], _back_to_card(line, scope, page, texts)])


def back_to_card(line: LineView, scope: int, page: int, texts: Texts) -> InlineKeyboardMarkup:
    return _markup([_back_to_card(line, scope, page, texts)])


def this_request(
    line: LineView, request_id: int, scope: int, page: int, texts: Texts
) -> InlineKeyboardMarkup:
    pick = (
        texts.btn_statement_this_request,
        _line(line, scope, page, StatementAction.PICK, request_id),
    )
    return _markup([[pick], _back_to_card(line, scope, page, texts)])


def categories(
    line: LineView, found: Sequence[Category], number: int, scope: int, page: int, texts: Texts
) -> InlineKeyboardMarkup:
    A = StatementAction
    start = number * CATEGORIES_PER_PAGE
    shown = found[start : start + CATEGORIES_PER_PAGE]
    picks = [(c.name[:40], _line(line, scope, page, A.CATEGORY, c.id)) for c in shown]
    turns: Row = []
    if number > 0:
        turns.append(
            (texts.btn_page_previous(number), _line(line, scope, page, A.CATEGORIES, number - 1))
        )
    if start + CATEGORIES_PER_PAGE < len(found):
        turns.append(
            (texts.btn_page_next(number + 2), _line(line, scope, page, A.CATEGORIES, number + 1))
        )
    return _markup([*_in_rows(picks, 2), turns, _back_to_card(line, scope, page, texts)])


# -- a table's columns -------------------------------------------------------------------------


def mapping_question(
    step: str,
    titles: Sequence[str],
    taken: Sequence[int],
    check: str,
    *,
    optional: bool,
    texts: Texts,
) -> InlineKeyboardMarkup:
    if step == "money":
        rows = [
            [(texts.btn_mapping_signed, MappingCallback(step=step, column=0, check=check).pack())],
            [(texts.btn_mapping_two, MappingCallback(step=step, column=1, check=check).pack())],
        ]
    else:
        columns = [
            (
                texts.btn_mapping_column(index + 1, title[:24]),
                MappingCallback(step=step, column=index, check=check).pack(),
            )
            for index, title in enumerate(titles)
            if index not in taken
        ]
        rows = _in_rows(columns, 2)
        if optional:
            none = MappingCallback(step=step, column=-1, check=check).pack()
            rows.append([(texts.btn_mapping_none, none)])
    rows.append([(texts.btn_cancel, MappingCallback(step="cancel", check=check).pack())])
    return _markup(rows)


def mapping_confirm(check: str, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [(texts.btn_mapping_import, MappingCallback(step="ok", check=check).pack())],
            [(texts.btn_mapping_redo, MappingCallback(step="redo", check=check).pack())],
            [(texts.btn_cancel, MappingCallback(step="cancel", check=check).pack())],
        ]
    )


# -- payment orders out ------------------------------------------------------------------------


def orders(page: SendablePage, picked: Sequence[int], texts: Texts) -> InlineKeyboardMarkup:
    first = page.page * page.per_page + 1
    toggles = [
        (
            texts.btn_orders_toggle(number, row.request_id in picked),
            OrdersCallback(action=OrdersAction.TOGGLE, ident=row.request_id, page=page.page).pack(),
        )
        for number, row in enumerate(page.rows, start=first)
    ]
    turns: Row = []
    if page.page > 0:
        back = OrdersCallback(action=OrdersAction.LIST, page=page.page - 1).pack()
        turns.append((texts.btn_page_previous(page.page), back))
    if page.page + 1 < page.pages:
        on = OrdersCallback(action=OrdersAction.LIST, page=page.page + 1).pack()
        turns.append((texts.btn_page_next(page.page + 2), on))
    rows = [*_in_rows(toggles, 4), turns]
    if picked:
        make = OrdersCallback(action=OrdersAction.MAKE, page=page.page).pack()
        clear = OrdersCallback(action=OrdersAction.CLEAR, page=page.page).pack()
        rows.append([(texts.btn_orders_make(len(picked)), make)])
        rows.append([(texts.btn_orders_clear, clear)])
    if page.due_today:
        today = OrdersCallback(action=OrdersAction.TODAY).pack()
        rows.append([(texts.btn_orders_today(page.due_today), today)])
    rows.append([to_registry(texts)])
    return _markup(rows)


def to_registry(texts: Texts) -> tuple[str, str]:
    return texts.btn_registry_back, RegistryCallback(view=RegistryView.SUMMARY).pack()


def after_orders(texts: Texts) -> InlineKeyboardMarkup:
    more = OrdersCallback(action=OrdersAction.LIST).pack()
    return _markup([[(texts.btn_orders, more)], [to_registry(texts)]])
