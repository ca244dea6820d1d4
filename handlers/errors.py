"""What the routers share for errors: how an error is answered, and the fallback for the rest.

Each router registers, with `ExceptionTypeFilter`, the errors it raises, next to the handlers
that raise them. aiogram offers an error to the routers' error handlers in the order the routers
are included, wherever it was raised: so each error type is claimed by one router, and this
router, included last, takes what no other claimed. A refusal several routers share
(`NotFound`, `ConfirmationExpired`, the refusals of confirming money — by the cash desk, the
accountant or a link — those of payment requests — by the form, the approver, the registry or
a link — those of a bank statement's lines and of payment orders, and `NotAllowed` as the
generic domain error) gets its words here;
anything else is a bug, logged, with an apology.

Services raise; the unit of work has already rolled back by the time an error arrives here.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
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


async def not_found(event: ErrorEvent, texts: Texts) -> None:
    missing = cast(NotFound, event.exception).what
    await answer_error(
        event, texts.category_not_found if missing == "category" else texts.not_found
    )


async def confirmation_expired(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.confirmation_expired)


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


async def already_confirmed(event: ErrorEvent, texts: Texts, tz: tzinfo) -> None:
    error = cast(AlreadyConfirmed, event.exception)
    await answer_error(event, texts.already_confirmed(error.by_name, _when(error.at, tz)))


async def payment_changed(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.payment_changed)


async def payment_refused(event: ErrorEvent, texts: Texts) -> None:
    error = cast(PaymentRefused, event.exception)
    remaining = error.remaining if isinstance(error.remaining, Money) else None
    await answer_error(event, texts.payment_refused(error.reason, remaining))


async def already_accepted(event: ErrorEvent, texts: Texts, tz: tzinfo) -> None:
    error = cast(AlreadyAccepted, event.exception)
    await answer_error(event, texts.already_accepted(error.by_name, _when(error.at, tz)))


async def handover_refused(event: ErrorEvent, texts: Texts) -> None:
    error = cast(HandoverRefused, event.exception)
    handed = error.handed if isinstance(error.handed, Money) else None
    await answer_error(event, texts.handover_refused(error.reason, handed))


async def link_refused(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.link_refused(cast(LinkRefused, event.exception).reason))


async def request_moved(event: ErrorEvent, texts: Texts, tz: tzinfo) -> None:
    error = cast(RequestMoved, event.exception)
    await answer_error(event, texts.request_moved(error.status, error.by_name, _when(error.at, tz)))


async def request_refused(event: ErrorEvent, texts: Texts) -> None:
    error = cast(RequestRefused, event.exception)
    amount = next(
        (value for value in (error.remaining, error.limit) if isinstance(value, Money)), None
    )
    await answer_error(
        event,
        texts.request_refused(
            error.reason,
            status=error.status,
            missing=error.missing,
            amount=amount,
            limit=error.limit if isinstance(error.limit, int) else None,
        ),
    )


async def details_refused(event: ErrorEvent, texts: Texts) -> None:
    problems = cast(DetailsRefused, event.exception).problems
    pairs = [(str(getattr(p, "field", "")), str(getattr(p, "reason", ""))) for p in problems]
    await answer_error(event, texts.details_refused(pairs))


async def statement_line_moved(event: ErrorEvent, texts: Texts, tz: tzinfo) -> None:
    error = cast(StatementLineMoved, event.exception)
    when = _when(error.at, tz)
    await answer_error(event, texts.statement_line_moved(error.state, error.by_name, when))


async def statement_line_refused(event: ErrorEvent, texts: Texts) -> None:
    reason = cast(StatementLineRefused, event.exception).reason
    await answer_error(event, texts.statement_line_refused(reason))


async def orders_refused(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.orders_refused(cast(OrdersRefused, event.exception).reason))


async def refused(event: ErrorEvent, texts: Texts) -> None:
    await answer_error(event, texts.not_allowed)


async def unexpected(event: ErrorEvent, **data: Any) -> None:
    """A bug. It may have struck before the person's language was known: then, the default."""
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    texts: Texts = data.get("texts") or texts_for(None)
    await answer_error(event, texts.unexpected_error)


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(not_found, ExceptionTypeFilter(NotFound))
    router.errors.register(confirmation_expired, ExceptionTypeFilter(ConfirmationExpired))
    router.errors.register(already_confirmed, ExceptionTypeFilter(AlreadyConfirmed))
    router.errors.register(payment_changed, ExceptionTypeFilter(PaymentChanged))
    router.errors.register(payment_refused, ExceptionTypeFilter(PaymentRefused))
    router.errors.register(already_accepted, ExceptionTypeFilter(AlreadyAccepted))
    router.errors.register(handover_refused, ExceptionTypeFilter(HandoverRefused))
    router.errors.register(link_refused, ExceptionTypeFilter(LinkRefused))
    router.errors.register(request_moved, ExceptionTypeFilter(RequestMoved))
    router.errors.register(request_refused, ExceptionTypeFilter(RequestRefused))
    router.errors.register(details_refused, ExceptionTypeFilter(DetailsRefused))
    router.errors.register(statement_line_moved, ExceptionTypeFilter(StatementLineMoved))
    router.errors.register(statement_line_refused, ExceptionTypeFilter(StatementLineRefused))
    router.errors.register(orders_refused, ExceptionTypeFilter(OrdersRefused))
    router.errors.register(refused, ExceptionTypeFilter(DomainError))
    router.errors.register(unexpected)
    return router
