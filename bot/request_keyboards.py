"""Keyboards of the requester's side of payment requests: the form card, an invoice's reading,
/requests and a request's card there, the owner's /reqlinks. Labels come from texts; data
from the callback factories, each naming the request as it was shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    FilingLinkAction,
    FilingLinkCallback,
    FormAction,
    FormCallback,
    MineAction,
    MineCallback,
    pick_code,
)
from bot.paging import ListPage
from bot.texts import Texts
from ledger.categories import Category
from ledger.contracts import DealRef
from ledger.requests.filing import FORM_ORDER
from ledger.requests.links import FilingLink
from ledger.requests.offer import VALUES, InvoiceOffer, vat_included
from ledger.requests.states import CANCELLABLE, EDITABLE, RequestStatus
from ledger.requests.views import RegistryPage, RequestView

Row = list[tuple[str, str]]
VAT_RATES = (22, 20, 10)  # the rates offered with a tap: today's standard, the former, reduced
PAY_BY_DAYS = (0, 1, 3, 7)  # today, tomorrow, in three days, in a week
MAX_CHOICES = 40  # categories or deals offered as buttons on the card


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


def _form(view: RequestView, action: FormAction, value: int = 0) -> str:
    return FormCallback(request_id=view.id, version=view.version, action=action, value=value).pack()


# -- the form ---------------------------------------------------------------------------------


def form(
    view: RequestView,
    asked: str | None,
    texts: Texts,
    *,
    today: date,
    known: bool = False,
    manager: bool = False,
    categories: Sequence[Category] = (),
    deals: Sequence[DealRef] = (),
) -> InlineKeyboardMarkup:
    """The form card's buttons: quick answers to the question asked and «Пропустить», a
    button to (re)fill each part, «Отправить на согласование»."""
    rows = _quick(view, asked, texts, today, known, manager, categories, deals)
    if asked is not None:
        rows.append([(texts.btn_form_skip, _form(view, FormAction.SKIP))])
    edits = [
        (texts.btn_form_edit(part), _form(view, FormAction.ASK, index))
        for index, part in enumerate(FORM_ORDER)
    ]
    rows += _in_rows(edits, 2)
    rows.append([(texts.btn_form_submit, _form(view, FormAction.SUBMIT))])
    rows.append([(texts.btn_form_close, _form(view, FormAction.CLOSE))])
    return _markup(rows)


def _quick(
    view: RequestView,
    asked: str | None,
    texts: Texts,
    today: date,
    known: bool,
    manager: bool,
    categories: Sequence[Category],
    deals: Sequence[DealRef],
) -> list[Row]:
    match asked:
        case "name" if known:
            return [[(texts.btn_form_known, _form(view, FormAction.KNOWN))]]
        case "kpp":
            return [[(texts.btn_form_no_kpp, _form(view, FormAction.NO_KPP))]]
        case "pay_by":
            days = [today + timedelta(days=n) for n in PAY_BY_DAYS]
            buttons = [
                (texts.btn_form_date(day, today), _form(view, FormAction.DATE, day.toordinal()))
                for day in days
            ]
            return _in_rows(buttons, 4)
        case "vat":
            buttons = [(texts.btn_form_without_vat, _form(view, FormAction.VAT, 0))]
            if view.amount is not None:
                buttons += [
                    (
                        texts.btn_form_vat_rate(rate, vat_included(view.amount, rate)),
                        _form(view, FormAction.VAT, rate),
                    )
                    for rate in VAT_RATES
                ]
            return _in_rows(buttons, 2)
        case "deal_or_category":
            buttons = [
                (texts.btn_form_categories, _form(view, FormAction.CHOOSE, 1)),
                (texts.btn_form_contract, _form(view, FormAction.CHOOSE, 2)),
            ]
            if manager:
                buttons.append((texts.btn_form_my_deals, _form(view, FormAction.CHOOSE, 3)))
            return [[button] for button in buttons]
        case "category":
            picks = [
                (category.name, _form(view, FormAction.CATEGORY, category.id))
                for category in categories[:MAX_CHOICES]
            ]
            return _in_rows(picks, 2)
        case "deal":
            picks = [
                (
                    texts.btn_form_deal(deal.name, deal.contract),
                    _form(view, FormAction.DEAL, deal.id),
                )
                for deal in deals[:MAX_CHOICES]
            ]
            return [[pick] for pick in picks]
    return []


# -- an invoice's reading ---------------------------------------------------------------------


def invoice(
    view: RequestView, offer: InvoiceOffer, labels: dict[str, list[str]], texts: Texts
) -> InlineKeyboardMarkup:
    """A conflict's choices (`labels`: each value's choices as shown), «Всё верно» once none
    is left, and a button to fill one part by hand instead."""
    rows: list[Row] = []
    for name in offer.conflicts:
        value_index = VALUES.index(name)
        rows += _in_rows(
            [
                (label, _form(view, FormAction.PICK, pick_code(value_index, choice)))
                for choice, label in enumerate(labels.get(name, []))
            ],
            2,
        )
    if not offer.conflicts:
        rows.append([(texts.btn_form_all_right, _form(view, FormAction.CONFIRM))])
    fixes = [
        (texts.btn_form_edit(part), _form(view, FormAction.FIX, FORM_ORDER.index(part)))
        for part in offer.parts()
    ]
    rows += _in_rows(fixes, 2)
    rows.append([(texts.btn_form_close, _form(view, FormAction.CLOSE))])
    return _markup(rows)


def open_draft(draft: RequestView, texts: Texts) -> InlineKeyboardMarkup:
    """/request with a draft already begun: go on with it, or start anew."""
    return _markup(
        [
            [(texts.btn_form_continue, _form(draft, FormAction.RESUME))],
            [(texts.btn_form_new, _form(draft, FormAction.NEW))],
        ]
    )


# -- the requester's /requests ----------------------------------------------------------------


def _mine(action: MineAction, request_id: int = 0, page: int = 0, version: int = 0) -> str:
    return MineCallback(action=action, request_id=request_id, page=page, version=version).pack()


def _turns(texts: Texts, action: MineAction, request_id: int, page: int, pages: int) -> Row:
    row: Row = []
    if page > 0:
        row.append((texts.btn_page_previous(page), _mine(action, request_id, page - 1)))
    if page + 1 < pages:
        row.append((texts.btn_page_next(page + 2), _mine(action, request_id, page + 1)))
    return row


def mine(listing: RegistryPage, texts: Texts) -> InlineKeyboardMarkup | None:
    opens = [
        (texts.btn_mine_open(view.id), _mine(MineAction.OPEN, view.id, listing.page))
        for view in listing.rows
    ]
    rows = _in_rows(opens, 5)
    rows.append(_turns(texts, MineAction.PAGE, 0, listing.page, listing.pages))
    return _markup(rows) if any(rows) else None


def mine_card(view: RequestView, comments: int, page: int, texts: Texts) -> InlineKeyboardMarkup:
    rows: list[Row] = [
        [
            (
                f"{texts.btn_mine_comments} ({comments})",
                _mine(MineAction.COMMENTS, view.id, 0),
            ),
            (texts.btn_mine_history, _mine(MineAction.HISTORY, view.id, 0)),
        ],
        [(texts.btn_comment, _mine(MineAction.COMMENT, view.id))],
    ]
    if view.status in EDITABLE:
        label = (
            texts.btn_mine_edit if view.status is RequestStatus.RETURNED else texts.btn_mine_fill
        )
        rows.append([(label, _mine(MineAction.EDIT, view.id, version=view.version))])
    if view.status in CANCELLABLE:
        rows.append([(texts.btn_mine_cancel, _mine(MineAction.CANCEL, view.id, page))])
    rows.append([(texts.btn_mine_list, _mine(MineAction.PAGE, 0, page))])
    return _markup(rows)


def mine_cancel(view: RequestView, page: int, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                (texts.btn_keep, _mine(MineAction.OPEN, view.id, page)),
                (
                    texts.btn_mine_cancel_yes,
                    _mine(MineAction.CANCEL_YES, view.id, page, view.version),
                ),
            ]
        ]
    )


def mine_pages(
    action: MineAction, request_id: int, page: int, pages: int, texts: Texts
) -> InlineKeyboardMarkup:
    """Under a request's comments or history: ◀ ▶ and back to its card."""
    return _markup(
        [
            _turns(texts, action, request_id, page, pages),
            [(texts.btn_mine_back, _mine(MineAction.OPEN, request_id))],
        ]
    )


def mine_back(request_id: int, texts: Texts) -> InlineKeyboardMarkup:
    return _markup([[(texts.btn_mine_back, _mine(MineAction.OPEN, request_id))]])


# -- the owner's /reqlinks --------------------------------------------------------------------


def _link(action: FilingLinkAction, ident: int = 0) -> str:
    return FilingLinkCallback(action=action, ident=ident).pack()


def filing_links(
    shown: Sequence[tuple[int, FilingLink]], page: ListPage, texts: Texts
) -> InlineKeyboardMarkup:
    """«➕ Новая ссылка», a revoke button for each link on the page (by its number in the
    list), and ◀ ▶."""
    revokes = [
        (texts.btn_filing_link_revoke(number), _link(FilingLinkAction.REVOKE, link.id))
        for number, link in shown
    ]
    turns: Row = []
    if page.has_previous:
        turns.append(
            (texts.btn_page_previous(page.number), _link(FilingLinkAction.LIST, page.number - 1))
        )
    if page.has_next:
        turns.append(
            (texts.btn_page_next(page.number + 2), _link(FilingLinkAction.LIST, page.number + 1))
        )
    rows = [[(texts.btn_filing_link_new, _link(FilingLinkAction.NEW))], *_in_rows(revokes, 3)]
    rows.append(turns)
    return _markup(rows)


def filing_link_categories(categories: Sequence[Category], texts: Texts) -> InlineKeyboardMarkup:
    picks = [
        (category.name, _link(FilingLinkAction.CATEGORY, category.id))
        for category in categories[:MAX_CHOICES]
    ]
    rows = _in_rows(picks, 2)
    rows.append([(texts.btn_filing_link_no_category, _link(FilingLinkAction.CATEGORY, 0))])
    return _markup(rows)


def filing_link_revoke(link_id: int, texts: Texts) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                (texts.btn_keep, _link(FilingLinkAction.LIST)),
                (texts.btn_filing_link_revoke_yes, _link(FilingLinkAction.REVOKE_YES, link_id)),
            ]
        ]
    )
