"""One place turns errors into answers: bad input and refusals get words, nothing changes.

Services raise; the unit of work has already rolled back by the time an error arrives here.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.texts import Texts, texts_for
from ledger.amounts import AmountError
from ledger.dates import DateError
from ledger.errors import (
    AlreadyReversed,
    AttachmentRefused,
    CannotReverse,
    CannotRevokeOwner,
    CategoryProblem,
    DomainError,
    InviteRefused,
    NotAllowed,
    NotFound,
    NotLinkedToCrm,
    NotYours,
    StaleDraft,
    TextTooLong,
)

log = logging.getLogger(__name__)


def describe(error: Exception, texts: Texts, tz: Any = None) -> str | None:
    """User-facing words for an expected error; None for a bug."""
    match error:
        case AmountError():
            return texts.amount_error(error)
        case DateError():
            return texts.date_error(error)
        case StaleDraft():
            return texts.stale(error.status)
        case AlreadyReversed():
            when = error.at.astimezone(tz) if tz else error.at
            return texts.already_reversed(error.by_name, when.strftime("%d.%m.%Y %H:%M"))
        case CannotReverse():
            return texts.cannot_reverse
        case NotYours():
            return texts.not_yours
        case NotAllowed():
            return texts.not_allowed
        case NotFound():
            return texts.not_found
        case NotLinkedToCrm():
            return texts.deals_not_linked
        case InviteRefused():
            return texts.invite_refused(error.reason)
        case CannotRevokeOwner():
            return texts.cannot_revoke_owner
        case AttachmentRefused():
            return texts.attachment_refused(error.reason)
        case CategoryProblem():
            return texts.category_problem(error.reason)
        case TextTooLong():
            return texts.text_too_long(error.limit)
        case DomainError():
            return texts.not_allowed
    return None


async def answer_error(event: ErrorEvent, **data: Any) -> bool:
    texts: Texts = data.get("texts") or texts_for(None)
    context = data.get("app_context")
    text = describe(event.exception, texts, context.clock.tz if context else None)
    if text is None:
        log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
        text = texts.unexpected_error
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(answer_error)
    return router
