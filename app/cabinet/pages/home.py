"""The first page after signing in: the menu of the viewer's pages and, for whoever pays
requests, what is due (the registry's summary, as /registry shows it in the chat)."""

from __future__ import annotations

from aiohttp import web

from app.cabinet.core import render, require, unit
from ledger.requests.access import PAYERS


async def home(request: web.Request) -> web.Response:
    async with unit(request) as services:
        actor = await require(request, services)
        statuses, buckets = [], []
        if actor.has_any(PAYERS):
            statuses = await services.registry.statuses(actor)
            buckets = await services.registry.summary(actor)
    return render(request, "home.html", actor=actor, statuses=statuses, buckets=buckets)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", home)
