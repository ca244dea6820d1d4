"""The cabinet's pages on the bot's aiohttp app, under `/cabinet/` (a sub-application, so its
middleware touches nothing else).

Sign-in: `POST /cabinet/login` with the Mini App's `initData`, or `GET /cabinet/login/<token>`
with the one-time link `/cabinet` sends in the bot; either sets the session cookie (HttpOnly,
SameSite=Lax, Secure behind https). Every page then resolves the person and their roles afresh
through the ledger's `UserService`, so a revoked role ends access at the next click. Every POST
but the sign-in carries the session's CSRF token; every answer a Content-Security-Policy.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jinja2
from aiohttp import web

from app.cabinet.auth import (
    INIT_DATA_MAX_AGE,
    SESSION_TTL,
    Session,
    SignInRefused,
    csrf_ok,
    csrf_token,
    new_session,
    read_session,
    verify_init_data,
)
from app.context import AppContext, Services
from ledger.cabinet_links import LoginLinks
from ledger.errors import LinkRefused, NotAllowed
from ledger.requests.access import PAYERS
from ledger.roles import Actor
from ledger.storage.models import UserRow
from ledger.users import Person

log = logging.getLogger(__name__)

CABINET_PREFIX = "/cabinet"
COOKIE = "kopeyka_cabinet"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
CSP = (
    "default-src 'self'; "
    f"script-src 'self' {TELEGRAM_SCRIPT}; "
    "style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors https://web.telegram.org 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
_HERE = Path(__file__).parent
_CONTEXT = web.AppKey("cabinet", "CabinetConfig")
_SESSION = web.RequestKey("cabinet.session", Session)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class CabinetConfig:
    context: AppContext
    bot_token: str
    secure_cookie: bool  # the cabinet is served over https (always, in production)
    init_data_max_age: timedelta = INIT_DATA_MAX_AGE
    session_ttl: timedelta = SESSION_TTL

    @property
    def key(self) -> bytes:
        return self.context.secret_key


_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=jinja2.select_autoescape(default=True),
    undefined=jinja2.StrictUndefined,
)


def render(request: web.Request, name: str, *, status: int = 200, **values: object) -> web.Response:
    session = request.get(_SESSION)
    config = request.app[_CONTEXT]
    csrf = csrf_token(config.key, session) if session is not None else ""
    html = _templates.get_template(name).render(
        csrf=csrf, prefix=CABINET_PREFIX, telegram_script=TELEGRAM_SCRIPT, **values
    )
    return web.Response(text=html, status=status, content_type="text/html")


@asynccontextmanager
async def _services(config: CabinetConfig) -> AsyncIterator[Services]:
    async with config.context.database.unit_of_work() as uow:
        yield config.context.services(uow)


async def actor_of(services: Services, user_id: int) -> Actor | None:
    """The person behind a session with the roles they hold now; None when they hold none."""
    row = await services.uow.session.get(UserRow, user_id)
    if row is None:
        return None
    return await services.users.resolve(Person(row.telegram_id, row.name))


# -- middleware -------------------------------------------------------------------------------


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # a login token never leaks onward
    response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


_OPEN_PATHS = ("/signin", "/login", "/static/")


@web.middleware
async def _session(request: web.Request, handler: Handler) -> web.StreamResponse:
    config = request.app[_CONTEXT]
    path = request.path.removeprefix(CABINET_PREFIX)
    if path.startswith(_OPEN_PATHS):
        return await handler(request)
    try:
        session = read_session(
            config.key, request.cookies.get(COOKIE, ""), now=config.context.clock.now()
        )
    except SignInRefused:
        raise web.HTTPSeeOther(f"{CABINET_PREFIX}/signin") from None
    request[_SESSION] = session
    if request.method not in ("GET", "HEAD"):
        form = await request.post() if request.content_type.endswith("form-urlencoded") else {}
        given = request.headers.get("X-CSRF-Token") or form.get("csrf")
        if not csrf_ok(config.key, session, given if isinstance(given, str) else None):
            log.warning("cabinet: %s %s refused: CSRF token missing or wrong", request.method, path)
            raise web.HTTPForbidden(text="forbidden")
    return await handler(request)


# -- sign-in ----------------------------------------------------------------------------------


def _signed_in(config: CabinetConfig, user_id: int, response: web.StreamResponse) -> None:
    value = new_session(config.key, user_id, now=config.context.clock.now(), ttl=config.session_ttl)
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(config.session_ttl.total_seconds()),
        path=CABINET_PREFIX,
        httponly=True,
        secure=config.secure_cookie,
        samesite="Lax",
    )


async def _signin_page(request: web.Request) -> web.Response:
    return render(request, "signin.html")


async def _login_init_data(request: web.Request) -> web.Response:
    config = request.app[_CONTEXT]
    form = await request.post()
    init_data = form.get("init_data")
    try:
        user = verify_init_data(
            config.bot_token,
            init_data if isinstance(init_data, str) else "",
            now=config.context.clock.now(),
            max_age=config.init_data_max_age,
        )
    except SignInRefused as exc:
        log.warning("cabinet: initData refused (%s)", exc.reason)
        return web.json_response({"ok": False, "reason": exc.reason}, status=403)
    person = Person(user.telegram_id, user.name, user.username, user.language)
    async with _services(config) as services:
        actor = await services.users.resolve(person)
    if actor is None:
        return web.json_response({"ok": False, "reason": "unknown"}, status=403)
    response = web.json_response({"ok": True, "next": f"{CABINET_PREFIX}/"})
    _signed_in(config, actor.user_id, response)
    return response


async def _login_link(request: web.Request) -> web.Response:
    config = request.app[_CONTEXT]
    async with _services(config) as services:
        links = LoginLinks(services.uow, config.context.clock, config.key)
        try:
            user_id = await links.use(request.match_info["token"])
        except LinkRefused as exc:
            log.warning("cabinet: login link refused (%s)", exc.reason)
            return render(request, "refused.html", status=403, reason=exc.reason)
        if await actor_of(services, user_id) is None:
            return render(request, "refused.html", status=403, reason="unknown")
    response = web.HTTPSeeOther(f"{CABINET_PREFIX}/")
    _signed_in(config, user_id, response)
    raise response


async def _logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther(f"{CABINET_PREFIX}/signin")
    response.del_cookie(COOKIE, path=CABINET_PREFIX)
    raise response


# -- pages ------------------------------------------------------------------------------------


async def _home(request: web.Request) -> web.Response:
    config = request.app[_CONTEXT]
    session = request[_SESSION]
    async with _services(config) as services:
        actor = await actor_of(services, session.user_id)
        if actor is None:
            raise web.HTTPSeeOther(f"{CABINET_PREFIX}/signin")
        if not actor.has_any(PAYERS):
            return render(request, "refused.html", status=403, reason="role", actor=actor)
        try:
            statuses = await services.registry.statuses(actor)
            buckets = await services.registry.summary(actor)
        except NotAllowed:
            return render(request, "refused.html", status=403, reason="role", actor=actor)
    return render(request, "home.html", actor=actor, statuses=statuses, buckets=buckets)


def cabinet_app(config: CabinetConfig) -> web.Application:
    app = web.Application(middlewares=[_headers, _session], client_max_size=1024 * 1024)
    app[_CONTEXT] = config
    app.router.add_get("/", _home)
    app.router.add_get("/signin", _signin_page)
    app.router.add_post("/login", _login_init_data)
    app.router.add_get("/login/{token}", _login_link)
    app.router.add_post("/logout", _logout)
    app.router.add_static("/static/", _HERE / "static")
    return app


def register_cabinet(app: web.Application, config: CabinetConfig) -> None:
    app.add_subapp(CABINET_PREFIX, cabinet_app(config))
