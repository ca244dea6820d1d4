"""The approver's side of payment requests: /approve lists what waits for this person's
decision (due first, paged), and the card's «✅ Согласовать», «✖ Отклонить» (asks the reason)
and «↩️ На доработку» (asks what to fix).

Every button names the request as it was shown: the service refuses a decision on a request
that moved since (the second of two approvers is told who decided and when), at a step this
person does not approve, or on their own request where the mappings forbid it; a reason is
asked only once the tap is known to be good. Approving a first step of two says who the
request went to next; the card redraws with what happened above it.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import RegistryCallback, RegistryView, RequestAction, RequestCallback
from bot.paging import PAGE_LIMIT, clip
from bot.texts import Texts
from handlers.prompts import cancel_input, text_wanted
from handlers.replies import replace_card
from handlers.request_card import link_of, refusal, render, send_card
from ledger.clock import Clock
from ledger.errors import RequestRefused
from ledger.requests.access import DECIDERS
from ledger.requests.links import RequestLinks
from ledger.requests.service import RequestService
from ledger.requests.states import RequestStatus
from ledger.roles import Actor

APPROVER_ROLES = {"roles": DECIDERS}
LINE_LIMIT = 320  # characters a list's line may take: ten fit a message with room to spare


class RequestDecisionInput(StatesGroup):
    reason = State()  # why it is rejected
    rework = State()  # what to fix


async def approvals_page(
    actor: Actor,
    number: int,
    *,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    bot: Bot,
) -> tuple[str, InlineKeyboardMarkup | None]:
    page = await requests.to_approve(actor, page=number, per_page=keyboards.REQUESTS_PER_PAGE)
    if not page.total:
        return texts.approvals_empty, None
    links = await request_links.request_links(actor, [row.id for row in page.rows])
    today = clock.today()
    first = page.page * page.per_page + 1
    lines = [
        clip(
            texts.approval_line(
                n,
                row,
                await link_of(bot, links[row.id]) if row.id in links else None,
                today,
            ),
            LINE_LIMIT,
        )
        for n, row in enumerate(page.rows, start=first)
    ]
    parts = [texts.approvals_title(page), *lines]
    if page.pages > 1:
        parts.append(texts.page_of(page.page + 1, page.pages))
    text = clip("\n\n".join(parts), PAGE_LIMIT)
    return text, keyboards.request_list(page, RegistryView.TO_APPROVE, "", texts)


async def show_to_approve(
    message: Message,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    bot: Bot,
) -> None:
    text, markup = await approvals_page(
        actor, 0, requests=requests, request_links=request_links, texts=texts, clock=clock, bot=bot
    )
    await message.answer(text, reply_markup=markup)


async def turn_page(
    query: CallbackQuery,
    callback_data: RegistryCallback,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    bot: Bot,
) -> None:
    text, markup = await approvals_page(
        actor,
        callback_data.page,
        requests=requests,
        request_links=request_links,
        texts=texts,
        clock=clock,
        bot=bot,
    )
    await query.answer()
    await replace_card(query, text, markup)


async def decide_button(
    query: CallbackQuery,
    callback_data: RequestCallback,
    state: FSMContext,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    request_id, version = callback_data.request_id, callback_data.version
    shown = {
        "requests": requests,
        "request_links": request_links,
        "texts": texts,
        "clock": clock,
        "tz": tz,
        "bot": bot,
    }
    if callback_data.action is RequestAction.APPROVE:
        request = await requests.approve(actor, request_id, version=version)
        await state.clear()
        if request.status is RequestStatus.SUBMITTED:  # a step of several: on to the next
            waiting = (await requests.abilities(actor, request_id)).waiting_for
            note = texts.desk_step_approved(request, waiting)
        else:
            note = texts.desk_approved(request)
        text, markup, _ = await render(actor, request_id, note=note, **shown)
        await query.answer()
        await replace_card(query, text, markup)
        return
    # Checked before the reason is asked: a stale or forged button gets its refusal now.
    request = await requests.check_decision(actor, request_id, version=version)
    rejecting = callback_data.action is RequestAction.REJECT
    await state.set_state(RequestDecisionInput.reason if rejecting else RequestDecisionInput.rework)
    await state.set_data({"request_id": request.id, "version": request.version})
    question = texts.desk_ask_reason(request) if rejecting else texts.desk_ask_rework(request)
    await query.answer()
    await replace_card(query, question, keyboards.desk_back(request, texts))


async def typed_reason(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    actor: Actor,
    requests: RequestService,
    request_links: RequestLinks,
    texts: Texts,
    clock: Clock,
    tz: tzinfo,
    bot: Bot,
) -> None:
    asked: dict[str, Any] = await state.get_data()
    request_id, version = int(asked["request_id"]), int(asked["version"])
    rejecting = raw_state == RequestDecisionInput.reason.state
    decide = requests.reject if rejecting else requests.return_for_rework
    try:
        request = await decide(actor, request_id, message.text or "", version=version)
    except RequestRefused as error:
        if error.reason not in ("no_reason", "too_long"):
            await state.clear()
            raise
        current = await requests.get(actor, request_id)
        again = texts.desk_ask_reason(current) if rejecting else texts.desk_ask_rework(current)
        await message.answer(refusal(texts, error) + "\n\n" + again)
        return
    except Exception:
        await state.clear()  # moved meanwhile, or no longer theirs: the refusal says
        raise
    await state.clear()
    note = texts.desk_rejected(request) if rejecting else texts.desk_returned(request)
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
        note=note,
    )


def create_router() -> Router:
    router = Router(name="approvals")
    router.message.register(show_to_approve, Command("approve"), flags=APPROVER_ROLES)
    router.callback_query.register(
        turn_page,
        RegistryCallback.filter(F.view == RegistryView.TO_APPROVE),
        flags=APPROVER_ROLES,
    )
    router.callback_query.register(
        decide_button,
        RequestCallback.filter(
            F.action.in_({RequestAction.APPROVE, RequestAction.REJECT, RequestAction.RETURN})
        ),
        flags=APPROVER_ROLES,
    )
    for prompt in (RequestDecisionInput.reason, RequestDecisionInput.rework):
        router.message.register(cancel_input, Command("cancel"), prompt, flags=APPROVER_ROLES)
        router.message.register(
            typed_reason, prompt, F.text & ~F.text.startswith("/"), flags=APPROVER_ROLES
        )
        router.message.register(text_wanted, prompt, flags=APPROVER_ROLES)
    return router
