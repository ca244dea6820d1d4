"""The requester's /requests: their requests with status, in pages, each opening its card
(read-only once sent) with the comment thread and the history; a draft or a request returned
for rework opens in the form again, to be fixed and sent once more; «💬 Комментарий» adds
to the thread; a request not yet decided can be withdrawn (two taps).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import request_keyboards as keyboards
from bot.callbacks import MineAction, MineCallback
from bot.paging import PAGE_LIMIT, clip, paginate
from bot.texts import Texts
from handlers.replies import replace_card
from handlers.request_form_card import FILING, Desk, Form, next_question, part_value, show
from ledger.errors import RequestRefused, TextTooLong
from ledger.requests.filing import FORM_ORDER
from ledger.requests.service import RequestService
from ledger.requests.views import RequestCard

PER_PAGE = 10  # requests on a page of /requests: a button each
THREAD_PER_PAGE = 10  # comments or history lines on a page


class MineInput(StatesGroup):
    comment = State()  # a comment on request `request_id` is being typed


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


async def _listing(
    requests: RequestService, desk_actor: Any, page: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    listing = await requests.mine(desk_actor, page=max(page, 0), per_page=PER_PAGE)
    if listing.total and not listing.rows and listing.page > 0:  # the list shrank: the last
        listing = await requests.mine(desk_actor, page=listing.pages - 1, per_page=PER_PAGE)
    if not listing.total:
        return texts.mine_empty, None
    lines = [
        texts.mine_line(view.id, view.status.value, view.what_for, view.amount, view.pay_by)
        for view in listing.rows
    ]
    footer = texts.page_of(listing.page + 1, listing.pages) if listing.pages > 1 else None
    # Ten lines of bounded fields: the pager only guards Telegram's limit.
    text = paginate(lines, 0, title=texts.mine_title, footer=texts.page_of, separator="\n").text
    if footer:
        text += "\n" + footer
    return clip(text, PAGE_LIMIT), keyboards.mine(listing, texts)


async def show_mine(message: Message, **data: Any) -> None:
    desk = Desk.of(message, data)
    text, markup = await _listing(desk.requests, desk.actor, 0, desk.texts)
    await message.answer(text, reply_markup=markup)


async def _card(desk: Desk, card: RequestCard, tz: tzinfo) -> str:
    texts, view = desk.texts, card.request
    form = Form(request_id=view.id)
    lines = [texts.mine_card_title(view.id, view.status.value)]
    lines += [
        texts.form_line(part, part_value(part, view, form, texts), required=False)
        for part in FORM_ORDER
    ]
    if view.status.value == "submitted" and view.steps > 1:
        lines.append(texts.mine_step(view.step, view.steps))
    lines += [
        texts.mine_approval(a.decision.value, a.approver, _when(a.at, tz), a.reason)
        for a in card.approvals
    ]
    if view.amount is not None and not view.paid.is_zero:
        lines.append(texts.mine_paid(view.paid, view.amount))
    lines.append(texts.mine_comments_count(card.comments))
    return clip("\n".join(lines), PAGE_LIMIT)


async def mine_button(
    query: CallbackQuery, callback_data: MineCallback, tz: tzinfo, **data: Any
) -> None:
    desk = Desk.of(query, data)
    texts, cb = desk.texts, callback_data
    match cb.action:
        case MineAction.PAGE:
            text, markup = await _listing(desk.requests, desk.actor, cb.page, texts)
            await query.answer()
            await replace_card(query, text, markup)
        case MineAction.OPEN:
            card = await desk.requests.card(desk.actor, cb.request_id)
            await query.answer()
            markup = keyboards.mine_card(card.request, card.comments, cb.page, texts)
            await replace_card(query, await _card(desk, card, tz), markup)
        case MineAction.COMMENTS:
            comments = await desk.requests.comments(desk.actor, cb.request_id)
            items = [texts.mine_comment(c.by_name, _when(c.at, tz), c.text) for c in comments]
            await _thread(query, cb, items, texts.mine_comments_title(cb.request_id), texts)
        case MineAction.HISTORY:
            lines = await desk.requests.history(desk.actor, cb.request_id)
            items = [
                texts.mine_history_line(
                    _when(h.at, tz), h.by_name, h.action, h.field, h.old, h.new, h.note
                )
                for h in lines
            ]
            await _thread(query, cb, items, texts.mine_history_title(cb.request_id), texts)
        case MineAction.COMMENT:
            await desk.requests.get(desk.actor, cb.request_id)  # one they may see
            await desk.state.set_state(MineInput.comment)
            await desk.state.set_data({"request_id": cb.request_id})
            await query.answer()
            await desk.bot.send_message(desk.chat_id, texts.mine_ask_comment)
        case MineAction.EDIT:
            view = await desk.filing.editable(desk.actor, cb.request_id, cb.version)
            await query.answer()
            form = Form(request_id=view.id)
            form.asked = next_question(view, form, None)
            await show(desk, view, form, new=True)
        case MineAction.CANCEL:
            view = await desk.requests.get(desk.actor, cb.request_id)
            await query.answer()
            await replace_card(
                query, texts.mine_cancel_question, keyboards.mine_cancel(view, cb.page, texts)
            )
        case MineAction.CANCEL_YES:
            view = await desk.requests.cancel(desk.actor, cb.request_id, version=cb.version)
            await query.answer()
            await replace_card(
                query, texts.mine_cancelled(view.id), keyboards.mine_back(view.id, texts)
            )


async def _thread(
    query: CallbackQuery, cb: MineCallback, items: list[str], title: str, texts: Texts
) -> None:
    if not items:
        items = [texts.mine_comments_empty]
    page = paginate(
        items,
        cb.page,
        title=title,
        footer=texts.page_of,
        separator="\n\n",
        max_items=THREAD_PER_PAGE,
    )
    await query.answer()
    markup = keyboards.mine_pages(cb.action, cb.request_id, page.number, page.count, texts)
    await replace_card(query, page.text, markup)


async def typed_comment(message: Message, **data: Any) -> None:
    desk = Desk.of(message, data)
    state = desk.state
    request_id = int((await state.get_data())["request_id"])
    try:
        await desk.requests.comment(desk.actor, request_id, message.text or "")
    except RequestRefused as error:
        if error.reason == "too_long" and isinstance(error.limit, int):
            await message.answer(desk.texts.text_too_long(error.limit))
            return
        await state.clear()
        raise
    except TextTooLong as error:
        await message.answer(desk.texts.text_too_long(error.limit))
        return
    await state.clear()
    await message.answer(
        desk.texts.mine_comment_added(request_id),
        reply_markup=keyboards.mine_back(request_id, desk.texts),
    )


async def comment_not_text(message: Message, texts: Texts) -> None:
    await message.answer(texts.bank_comment_not_text)


async def cancel_comment(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await message.answer(texts.input_cancelled)


def create_router() -> Router:
    router = Router(name="my_requests")
    router.message.register(show_mine, Command("requests"), flags=FILING)
    router.callback_query.register(mine_button, MineCallback.filter(), flags=FILING)
    router.message.register(cancel_comment, Command("cancel"), MineInput.comment, flags=FILING)
    router.message.register(
        typed_comment, MineInput.comment, F.text & ~F.text.startswith("/"), flags=FILING
    )
    router.message.register(comment_not_text, MineInput.comment, flags=FILING)
    return router
