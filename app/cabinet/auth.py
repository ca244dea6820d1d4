"""The cabinet's sign-in checks, pure (no I/O, the time passed in).

- Telegram Mini App `initData`, checked as Telegram specifies: the secret is
  HMAC-SHA256(key="WebAppData", msg=bot_token); the hash is HMAC-SHA256(secret, the
  data-check-string: every received field but `hash`, sorted by key, as `key=value` lines joined
  by "\\n"), hex; `auth_date` must be fresh within a window we choose.
- The session cookie: `<user_id>.<expiry>.<nonce>.<signature>`, signed with a key derived from
  the app's secret key; short-lived.
- CSRF tokens: an HMAC of the session's nonce, so a token is good for its session only.

Every comparison of a secret value is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

INIT_DATA_MAX_AGE = timedelta(hours=1)  # a Mini App opened longer ago signs in again
INIT_DATA_MAX_LENGTH = 8192
_FUTURE_SKEW = timedelta(minutes=5)  # clocks differ a little; an auth_date far ahead is forged
SESSION_TTL = timedelta(hours=8)  # a working day at the desk
_SESSION = re.compile(r"^([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16})\.([0-9a-f]{64})$")


class SignInRefused(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


@dataclass(frozen=True, slots=True)
class MiniAppUser:
    """Who Telegram says opened the Mini App."""

    telegram_id: int
    name: str
    username: str | None
    language: str | None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def init_data_hash(bot_token: str, fields: dict[str, str]) -> str:
    """The hash Telegram puts in `initData` for these fields (the rest of the fields as sent)."""
    check = data_check_string(fields).encode()
    return hmac.new(_secret(bot_token), check, hashlib.sha256).hexdigest()


def verify_init_data(
    bot_token: str,
    init_data: str,
    *,
    now: datetime,
    max_age: timedelta = INIT_DATA_MAX_AGE,
) -> MiniAppUser:
    """The user of a genuine, fresh `initData` query string; `SignInRefused` otherwise."""
    if not init_data or len(init_data) > INIT_DATA_MAX_LENGTH:
        raise SignInRefused("invalid")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise SignInRefused("invalid") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise SignInRefused("invalid")  # a repeated key: which one was signed is ambiguous
    given = fields.get("hash", "")
    if not hmac.compare_digest(init_data_hash(bot_token, fields).encode(), given.encode()):
        raise SignInRefused("invalid")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=UTC)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise SignInRefused("invalid") from None
    if signed_at > now + _FUTURE_SKEW:
        raise SignInRefused("invalid")
    if now - signed_at > max_age:
        raise SignInRefused("expired")
    name = " ".join(str(user.get(key) or "") for key in ("first_name", "last_name")).strip()
    return MiniAppUser(
        telegram_id=telegram_id,
        name=name or str(telegram_id),
        username=user.get("username") or None,
        language=user.get("language_code") or None,
    )


# -- the session cookie and CSRF -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    expires_at: datetime
    nonce: str


def _derived(key: bytes, purpose: str) -> bytes:
    return hmac.new(key, f"kopeyka-cabinet-{purpose}".encode(), hashlib.sha256).digest()


def _session_mac(key: bytes, body: str) -> str:
    return hmac.new(_derived(key, "session"), body.encode(), hashlib.sha256).hexdigest()


def new_session(key: bytes, user_id: int, *, now: datetime, ttl: timedelta = SESSION_TTL) -> str:
    """A fresh session cookie's value for the user (a new nonce: a new CSRF token with it)."""
    if user_id <= 0:
        raise ValueError("user_id must be positive")
    expiry = int((now + ttl).timestamp())
    body = f"{user_id}.{expiry}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_session_mac(key, body)}"


def read_session(key: bytes, cookie: str, *, now: datetime) -> Session:
    match = _SESSION.fullmatch(cookie)
    if match is None:
        raise SignInRefused("invalid")
    user_id, expiry, nonce, signature = match.groups()
    expected = _session_mac(key, f"{user_id}.{expiry}.{nonce}")
    if not hmac.compare_digest(expected, signature):
        raise SignInRefused("invalid")
    expires_at = datetime.fromtimestamp(int(expiry), tz=UTC)
    if now >= expires_at:
        raise SignInRefused("expired")
    return Session(user_id=int(user_id), expires_at=expires_at, nonce=nonce)


def csrf_token(key: bytes, session: Session) -> str:
    return hmac.new(_derived(key, "csrf"), session.nonce.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, session: Session, token: str | None) -> bool:
    if not token:
        return False
    return hmac.compare_digest(csrf_token(key, session).encode(), token.encode("utf-8", "replace"))
