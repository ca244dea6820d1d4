"""What the routers share for errors: how an error is answered, and the fallback for the rest.

Each router registers, with `ExceptionTypeFilter`, the errors it raises, next to the handlers
that raise them. aiogram offers an error to the routers' error handlers in the order the routers
are included, wherever it was raised: so each error type is claimed by one router, and this
router, included last, takes what no other claimed. A refusal several routers share
(`NotFound`, `ConfirmationExpired`, the refusals of confirming money — by the cash desk, the
accountant or a link — those of payment requests — by the form, the approver, the registry or
a link — those of a bank statement's lines and of payment orders, and `NotAllowed` as the
generic domain error) gets its words here (`error_words`: a cabinet page calling the same
service says the same); anything else is a bug, logged, with an apology.

Services raise; the unit of work has already rolled back by the time an error arrives here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from bot.texts import Texts, texts_for
from ledger.errors import (
    AlreadyAccepted,
    AlreadyConfirmed,
    ConfirmationExpired,
    DetailsRefused,
    DomainError,
    HandoverRefused,
    LinkRefused,
    NotFound,
    OrdersRefused,
    PaymentChanged,
    PaymentRefused,
    RequestMoved,
    RequestRefused,
    StatementLineMoved,
    StatementLineRefused,
)
from ledger.money import Money

log = logging.getLogger(__name__)


async def answer_error(event: ErrorEvent, text: str) -> None:
    """A tapped button gets an alert (Telegram shows at most 200 characters); a message, a reply."""
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def error_words(error: DomainError, texts: Texts, tz: tzinfo) -> str:
    """What a refusal the routers share says, wherever it was raised: in the chat, or on a
    cabinet page that calls the same service."""
    if isinstance(error, NotFound):
        return texts.category_not_found if error.what == "category" else texts.not_found
    if isinstance(error, ConfirmationExpired):
        return texts.confirmation_expired
    if isinstance(error, AlreadyConfirmed):
        return texts.already_confirmed(error.by_name, _when(error.at, tz))
    if isinstance(error, PaymentChanged):
        return texts.payment_changed
    if isinstance(error, PaymentRefused):
        remaining = error.remaining if isinstance(error.remaining, Money) else None
        return texts.payment_refused(error.reason, remaining)
    if isinstance(error, AlreadyAccepted):
        return texts.already_accepted(error.by_name, _when(error.at, tz))
    if isinstance(error, HandoverRefused):
        handed = error.handed if isinstance(error.handed, Money) else None
        return texts.handover_refused(error.reason, handed)
    if isinstance(error, LinkRefused):
        return texts.link_refused(error.reason)
    if isinstance(error, RequestMoved):
        return texts.request_moved(error.status, error.by_name, _when(error.at, tz))
    if isinstance(error, RequestRefused):
        amount = next(
            (value for value in (error.remaining, error.limit) if isinstance(value, Money)), None
        )
        return texts.request_refused(
            error.reason,
            status=error.status,
            missing=error.missing,
            amount=amount,
            limit=error.limit if isinstance(error.limit, int) else None,
        )
    if isinstance(error, DetailsRefused):
        pairs = [
            (str(getattr(p, "field", "")), str(getattr(p, "reason", ""))) for p in error.problems
        ]
        return texts.details_refused(pairs)
    if isinstance(error, StatementLineMoved):
        return texts.statement_line_moved(error.state, error.by_name, _when(error.at, tz))
    if isinstance(error, StatementLineRefused):
        return texts.statement_line_refused(error.reason)
    if isinstance(error, OrdersRefused):
        return texts.orders_refused(error.reason)
    return texts.not_allowed


async def shared_refusal(event: ErrorEvent, texts: Texts, tz: tzinfo | None = None) -> None:
    error = cast(DomainError, event.exception)
    await answer_error(event, error_words(error, texts, tz or UTC))


async def unexpected(event: ErrorEvent, **data: Any) -> None:
    """A bug. It may have struck before the person's language was known: then, the default."""
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    texts: Texts = data.get("texts") or texts_for(None)
    await answer_error(event, texts.unexpected_error)


def create_router() -> Router:
    router = Router(name="errors")
    shared = (
        NotFound,
        ConfirmationExpired,
        AlreadyConfirmed,
        PaymentChanged,
        PaymentRefused,
        AlreadyAccepted,
        HandoverRefused,
        LinkRefused,
        RequestMoved,
        RequestRefused,
        DetailsRefused,
        StatementLineMoved,
        StatementLineRefused,
        OrdersRefused,
        DomainError,  # the generic refusal: `texts.not_allowed`
    )
    router.errors.register(shared_refusal, ExceptionTypeFilter(*shared))
    router.errors.register(unexpected)
    return router
