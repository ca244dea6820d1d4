"""The owner's entries: "1500 такси" → a draft card → one tap to save → undo if needed;
"+50000 оплата" is income, "такси 350, кофе 180" one card of two items."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from functools import partial
from typing import cast

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot import keyboards
from bot.callbacks import BatchAction, BatchCallback, DraftAction, DraftCallback, EntryCallback
from bot.texts import Texts
from handlers.access import OWNER_ONLY, HasRole
from handlers.errors import answer_error
from handlers.history import redraw_list
from handlers.prompts import cancel_input
from handlers.replies import replace_card, replace_markup
from ledger.amounts import AmountError
from ledger.attachments import HEAD_BYTES, ReceiptKind, check_receipt, check_receipt_size
from ledger.categories import CategoryService
from ledger.dates import DateError
from ledger.entries import EntryBook
from ledger.errors import (
    AlreadyReversed,
    AttachmentRefused,
    CannotReverse,
    NotYours,
    StaleDraft,
    TextTooLong,
)
from ledger.expenses import Batch, Draft, ExpenseService
from ledger.journal import EntryKind
from ledger.roles import Actor, Role


class ExpenseInput(StatesGroup):
    date = State()
    comment = State()
    receipt_line = State()  # a receipt came alone: the expense it belongs to
    amount = State()


async def _send_card(message: Message, card: Draft | Batch, texts: Texts) -> None:
    if isinstance(card, Batch):
        await message.answer(texts.batch_card(card), reply_markup=keyboards.batch_card(card, texts))
    else:
        await message.answer(texts.draft_card(card), reply_markup=keyboards.draft_card(card, texts))


def _source(message: Message) -> str:
    """The message's key: message ids count per chat, and a chat is per bot."""
    bot_id = message.bot.id if message.bot is not None else 0
    return f"{bot_id}:{message.chat.id}:{message.message_id}"


# -- starting a draft ---------------------------------------------------------------------


async def expense_command(
    message: Message, command: CommandObject, actor: Actor, expenses: ExpenseService, texts: Texts
) -> None:
    draft = await expenses.start_draft(actor, command.args or "", source_message=_source(message))
    await _send_card(message, draft, texts)


async def income_command(
    message: Message, command: CommandObject, actor: Actor, expenses: ExpenseService, texts: Texts
) -> None:
    if not (command.args or "").strip():
        await message.answer(texts.income_help)
        return
    card = await expenses.start_draft(
        actor, command.args or "", kind=EntryKind.INCOME, source_message=_source(message)
    )
    await _send_card(message, card, texts)


async def expense_receipt_photo(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    bot: Bot,
) -> None:
    photo = message.photo[-1]
    await _check_receipt_file(bot, photo.file_id, photo.file_size)
    await _receipt(message, state, actor, expenses, texts, photo.file_id, ReceiptKind.PHOTO)


async def expense_receipt_document(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    bot: Bot,
) -> None:
    document = message.document
    await _check_receipt_file(bot, document.file_id, document.file_size)
    await _receipt(message, state, actor, expenses, texts, document.file_id, ReceiptKind.DOCUMENT)


async def _check_receipt_file(bot: Bot, file_id: str, size: int | None) -> None:
    """The file itself, downloaded, says whether it is a receipt: not the type its sender's
    client declared. AttachmentRefused if not, or if it is too large."""
    check_receipt_size(size)  # too large for Telegram to hand over: not worth asking
    content = await bot.download(file_id, destination=io.BytesIO())
    data = content.getvalue() if isinstance(content, io.BytesIO) else b""
    check_receipt(data[:HEAD_BYTES], len(data))


async def _receipt(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    file_id: str,
    kind: ReceiptKind,
) -> None:
    """With a caption, the receipt's expense; alone, it joins the open draft, or waits for
    the line it belongs to. Never dropped."""
    if message.caption:
        draft = await expenses.start_draft(
            actor,
            message.caption,
            receipt_file_id=file_id,
            receipt_kind=kind,
            source_message=_source(message),
        )
    elif (draft := await expenses.attach_receipt(actor, file_id, kind)) is None:
        await state.set_state(ExpenseInput.receipt_line)
        await state.set_data({"receipt_file_id": file_id, "receipt_kind": kind.value})
        await message.answer(texts.ask_receipt_line)
        return
    await _send_card(message, draft, texts)


async def typed_receipt_line(
    message: Message, state: FSMContext, actor: Actor, expenses: ExpenseService, texts: Texts
) -> None:
    data = await state.get_data()
    # A receipt waiting since before kinds were kept has none: sent back, both are tried.
    kind = data.get("receipt_kind")
    draft = await expenses.start_draft(
        actor,
        message.text or "",
        receipt_file_id=data["receipt_file_id"],
        receipt_kind=ReceiptKind(kind) if kind else None,
        source_message=_source(message),
    )
    await state.clear()
    await _send_card(message, draft, texts)


# -- typed input the card asked for (registered before the plain-text expense) ------------


async def typed_date(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    bot: Bot,
) -> None:
    async def change(draft_id: int, text: str) -> Draft:
        return await expenses.set_date(actor, draft_id, None, text)

    await _typed(message, state, change, texts, bot)


async def typed_amount(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    bot: Bot,
) -> None:
    await _typed(message, state, partial(expenses.set_amount, actor), texts, bot)


async def typed_comment(
    message: Message,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
    bot: Bot,
) -> None:
    await _typed(message, state, partial(expenses.set_comment, actor), texts, bot)


async def _typed(
    message: Message,
    state: FSMContext,
    change: Callable[[int, str], Awaitable[Draft]],
    texts: Texts,
    bot: Bot,
) -> None:
    """The text the card asked for, applied to its draft; the card is drawn again below."""
    asked = await state.get_data()
    try:
        draft = await change(asked["draft_id"], message.text or "")
    except StaleDraft:
        await state.clear()  # the draft moved on: nothing is waiting any more
        raise
    await _after_typed_input(message, state, bot, asked, draft, texts)


async def _after_typed_input(
    message: Message, state: FSMContext, bot: Bot, data: dict, draft: Draft, texts: Texts
) -> None:
    # The old card scrolled away; its buttons would act on an outdated revision anyway.
    if data.get("card_message_id"):
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=data["card_message_id"], reply_markup=None
            )
    await _send_card(message, draft, texts)
    # Only now: had the process died before the card went out, the redelivered text must
    # still reach this input (and be answered), not be read as a new expense.
    await state.clear()


async def expense_text(
    message: Message, actor: Actor, expenses: ExpenseService, texts: Texts
) -> None:
    draft = await expenses.start_draft(actor, message.text or "", source_message=_source(message))
    await _send_card(message, draft, texts)


# -- the card's buttons -------------------------------------------------------------------


async def save_draft(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    entry = await expenses.save(actor, callback_data.draft_id, callback_data.revision)
    await query.answer(texts.saved_toast)
    await replace_card(query, texts.saved_card(entry), keyboards.saved_entry(entry, texts))


async def cancel_draft(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    await expenses.cancel(actor, callback_data.draft_id, callback_data.revision)
    await query.answer(texts.cancelled_toast)
    await replace_card(query, texts.cancelled_card)


async def switch_keyboard(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    categories: CategoryService,
    texts: Texts,
) -> None:
    draft = await _current(actor, expenses, callback_data)
    if callback_data.action == DraftAction.CATEGORIES:
        markup = keyboards.category_picker(draft, await categories.active(draft.kind), texts)
    elif callback_data.action == DraftAction.DATES:
        markup = keyboards.date_picker(draft, texts)
    else:
        markup = keyboards.draft_card(draft, texts)
    await query.answer()
    await replace_markup(query, markup)


async def pick_category(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    draft = await expenses.choose_category(
        actor, callback_data.draft_id, callback_data.revision, callback_data.value
    )
    await query.answer()
    await replace_card(query, texts.draft_card(draft), keyboards.draft_card(draft, texts))


async def pick_date(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    word = "сегодня" if callback_data.action == DraftAction.TODAY else "вчера"
    draft = await expenses.set_date(actor, callback_data.draft_id, callback_data.revision, word)
    await query.answer()
    await replace_card(query, texts.draft_card(draft), keyboards.draft_card(draft, texts))


async def switch_kind(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    draft = await expenses.switch_kind(actor, callback_data.draft_id, callback_data.revision)
    await query.answer()
    await replace_card(query, texts.draft_card(draft), keyboards.draft_card(draft, texts))


async def take_alternative(
    query: CallbackQuery,
    callback_data: DraftCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    draft = await expenses.take_alternative(actor, callback_data.draft_id, callback_data.revision)
    await query.answer()
    await replace_card(query, texts.draft_card(draft), keyboards.draft_card(draft, texts))


async def ask_for_text(
    query: CallbackQuery,
    callback_data: DraftCallback,
    state: FSMContext,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    draft = await _current(actor, expenses, callback_data)
    waiting, prompt = {
        DraftAction.OTHER_DATE: (ExpenseInput.date, texts.ask_date),
        DraftAction.AMOUNT: (ExpenseInput.amount, texts.ask_amount),
    }.get(callback_data.action, (ExpenseInput.comment, texts.ask_comment))
    await state.set_state(waiting)
    card_id = query.message.message_id if query.message else None
    await state.set_data({"draft_id": draft.id, "card_message_id": card_id})
    await query.answer()
    if query.message is not None:
        await query.message.answer(prompt)


async def _current(actor: Actor, expenses: ExpenseService, callback_data: DraftCallback) -> Draft:
    """The draft a keyboard-only button refers to, refused when the card is not current."""
    draft = await expenses.get_draft(actor, callback_data.draft_id)
    if draft.status != "open" or draft.revision != callback_data.revision:
        raise StaleDraft(draft.status)
    return draft


# -- the card of several items ---------------------------------------------------------------


async def save_batch(
    query: CallbackQuery,
    callback_data: BatchCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    entries = await expenses.save_batch(actor, callback_data.batch_id, callback_data.revision)
    await query.answer(texts.saved_toast)
    await replace_card(query, texts.batch_saved(entries))


async def cancel_batch(
    query: CallbackQuery,
    callback_data: BatchCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    await expenses.cancel_batch(actor, callback_data.batch_id, callback_data.revision)
    await query.answer(texts.cancelled_toast)
    await replace_card(query, texts.batch_cancelled)


async def split_batch(
    query: CallbackQuery,
    callback_data: BatchCallback,
    actor: Actor,
    expenses: ExpenseService,
    texts: Texts,
) -> None:
    drafts = await expenses.split_batch(actor, callback_data.batch_id, callback_data.revision)
    await query.answer()
    await replace_card(query, texts.batch_split)
    if isinstance(query.message, Message):
        for draft in drafts:
            await _send_card(query.message, draft, texts)


# -- undo ---------------------------------------------------------------------------------


async def ask_to_undo(
    query: CallbackQuery,
    callback_data: EntryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    until = await entries.ask_to_reverse(actor, callback_data.entry_id)
    await query.answer()
    markup = keyboards.confirm_undo(callback_data, until, texts)
    await replace_markup(query, markup)


async def keep_entry(
    query: CallbackQuery,
    callback_data: EntryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    """Undo's "no": the buttons as they were."""
    if callback_data.origin != "card":
        await query.answer()
        await redraw_list(query, callback_data, actor, entries, texts)
        return
    markup = keyboards.saved_entry(await entries.get(callback_data.entry_id), texts)
    await query.answer()
    await replace_markup(query, markup)


async def undo_entry(
    query: CallbackQuery,
    callback_data: EntryCallback,
    actor: Actor,
    entries: EntryBook,
    texts: Texts,
) -> None:
    entry_id = callback_data.entry_id
    await entries.reverse(actor, entry_id, confirmed_until=callback_data.until)
    original = await entries.get(entry_id)
    await query.answer(texts.reversed_toast)
    if callback_data.origin == "card":
        await replace_card(query, texts.reversed_card(original))
    elif query.message is not None:
        await redraw_list(query, callback_data, actor, entries, texts)
        await query.message.answer(texts.reversed_card(original))


# -- what the expense flow refuses, in words --------------------------------------------------


async def bad_amount(event: ErrorEvent, texts: Texts, raw_state: str | None = None) -> None:
    text = texts.amount_error(cast(AmountError, event.exception))
    if raw_state == ExpenseInput.receipt_line.state:
        text += "\n\n" + texts.ask_receipt_line  # the receipt still waits for its line
    elif raw_state == ExpenseInput.amount.state:
        text += "\n\n" + texts.ask_amount
    await answer_error(event, text)


async def bad_date(event: ErrorEvent, texts: Texts, raw_state: str | None = None) -> None:
    text = texts.date_error(cast(DateError, event.exception))
    if raw_state == ExpenseInput.date.state:
        text += "\n\n" + texts.ask_date  # still waiting for the date: say so again
    await answer_error(event, text)


async def stale_draft(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.stale(cast(StaleDraft, event.exception).status))


async def already_reversed(event: ErrorEvent, texts: Texts, tz: tzinfo) -> None:
    error = cast(AlreadyReversed, event.exception)
    when = error.at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    await answer_error(event, texts.already_reversed(error.by_name, when))


async def cannot_reverse(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.cannot_reverse)


async def not_yours(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.not_yours)


async def attachment_refused(event: ErrorEvent, texts: Texts) -> None:
    reason = cast(AttachmentRefused, event.exception).reason
    await answer_error(event, texts.attachment_refused(reason))


async def text_too_long(event: ErrorEvent, texts: Texts, raw_state: str | None = None) -> None:
    text = texts.text_too_long(cast(TextTooLong, event.exception).limit)
    if raw_state == ExpenseInput.comment.state:
        text += "\n\n" + texts.ask_comment
    await answer_error(event, text)


def create_router() -> Router:
    router = Router(name="expenses")
    router.errors.register(bad_amount, ExceptionTypeFilter(AmountError))
    router.errors.register(bad_date, ExceptionTypeFilter(DateError))
    router.errors.register(stale_draft, ExceptionTypeFilter(StaleDraft))
    router.errors.register(already_reversed, ExceptionTypeFilter(AlreadyReversed))
    router.errors.register(cannot_reverse, ExceptionTypeFilter(CannotReverse))
    router.errors.register(not_yours, ExceptionTypeFilter(NotYours))
    router.errors.register(attachment_refused, ExceptionTypeFilter(AttachmentRefused))
    router.errors.register(text_too_long, ExceptionTypeFilter(TextTooLong))
    router.message.register(expense_command, Command("expense"), flags=OWNER_ONLY)
    router.message.register(income_command, Command("income"), flags=OWNER_ONLY)
    router.message.register(expense_receipt_photo, F.photo, HasRole(Role.OWNER), flags=OWNER_ONLY)
    router.message.register(
        expense_receipt_document, F.document, HasRole(Role.OWNER), flags=OWNER_ONLY
    )
    for waiting in (
        ExpenseInput.date,
        ExpenseInput.comment,
        ExpenseInput.receipt_line,
        ExpenseInput.amount,
    ):
        router.message.register(cancel_input, Command("cancel"), waiting, flags=OWNER_ONLY)
    # A command typed while the card waits for text is a command, not a comment.
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_date, ExpenseInput.date, typed, flags=OWNER_ONLY)
    router.message.register(typed_comment, ExpenseInput.comment, typed, flags=OWNER_ONLY)
    router.message.register(typed_amount, ExpenseInput.amount, typed, flags=OWNER_ONLY)
    router.message.register(
        cancel_input, Command("cancel"), ExpenseInput.receipt_line, flags=OWNER_ONLY
    )
    router.message.register(typed_receipt_line, ExpenseInput.receipt_line, typed, flags=OWNER_ONLY)
    router.message.register(
        expense_text, F.text, ~F.text.startswith("/"), HasRole(Role.OWNER), flags=OWNER_ONLY
    )
    router.callback_query.register(
        save_draft, DraftCallback.filter(F.action == DraftAction.SAVE), flags=OWNER_ONLY
    )
    router.callback_query.register(
        cancel_draft, DraftCallback.filter(F.action == DraftAction.CANCEL), flags=OWNER_ONLY
    )
    router.callback_query.register(
        switch_keyboard,
        DraftCallback.filter(
            F.action.in_({DraftAction.CATEGORIES, DraftAction.DATES, DraftAction.BACK})
        ),
        flags=OWNER_ONLY,
    )
    router.callback_query.register(
        pick_category, DraftCallback.filter(F.action == DraftAction.PICK_CATEGORY), flags=OWNER_ONLY
    )
    router.callback_query.register(
        pick_date,
        DraftCallback.filter(F.action.in_({DraftAction.TODAY, DraftAction.YESTERDAY})),
        flags=OWNER_ONLY,
    )
    router.callback_query.register(
        switch_kind, DraftCallback.filter(F.action == DraftAction.KIND), flags=OWNER_ONLY
    )
    router.callback_query.register(
        save_batch, BatchCallback.filter(F.action == BatchAction.SAVE), flags=OWNER_ONLY
    )
    router.callback_query.register(
        cancel_batch, BatchCallback.filter(F.action == BatchAction.CANCEL), flags=OWNER_ONLY
    )
    router.callback_query.register(
        split_batch, BatchCallback.filter(F.action == BatchAction.SPLIT), flags=OWNER_ONLY
    )
    router.callback_query.register(
        take_alternative,
        DraftCallback.filter(F.action == DraftAction.ALTERNATIVE),
        flags=OWNER_ONLY,
    )
    router.callback_query.register(
        ask_for_text,
        DraftCallback.filter(
            F.action.in_({DraftAction.OTHER_DATE, DraftAction.COMMENT, DraftAction.AMOUNT})
        ),
        flags=OWNER_ONLY,
    )
    router.callback_query.register(
        ask_to_undo, EntryCallback.filter(F.action == "ask"), flags=OWNER_ONLY
    )
    router.callback_query.register(
        keep_entry, EntryCallback.filter(F.action == "keep"), flags=OWNER_ONLY
    )
    router.callback_query.register(
        undo_entry, EntryCallback.filter(F.action == "undo"), flags=OWNER_ONLY
    )
    return router
