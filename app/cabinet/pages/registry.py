"""The registry of payment requests (`/cabinet/requests`): the accountant's, the owner's and an
approver's, each seeing what the ledger lets them (`ledger.requests.search`). Filters are a GET
form, so a filtered list is a link to keep or send; headers sort, pages page, the totals are
of everything that matches. A value that cannot be read is named on the page (answered 400)
and nothing is searched; a page past the end shows the last one and says so."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from app.cabinet import core
from app.cabinet.core import CABINET_PREFIX, config_of, render, require, unit
from ledger.requests.search import VIEWERS, RegistryQuery, RegistryResult, Sort, read_query

PATH = "/requests"
SECTION = core.section(PATH, "Заявки", VIEWERS)
# The form's own fields: what a sort or a page link keeps of the query.
FIELDS = ("status", "due_from", "due_to", "counterparty", "amount_from", "amount_to")
FIELDS += ("category", "deal", "q")
PAGE_LINKS = 2  # pages linked on each side of the current one


def _href(pairs: list[tuple[str, str]], **changes: str) -> str:
    kept = [(name, value) for name, value in pairs if name not in changes and value]
    kept += [(name, value) for name, value in changes.items() if value]
    return f"{CABINET_PREFIX}{PATH}" + (f"?{urlencode(kept)}" if kept else "")


def _sorts(pairs: list[tuple[str, str]], query: RegistryQuery) -> dict[str, dict[str, object]]:
    """Each sortable column's link: its own order flips, another starts upwards."""
    links = {}
    for sort in Sort:
        current = sort is query.sort
        order = ("asc" if query.descending else "desc") if current else "asc"
        links[sort.value] = {
            "href": _href(pairs, sort=sort.value, order=order),
            "current": current,
            "descending": current and query.descending,
        }
    return links


def _pages(pairs: list[tuple[str, str]], result: RegistryResult) -> list[dict[str, object]]:
    """The first, the last and a few around the current page; None between: a gap."""
    shown = {1, result.pages, *range(result.page - PAGE_LINKS, result.page + PAGE_LINKS + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= result.pages)
    links: list[dict[str, object]] = []
    for number in numbers:
        if links and number - int(links[-1]["number"]) > 1:  # type: ignore[call-overload]
            links.append({"number": 0, "href": "", "current": False})
        href = _href(pairs, page=str(number) if number > 1 else "")
        links.append({"number": number, "href": href, "current": number == result.page})
    return links


async def registry(request: web.Request) -> web.Response:
    context = config_of(request).context
    pairs = [(name, value) for name, value in request.query.items() if name in FIELDS]
    async with unit(request) as services:
        actor = await require(request, services, VIEWERS)
        statuses = services.registry.search_statuses(actor)
        categories = await services.registry.categories(actor)
        query, problems = read_query(
            request.query.items(),
            today=context.clock.today(),
            statuses=statuses,
            categories=[category.id for category in categories],
        )
        result = None if problems else await services.registry.search(actor, query)
    # A sort asked for stays with the filters and the pages (as read: a wrong one is dropped).
    sort = {}
    if "sort" in request.query or "order" in request.query:
        sort = {"sort": query.sort.value, "order": "desc" if query.descending else "asc"}
    return render(
        request,
        "registry.html",
        status=400 if problems else 200,
        actor=actor,
        query=query,
        given={name: request.query.get(name, "") for name in FIELDS},
        chosen={status.value for status in query.statuses},
        problems=problems,
        result=result,
        statuses=statuses,
        categories=categories,
        sorts=_sorts(pairs, query),
        pages=_pages(pairs + list(sort.items()), result) if result is not None else [],
        sort_fields=sort,
        today=context.clock.today(),
        tz=context.settings.tz,
        reset=f"{CABINET_PREFIX}{PATH}",
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(PATH, registry)
