"""The owner's /reqlinks: links for filing payment requests, one per team, each a t.me deep
link (`/start req_…`) that starts a draft with the link's category, salon and city.

«➕ Новая ссылка» asks its name, then its category (or none), then the salon and city (or
«-»); each link can be revoked (two taps). A link opened by someone who files no requests,
or expired, forged or revoked, is refused where it is opened (`handlers.request_form`).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import request_keyboards as keyboards
from bot.callbacks import FilingLinkAction, FilingLinkCallback
from bot.paging import paginate
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.prompts import cancel_input
from handlers.replies import replace_card
from ledger.categories import CategoryService
from ledger.clock import Clock
from ledger.errors import RequestRefused
from ledger.requests.links import FilingLink, RequestLinks
from ledger.roles import Actor

LINKS_PER_PAGE = 10  # a revoke button each


class LinkInput(StatesGroup):
    label = State()  # the new link's name
    category = State()  # its category: buttons
    place = State()  # its salon and city, or "-"


async def _url(bot: Bot, link: FilingLink) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={link.token}"


async def _listing(
    actor: Actor, links: RequestLinks, bot: Bot, texts: Texts, clock: Clock, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The links still good, in pages under Telegram's limit, each with its revoke button on
    the page it stands on."""
    found = await links.filing_links(actor)
    tz = clock.tz
    items = [
        texts.filing_link_line(
            number,
            link.label,
            await _url(bot, link),
            link.category,
            ", ".join(value for value in (link.salon, link.city) if value) or None,
            link.expires_at.astimezone(tz).date(),
        )
        for number, link in enumerate(found, start=1)
    ]
    listed = paginate(
        items or [texts.filing_links_empty],
        page,
        title=texts.filing_links_title,
        footer=texts.page_of,
        separator="\n\n",
        max_items=LINKS_PER_PAGE,
    )
    shown = [(index + 1, found[index]) for index in listed.items] if found else []
    return listed.text, keyboards.filing_links(shown, listed, texts)


async def show_links(
    message: Message,
    actor: Actor,
    request_links: RequestLinks,
    bot: Bot,
    texts: Texts,
    clock: Clock,
) -> None:
    text, markup = await _listing(actor, request_links, bot, texts, clock)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def link_button(
    query: CallbackQuery,
    callback_data: FilingLinkCallback,
    state: FSMContext,
    actor: Actor,
    request_links: RequestLinks,
    categories: CategoryService,
    bot: Bot,
    texts: Texts,
    clock: Clock,
) -> None:
    cb = callback_data
    match cb.action:
        case FilingLinkAction.NEW:
            await state.set_state(LinkInput.label)
            await state.set_data({})
            await query.answer()
            await bot.send_message(query.from_user.id, texts.filing_link_ask_label)
        case FilingLinkAction.CATEGORY:
            if await state.get_state() != LinkInput.category.state:
                await query.answer(texts.confirmation_expired, show_alert=True)
                return
            data = await state.get_data()
            await state.set_data({**data, "category_id": cb.ident or None})
            await state.set_state(LinkInput.place)
            await query.answer()
            await replace_card(query, texts.filing_link_ask_place)
        case FilingLinkAction.REVOKE:
            await query.answer()
            await replace_card(
                query,
                texts.filing_link_revoke_question,
                keyboards.filing_link_revoke(cb.ident, texts),
            )
        case FilingLinkAction.REVOKE_YES:
            await request_links.revoke_filing_link(actor, cb.ident)
            await query.answer(texts.filing_link_revoked)
            await replace_card(query, *await _listing(actor, request_links, bot, texts, clock))
        case FilingLinkAction.LIST:
            await query.answer()
            listing = await _listing(actor, request_links, bot, texts, clock, cb.ident)
            await replace_card(query, *listing)


async def typed_label(
    message: Message, state: FSMContext, categories: CategoryService, texts: Texts
) -> None:
    label = " ".join((message.text or "").split())
    if not label:
        await message.answer(texts.filing_link_ask_label)
        return
    await state.set_data({"label": label[:100]})
    await state.set_state(LinkInput.category)
    await message.answer(
        texts.filing_link_ask_category,
        reply_markup=keyboards.filing_link_categories(await categories.active(), texts),
    )


async def typed_place(
    message: Message,
    state: FSMContext,
    actor: Actor,
    request_links: RequestLinks,
    bot: Bot,
    texts: Texts,
    clock: Clock,
) -> None:
    data = await state.get_data()
    words = " ".join((message.text or "").split())
    salon, city = None, None
    if words not in ("", "-", "—"):
        first, _, second = words.partition(",")
        salon, city = first.strip() or None, second.strip() or None
    try:
        link = await request_links.create_filing_link(
            actor,
            data.get("label") or "",
            category_id=data.get("category_id"),
            salon=salon,
            city=city,
        )
    except RequestRefused as error:
        await state.clear()
        await message.answer(texts.form_refused(error.reason, error.limit))
        return
    await state.clear()
    expires = link.expires_at.astimezone(clock.tz).date()
    await message.answer(
        texts.filing_link_created(link.label, await _url(bot, link), expires),
        disable_web_page_preview=True,
    )


def create_router() -> Router:
    router = Router(name="request_links")
    router.message.register(show_links, Command("reqlinks"), flags=OWNER_ONLY)
    router.callback_query.register(link_button, FilingLinkCallback.filter(), flags=OWNER_ONLY)
    for waiting in (LinkInput.label, LinkInput.category, LinkInput.place):
        router.message.register(cancel_input, Command("cancel"), waiting, flags=OWNER_ONLY)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(typed_label, LinkInput.label, typed, flags=OWNER_ONLY)
    router.message.register(typed_place, LinkInput.place, typed, flags=OWNER_ONLY)
    return router
