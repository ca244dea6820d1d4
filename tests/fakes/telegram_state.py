"""The state of the fake Telegram: chats and the messages in them, files, the webhook the bot
registered, the queue of updates waiting for the bot, and a record of every Bot API call.

Everything here is what a test asserts on or what the HTTP side (`tests/fakes/telegram.py`)
reads and changes while it answers the bot; nothing here speaks HTTP. The people on the other
side of the chats are `tests/fakes/telegram_user.py`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

# Telegram does not deliver these unless they are asked for explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


# How long an update may take to be handled before a test calls it lost. Generous: on CI's
# two cores, both suites and a headless browser run at once, and reading an invoice's PDF
# took over five seconds there; a hang still fails, a slow machine does not.
HANDLING_TIMEOUT = 20.0


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class ApiCall:
    """One Bot API method call as the fake received it (JSON fields decoded)."""

    method: str
    params: dict[str, Any]


@dataclass
class WebhookInfo:
    """The webhook the bot registered with setWebhook."""

    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    drop_pending_updates: bool = False
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent, as Telegram stores it (kept current by edits)."""

    chat: dict[str, Any]
    from_user: dict[str, Any]
    message_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    reply_markup: dict[str, Any] | None = None  # as sent: inline, reply keyboard, remove...
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    upload: UploadedFile | None = None  # the bytes, when the bot uploaded the file
    edit_date: int | None = None

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def body(self) -> str:
        """Text, or caption for media messages, or ``""``."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup is None:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.inline_keyboard for button in row]

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Message`` object for this message."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.from_user,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.text is not None:
            message["text"] = self.text
        if self.entities:
            message["entities"] = self.entities
        if self.document is not None:
            message["document"] = self.document
        if self.photo is not None:
            message["photo"] = self.photo
        if self.caption:
            message["caption"] = self.caption
        if self.caption_entities:
            message["caption_entities"] = self.caption_entities
        # Only inline keyboards belong to a message; reply keyboards are client state.
        if self.inline_keyboard:
            message["reply_markup"] = {"inline_keyboard": self.inline_keyboard}
        return copy.deepcopy(message)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes

    def meta(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id}


@dataclass
class _Outcome:
    failure: str | None = None  # the fake knows the update was not handled, and why
    error: BaseException | None = None  # the handler raised this


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


class TelegramState:
    """Chats, messages, files and updates as Telegram keeps them for one bot."""

    def __init__(self, bot_user: dict[str, Any], *, raise_handler_errors: bool = True) -> None:
        self.bot_user = bot_user
        # When an update handler raised (reported through mark_handled), fail the test step.
        self.raise_handler_errors = raise_handler_errors
        self.base_url = ""  # where the HTTP side serves, once started
        self.calls: list[ApiCall] = []
        self.webhook: WebhookInfo | None = None
        # (update_id, HTTP status of the webhook's answer; 0 when it did not answer)
        self.webhook_deliveries: list[tuple[int, int]] = []
        # Successful answerCallbackQuery calls: (callback query id, params).
        self.callback_answers: list[tuple[str, dict[str, Any]]] = []

        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, list[SentMessage]] = {}
        self._user_messages: dict[int, set[int]] = {}
        self._message_ids: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._open_queries: set[str] = set()  # callback queries not answered yet
        self._answered_queries: set[str] = set()  # a redelivery does not open these again

        self._next_update_id = 1
        self._pending: list[dict[str, Any]] = []
        self._update_notes: dict[int, str] = {}  # what happened to each update, for diagnostics
        self._allowed_updates: set[str] | None = None  # None = Telegram's default set
        self._queue_changed = asyncio.Event()
        self._poll_generation = 0
        self._outcomes: dict[int, _Outcome] = {}
        self._handled: dict[int, asyncio.Event] = {}

    # ------------------------------------------------------------------ records

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    # ------------------------------------------------------------ chats, messages

    def chat(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to a chat and has not deleted, oldest first."""
        return list(self._messages.get(chat_id, []))

    def add_chat(self, chat_id: int, *, chat_type: str = "group", title: str = "Group") -> None:
        """Make a non-private chat exist, so the bot may send to it."""
        self._chats[chat_id] = {"id": chat_id, "type": chat_type, "title": title}

    def next_message_id(self, chat_id: int) -> int:
        """Users' and the bot's messages share one counter per chat, as in Telegram."""
        message_id = self._message_ids.get(chat_id, 1)
        self._message_ids[chat_id] = message_id + 1
        return message_id

    def _learn_from_update(self, update: dict[str, Any]) -> None:
        """An incoming update proves its chat exists and uses up its message id."""
        message = update.get("message") or update.get("edited_message")
        if message is None and "callback_query" in update:
            query = update["callback_query"]
            if query["id"] not in self._answered_queries:
                self._open_queries.add(query["id"])
            message = query.get("message")
        if not message:
            return
        chat_id = int(message["chat"]["id"])
        self._chats.setdefault(chat_id, message["chat"])
        message_id = int(message["message_id"])
        self._message_ids[chat_id] = max(self._message_ids.get(chat_id, 1), message_id + 1)
        if not message.get("from", {}).get("is_bot"):
            self._user_messages.setdefault(chat_id, set()).add(message_id)

    def _store(
        self, chat: dict[str, Any], markup: dict[str, Any] | None, **content: Any
    ) -> SentMessage:
        chat_id = int(chat["id"])
        message = SentMessage(
            chat=chat,
            from_user=self._bot_as_sender(),
            message_id=self.next_message_id(chat_id),
            date=int(time.time()),
            reply_markup=markup,
            **content,
        )
        self._messages.setdefault(chat_id, []).append(message)
        if markup is not None and "keyboard" in markup:
            self._reply_keyboards[chat_id] = markup
        elif markup is not None and markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None
        return message

    def _bot_as_sender(self) -> dict[str, Any]:
        # Message.from carries the plain User fields; the can_* flags are getMe-only.
        fields = ("id", "is_bot", "first_name", "last_name", "username")
        return {key: self.bot_user[key] for key in fields if key in self.bot_user}

    def _find(self, chat_id: int, message_id: int) -> SentMessage | None:
        messages = self._messages.get(chat_id, [])
        return next((m for m in messages if m.message_id == message_id), None)

    def _forget_message(self, chat_id: int, message_id: int) -> bool:
        message = self._find(chat_id, message_id)
        if message is not None:
            self._messages[chat_id].remove(message)
            return True
        user_messages = self._user_messages.get(chat_id, set())
        if message_id in user_messages:  # bots may delete incoming messages in private chats
            user_messages.remove(message_id)
            return True
        return False

    # --------------------------------------------------------------------- files

    def add_file(self, content: bytes, *, file_path: str | None = None) -> str:
        """Store bytes as a Telegram file; returns its file_id."""
        return self._add_file(content, file_path).file_id

    def _add_file(
        self,
        content: bytes,
        file_path: str | None = None,
        *,
        folder: str = "documents",
        suffix: str = "",
    ) -> StoredFile:
        # Numbered paths like Telegram's "documents/file_12.pdf": never two files on one path.
        number = next(self._file_counter)
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:04d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AgAD{number:04d}{secrets.token_urlsafe(4)}",
            file_path=file_path or f"{folder}/file_{number}{suffix}",
            data=content,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    # -------------------------------------------------------------- update queue

    def next_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def mark_handled(self, update_id: int, *, error: BaseException | None = None) -> None:
        """Report that the bot finished an update (optionally: its handler raised `error`)."""
        self._outcomes.setdefault(update_id, _Outcome(error=error))
        self._handled_event(update_id).set()

    async def wait_handled(self, update_id: int, timeout: float = HANDLING_TIMEOUT) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._handled_event(update_id).wait()
        except TimeoutError:
            raise AssertionError(self._explain_unhandled(update_id, timeout)) from None
        outcome = self._outcomes[update_id]
        if outcome.failure is not None:
            raise AssertionError(f"update {update_id} was not handled: {outcome.failure}")
        if outcome.error is not None and self.raise_handler_errors:
            raise AssertionError(
                f"the handler of update {update_id} raised {outcome.error!r}"
            ) from outcome.error

    def _handled_event(self, update_id: int) -> asyncio.Event:
        return self._handled.setdefault(update_id, asyncio.Event())

    def _fail_update(self, update_id: int, reason: str) -> None:
        self._update_notes[update_id] = reason
        self._outcomes.setdefault(update_id, _Outcome(failure=reason))
        self._handled_event(update_id).set()

    def _explain_unhandled(self, update_id: int, timeout: float) -> str:
        note = self._update_notes.get(update_id, "never delivered")
        if self.webhook is not None:
            hint = f"webhook mode ({self.webhook.url})"
        else:
            hint = (
                "polling mode: is a Dispatcher polling this fake "
                f"({self.base_url}), and does it call mark_handled "
                "(tests.fakes.telegram.handled_marker)?"
            )
        return f"update {update_id} was not handled within {timeout}s ({note}); {hint}"

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # the last -offset updates stay, everything older is forgotten
            dropped, self._pending = self._pending[:offset], self._pending[offset:]
        else:
            dropped = [u for u in self._pending if u["update_id"] < offset]
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        for update in dropped:
            self._update_notes[update["update_id"]] = "confirmed by getUpdates offset"

    def _drop_disallowed(self) -> None:
        for update in [u for u in self._pending if not self._is_allowed(update_kind(u))]:
            self._pending.remove(update)
            self._fail_update(
                update["update_id"],
                f"dropped: getUpdates asked for allowed_updates="
                f"{sorted(self._allowed_updates or [])}, not {update_kind(update)!r}",
            )

    def _drop_pending(self) -> None:
        for update in self._pending:
            self._fail_update(update["update_id"], "dropped by drop_pending_updates")
        self._pending.clear()
