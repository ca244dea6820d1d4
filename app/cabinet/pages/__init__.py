"""The cabinet's pages, one module each; a module declares its menu entry (`core.section`) and
its routes (`add_routes`). The menu follows this order."""

from __future__ import annotations

from aiohttp import web

from app.cabinet.core import SECTIONS
from app.cabinet.pages import (
    confirmations,
    dashboard,
    downloads,
    home,
    registry,
    request,
    statements,
)

PAGES = (home, registry, confirmations, statements, dashboard, downloads, request)
# The menu's order: the desk's daily work first, then the owner's pages.
MENU = ("/requests", "/confirmations", "/statements", "/dashboard", "/downloads")
SECTIONS.sort(key=lambda entry: MENU.index(entry.path) if entry.path in MENU else len(MENU))


def add_routes(router: web.UrlDispatcher) -> None:
    for page in PAGES:
        page.add_routes(router)
