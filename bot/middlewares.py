"""Middlewares: clean input, a unit of work per update, the acting person and their language,
role checks.

Order matters: the input is cleaned first (nothing reads a NUL), then the database (it dedupes
redelivered updates and opens the unit of work), then the actor (which needs the database),
then, per handler, the role check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.dispatcher.middlewares.user_context import (
    EVENT_CHAT_KEY,
    EVENT_CONTEXT_KEY,
    EVENT_FROM_USER_KEY,
    UserContextMiddleware,
)
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from pydantic import BaseModel
from sqlalchemy import update as sa_update

from bot.texts import texts_for
from config.settings import Settings
from ledger.clock import Clock
from ledger.storage.database import Database
from ledger.storage.models import ProcessedUpdateRow
from ledger.storage.uow import UnitOfWork
from ledger.text import clean_text, needs_cleaning
from ledger.users import Person

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class EdgeContext(Protocol):
    """What the Telegram edge needs from the application that composes it."""

    settings: Settings
    database: Database
    clock: Clock

    def handler_services(self, uow: UnitOfWork) -> dict[str, object]:
        """The use cases of one update by handler parameter name."""
        ...


class CleanInputMiddleware(BaseMiddleware):
    """Every string of an update (text, caption, callback data, names, file names) without
    NUL and other control characters (`ledger.text`), before anything reads or stores it.

    An update that needs no cleaning (nearly all, found in microseconds) goes on as it came;
    another is rebuilt, and the user and chat aiogram already took from it are taken again
    from the clean one.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update = cast(Update, event)
        if not _has_unsafe_text(update):
            return await handler(event, data)
        clean = Update.model_validate(
            _cleaned(update.model_dump(exclude_unset=True)), context={"bot": data["bot"]}
        )
        context = UserContextMiddleware.resolve_event_context(clean)
        data[EVENT_CONTEXT_KEY] = context
        if context.user is not None:
            data[EVENT_FROM_USER_KEY] = context.user
        if context.chat is not None:
            data[EVENT_CHAT_KEY] = context.chat
        return await handler(clean, data)


def _has_unsafe_text(value: Any) -> bool:
    """Whether any string in a Telegram object needs cleaning (its set fields only: cheap)."""
    if isinstance(value, str):
        return needs_cleaning(value)
    if isinstance(value, BaseModel):
        return any(_has_unsafe_text(getattr(value, name)) for name in value.model_fields_set) or (
            any(_has_unsafe_text(item) for item in (value.model_extra or {}).values())
        )
    if isinstance(value, list | tuple):
        return any(_has_unsafe_text(item) for item in value)
    return False


def _cleaned(value: Any) -> Any:
    """A dumped update with every string in it cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


class DatabaseMiddleware(BaseMiddleware):
    """One session per update; an update handled before changes nothing (Telegram redelivers).

    The processed-update marker is not checked up front (a query on every update) but written
    with the update's change, so a redelivered update fails (on the marker's primary key, or
    earlier on the state its first delivery changed) and rolls back whole. An update that
    changes nothing writes no marker; repeating it repeats an answer.

    Once the handler has sent its replies the marker is stamped answered (a second, tiny
    write). A redelivered update whose marker is answered is dropped, silently; one whose
    marker is not (the process died between the commit and the reply) is run again in replay
    mode (`UnitOfWork.replaying`): the use cases find what the first delivery made and the
    handler answers from that, changing nothing.
    """

    def __init__(self, context: EdgeContext) -> None:
        self._context = context

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update = cast(Update, event)  # registered on dispatcher.update: always an Update
        async with self._context.database.unit_of_work() as uow:
            key = {"bot_id": data["bot"].id, "update_id": update.update_id}
            uow.add_on_commit(ProcessedUpdateRow(**key, at=self._context.clock.now()))
            data.update(self._context.handler_services(uow))
            try:
                result = await handler(event, data)
            except Exception:
                # A redelivered update fails either on the marker itself or earlier, on the
                # state its first delivery changed ("already saved"): either way, it is done.
                await uow.rollback()
                if uow.on_commit_rows_written:
                    raise  # this very delivery marked the update: a real failure after it
                marker = await uow.session.get(ProcessedUpdateRow, key)
                if marker is None:
                    raise
                if marker.answered_at is not None:
                    log.info("update %s was handled before; dropped", update.update_id)
                    return None
                return await self._answer_again(handler, update, data, uow, key)
            if uow.on_commit_rows_written:
                await self._mark_answered(uow, key)
            return result

    async def _answer_again(
        self,
        handler: Handler,
        update: Update,
        data: dict[str, Any],
        uow: UnitOfWork,
        key: dict[str, int],
    ) -> Any:
        """The update's change is committed but was never answered: answer from what is stored."""
        log.info("update %s was handled before, never answered: answering", update.update_id)
        uow.replaying = True
        try:
            result = await handler(update, data)
        except Exception:
            await uow.rollback()
            # Its change is made; what the person missed is an answer this handler cannot
            # draw again from what is stored. Nothing is applied twice either way.
            log.warning(
                "update %s: its change was made before; no answer could be drawn again",
                update.update_id,
                exc_info=True,
            )
            return None
        await self._mark_answered(uow, key)
        return result

    async def _mark_answered(self, uow: UnitOfWork, key: dict[str, int]) -> None:
        """Stamp the marker answered. Failing here costs at most a second answer to a
        redelivery, so it is logged, not shown to the person as a failure."""
        try:
            # Incidental: not the update's change, and allowed while replaying.
            async with uow.write(incidental=True):
                await uow.session.execute(
                    sa_update(ProcessedUpdateRow)
                    .where(
                        ProcessedUpdateRow.bot_id == key["bot_id"],
                        ProcessedUpdateRow.update_id == key["update_id"],
                    )
                    .values(answered_at=self._context.clock.now())
                )
                await uow.commit()
        except Exception:
            log.warning("update %s: could not mark it answered", key["update_id"], exc_info=True)


class ActorMiddleware(BaseMiddleware):
    """Who is acting (None for a stranger) and the texts in their language."""

    def __init__(self, context: EdgeContext) -> None:
        self._default_language = context.settings.default_language

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        actor = None
        if user is not None and not user.is_bot:
            actor = await data["users"].resolve(
                Person(
                    telegram_id=user.id,
                    name=user.full_name,
                    username=user.username,
                    language=user.language_code,
                )
            )
        data["actor"] = actor
        language = actor.language if actor else (user.language_code if user else None)
        data["texts"] = texts_for(language, self._default_language)
        return await handler(event, data)


class RolesMiddleware(BaseMiddleware):
    """Checks the handler's `roles` flag on every message *and* callback (data can be forged).

    A handler without a `roles` flag is refused unless flagged `public`: forgetting the flag
    closes a door rather than opening it.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if get_flag(data, "public"):
            return await handler(event, data)
        allowed = get_flag(data, "roles")
        actor = data.get("actor")
        texts = data["texts"]
        if allowed and actor is not None and actor.has_any(allowed):
            return await handler(event, data)
        if allowed is None:
            log.error("handler %s has no roles flag; refused", data.get("handler"))
        refusal = texts.unknown_user if actor is None else texts.not_allowed
        if isinstance(event, CallbackQuery):
            await event.answer(refusal, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(refusal)
        return None
