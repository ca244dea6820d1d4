"""What every cabinet page uses: its configuration, templates in the viewer's language, a unit
of work per request, and the signed-in person with the roles they hold now.

A page module (`app/cabinet/pages/`) is a few aiohttp handlers and `add_routes(router)`; a
handler opens `async with unit(request) as services`, asks `require(request, services, ROLES)`
for the viewer (a refusal page when they lack the role), calls the ledger's services — the
same ones the bot's handlers call, so a change in one is seen in the other — and answers with
`render(request, "page.html", actor=actor, …)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2
from aiogram import Bot
from aiohttp import web

from app.cabinet.auth import INIT_DATA_MAX_AGE, SESSION_TTL, Session, csrf_token
from app.context import AppContext, Services
from bot.texts import catalogues, texts_for
from bot.texts import money as format_money
from ledger.money import Money
from ledger.roles import Actor, Role
from ledger.storage.models import UserRow
from ledger.users import Person

CABINET_PREFIX = "/cabinet"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CONFIG = web.AppKey("cabinet", "CabinetConfig")
SESSION = web.RequestKey("cabinet.session", Session)


@dataclass(frozen=True, slots=True)
class CabinetConfig:
    context: AppContext
    bot_token: str
    secure_cookie: bool  # the cabinet is served over https (always, in production)
    init_data_max_age: timedelta = INIT_DATA_MAX_AGE
    session_ttl: timedelta = SESSION_TTL
    # The bot, for the files a request keeps in Telegram (an invoice shown, a payment order
    # uploaded); None: those pages say the files are out of reach.
    bot: Bot | None = None

    @property
    def key(self) -> bytes:
        return self.context.secret_key


def config_of(request: web.Request) -> CabinetConfig:
    return request.app[CONFIG]


# -- templates --------------------------------------------------------------------------------


def money(value: Money | Decimal) -> str:
    """An amount as the bot writes it ("15 000,00 ₽"); a bare Decimal is rubles."""
    return format_money(value if isinstance(value, Money) else Money(value))


@cache
def templates(language: str) -> jinja2.Environment:
    """One environment per language: `{% trans %}` and `_()` in a template read the bot's own
    catalogues (bot/locales), so the pages speak as the chat does."""
    texts = texts_for(language)
    books = catalogues()
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: books.gettext(message, locale=texts.language),
        lambda singular, plural, n: books.gettext(singular, plural, n, locale=texts.language),
        newstyle=True,
    )
    environment.filters["money"] = money
    environment.filters["date"] = texts.date
    environment.globals["texts"] = texts
    return environment


def language_of(request: web.Request, actor: Actor | None) -> str:
    if actor is not None:
        return texts_for(actor.language).language
    header = request.headers.get("Accept-Language", "")
    return texts_for(header[:2].lower() or None).language


def render(
    request: web.Request,
    name: str,
    *,
    status: int = 200,
    actor: Actor | None = None,
    **values: object,
) -> web.Response:
    session = request.get(SESSION)
    csrf = csrf_token(config_of(request).key, session) if session is not None else ""
    html = (
        templates(language_of(request, actor))
        .get_template(name)
        .render(
            csrf=csrf,
            prefix=CABINET_PREFIX,
            telegram_script=TELEGRAM_SCRIPT,
            actor=actor,
            nav=navigation(actor),
            path=request.path,
            **values,
        )
    )
    return web.Response(text=html, status=status, content_type="text/html")


# -- who is looking ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """A page in the cabinet's menu and who sees it."""

    path: str
    title: str  # a msgid: translated in the template
    roles: frozenset[Role]


SECTIONS: list[Section] = []


def section(path: str, title: str, roles: Iterable[Role]) -> Section:
    """Declares a page for the menu (a page module calls it once, at import)."""
    entry = Section(path, title, frozenset(roles))
    SECTIONS.append(entry)
    return entry


def navigation(actor: Actor | None) -> list[Section]:
    if actor is None:
        return []
    return [entry for entry in SECTIONS if actor.has_any(entry.roles)]


@asynccontextmanager
async def unit(request: web.Request) -> AsyncIterator[Services]:
    """The ledger's services over one unit of work, for one request."""
    async with config_of(request).context.database.unit_of_work() as uow:
        yield config_of(request).context.services(uow)


async def actor_of(services: Services, user_id: int) -> Actor | None:
    """The person behind a session with the roles they hold now; None when they hold none."""
    row = await services.uow.session.get(UserRow, user_id)
    if row is None:
        return None
    return await services.users.resolve(Person(row.telegram_id, row.name))


async def require(
    request: web.Request, services: Services, roles: Iterable[Role] | None = None
) -> Actor:
    """The signed-in viewer, who holds one of `roles` (any role when None); otherwise the
    answer is a redirect to sign in (roles all gone) or the refusal page (403)."""
    actor = await actor_of(services, request[SESSION].user_id)
    if actor is None:
        raise web.HTTPSeeOther(f"{CABINET_PREFIX}/signin")
    if roles is not None and not actor.has_any(frozenset(roles)):
        raise refused(request, actor, "role")
    return actor


def refused(
    request: web.Request, actor: Actor | None, reason: str, *, status: int = 403
) -> web.HTTPException:
    """The refusal page as an exception a handler raises: nothing after it runs.
    `reason`: role, missing (no such object, or not the viewer's), used, expired, invalid…"""
    page = render(request, "refused.html", status=status, actor=actor, reason=reason)
    error = web.HTTPNotFound if status == 404 else web.HTTPForbidden
    return error(text=page.text, content_type="text/html")
