"""«Файлы»: the workbook (the XLSX /report sends, the owner's) and the payment orders for the
bank (the 1C file /registry's «🏦 Платёжки в банк» makes, the accountant's and the owner's).

The workbook is a plain download (GET). Making payment orders marks the requests "sent to the
bank" and numbers the orders, so it is a POST form carrying the CSRF token, answered with the
file itself; a refusal (nothing picked, nothing that can be sent, no company details) is the
page again with the bot's own words, and nothing is marked.
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from app.cabinet import core
from app.cabinet.core import refused as refused_page
from app.cabinet.core import render, require, unit
from app.context import Services
from bot.texts import texts_for
from ledger.bank_orders import SENDERS
from ledger.errors import NotFound, OrdersRefused
from ledger.profit import MonthError, parse_month
from ledger.roles import Actor, Role

ROLES = frozenset({Role.OWNER, *SENDERS})
WORKBOOK_ROLES = frozenset({Role.OWNER})
SECTION = core.section("/downloads", "Файлы", ROLES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50
MAX_PICKED = 200  # as in the chat: more than a bank's client takes in one file comfortably


def attachment(
    body: bytes, file_name: str, content_type: str, charset: str | None = None
) -> web.Response:
    """A file the browser saves rather than shows."""
    response = web.Response(body=body, content_type=content_type, charset=charset)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


async def _page(
    request: web.Request,
    services: Services,
    actor: Actor,
    *,
    status: int = 200,
    problem: str | None = None,
    month: str = "",
    picked: frozenset[int] = frozenset(),
) -> web.Response:
    sendable = None
    if actor.has_any(frozenset(SENDERS)):
        try:
            page = max(int(request.query.get("page", "0")), 0)
        except ValueError:
            page = 0
        sendable = await services.bank_orders.sendable(actor, page=page, per_page=PER_PAGE)
    return render(
        request,
        "downloads.html",
        status=status,
        actor=actor,
        workbook=actor.has_any(WORKBOOK_ROLES),
        sendable=sendable,
        problem=problem,
        month=month,
        picked=picked,
        today=services.profit.today(),
    )


async def downloads(request: web.Request) -> web.Response:
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        return await _page(request, services, actor)


async def workbook(request: web.Request) -> web.Response:
    """The whole ledger, or one month (`?month=2026-11`), as the XLSX /report sends."""
    month_text = request.query.get("month", "").strip()
    async with unit(request) as services:
        actor = await require(request, services, WORKBOOK_ROLES)
        today = services.profit.today()
        try:
            month = parse_month(month_text, today) if month_text else None
        except MonthError as error:
            problem = "month_future" if error.reason == "future" else "month_format"
            return await _page(
                request, services, actor, status=400, problem=problem, month=month_text[:20]
            )
        made = await services.reports.workbook(actor, month)
    name = texts_for(actor.language).report_file_name(month, today)
    return attachment(made.content, name, XLSX)


async def payment_orders(request: web.Request) -> web.StreamResponse:
    """One 1C file for the requests ticked (`request`), or for everything due today
    (`take=due`); the requests written are marked sent, as the chat's button marks them."""
    form = await request.post()
    async with unit(request) as services:
        actor = await require(request, services, frozenset(SENDERS))
        texts = texts_for(actor.language)
        chosen: list[int] | None = None
        if form.get("take") != "due":
            try:
                chosen = [int(str(value)) for value in form.getall("request", [])]
            except ValueError:
                chosen = [0]
            if not chosen:
                return await _page(request, services, actor, status=400, problem="none_picked")
            if any(ident <= 0 for ident in chosen) or len(chosen) > MAX_PICKED:
                return await _page(request, services, actor, status=400, problem="bad_pick")
        try:
            made = await services.bank_orders.make(actor, chosen)
        except NotFound:  # a forged pick: no such request
            raise refused_page(request, actor, "missing", status=404) from None
        except OrdersRefused as refused:
            words = Markup(texts.orders_not_made(refused.reason, refused.problems))
            return await _page(
                request,
                services,
                actor,
                status=409,
                problem=words,
                picked=frozenset(chosen or ()),
            )
    return attachment(made.data, made.file_name, "text/plain", charset="windows-1251")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(SECTION.path, downloads)
    router.add_get(f"{SECTION.path}/workbook.xlsx", workbook)
    router.add_post(f"{SECTION.path}/orders", payment_orders)
