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
from collections.abc import Awaitable, Callable

from aiohttp import web

from app.cabinet import pages
from app.cabinet.auth import SignInRefused, csrf_ok, new_session, read_session, verify_init_data
from app.cabinet.core import (
    CABINET_PREFIX,
    CONFIG,
    SESSION,
    STATIC,
    TELEGRAM_SCRIPT,
    CabinetConfig,
    actor_of,
    config_of,
    render,
    unit,
)
from ledger.cabinet_links import LoginLinks
from ledger.errors import LinkRefused
from ledger.users import Person

log = logging.getLogger(__name__)

COOKIE = "kopeyka_cabinet"
CSP = (
    "default-src 'self'; "
    f"script-src 'self' {TELEGRAM_SCRIPT}; "
    "style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors https://web.telegram.org 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)
# A statement or a payment order (a file of up to 20 MB, the form around it); each page
# checks its own file's limit, and says so.
MAX_UPLOAD = 21 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = ["COOKIE", "CabinetConfig", "cabinet_app", "register_cabinet"]


# -- middleware -------------------------------------------------------------------------------


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    # A page's own policy stands (a file shown in a frame of ours); every other gets ours.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # a login token never leaks onward
    response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


@web.middleware
async def _body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The cabinet's own limit on a body: the request is the root app's, whose 1 MB limit
    (for webhooks) aiohttp applies to a sub-application's requests too."""
    return await handler(request.clone(client_max_size=MAX_UPLOAD))


_OPEN_PATHS = ("/signin", "/login", "/static/")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@web.middleware
async def _session(request: web.Request, handler: Handler) -> web.StreamResponse:
    config = config_of(request)
    path = request.path.removeprefix(CABINET_PREFIX)
    if path.startswith(_OPEN_PATHS):
        return await handler(request)
    try:
        session = read_session(
            config.key, request.cookies.get(COOKIE, ""), now=config.context.clock.now()
        )
    except SignInRefused:
        raise web.HTTPSeeOther(f"{CABINET_PREFIX}/signin") from None
    request[SESSION] = session
    if request.method not in ("GET", "HEAD"):
        given = request.headers.get("X-CSRF-Token")
        if given is None and request.content_type in _FORMS:
            given = (await request.post()).get("csrf")  # aiohttp keeps the form for the handler
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
    config = config_of(request)
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
    async with unit(request) as services:
        actor = await services.users.resolve(person)
    if actor is None:
        return web.json_response({"ok": False, "reason": "unknown"}, status=403)
    response = web.json_response({"ok": True, "next": f"{CABINET_PREFIX}/"})
    _signed_in(config, actor.user_id, response)
    return response


async def _login_link(request: web.Request) -> web.Response:
    config = config_of(request)
    async with unit(request) as services:
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


def cabinet_app(config: CabinetConfig) -> web.Application:
    app = web.Application(middlewares=[_headers, _body_limit, _session])
    app[CONFIG] = config
    pages.add_routes(app.router)
    app.router.add_get("/signin", _signin_page)
    app.router.add_post("/login", _login_init_data)
    app.router.add_get("/login/{token}", _login_link)
    app.router.add_post("/logout", _logout)
    app.router.add_static("/static/", STATIC)
    return app


def register_cabinet(app: web.Application, config: CabinetConfig) -> None:
    app.add_subapp(CABINET_PREFIX, cabinet_app(config))
