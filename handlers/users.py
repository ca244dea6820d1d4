"""/invite and /users: the owner grants roles by single-use links and revokes them.

/users pages (`bot.paging`): a business with many people gets ◀/▶, not a refused message.
"""

from __future__ import annotations

from typing import cast

from aiogram import Bot, F, Router
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message

from bot import keyboards
from bot.callbacks import (
    CrmLinkCallback,
    InviteCallback,
    Listing,
    PageCallback,
    RevokeCallback,
)
from bot.paging import paginate
from bot.texts import Texts
from handlers.access import OWNER_ONLY
from handlers.errors import answer_error
from handlers.replies import replace_card, replace_markup
from ledger.errors import CannotRevokeOwner, CrmUserTaken, NotAllowed
from ledger.invites import InviteService
from ledger.roles import GRANTABLE_ROLES, Actor, Role
from ledger.users import UserService, UserView


async def invite(message: Message, texts: Texts) -> None:
    await message.answer(texts.invite_choose_role, reply_markup=keyboards.invite_roles(texts))


async def invite_for_role(
    query: CallbackQuery,
    callback_data: InviteCallback,
    actor: Actor,
    invites: InviteService,
    texts: Texts,
    bot: Bot,
) -> None:
    role = _grantable(callback_data.role)
    if role is Role.MANAGER and callback_data.crm < 0:
        # A manager's deals are found by the amoCRM user they are: ask which one.
        people = await invites.crm_users(actor)
        if people:
            await query.answer()
            await replace_card(
                query,
                texts.invite_choose_crm_user,
                keyboards.invite_crm_users(people, texts),
            )
            return
    amo_user_id = callback_data.crm if callback_data.crm > 0 else None
    created = await invites.create_invite(actor, role, amo_user_id=amo_user_id)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={created.token}"
    await query.answer()
    await replace_card(query, texts.invite_link(role, link, created.expires_at_text))


# Each person on a page brings a revoke button per role: a keyboard holds at most 100.
USERS_PER_PAGE = 15


def _users_page(
    people: list[UserView], number: int, texts: Texts, *, crm_on: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    page = paginate(
        [texts.user_line(person) for person in people],
        number,
        title=texts.users_title,
        footer=texts.page_of,
        max_items=USERS_PER_PAGE,
    )
    text = page.text
    if not any(person.roles - {Role.OWNER} for person in people):
        text += "\n\n" + texts.users_empty
    return text, keyboards.revoke_roles(people, page, texts, crm_on=crm_on)


async def list_users(
    message: Message, actor: Actor, users: UserService, invites: InviteService, texts: Texts
) -> None:
    crm_on = bool(await invites.crm_users(actor))
    text, markup = _users_page(await users.list_users(actor), 0, texts, crm_on=crm_on)
    await message.answer(text, reply_markup=markup)


async def turn_users_page(
    query: CallbackQuery,
    callback_data: PageCallback,
    actor: Actor,
    users: UserService,
    invites: InviteService,
    texts: Texts,
) -> None:
    crm_on = bool(await invites.crm_users(actor))
    people = await users.list_users(actor)
    text, markup = _users_page(people, callback_data.page, texts, crm_on=crm_on)
    await query.answer()
    await replace_card(query, text, markup)


async def revoke(
    query: CallbackQuery,
    callback_data: RevokeCallback,
    actor: Actor,
    users: UserService,
    texts: Texts,
) -> None:
    """Two taps: the role's button asks, "yes" (beside "no", and only for a while) revokes."""
    role, user_id = Role(callback_data.role), callback_data.user_id
    # Answered once the service agreed: a refusal answers the tap with its reason instead.
    if callback_data.step == "ask":
        until = await users.ask_to_revoke(actor, user_id, role)
        await query.answer()
        markup = keyboards.confirm_revoke(user_id, role, until, callback_data.page, texts)
        await replace_markup(query, markup)
    elif callback_data.step == "no":
        text, markup = _users_page(await users.list_users(actor), callback_data.page, texts)
        await query.answer()
        await replace_card(query, text, markup)
    else:
        person = await users.revoke(actor, user_id, role, confirmed_until=callback_data.until)
        await query.answer()
        await replace_card(query, texts.revoked(person, role))


async def link_crm(
    query: CallbackQuery,
    callback_data: CrmLinkCallback,
    actor: Actor,
    users: UserService,
    invites: InviteService,
    texts: Texts,
) -> None:
    """/users → a manager: first the account's amoCRM users to pick from, then the link."""
    if callback_data.crm < 0:
        person = next(
            (p for p in await users.list_users(actor) if p.user_id == callback_data.user_id),
            None,
        )
        if person is None or Role.MANAGER not in person.roles:
            raise NotAllowed
        people = await invites.crm_users(actor)
        await query.answer()
        await replace_card(
            query,
            texts.link_choose_crm_user(person.name),
            keyboards.crm_link_choices(person.user_id, people, texts),
        )
        return
    amo_user_id = callback_data.crm or None
    name, crm_name = await users.link_crm_user(actor, callback_data.user_id, amo_user_id)
    await query.answer()
    await replace_card(query, texts.crm_linked(name, crm_name))


async def crm_user_taken(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.crm_user_taken(cast(CrmUserTaken, event.exception).name))


def _grantable(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise NotAllowed from None
    if role not in GRANTABLE_ROLES:
        raise NotAllowed
    return role


async def cannot_revoke_owner(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.cannot_revoke_owner)


def create_router() -> Router:
    router = Router(name="users")
    router.errors.register(cannot_revoke_owner, ExceptionTypeFilter(CannotRevokeOwner))
    router.errors.register(crm_user_taken, ExceptionTypeFilter(CrmUserTaken))
    router.callback_query.register(link_crm, CrmLinkCallback.filter(), flags=OWNER_ONLY)
    router.message.register(invite, Command("invite"), flags=OWNER_ONLY)
    router.callback_query.register(invite_for_role, InviteCallback.filter(), flags=OWNER_ONLY)
    router.message.register(list_users, Command("users"), flags=OWNER_ONLY)
    router.callback_query.register(
        turn_users_page, PageCallback.filter(F.listing == Listing.USERS), flags=OWNER_ONLY
    )
    router.callback_query.register(
        revoke, RevokeCallback.filter(F.role.in_({r.value for r in Role})), flags=OWNER_ONLY
    )
    return router
