"""aiogram routers, one module per job, composed in `create_root_router`."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    categories,
    deals,
    errors,
    expenses,
    fallback,
    history,
    reports,
    start,
    users,
)


def create_root_router() -> Router:
    root = Router(name="root")
    # Order is routing priority: commands and conversations first, the catch-all last. Errors
    # go the same way: each router's own by type, then the shared fallback in `errors`.
    root.include_routers(
        start.create_router(),
        users.create_router(),
        history.create_router(),
        reports.create_router(),
        deals.create_router(),
        categories.create_router(),
        expenses.create_router(),
        fallback.create_router(),
        errors.create_router(),
    )
    return root
