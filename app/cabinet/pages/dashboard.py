"""The owner's dashboard, «Сводка»: this month and the twelve before it (income, spending by
category, net, margin) filtered by manager, product, salon and city; marketing against
turnover as /profit draws it; and what needs a look — cash on managers, overdue payments and
requests, what the outbox gave up on (as the evening round, /registry and /outbox tell it).

The chart is a PNG of its own address, drawn in a worker thread with the filters of the page
that shows it: the page itself answers at once and never waits for matplotlib.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from aiohttp import web

from app.cabinet import core
from app.cabinet.core import render, require, unit
from bot.charts import ChartLabels, marketing_vs_turnover_png
from bot.texts import texts_for
from ledger.dashboard import FilterRefused
from ledger.money import Money
from ledger.profit import DIMENSIONS, Dimension
from ledger.requests.registry import Bucket
from ledger.roles import Role

ROLES = frozenset({Role.OWNER})
SECTION = core.section("/dashboard", "Сводка", ROLES)
SHOWN = 5  # of each list of what needs a look


def chosen_filters(query: Mapping[str, str]) -> dict[Dimension, str]:
    """The filters a GET form carries: one value per dimension, blank for none."""
    return {
        dimension: query[dimension.value].strip()
        for dimension in DIMENSIONS
        if query.get(dimension.value, "").strip()
    }


def percent(share: Decimal | None) -> str:
    """A margin as "42 %" (whole percent, rounded half up), "—" without income."""
    if share is None:
        return "—"
    whole = (share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole} %".replace("-", "\u2212")


def _total(held: list[Money]) -> list[Money]:
    """Sums by currency, in currency order."""
    sums: dict[str, Money] = {}
    for amount in held:
        sums[amount.currency] = (
            sums.get(amount.currency, Money.from_minor_units(0, amount.currency)) + amount
        )
    return [sums[currency] for currency in sorted(sums)]


async def dashboard(request: web.Request) -> web.Response:
    filters = chosen_filters(request.query)
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        try:
            overview, refused = await services.dashboard.overview(actor, filters), None
        except FilterRefused as error:
            overview, refused = await services.dashboard.overview(actor), error
        cash = await services.cash.pending(actor)
        payments = await services.dashboard.overdue_payments(actor, limit=SHOWN)
        requests = await services.registry.due(actor, Bucket.OVERDUE, per_page=SHOWN)
        stuck = await services.stuck.page(actor, limit=SHOWN)
    query = urlencode({d.value: v for d, v in overview.filters.items()})
    return render(
        request,
        "dashboard.html",
        status=400 if refused else 200,
        actor=actor,
        overview=overview,
        dimensions=DIMENSIONS,
        refused=refused,
        chart=f"{core.CABINET_PREFIX}/dashboard/chart.png" + (f"?{query}" if query else ""),
        cash=cash[:SHOWN],
        cash_holders=len(cash),
        cash_total=_total([held.total for held in cash]),
        payments=payments,
        requests=requests,
        stuck=stuck,
        percent=percent,
        month_spend={spend.name: spend.amount for spend in overview.this_month.categories},
        zero=Decimal(0),
    )


async def chart(request: web.Request) -> web.Response:
    """Marketing against turnover over the months shown, with the page's filters."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        try:
            overview = await services.dashboard.overview(actor, chosen_filters(request.query))
        except FilterRefused:
            raise web.HTTPBadRequest(text="unknown filter value") from None
    texts = texts_for(actor.language)
    figures = [month.figures for month in overview.months]
    png = await asyncio.to_thread(
        marketing_vs_turnover_png,
        [f"{month.month:%m.%y}" for month in figures],
        [month.income for month in figures],
        [month.marketing for month in figures],
        ChartLabels(texts.chart_title, texts.chart_turnover, texts.chart_marketing),
    )
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=60"}
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(SECTION.path, dashboard)
    router.add_get(f"{SECTION.path}/chart.png", chart)
