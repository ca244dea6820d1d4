"""Bank statements in the cabinet, as /statement in the bot: the accountant (or the owner)
uploads the bank's file, watches it read and matched, accepts the sure lines at once and
reviews the rest one by one, or assigns a line by hand with a search over deals and requests.

The file is checked as the bot checks a document: its size, then its bytes
(`StatementImports.recognize`), never its name or declared type; what is no statement is
answered with what it is, and nothing is stored. A statement is imported by a background task
(`Job`) that records the import's stages as the service reports them; the page polls
`/statements/jobs/<id>` (JSON) for them, then opens the import. A job is its uploader's: anyone
else's id answers 404, as does an import or a line that does not exist.

Every decision goes through the same `StatementImports` calls the bot's buttons make, with the
line's version as shown, so a line dealt with meanwhile (here or in the chat) is refused with
who and when.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from app.cabinet.core import CABINET_PREFIX, config_of, refused, render, require, section, unit
from app.context import AppContext
from bot.texts import Texts, texts_for
from handlers.errors import error_words
from ledger.errors import DomainError, NotFound, StatementLineRefused
from ledger.journal import EntryKind
from ledger.roles import Actor
from ledger.statement_imports import (
    DONE,
    IMPORTERS,
    MAX_STATEMENT_BYTES,
    OPEN,
    FileKind,
    Imported,
    ImportOutcome,
    LineView,
    NeedsMapping,
    Progress,
    Stage,
    ToCategory,
    ToPayment,
    ToRequest,
)
from ledger.statements import Direction, Refused

log = logging.getLogger(__name__)

ROLES = frozenset(IMPORTERS)
SECTION = section("/statements", "Выписки", ROLES)
PER_PAGE = 50  # lines on a page of an import
RECENT = 10  # imports listed on the upload page
JOB_TTL = timedelta(minutes=30)  # a finished job's answer is kept this long for its poller
ERRORS_SHOWN = 500  # a refused file's errors listed on the page (the count says the rest)
SHOWS = ("review", "sure", "done", "all")
# How far along the bar is at each stage of the server's part (the upload is the first 40 %).
_STAGE_PERCENT = {Stage.READ: 50, Stage.MATCHING: 60, Stage.STORED: 85}
_TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A phrase the bot writes in Telegram's HTML, as plain text (a template escapes it)."""
    return html.unescape(_TAGS.sub("", text))


# -- the import as a background job -----------------------------------------------------------


@dataclass(slots=True)
class Job:
    """An upload being imported: what the poller sees."""

    id: str
    user_id: int
    texts: Texts
    state: str = "running"  # running, done, refused, mapping, failed
    percent: int = 40
    stage: str = ""  # the stage in the chat's words
    next: str = ""  # where the page goes when done
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    columns: list[str] = field(default_factory=list)
    finished_at: datetime | None = None

    async def progress(self, progress: Progress) -> None:
        if progress.stage is Stage.ACCEPTING:
            share = progress.done / progress.total if progress.total else 1
            self.percent = 85 + int(14 * share)
        else:
            self.percent = _STAGE_PERCENT[progress.stage]
        self.stage = plain(self.texts.statement_progress(progress))
        await asyncio.sleep(0)  # let a poll in between the stages

    def finish(self, outcome: ImportOutcome, now: datetime) -> None:
        self.finished_at = now
        self.percent = 100
        if isinstance(outcome, Imported):
            self.state = "done"
            flash = "again" if outcome.again else "imported"
            self.next = f"{CABINET_PREFIX}/statements/{outcome.import_id}?done={flash}"
        elif isinstance(outcome, Refused):
            self.state = "refused"
            self.error_count = len(outcome.errors)
            self.errors = [
                plain(self.texts.statement_error(error)) for error in outcome.errors[:ERRORS_SHOWN]
            ]
        else:
            assert isinstance(outcome, NeedsMapping)
            self.state = "mapping"
            self.columns = [title for title in outcome.preview.header if title][:30]

    def answer(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "percent": self.percent,
            "stage": self.stage,
            "next": self.next,
            "errors": self.errors,
            "error_count": self.error_count,
            "columns": self.columns,
        }


_JOBS: dict[str, Job] = {}
_TASKS: set[asyncio.Task[None]] = set()


def _forget_old(now: datetime) -> None:
    for ident, job in list(_JOBS.items()):
        if job.finished_at is not None and now - job.finished_at > JOB_TTL:
            del _JOBS[ident]


async def _run(context: AppContext, job: Job, actor: Actor, data: bytes, name: str | None) -> None:
    """The import in a unit of work of its own, as the bot's handler runs it."""
    try:
        async with context.database.unit_of_work() as uow:
            statements = context.services(uow).statements
            outcome = await statements.import_file(
                actor, data, file_name=name, progress=job.progress
            )
        job.finish(outcome, context.clock.now())
    except Exception:
        log.exception("cabinet: importing a statement failed")
        job.state, job.finished_at = "failed", context.clock.now()


def _refusal(reason: str, status: int, **values: Any) -> web.Response:
    return web.json_response({"ok": False, "reason": reason, **values}, status=status)


async def upload(request: web.Request) -> web.Response:
    """The file, checked by size and by its bytes; a statement starts a job (202)."""
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
    if (request.content_length or 0) > MAX_STATEMENT_BYTES + 64 * 1024:
        return _refusal("too_big", 413)
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        return _refusal("too_big", 413)
    sent = form.get("file")
    if not isinstance(sent, web.FileField):
        return _refusal("no_file", 400)
    data = sent.file.read(MAX_STATEMENT_BYTES + 1)
    if len(data) > MAX_STATEMENT_BYTES:
        return _refusal("too_big", 413)
    texts = texts_for(actor.language)
    async with unit(request) as services:
        found = await services.statements.recognize(actor, data)
    if found.kind is FileKind.OTHER:
        why = plain(texts.statement_why(found.problem)) if found.problem else ""
        return _refusal("not_statement", 422, why=why)
    context = config_of(request).context
    _forget_old(context.clock.now())
    name = sent.filename or None
    reading = plain(texts.statement_reading(name))
    job = Job(secrets.token_urlsafe(16), actor.user_id, texts, stage=reading)
    _JOBS[job.id] = job
    task = asyncio.create_task(_run(context, job, actor, data, name))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    poll = f"{CABINET_PREFIX}/statements/jobs/{job.id}"
    return web.json_response({"ok": True, "poll": poll, **job.answer()}, status=202)


async def job_state(request: web.Request) -> web.Response:
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
    job = _JOBS.get(request.match_info["job"])
    if job is None or job.user_id != actor.user_id:
        return _refusal("missing", 404)
    return web.json_response(job.answer())


# -- pages ------------------------------------------------------------------------------------


def _number(value: str | None, *, default: int = 0) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) >= 10:
        return default
    return int(value)


async def statements_page(request: web.Request) -> web.Response:
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        recent = await services.statements.recent(actor, limit=RECENT)
        sure = await services.statements.lines(actor, sure=True, per_page=1)
        review = await services.statements.lines(actor, sure=False, per_page=1)
    return render(
        request,
        "statements.html",
        actor=actor,
        recent=recent,
        open_sure=sure.total,
        open_review=review.total,
        max_bytes=MAX_STATEMENT_BYTES,
        max_mb=MAX_STATEMENT_BYTES // (1024 * 1024),
        tz=config_of(request).context.clock.tz,
    )


async def import_page(request: web.Request) -> web.Response:
    import_id = _number(request.match_info["import_id"], default=-1)
    show = request.query.get("show", "review")
    show = show if show in SHOWS else "review"
    page = _number(request.query.get("page"))
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        statements = services.statements
        try:
            imported = await statements.summary(actor, import_id)
        except NotFound:
            raise refused(request, actor, "missing", status=404) from None
        states, sure = {
            "review": (OPEN, False),
            "sure": (OPEN, True),
            "done": (DONE, None),
            "all": ((*OPEN, *DONE), None),
        }[show]
        found = await statements.lines(
            actor, import_id=import_id, states=states, sure=sure, page=page, per_page=PER_PAGE
        )
    pages = max(1, -(-found.total // PER_PAGE))
    return render(
        request,
        "statements_import.html",
        actor=actor,
        imported=imported,
        show=show,
        found=found,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        query=request.query,
        tz=config_of(request).context.clock.tz,
    )


async def accept_sure(request: web.Request) -> web.Response:
    import_id = _number(request.match_info["import_id"], default=-1)
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        try:
            await services.statements.summary(actor, import_id)
        except NotFound:
            raise refused(request, actor, "missing", status=404) from None
        accepted = await services.statements.accept_sure(actor, import_id)
    target = (
        f"{CABINET_PREFIX}/statements/{import_id}?done=accepted"
        f"&accepted={len(accepted.accepted)}&skipped={len(accepted.skipped)}"
    )
    raise web.HTTPSeeOther(target)


async def review(request: web.Request) -> web.Response:
    """The line at `at` of those of an import waiting for review (past the end: the first),
    or the import when none is left."""
    import_id = _number(request.match_info["import_id"], default=-1)
    at = _number(request.query.get("at"))
    done = request.query.get("done", "")
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        statements = services.statements
        try:
            await statements.summary(actor, import_id)
        except NotFound:
            raise refused(request, actor, "missing", status=404) from None
        found = await statements.lines(actor, import_id=import_id, sure=False, page=at, per_page=1)
        if found.total and not found.lines:
            at = 0
            found = await statements.lines(actor, import_id=import_id, sure=False, per_page=1)
    flash = f"&done={done}" if done in _DONE_FLASHES else ""
    if not found.lines:
        raise web.HTTPSeeOther(f"{CABINET_PREFIX}/statements/{import_id}?reviewed=1{flash}")
    raise web.HTTPSeeOther(f"{CABINET_PREFIX}/statements/lines/{found.lines[0].id}?at={at}{flash}")


_DONE_FLASHES = ("accepted", "assigned", "ignored", "kept")


async def _line_page(
    request: web.Request,
    services: Any,
    actor: Actor,
    line: LineView,
    *,
    status: int = 200,
    problem: str = "",
) -> web.Response:
    statements = services.statements
    query = request.query
    at = _number(query.get("at"))
    searched = " ".join(query.get("q", "").split())[:100]
    candidates, found, categories = [], [], []
    position = total = 0
    if line.state in OPEN:
        candidates = await statements.candidates(actor, line.id)
        if searched:
            found = await statements.search_targets(actor, line.id, searched)
        kind = EntryKind.INCOME if line.direction is Direction.IN else EntryKind.EXPENSE
        categories = await services.categories.active(kind)
        waiting = await statements.lines(
            actor, import_id=line.import_id, sure=False, page=at, per_page=1
        )
        total = waiting.total
        if waiting.lines and waiting.lines[0].id == line.id:
            position = at + 1
    return render(
        request,
        "statements_line.html",
        status=status,
        actor=actor,
        line=line,
        at=at,
        position=position,
        total=total,
        searched=searched,
        candidates=candidates,
        found=found,
        categories=categories,
        problem=problem,
        done=query.get("done", ""),
        tz=config_of(request).context.clock.tz,
    )


async def line_page(request: web.Request) -> web.Response:
    line_id = _number(request.match_info["line_id"], default=-1)
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        try:
            line = await services.statements.line(actor, line_id)
        except NotFound:
            raise refused(request, actor, "missing", status=404) from None
        return await _line_page(request, services, actor, line)


def _field(form: MultiDictProxy[Any], name: str) -> int | None:
    value = form.get(name)
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()) or len(value) >= 19:
        return None
    return int(value)


async def decide(request: web.Request) -> web.Response:
    """A decision on a line as it was shown (`version`): accept the proposal, keep a line asked
    about, ignore it, or assign it to a payment, a request or a category."""
    line_id = _number(request.match_info["line_id"], default=-1)
    form = await request.post()
    action = form.get("action")
    version, target = _field(form, "version"), _field(form, "target")
    at = _number(str(form.get("at", "")))
    async with unit(request) as services:
        actor = await require(request, services, ROLES)
        statements = services.statements
        try:
            line = await statements.line(actor, line_id)
        except NotFound:
            raise refused(request, actor, "missing", status=404) from None
        texts = texts_for(actor.language)
        tz = config_of(request).context.clock.tz
        try:
            if version is None or action not in ("accept", "keep", "ignore", "assign", "category"):
                raise StatementLineRefused("form")
            if action == "accept":
                await statements.accept(actor, line_id, version=version)
                done = "accepted"
            elif action == "keep":
                await statements.keep(actor, line_id, version=version)
                done = "kept"
            elif action == "ignore":
                await statements.ignore(actor, line_id, version=version)
                done = "ignored"
            else:
                if target is None:
                    raise StatementLineRefused("form")
                if action == "category":
                    to: ToCategory | ToPayment | ToRequest = ToCategory(target)
                elif line.direction is Direction.IN:
                    to = ToPayment(target)
                else:
                    to = ToRequest(target)
                await statements.assign(actor, line_id, to, version=version)
                done = "assigned"
        except DomainError as error:
            line = await statements.line(actor, line_id)
            problem = plain(error_words(error, texts, tz))
            return await _line_page(request, services, actor, line, status=409, problem=problem)
    back = f"{CABINET_PREFIX}/statements/{line.import_id}/review?at={at}&done={done}"
    raise web.HTTPSeeOther(back)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/statements", statements_page)
    router.add_post("/statements/upload", upload)
    router.add_get("/statements/jobs/{job}", job_state)
    router.add_get("/statements/lines/{line_id}", line_page)
    router.add_post("/statements/lines/{line_id}", decide)
    router.add_get("/statements/{import_id}", import_page)
    router.add_post("/statements/{import_id}/accept", accept_sure)
    router.add_get("/statements/{import_id}/review", review)
