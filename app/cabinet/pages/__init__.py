"""The cabinet's pages, one module each; a module declares its menu entry (`core.section`) and
its routes (`add_routes`). The menu follows this order."""

from __future__ import annotations

from aiohttp import web

from app.cabinet.pages import home, registry

PAGES = (home, registry)


def add_routes(router: web.UrlDispatcher) -> None:
    for page in PAGES:
        page.add_routes(router)
