"""One payment request: `/cabinet/requests/{id}`, for whoever may see it (the ledger's rules:
`ledger.requests.access`), opened from the registry's rows.

Every detail as the bot's card shows it, the invoice inline (an image as an image, a PDF in a
frame of our own route) and to download under its own name, the comments, the history, and
the forms the viewer's role and the request's status allow (`RequestService.abilities`):
approve, reject with a reason, return for rework with a comment, record a payment with its
payment order, comment. Each is the service the bot's buttons call (so the chat is told), a
POST with the CSRF token answered by a redirect back here with what happened; a refusal (it
moved meanwhile, a wrong amount, a future date…) is shown in words on the page, nothing
changed. An id the viewer may not see answers 404 with the refusal page, as does an action
on it, and nothing changes.

The files stay in Telegram as the bot keeps them: shown through the bot (getFile and the
download); a payment order uploaded here is checked by its size and its own bytes, as the
chat's, then handed to Telegram in the payer's own chat (they get it there, captioned) so the
payment keeps it by its file id as any other.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile
from aiohttp import web
from markupsafe import Markup

from app.cabinet.core import CABINET_PREFIX, config_of, refused, render, require, unit
from app.context import Services
from bot.texts import Texts, texts_for
from ledger.amounts import AmountError, AmountProblem, parse_amount
from ledger.attachments import (
    HEAD_BYTES,
    MAX_RECEIPT_BYTES,
    RECEIPT_TYPES,
    ReceiptKind,
    receipt_type,
)
from ledger.dates import DateError, parse_date
from ledger.errors import NotAllowed, NotFound, NotYours, RequestMoved, RequestRefused
from ledger.money import Money
from ledger.requests.files import StoredFile, described
from ledger.requests.states import RequestStatus
from ledger.roles import Actor

log = logging.getLogger(__name__)

ID = r"{id:[0-9]{1,12}}"
PAGE = f"/requests/{ID}"
DONE = frozenset({"approved", "rejected", "returned", "paid", "commented"})
# A file shown in our own frame: nothing in it runs, only this app may frame it.
FILE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'"
)


class Problem(Exception):
    """Bad input or a refusal: shown in words on the page, with `status`; nothing changed."""

    def __init__(self, words: str, status: int = 400) -> None:
        super().__init__(words)
        self.words = words
        self.status = status


@dataclass(frozen=True, slots=True)
class Asked:
    """What a form sent back, shown again in it after a refusal."""

    form: str
    values: dict[str, str]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _tz(request: web.Request) -> tzinfo:
    return config_of(request).context.settings.tz


def _texts(actor: Actor) -> Texts:
    return texts_for(actor.language)


async def _visible(request: web.Request, services: Services, actor: Actor, request_id: int) -> None:
    """Nothing about a request the viewer may not see: the refusal page, 404."""
    try:
        await services.requests.get(actor, request_id)
    except (NotYours, NotFound):
        raise refused(request, actor, "missing", status=404) from None


# -- the page ---------------------------------------------------------------------------------


async def page(request: web.Request) -> web.Response:
    request_id = _id(request)
    async with unit(request) as services:
        actor = await require(request, services)
        await _visible(request, services, actor, request_id)
        done = request.query.get("done", "")
        return await _page(request, services, actor, request_id, done=done if done in DONE else "")


async def _page(
    request: web.Request,
    services: Services,
    actor: Actor,
    request_id: int,
    *,
    done: str = "",
    problem: Problem | None = None,
    asked: Asked | None = None,
) -> web.Response:
    texts, tz = _texts(actor), _tz(request)
    requests = services.requests
    card = await requests.card(actor, request_id)
    abilities = await requests.abilities(actor, request_id)
    comments = await requests.comments(actor, request_id)
    history = await requests.history(actor, request_id)
    r = card.request
    today = config_of(request).context.clock.today()

    def when(at: datetime) -> str:
        return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")

    note = _done(texts, done, card, abilities.waiting_for) if done else None
    return render(
        request,
        "request.html",
        status=problem.status if problem else 200,
        actor=actor,
        card=card,
        r=r,
        abilities=abilities,
        comments=comments,
        history=[
            Markup(
                texts.mine_history_line(
                    when(h.at), h.by_name, h.action, h.field, h.old, h.new, h.note
                )
            )
            for h in history
        ],
        approvals=[
            Markup(texts._desk_approval(a, r.steps, tz).removeprefix("• ")) for a in card.approvals
        ],
        payments=[(p, Markup(texts._desk_payment(p).removeprefix("• "))) for p in card.payments],
        tz=tz,
        status_name=texts.desk_status(r.status),
        overdue=r.is_overdue(today),
        today=today,
        when=when,
        note=note,
        problem=Markup(problem.words) if problem else None,
        asked=asked.values if asked else {},
        asked_form=asked.form if asked else "",
        image=r.invoice is not None and r.invoice.content_type.startswith("image/"),
        page=f"{CABINET_PREFIX}/requests/{r.id}",
        foreign=r.amount is not None and r.amount.currency != "RUB",
        max_bytes=MAX_RECEIPT_BYTES,
    )


def _done(texts: Texts, done: str, card: Any, waiting_for: tuple[str, ...]) -> Markup | None:
    """What the action just done did, in the chat's words above the card."""
    r = card.request
    match done:
        case "approved":
            if r.status is RequestStatus.SUBMITTED:
                return Markup(texts.desk_step_approved(r, waiting_for))
            return Markup(texts.desk_approved(r))
        case "rejected":
            return Markup(texts.desk_rejected(r))
        case "returned":
            return Markup(texts.desk_returned(r))
        case "paid" if card.payments:
            return Markup(texts.desk_paid(card.payments[-1], r))
        case "commented":
            return Markup(texts.desk_commented)
    return None


# -- actions ----------------------------------------------------------------------------------


async def _act(request: web.Request, form: str, action: Any) -> web.StreamResponse:
    """Run `action(services, actor, request_id, fields)` for a request the viewer may see;
    then back to the page with what it did, or the page again with the refusal."""
    request_id = _id(request)
    fields = await request.post()
    error: Exception
    try:
        async with unit(request) as services:
            actor = await require(request, services)
            await _visible(request, services, actor, request_id)
            done = await action(request, services, actor, request_id, fields)
    except (Problem, RequestRefused, RequestMoved, NotAllowed) as refusal:
        error = refusal
    except (NotYours, NotFound):  # it went out of sight meanwhile
        raise refused(request, None, "missing", status=404) from None
    else:
        raise web.HTTPSeeOther(f"{CABINET_PREFIX}/requests/{request_id}?done={done}")
    kept = {key: value for key, value in fields.items() if isinstance(value, str)}
    kept.pop("csrf", None)
    async with unit(request) as services:  # the page as it is now, in a unit of its own
        actor = await require(request, services)
        await _visible(request, services, actor, request_id)
        problem = _problem(_texts(actor), error, _tz(request))
        return await _page(
            request, services, actor, request_id, problem=problem, asked=Asked(form, kept)
        )


def _problem(texts: Texts, error: Exception, tz: tzinfo) -> Problem:
    """The words for a refusal, as the chat's error router words them."""
    if isinstance(error, Problem):
        return error
    if isinstance(error, RequestMoved):
        when = error.at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
        return Problem(texts.request_moved(error.status, error.by_name, when), 409)
    if isinstance(error, NotAllowed):
        return Problem(texts.not_allowed, 403)
    assert isinstance(error, RequestRefused)
    amount = next(
        (value for value in (error.remaining, error.limit) if isinstance(value, Money)), None
    )
    words = texts.request_refused(
        error.reason,
        status=error.status,
        missing=error.missing,
        amount=amount,
        limit=error.limit if isinstance(error.limit, int) else None,
    )
    return Problem(words)


def _version(fields: Any) -> int | None:
    """The version the form was drawn at: it acts only on the request as it was shown."""
    value = fields.get("version")
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def _text(fields: Any, name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


async def _approve(
    request: web.Request, services: Services, actor: Actor, request_id: int, fields: Any
) -> str:
    await services.requests.approve(actor, request_id, version=_version(fields))
    return "approved"


async def _reject(
    request: web.Request, services: Services, actor: Actor, request_id: int, fields: Any
) -> str:
    reason = _text(fields, "reason")
    await services.requests.reject(actor, request_id, reason, version=_version(fields))
    return "rejected"


async def _return(
    request: web.Request, services: Services, actor: Actor, request_id: int, fields: Any
) -> str:
    comment = _text(fields, "comment")
    await services.requests.return_for_rework(actor, request_id, comment, version=_version(fields))
    return "returned"


async def _comment(
    request: web.Request, services: Services, actor: Actor, request_id: int, fields: Any
) -> str:
    await services.requests.comment(actor, request_id, _text(fields, "text"))
    return "commented"


async def _pay(
    request: web.Request, services: Services, actor: Actor, request_id: int, fields: Any
) -> str:
    """Each answer checked as the chat checks it, then the payment recorded once: the
    date, the amount (all that is left, or a part), the rubles for another currency, and the
    payment order (checked by its size and bytes) or «без платёжки» said outright."""
    texts = _texts(actor)
    payments = services.request_payments
    version = _version(fields)
    today = config_of(request).context.clock.today()
    rest = await payments.check(actor, request_id, version=version)
    try:
        day = parse_date(_text(fields, "paid_on"), today=today, allow_future=True)
    except DateError as error:
        raise Problem(texts.date_error(error)) from None
    typed = _text(fields, "amount").strip()
    try:
        amount = parse_amount(typed, currency=rest.currency) if typed else rest
    except AmountError as error:
        raise Problem(_amount_words(texts, error)) from None
    rubles = None
    if rest.currency != "RUB":
        try:
            rubles = parse_amount(_text(fields, "rubles"))
        except AmountError:
            raise Problem(texts.request_refused("rubles")) from None
    await payments.check(actor, request_id, amount=amount, rubles=rubles, on=day, version=version)
    upload = fields.get("order")
    sent = isinstance(upload, web.FileField) and bool(upload.filename)
    without = _text(fields, "no_order") == "1"
    if sent == without:  # neither, or both: say which it is
        raise Problem(texts.cabinet_order_or_none)
    order = None
    if sent:
        assert isinstance(upload, web.FileField)
        data = _read(upload, texts)
        order = await _keep(request, actor, texts, request_id, day, data, upload.filename)
    paid = await payments.pay(
        actor,
        request_id,
        amount=amount,
        rubles=rubles,
        on=day,
        order=order,
        version=version,
    )
    log.info("cabinet: request %s paid %s by user %s", request_id, paid.payment.id, actor.user_id)
    return "paid"


def _amount_words(texts: Texts, error: AmountError) -> str:
    if error.problem is AmountProblem.NO_DESCRIPTION:
        return texts.amount_error(AmountError(AmountProblem.NOT_A_NUMBER))
    return texts.amount_error(error)


def _read(upload: web.FileField, texts: Texts) -> bytes:
    """The uploaded file's bytes, if it may be a payment order: not over the limit, and a PDF
    or an image by its own first bytes (the declared type is only a claim)."""
    data = upload.file.read(MAX_RECEIPT_BYTES + 1)
    if len(data) > MAX_RECEIPT_BYTES:
        raise Problem(texts.desk_file_refused(True), 413)
    if not data or receipt_type(data[:HEAD_BYTES]) is None:
        raise Problem(texts.desk_file_refused(False))
    return data


async def _keep(
    request: web.Request,
    actor: Actor,
    texts: Texts,
    request_id: int,
    day: date,
    data: bytes,
    name: str,
) -> StoredFile:
    """The payment order handed to Telegram, in the payer's own chat, as the bot keeps files:
    by the file id Telegram gives it, described by its own bytes."""
    bot = _bot(request)
    shown = " ".join(name.split())[:255] or f"order-{request_id}"
    try:
        message = await bot.send_document(
            actor.telegram_id,
            BufferedInputFile(data, filename=shown),
            caption=texts.desk_order_caption(request_id, day),
        )
    except TelegramAPIError as exc:
        log.warning("cabinet: payment order of request %s not kept: %s", request_id, exc)
        raise Problem(texts.cabinet_order_not_kept, 502) from None
    if message.document is None:
        raise Problem(texts.desk_file_refused(False))
    return described(message.document.file_id, ReceiptKind.DOCUMENT, data, shown)


def _bot(request: web.Request) -> Bot:
    bot = config_of(request).bot
    if bot is None:
        raise web.HTTPServiceUnavailable(text="the bot is not connected")
    return bot


# -- files ------------------------------------------------------------------------------------


async def invoice(request: web.Request) -> web.StreamResponse:
    """The invoice, inline (the page's <img> or frame)."""
    return await _invoice(request, inline=True)


async def invoice_download(request: web.Request) -> web.StreamResponse:
    return await _invoice(request, inline=False)


async def _invoice(request: web.Request, *, inline: bool) -> web.StreamResponse:
    request_id = _id(request)
    async with unit(request) as services:
        actor = await require(request, services)
        try:
            file = await services.requests.invoice(actor, request_id)
        except (NotYours, NotFound):
            raise refused(request, actor, "missing", status=404) from None
    return await _file(request, file, f"invoice-{request_id}", inline=inline)


async def order(request: web.Request) -> web.StreamResponse:
    """A payment's payment order, to download: the payment must be of this request."""
    request_id, payment_id = _id(request), int(request.match_info["payment"])
    async with unit(request) as services:
        actor = await require(request, services)
        try:
            payments = await services.request_payments.payments(actor, request_id)
            if payment_id not in {p.id for p in payments}:
                raise NotFound("request_payment", payment_id)
            file = await services.request_payments.payment_order(actor, payment_id)
        except (NotYours, NotFound):
            raise refused(request, actor, "missing", status=404) from None
    return await _file(request, file, f"order-{request_id}-{payment_id}", inline=False)


async def _file(
    request: web.Request, file: StoredFile, fallback: str, *, inline: bool
) -> web.Response:
    """A kept file from Telegram, typed by its own bytes: a PDF or an image may be shown
    inline; anything else only downloaded, never sniffed into something that runs."""
    bot = _bot(request)
    try:
        content = await bot.download(file.file_id, destination=io.BytesIO())
    except TelegramAPIError as exc:
        log.warning("cabinet: file %s out of reach: %s", fallback, exc)
        raise web.HTTPBadGateway(text="Telegram did not give the file") from None
    data = content.getvalue() if isinstance(content, io.BytesIO) else b""
    kind = receipt_type(data[:HEAD_BYTES])
    shown = kind is not None and kind in RECEIPT_TYPES
    name = file.name or fallback + _suffix(kind)
    disposition = "inline" if inline and shown else "attachment"
    return web.Response(
        body=data,
        headers={
            "Content-Type": kind if shown and kind else "application/octet-stream",
            "Content-Disposition": _disposition(disposition, name, fallback + _suffix(kind)),
            "Content-Security-Policy": FILE_CSP,
            "Cache-Control": "private, no-store",
        },
    )


def _suffix(kind: str | None) -> str:
    return {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/webp": ".webp",
        "image/heic": ".heic",
    }.get(kind or "", "")


def _disposition(disposition: str, name: str, ascii_name: str) -> str:
    """The file's own name (RFC 6266: `filename*` in UTF-8), an ASCII one for old clients."""
    clean = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\/') or ascii_name
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


# -- routes -----------------------------------------------------------------------------------


def _post(form: str, action: Any) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _act(request, form, action)

    return handler


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(PAGE, page)
    router.add_get(f"{PAGE}/invoice", invoice)
    router.add_get(f"{PAGE}/invoice/download", invoice_download)
    router.add_get(f"{PAGE}/payments/{{payment:[0-9]{{1,12}}}}/order", order)
    router.add_post(f"{PAGE}/approve", _post("approve", _approve))
    router.add_post(f"{PAGE}/reject", _post("reject", _reject))
    router.add_post(f"{PAGE}/return", _post("return", _return))
    router.add_post(f"{PAGE}/pay", _post("pay", _pay))
    router.add_post(f"{PAGE}/comment", _post("comment", _comment))
