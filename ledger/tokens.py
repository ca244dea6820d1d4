"""Signed, expiring tokens short enough for a Telegram deep link (64 chars of A-Za-z0-9_-).

A token is `<kind>_<id>_<expiry>_<signature>`: id and expiry (Unix minutes) in base 36, the
signature a truncated HMAC-SHA256 in base64url. It proves who made the link and until when it
is good; single use is the database's job (the service marks the id used).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_DEEP_LINK_LENGTH = 64
_SIGNATURE_CHARS = 16  # 96 bits: forging one by guessing is out of reach
_TOKEN = re.compile(r"^([a-z]{1,8})_([0-9a-z]{1,13})_([0-9a-z]{1,10})_([A-Za-z0-9_-]{16})$")


class TokenError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    kind: str
    ident: int
    expires_at: datetime


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number == 0:
        return "0"
    out = []
    while number:
        number, rest = divmod(number, 36)
        out.append(digits[rest])
    return "".join(reversed(out))


def _signature(key: bytes, kind: str, ident: str, expiry: str) -> str:
    mac = hmac.new(key, f"{kind}|{ident}|{expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:_SIGNATURE_CHARS]


def sign(key: bytes, kind: str, ident: int, expires_at: datetime) -> str:
    if not re.fullmatch(r"[a-z]{1,8}", kind) or ident < 0:
        raise ValueError("kind must be 1-8 lowercase letters and ident non-negative")
    ident_part = _b36(ident)
    expiry_part = _b36(int(expires_at.timestamp()) // 60)
    token = f"{kind}_{ident_part}_{expiry_part}_{_signature(key, kind, ident_part, expiry_part)}"
    if len(token) > MAX_DEEP_LINK_LENGTH:
        raise ValueError("token does not fit a deep link")
    return token


def verify(key: bytes, token: str, *, kind: str, now: datetime) -> TokenClaims:
    """Check the signature first, then the expiry; raise `TokenError` on either."""
    match = _TOKEN.fullmatch(token)
    if match is None or match.group(1) != kind:
        raise TokenError("invalid")
    _, ident_part, expiry_part, signature = match.groups()
    expected = _signature(key, kind, ident_part, expiry_part)
    if not hmac.compare_digest(expected, signature):
        raise TokenError("invalid")
    expires_at = datetime.fromtimestamp(int(expiry_part, 36) * 60, tz=UTC)
    if now >= expires_at:
        raise TokenError("expired")
    return TokenClaims(kind=kind, ident=int(ident_part, 36), expires_at=expires_at)
