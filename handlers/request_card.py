"""A payment request's card, for whoever may see it: opened by its link (`/start rq_…`: the
button of the approver's and the accountant's notices, a registry line) or by a list's button.

The card shows every detail, the decisions, the payments and the latest comments, its own
link, and the buttons its viewer may use now (`RequestService.abilities`: decide for an
approver of its step, pay for the accountant and the owner); the services still refuse what a
forged button asks. An approver who may decide it gets the invoice along, as it came (a photo
as a photo, a PDF as a file); anyone else by «⬇️ Счёт». A link to a request the person may not
see is refused as a forged one is, showing nothing. «💬 Комментарий» asks the words and adds
them to the thread.

The approver's buttons are `handlers.approvals`'; the accountant's `handlers.registry`'.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import RequestAction, RequestCallback
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts
from handlers.access import PUBLIC
from handlers.prompts import cancel_input, text_wanted
from handlers.replies import replace_card
from ledger.attachments import ReceiptKind
from ledger.clock import Clock
from ledger.errors import NotFound, NotYours, RequestRefused
from ledger.money import Money
from ledger.requests.files import StoredFile
from ledger.requests.links import RequestLinks
from ledger.requests.notify import REQUEST_LINK
from ledger.requests.paying import RequestPayments
from ledger.requests.service import RequestService
from ledger.roles import Actor, Role

# Whoever holds a role may open a card: the services decide whether they may see it.
CARD_ROLES = {"roles": frozenset(Role)}
# The thread's latest comments on the card; the rest are a request's history.
COMMENTS_ON_CARD = 5


class RequestCommentInput(StatesGroup):
    text = State()


async def link_of(bot: Bot, token: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={token}"


async def render(
    actor: Actor,
    request_id: int,
    *,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
    note: str | None = None,
) -> tuple[str, InlineKeyboardMarkup, bool]:
    """The card as `actor` sees it (`note` above it: what just happened), its buttons, and
    whether they decide it (and so get the invoice along)."""
    card = await requests.card(actor, request_id)
    abilities = await requests.abilities(actor, request_id)
    comments = await requests.comments(actor, request_id) if card.comments else []
    link = await link_of(bot, await request_links.request_link(actor, request_id))
    text = texts.desk_card(card, comments[-COMMENTS_ON_CARD:], abilities, link, clock.today(), tz)
    if note:
        text = f"{note}\n\n{text}"
    return clip(text, PAGE_LIMIT), keyboards.desk_card(card, abilities, texts), abilities.decide


async def send_file(bot: Bot, chat_id: int, file: StoredFile, caption: str) -> None:
    """A kept file as it came: a photo by sendPhoto, anything else by sendDocument."""
    if file.kind is ReceiptKind.PHOTO:
        await bot.send_photo(chat_id, file.file_id, caption=caption)
    else:
        await bot.send_document(chat_id, file.file_id, caption=caption)


async def send_card(chat_id: int, actor: Actor, request_id: int, **shown: Any) -> None:
    """The card as a new message; for someone who decides it, the invoice first, so that the
    buttons stay at the bottom of the chat."""
    requests: RequestService = shown["requests"]
    bot: Bot = shown["bot"]
    texts: Texts = shown["texts"]
    text, markup, decides = await render(actor, request_id, **shown)
    if decides:
        invoice = (await requests.get(actor, request_id)).invoice
        if invoice is not None:
            await send_file(bot, chat_id, invoice, texts.desk_invoice_caption(request_id))
    await bot.send_message(chat_id, text, reply_markup=markup)


async def open_by_link(
    message: Message,
    command: CommandObject,
    actor: Actor | None,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    """`/start rq_…`. A forged or expired link is refused (`LinkRefused`); a good link to a
    request this person may not see is refused with the same words, and nothing shown."""
    if actor is None:
        await message.answer(texts.unknown_user)
        return
    try:
        card = await request_links.open_request_link(actor, command.args or "")
    except (NotYours, NotFound):
        await message.answer(texts.link_refused("invalid"))
        return
    await send_card(
        message.chat.id,
        actor,
        card.request.id,
        requests=requests,
        request_links=request_links,
        texts=texts,
        clock=clock,
        tz=tz,
        bot=bot,
    )


async def card_button(
    query: CallbackQuery,
    callback_data: RequestCallback,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    request_payments: RequestPayments,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    request_id = callback_data.request_id
    shown = {
        "requests": requests,
        "request_links": request_links,
        "texts": texts,
        "clock": clock,
        "tz": tz,
        "bot": bot,
    }
    match callback_data.action:
        case RequestAction.OPEN:
            await requests.get(actor, request_id)  # refused before anything is sent
            await query.answer()
            await send_card(query.from_user.id, actor, request_id, **shown)
        case RequestAction.BACK:
            text, markup, _ = await render(actor, request_id, **shown)
            await state.clear()
            await query.answer()
            await replace_card(query, text, markup)
        case RequestAction.INVOICE:
            invoice = await requests.invoice(actor, request_id)
            await query.answer()
            await send_file(
                bot, query.from_user.id, invoice, texts.desk_invoice_caption(request_id)
            )
        case RequestAction.ORDER:
            order = await request_payments.payment_order(actor, callback_data.value)
            payments = await request_payments.payments(actor, request_id)
            [paid_on] = [p.paid_on for p in payments if p.id == callback_data.value] or [None]
            if paid_on is None:  # a payment of another request: forged
                raise NotFound("request_payment", callback_data.value)
            await query.answer()
            caption = texts.desk_order_caption(request_id, paid_on)
            await send_file(bot, query.from_user.id, order, caption)
        case RequestAction.COMMENT:
            request = await requests.get(actor, request_id)
            await state.set_state(RequestCommentInput.text)
            await state.set_data({"request_id": request.id})
            await query.answer()
            await replace_card(
                query, texts.desk_ask_comment(request), keyboards.desk_back(request, texts)
            )


async def typed_comment(
    message: Message,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    request_id = int(asked["request_id"])
    try:
        await requests.comment(actor, request_id, message.text or "")
    except RequestRefused as error:
        if error.reason not in ("empty", "too_long"):
            await state.clear()
            raise
        request = await requests.get(actor, request_id)
        await message.answer(refusal(texts, error) + "\n\n" + texts.desk_ask_comment(request))
        return
    except Exception:
        await state.clear()
        raise
    await state.clear()
    await send_card(
        message.chat.id,
        actor,
        request_id,
        requests=requests,
        request_links=request_links,
        texts=texts,
        clock=clock,
        tz=tz,
        bot=bot,
        note=texts.desk_commented,
    )


def refusal(texts: Texts, error: RequestRefused) -> str:
    """A refusal's words where a question asks again (the shared error router words the
    rest the same way)."""
    amount = next(
        (value for value in (error.remaining, error.limit) if isinstance(value, Money)), None
    )
    return texts.request_refused(
        error.reason,
        status=error.status,
        missing=error.missing,
        amount=amount,
        limit=error.limit if isinstance(error.limit, int) else None,
    )


def create_router() -> Router:
    router = Router(name="request_card")
    router.message.register(
        open_by_link,
        CommandStart(deep_link=True, magic=F.args.startswith(f"{REQUEST_LINK}_")),
        flags=PUBLIC,
    )
    router.callback_query.register(
        card_button,
        RequestCallback.filter(
            F.action.in_(
                {
                    RequestAction.OPEN,
                    RequestAction.BACK,
                    RequestAction.INVOICE,
                    RequestAction.ORDER,
                    RequestAction.COMMENT,
                }
            )
        ),
        flags=CARD_ROLES,
    )
    router.message.register(
        cancel_input, Command("cancel"), RequestCommentInput.text, flags=CARD_ROLES
    )
    router.message.register(
        typed_comment,
        RequestCommentInput.text,
        F.text & ~F.text.startswith("/"),
        flags=CARD_ROLES,
    )
    router.message.register(text_wanted, RequestCommentInput.text, flags=CARD_ROLES)
    return router
