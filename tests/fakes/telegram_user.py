"""A person on the other side of the fake Telegram: someone in a private chat with the bot who
sends messages, photos and files, opens deep links, taps buttons and reads what the bot answered.

Each action is one update handed to the bot through the server (`tests/fakes/telegram.py`),
and returns once the bot has finished with it.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_state import SentMessage, utf16_len

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram

DEEP_LINK_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


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
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
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

    def download(self, message: SentMessage | None = None) -> bytes:
        """The bytes of the file the bot sent in `message` (the newest file otherwise), as
        tapping it would download them: a document, or a photo's largest size."""
        if message is None:
            sent = self.tg.chat(self.id)
            message = next((m for m in reversed(sent) if m.document or m.photo), None)
            if message is None:
                raise AssertionError(f"the bot has sent no file to chat {self.id}")
        if message.document is not None:
            return self.tg.file_bytes(message.document["file_id"])
        if message.photo:
            return self.tg.file_bytes(message.photo[-1]["file_id"])
        raise AssertionError(f"message {message.message_id} holds no file: {message.body!r}")

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
