"""A fake Telegram Bot API server for end-to-end tests.

`FakeTelegram` is an aiohttp application on 127.0.0.1 that answers the Bot API the way
api.telegram.org does (``POST /bot<token>/<method>`` with form or multipart bodies,
``{"ok": ..., "result": ...}`` replies, ``GET /file/bot<token>/<path>`` downloads), so the
product's real aiogram ``Bot`` can be pointed at it with
``AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))``.

It validates what the bot sends as Telegram would and answers each method; the state a test
asserts on (calls, the messages in each chat, files, callback answers, the webhook, the queue
of updates) is `TelegramState` (`tests/fakes/telegram_state.py`), which `FakeTelegram`
extends, and the other side of the conversation is `FakeUser`
(`tests/fakes/telegram_user.py`), made with `FakeTelegram.user`.

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
import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
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
from tests.fakes.telegram_state import (
    ApiCall,
    SentMessage,
    StoredFile,
    TelegramState,
    UploadedFile,
    WebhookInfo,
    update_kind,
    utf16_len,
)
from tests.fakes.telegram_user import FakeUser

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
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
API_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[^/]+)/?")
FILE_PATH_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")


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


_MENU_BUTTONS = {"commands", "web_app", "default"}


def _check_web_app(web_app: Any) -> None:
    """Telegram opens Mini Apps over https only."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise _bad_request("BUTTON_URL_INVALID")


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
        self.length += utf16_len(data)

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


class FakeTelegram(TelegramState, AsyncServerContext):
    """A Bot API server on localhost that records calls and plays users."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_user: dict[str, Any] | None = None,
        *,
        raise_handler_errors: bool = True,
    ) -> None:
        super().__init__(
            bot_user
            or {
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": "Kopeyka",
                "username": "kopeyka_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
            raise_handler_errors=raise_handler_errors,
        )
        self.token = token
        # Where deliveries go instead of webhook.url (the product may register a public URL).
        self.webhook_redirect: str | None = None

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
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "sendChatAction": self._send_chat_action,
            }.items()
        }
        self._failures: dict[str, list[_ApiError]] = {}
        self.menu_button: dict[str, Any] = {"type": "commands"}  # the default chats' button

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

    # ------------------------------------------------------------------- delivery

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot: POST it to the webhook, or queue it for getUpdates."""
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        # An update delivered again is Telegram retrying it: what became of it before is past.
        self._outcomes.pop(update_id, None)
        self._handled.pop(update_id, None)
        self._learn_from_update(update)
        kind = update_kind(update)
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
        if utf16_len(text) > MESSAGE_LIMIT:
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
        if utf16_len(text) > MESSAGE_LIMIT:
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
        self._answered_queries.add(query_id)
        self.callback_answers.append((query_id, params))
        return True

    async def _get_file(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > DOWNLOAD_LIMIT:
            raise _bad_request("file is too big")
        return {**stored.meta(), "file_size": len(stored.data), "file_path": stored.file_path}

    async def _set_chat_menu_button(self, params: dict[str, Any]) -> Any:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTONS:
            raise _bad_request("can't parse menu button")
        if button["type"] == "web_app":
            _check_web_app(button.get("web_app"))
        self.menu_button = button
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any]) -> Any:
        return self.menu_button

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
        if utf16_len(caption) > CAPTION_LIMIT:
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
                if "web_app" in button:
                    _check_web_app(button["web_app"])
                if not BUTTON_ACTIONS & button.keys():
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
        return markup

    def _input_file(
        self, params: dict[str, Any], key: str
    ) -> tuple[StoredFile, UploadedFile | None]:
        value = params.get(key)
        if isinstance(value, UploadedFile):
            suffix = "".join(PurePosixPath(value.filename).suffixes[-1:])
            return self._add_file(value.data, folder=f"{key}s", suffix=suffix), value
        if value is None:
            raise _bad_request(f"there is no {key} in the request")
        stored = self._files.get(str(value))
        if stored is None:  # URLs are not fetched by the fake
            raise _bad_request("wrong file identifier/HTTP URL specified")
        # A file keeps its type: a photo's id goes only to sendPhoto, a document's only to
        # sendDocument; anything else Telegram refuses, sending nothing.
        if (key == "photo") != stored.file_path.startswith("photos/"):
            raise _bad_request("type of file mismatch")
        return stored, None

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
