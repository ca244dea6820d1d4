"""A fake Telegram Bot API server for end-to-end tests.

`FakeTelegram` is an aiohttp application on 127.0.0.1 that answers the Bot API the way
api.telegram.org does (``POST /bot<token>/<method>`` with form or multipart bodies,
``{"ok": ..., "result": ...}`` replies, ``GET /file/bot<token>/<path>`` downloads), so the
product's real aiogram ``Bot`` can be pointed at it with
``AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))``.

It keeps the state a test wants to assert on (calls, the messages in each chat, callback
answers, the webhook) and plays the other side of the conversation through `FakeUser`.

Handling is asynchronous, so the fake must learn when the bot has finished with an update:
- webhook mode: the 2xx answer to the webhook POST means "handled"
  (use ``handle_in_background=False`` in aiogram's request handler, or the answer comes
  before the handler runs);
- polling mode: the fake cannot tell, so the test harness calls `FakeTelegram.mark_handled`;
  `handled_marker` installs an aiogram middleware that does it.

Approximations, on purpose: only private chats (plus chats added with `add_chat`); HTML
``parse_mode`` is parsed into entities like Telegram does, Markdown modes are stored as sent;
files are never fetched from URLs; failed webhook deliveries are not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    web,
)

from tests.fakes.server import AsyncServerContext, serve_locally

if TYPE_CHECKING:
    from aiogram import Dispatcher

MESSAGE_LIMIT = 4096  # UTF-16 code units after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64  # bytes, not characters
DOWNLOAD_LIMIT = 20 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# Telegram does not deliver these unless they are asked for explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Inline buttons must do something; a label alone is rejected.
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
# Free-text fields are never JSON-decoded, even when the text looks like JSON.
TEXT_FIELDS = frozenset(
    {"text", "caption", "title", "description", "short_description", "question", "query"}
)
BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
DEEP_LINK_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
API_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]+)/?")
FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")


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
class _StoredFile:
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


class _ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {detail}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_param(key: str, value: str) -> Any:
    """aiogram sends nested objects as JSON strings in form fields; turn them back."""
    if key in TEXT_FIELDS or value[:1] not in ("{", "["):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list) else value


def _flag(params: dict[str, Any], key: str) -> bool:
    return str(params.get(key, "")).lower() in ("true", "1")


def _int_param(params: dict[str, Any], key: str, default: int | None = None) -> int:
    value = params.get(key)
    if value is None or value == "":
        if default is None:
            raise _bad_request(f"{key} is empty")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f"invalid {key} specified") from None


def _update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


class _TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: strips the supported tags into entities."""

    SIMPLE = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
        "code": "code",
        "pre": "pre",
        "blockquote": "blockquote",
        "a": "text_link",
        "tg-emoji": "custom_emoji",
        "span": "spoiler",  # only with class="tg-spoiler", checked below
    }

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units, the unit of entity offsets
        self.open: list[tuple[str, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + column].encode())

    def _fail(self, detail: str) -> _ApiError:
        return _bad_request(f"can't parse entities: {detail} at byte offset {self._byte_offset()}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        kind = self.SIMPLE.get(tag)
        if kind is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            raise self._fail(f'Unsupported start tag "{tag}"')
        entity: dict[str, Any] = {"type": kind, "offset": self.length}
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.open and self.open[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.open[-1][1]["language"] = language
                entity = {}
        self.open.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "no end tag"
            raise self._fail(f'Unmatched end tag, expected {expected}, found "</{tag}>"')
        _, entity = self.open.pop()
        if entity and self.length > entity["offset"]:
            entity["length"] = self.length - entity["offset"]
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _utf16_len(data)

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        self.feed(self.source)
        self.close()
        if self.open:
            tag = self.open[-1][0]
            detail = f'Can\'t find end tag corresponding to start tag "{tag}"'
            raise _bad_request(f"can't parse entities: {detail}")
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegram(AsyncServerContext):
    """A Bot API server on localhost that records calls and plays users."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_user: dict[str, Any] | None = None,
        *,
        raise_handler_errors: bool = True,
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = bot_user or {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Kopeyka",
            "username": "kopeyka_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # When an update handler raised (reported through mark_handled), fail the test step.
        self.raise_handler_errors = raise_handler_errors
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.webhook: WebhookInfo | None = None
        # Where deliveries go instead of webhook.url (the product may register a public URL).
        self.webhook_redirect: str | None = None
        # (update_id, HTTP status of the webhook's answer; 0 when it did not answer)
        self.webhook_deliveries: list[tuple[int, int]] = []
        # Successful answerCallbackQuery calls: (callback query id, params).
        self.callback_answers: list[tuple[str, dict[str, Any]]] = []

        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "editMessageCaption": self._edit_message_caption,
                "deleteMessage": self._delete_message,
                "deleteMessages": self._delete_messages,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "sendChatAction": self._send_chat_action,
            }.items()
        }
        self._failures: dict[str, list[_ApiError]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, list[SentMessage]] = {}
        self._user_messages: dict[int, set[int]] = {}
        self._message_ids: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._open_queries: set[str] = set()  # callback queries not answered yet

        self._next_update_id = 1
        self._pending: list[dict[str, Any]] = []
        self._update_notes: dict[int, str] = {}  # what happened to each update, for diagnostics
        self._allowed_updates: set[str] | None = None  # None = Telegram's default set
        self._queue_changed = asyncio.Event()
        self._poll_generation = 0
        self._outcomes: dict[int, _Outcome] = {}
        self._handled: dict[int, asyncio.Event] = {}

        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._closed = False

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/file/{tail:.*}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_api)
        # A short shutdown timeout: long polls are woken on close, nothing else lingers.
        self._runner, self.base_url = await serve_locally(app, shutdown_timeout=1.0)
        self._client = ClientSession()

    async def close(self) -> None:
        self._closed = True
        self._queue_changed.set()  # release pending long polls so the server can stop
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------- test controls

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def chat(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to a chat and has not deleted, oldest first."""
        return list(self._messages.get(chat_id, []))

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of `method` fail (queued: call again to fail more calls)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else {}
        error = _ApiError(error_code, description, **parameters)
        self._failures.setdefault(method.lower(), []).append(error)

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
    ) -> _StoredFile:
        # Numbered paths like Telegram's "documents/file_12.pdf": never two files on one path.
        number = next(self._file_counter)
        stored = _StoredFile(
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

    def add_chat(self, chat_id: int, *, chat_type: str = "group", title: str = "Group") -> None:
        """Make a non-private chat exist, so the bot may send to it."""
        self._chats[chat_id] = {"id": chat_id, "type": chat_type, "title": title}

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "ru",
    ) -> FakeUser:
        user = FakeUser(self, user_id, first_name, last_name, username, language_code)
        self._chats[user_id] = user.as_chat()
        return user

    def next_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def next_message_id(self, chat_id: int) -> int:
        """Users' and the bot's messages share one counter per chat, as in Telegram."""
        message_id = self._message_ids.get(chat_id, 1)
        self._message_ids[chat_id] = message_id + 1
        return message_id

    # ------------------------------------------------------------------- delivery

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot: POST it to the webhook, or queue it for getUpdates."""
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._learn_from_update(update)
        kind = _update_kind(update)
        if not self._is_allowed(kind):
            self._fail_update(
                update_id,
                f"dropped: the bot asked for allowed_updates={sorted(self._allowed_updates or [])}"
                f", not {kind!r}",
            )
            return
        if self.webhook is None:
            self._pending.append(update)
            self._update_notes[update_id] = "queued for getUpdates, not fetched yet"
            self._queue_changed.set()
            return
        await self._post_to_webhook(update)

    def mark_handled(self, update_id: int, *, error: BaseException | None = None) -> None:
        """Report that the bot finished an update (optionally: its handler raised `error`)."""
        self._outcomes.setdefault(update_id, _Outcome(error=error))
        self._handled_event(update_id).set()

    async def wait_handled(self, update_id: int, timeout: float = 5.0) -> None:
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

    def _learn_from_update(self, update: dict[str, Any]) -> None:
        """An incoming update proves its chat exists and uses up its message id."""
        message = update.get("message") or update.get("edited_message")
        if message is None and "callback_query" in update:
            query = update["callback_query"]
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

    async def _post_to_webhook(self, update: dict[str, Any]) -> None:
        webhook = self.webhook  # a handler may call deleteWebhook while we wait
        assert webhook is not None
        assert self._client is not None, "FakeTelegram.start() was not called"
        update_id = int(update["update_id"])
        headers = {}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        url = self.webhook_redirect or webhook.url
        self._update_notes[update_id] = f"POSTed to {url}, no answer yet"
        try:
            async with self._client.post(
                url, json=update, headers=headers, timeout=ClientTimeout(total=30)
            ) as response:
                status = response.status
                if 200 <= status < 300:
                    await self._run_webhook_reply(response)
                    failure = None
                else:
                    failure = f"Wrong response from the webhook: {status} {response.reason}"
        except (ClientError, TimeoutError) as exc:
            status, failure = 0, f"Connection failed: {exc!r}"
        self.webhook_deliveries.append((update_id, status))
        if failure is None:
            self._update_notes[update_id] = f"webhook answered {status}"
            self.mark_handled(update_id)
        else:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = failure
            self._fail_update(update_id, failure)

    async def _run_webhook_reply(self, response: ClientResponse) -> None:
        """A webhook answer may carry one method call; Telegram executes it."""
        params: dict[str, Any] = {}
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("multipart/"):
            reader = MultipartReader(response.headers, response.content)
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                data = await part.read()
                if part.filename:
                    file_type = part.headers.get("Content-Type", "application/octet-stream")
                    params[part.name] = UploadedFile(part.filename, file_type, bytes(data))
                else:
                    params[part.name] = _decode_param(part.name, data.decode())
        elif content_type.startswith("application/json"):
            body = await response.json()
            params = body if isinstance(body, dict) else {}
        method = params.pop("method", None)
        if isinstance(method, str):
            await self._call(method, _resolve_attachments(params))

    # --------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        match = API_PATH_RE.fullmatch(request.path)
        if match is None:
            return _error_response(_ApiError(404, "Not Found"))
        if match["token"] != self.token:
            return _error_response(_ApiError(401, "Unauthorized"))
        params = await _read_params(request)
        status, body = await self._call(match["method"], params)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        match = FILE_PATH_RE.fullmatch(request.path)
        if match is None or match["token"] != self.token:
            return _error_response(_ApiError(404, "Not Found"))
        stored = self._file_paths.get(match["path"])
        if stored is None:
            return _error_response(_ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        known = self._methods.get(method.lower())
        self.calls.append(ApiCall(known[0] if known else method, params))
        if known is None:
            return 404, _ApiError(404, "Not Found").body()
        if failures := self._failures.get(method.lower()):
            error = failures.pop(0)
            return error.code, error.body()
        try:
            result = await known[1](params)
        except _ApiError as error:
            return error.code, error.body()
        return 200, {"ok": True, "result": result}

    # ------------------------------------------------------------- bot methods

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise _ApiError(409, WEBHOOK_CONFLICT)
        # A newer getUpdates ends the one still waiting, as on the real server.
        self._poll_generation += 1
        generation = self._poll_generation
        self._queue_changed.set()

        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_int_param(params, "timeout", 0), 0)
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = set(params["allowed_updates"]) or None
        self._confirm(offset)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._closed:
            if generation != self._poll_generation:
                raise _ApiError(409, POLLING_CONFLICT)
            if self.webhook is not None:
                raise _ApiError(409, WEBHOOK_CONFLICT)
            self._drop_disallowed()
            remaining = deadline - loop.time()
            if self._pending or remaining <= 0:
                break
            self._queue_changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._queue_changed.wait()
        batch = copy.deepcopy(self._pending[:limit]) if not self._closed else []
        for update in batch:
            self._update_notes[update["update_id"]] = "fetched by getUpdates, not marked handled"
        return batch

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # the last -offset updates stay, everything older is forgotten
            dropped, self._pending = self._pending[:offset], self._pending[offset:]
        else:
            dropped = [u for u in self._pending if u["update_id"] < offset]
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        for update in dropped:
            self._update_notes[update["update_id"]] = "confirmed by getUpdates offset"

    def _drop_disallowed(self) -> None:
        for update in [u for u in self._pending if not self._is_allowed(_update_kind(u))]:
            self._pending.remove(update)
            self._fail_update(
                update["update_id"],
                f"dropped: getUpdates asked for allowed_updates="
                f"{sorted(self._allowed_updates or [])}, not {_update_kind(update)!r}",
            )

    def _drop_pending(self) -> None:
        for update in self._pending:
            self._fail_update(update["update_id"], "dropped by drop_pending_updates")
        self._pending.clear()

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url", ""))
        if not url:  # an empty url removes the webhook
            return await self._delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = set(allowed) or None
        drop = _flag(params, "drop_pending_updates")
        if drop:
            self._drop_pending()
        self.webhook = WebhookInfo(
            url=url,
            secret_token=secret,
            allowed_updates=allowed if isinstance(allowed, list) else None,
            drop_pending_updates=drop,
            max_connections=_int_param(params, "max_connections", 40),
        )
        self._queue_changed.set()  # a waiting getUpdates now gets 409
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        if _flag(params, "drop_pending_updates"):
            self._drop_pending()
        self.webhook = None
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        text, entities = self._formatted(params, "text", "entities")
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MESSAGE_LIMIT:
            raise _bad_request("message is too long")
        markup = self._markup(params)
        return self._store(chat, markup, text=text, entities=entities or None).to_api()

    async def _send_document(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        stored, upload = self._input_file(params, "document")
        name = upload.filename if upload else stored.file_path.rsplit("/", 1)[-1]
        mime = mimetypes.guess_type(name)[0] or (
            upload.content_type if upload else "application/octet-stream"
        )
        document = {
            **stored.meta(),
            "file_name": name,
            "mime_type": mime,
            "file_size": len(stored.data),
        }
        return self._store(
            chat,
            markup,
            document=document,
            upload=upload,
            caption=caption,
            caption_entities=caption_entities,
        ).to_api()

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        stored, upload = self._input_file(params, "photo")
        # Telegram answers with several sizes; the fake does not resize, both hold the bytes.
        thumb = self._add_file(stored.data, folder="photos", suffix=".jpg")
        photo = [
            {**thumb.meta(), "file_size": len(stored.data), "width": 90, "height": 67},
            {**stored.meta(), "file_size": len(stored.data), "width": 800, "height": 600},
        ]
        return self._store(
            chat,
            markup,
            photo=photo,
            upload=upload,
            caption=caption,
            caption_entities=caption_entities,
        ).to_api()

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        message = self._message_to_edit(params)
        if message.text is None:
            raise _bad_request("there is no text in the message to edit")
        text, entities = self._formatted(params, "text", "entities")
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MESSAGE_LIMIT:
            raise _bad_request("message is too long")
        # Leaving reply_markup out of an edit removes the inline keyboard.
        markup = self._markup(params)
        current = (message.text, message.entities, message.reply_markup)
        if (text, entities or None, markup) == current:
            raise _ApiError(400, NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities or None, markup
        return self._edited(message)

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        message = self._message_to_edit(params)
        if message.text is not None:
            raise _bad_request("there is no caption in the message to edit")
        caption, caption_entities = self._caption(params)
        markup = self._markup(params)
        current = (message.caption, message.caption_entities, message.reply_markup)
        if (caption, caption_entities, markup) == current:
            raise _ApiError(400, NOT_MODIFIED)
        message.caption, message.caption_entities = caption, caption_entities
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._message_to_edit(params)
        markup = self._markup(params)
        if markup == message.reply_markup:
            raise _ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        message_id = _int_param(params, "message_id")
        if not self._forget_message(chat["id"], message_id):
            raise _bad_request("message to delete not found")
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad_request("message identifiers are not specified")
        # Like Telegram: missing messages are skipped silently.
        for message_id in ids:
            self._forget_message(chat["id"], int(message_id))
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise _ApiError(400, QUERY_TOO_OLD)
        if len(str(params.get("text", ""))) > CALLBACK_ANSWER_LIMIT:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_queries.remove(query_id)
        self.callback_answers.append((query_id, params))
        return True

    async def _get_file(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > DOWNLOAD_LIMIT:
            raise _bad_request("file is too big")
        return {**stored.meta(), "file_size": len(stored.data), "file_path": stored.file_path}

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        return self._commands.get(self._commands_key(params), [])

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    # --------------------------------------------------------------- helpers

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        if raw in (None, ""):
            raise _bad_request("chat_id is empty")
        try:
            chat = self._chats.get(int(raw))
        except (TypeError, ValueError):
            chat = None  # @channel usernames are not modelled
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    def _formatted(
        self, params: dict[str, Any], key: str, entities_key: str
    ) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        if raw is None:
            return "", []
        text = str(raw)
        if isinstance(params.get(entities_key), list):
            return text, params[entities_key]
        if str(params.get("parse_mode", "")).lower() == "html":
            return _TelegramHTML(text).parse()
        return text, []

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
        caption, entities = self._formatted(params, "caption", "caption_entities")
        if _utf16_len(caption) > CAPTION_LIMIT:
            raise _bad_request("message caption is too long")
        return caption or None, entities or None

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                    raise _bad_request("BUTTON_DATA_INVALID")
                if not BUTTON_ACTIONS & button.keys():
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
        return markup

    def _input_file(
        self, params: dict[str, Any], key: str
    ) -> tuple[_StoredFile, UploadedFile | None]:
        value = params.get(key)
        if isinstance(value, UploadedFile):
            suffix = "".join(PurePosixPath(value.filename).suffixes[-1:])
            return self._add_file(value.data, folder=f"{key}s", suffix=suffix), value
        if value is None:
            raise _bad_request(f"there is no {key} in the request")
        stored = self._files.get(str(value))
        if stored is None:  # URLs are not fetched by the fake
            raise _bad_request("wrong file identifier/HTTP URL specified")
        return stored, None

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

    def _message_to_edit(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")  # inline mode is not modelled
        chat = self._chat(params)
        message_id = _int_param(params, "message_id")
        message = self._find(int(chat["id"]), message_id)
        if message is None:
            if message_id in self._user_messages.get(int(chat["id"]), set()):
                raise _bad_request("message can't be edited")
            raise _bad_request("message to edit not found")
        return message

    def _edited(self, message: SentMessage) -> dict[str, Any]:
        message.edit_date = int(time.time())
        return message.to_api()

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

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code", ""))


def _error_response(error: _ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string and body (form, multipart or JSON) as one decoded dict."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            raw.update(body)
    elif request.can_read_body:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                raw[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    params = {k: _decode_param(k, v) if isinstance(v, str) else v for k, v in raw.items()}
    return _resolve_attachments(params)


def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
    """``document=attach://<part>`` names a multipart part; put the file in its place."""
    resolved = dict(params)
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if isinstance(resolved.get(part), UploadedFile):
                resolved[key] = resolved.pop(part)
    return resolved


def handled_marker(dispatcher: Dispatcher, tg: FakeTelegram) -> None:
    """Make `dispatcher` report every finished update to `tg` (needed in polling mode).

    The middleware goes outermost, around aiogram's error middleware, so replies sent by
    the product's error handlers are included, and only errors nobody handled count as
    handler errors. A TelegramMethod *returned* by a handler is sent by polling after
    this point, so a test may see "handled" slightly before that reply.
    """

    async def mark(
        handler: Callable[..., Awaitable[Any]], update: Any, data: dict[str, Any]
    ) -> Any:
        try:
            result = await handler(update, data)
        except Exception as exc:
            tg.mark_handled(update.update_id, error=exc)
            raise
        tg.mark_handled(update.update_id)
        return result

    manager = dispatcher.update.outer_middleware
    existing = list(manager[:])
    for middleware in existing:
        manager.unregister(middleware)
    manager.register(mark)
    for middleware in existing:
        manager.register(middleware)


class FakeUser:
    """A person in a private chat with the bot (chat id = user id)."""

    def __init__(
        self,
        tg: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str,
    ) -> None:
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self._query_ids: list[str] = []

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # ------------------------------------------------------------ update builders

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "update_id": self.tg.next_update_id(),
            "message": {
                "message_id": self.tg.next_message_id(self.id),
                "from": self.as_user(),
                "chat": self.as_chat(),
                "date": int(time.time()),
                **{key: value for key, value in content.items() if value is not None},
            },
        }

    def text_update(self, text: str) -> dict[str, Any]:
        entities = None
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._message(text=text, entities=entities)

    def photo_update(self, content: bytes, caption: str | None = None) -> dict[str, Any]:
        sizes = []
        for width, height in ((90, 67), (800, 600)):
            stored = self.tg._add_file(content, folder="photos", suffix=".jpg")
            sizes.append(
                {**stored.meta(), "file_size": len(content), "width": width, "height": height}
            )
        return self._message(photo=sizes, caption=caption)

    def document_update(
        self, content: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> dict[str, Any]:
        suffix = "".join(PurePosixPath(file_name).suffixes[-1:])
        stored = self.tg._add_file(content, suffix=suffix)
        document = {
            **stored.meta(),
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._message(document=document, caption=caption)

    def callback_update(self, callback_data: str, *, message_id: int) -> dict[str, Any]:
        message = self.tg._find(self.id, message_id)
        if message is None:
            raise AssertionError(f"the bot has no message {message_id} in chat {self.id}")
        query_id = str(secrets.randbits(63))
        self._query_ids.append(query_id)
        return {
            "update_id": self.tg.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": self.as_user(),
                "message": message.to_api(),
                "chat_instance": str(-((self.id * 2654435761) % 10**19)),
                "data": callback_data,
            },
        }

    # ----------------------------------------------------------------- actions

    async def _act(self, update: dict[str, Any]) -> dict[str, Any]:
        await self.tg.deliver(update)
        await self.tg.wait_handled(update["update_id"])
        return update

    async def send(self, text: str) -> dict[str, Any]:
        return await self._act(self.text_update(text))

    async def open_deep_link(self, payload: str) -> dict[str, Any]:
        if not DEEP_LINK_RE.fullmatch(payload):
            raise AssertionError(
                f"deep-link payload {payload!r} is invalid: Telegram allows 1-64 chars of "
                "A-Z a-z 0-9 _ -"
            )
        return await self.send(f"/start {payload}")

    async def send_photo(self, content: bytes, caption: str | None = None) -> dict[str, Any]:
        return await self._act(self.photo_update(content, caption))

    async def send_document(
        self, content: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> dict[str, Any]:
        return await self._act(self.document_update(content, file_name, mime_type, caption))

    async def tap(self, button_text: str, *, message_id: int | None = None) -> dict[str, Any]:
        """Press the inline button labelled `button_text` on the newest message that has it."""
        messages = self.tg.chat(self.id)
        if message_id is not None:
            messages = [m for m in messages if m.message_id == message_id]
        for message in reversed(messages):
            for button in message.buttons:
                if button.get("text") != button_text:
                    continue
                if "callback_data" not in button:
                    raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
                data = button["callback_data"]
                return await self._act(self.callback_update(data, message_id=message.message_id))
        visible = {m.message_id: [b.get("text") for b in m.buttons] for m in messages if m.buttons}
        raise AssertionError(
            f"no inline button {button_text!r} in chat {self.id}; visible buttons by message id: "
            f"{visible or 'none'}"
        )

    async def tap_data(self, callback_data: str, *, message_id: int) -> dict[str, Any]:
        """Send any callback data (e.g. forged) as if pressed on message `message_id`."""
        return await self._act(self.callback_update(callback_data, message_id=message_id))

    # ------------------------------------------------------------------ views

    def last_message(self) -> SentMessage:
        messages = self.tg.chat(self.id)
        if not messages:
            raise AssertionError(f"the bot has sent nothing to chat {self.id}")
        return messages[-1]

    def answers(self) -> list[str]:
        """Texts of the bot's answers to this user's callback queries ("" if no text)."""
        mine = set(self._query_ids)
        return [str(p.get("text", "")) for qid, p in self.tg.callback_answers if qid in mine]

    def buttons(self, message_id: int | None = None) -> list[str]:
        """Labels on the newest inline keyboard (or on message `message_id`)."""
        messages = self.tg.chat(self.id)
        if message_id is not None:
            messages = [m for m in messages if m.message_id == message_id]
        keyboard = next((m for m in reversed(messages) if m.buttons), None)
        return [str(b.get("text")) for b in keyboard.buttons] if keyboard else []

    def reply_keyboard(self) -> list[str]:
        """Labels on the reply keyboard the bot currently shows this user."""
        markup = self.tg._reply_keyboards.get(self.id)
        if not markup:
            return []
        return [
            button if isinstance(button, str) else str(button.get("text"))
            for row in markup["keyboard"]
            for button in row
        ]
