"""The cabinet's sign-in checks: Telegram's initData as Telegram specifies it, the session
cookie and CSRF tokens bound to a session; forged, stale and foreign values refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest

from app.cabinet.auth import (
    SignInRefused,
    csrf_ok,
    csrf_token,
    new_session,
    read_session,
    verify_init_data,
)

BOT_TOKEN = "123456:ABC-test-token"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = b"k" * 32
USER = {"id": 4242, "first_name": "Анна", "last_name": "Бух", "language_code": "ru"}


def signed(fields: dict[str, str], token: str = BOT_TOKEN) -> str:
    """initData as Telegram makes it, computed straight from the spec, not from our code."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def fields(at: datetime = NOW, user: dict[str, object] = USER) -> dict[str, str]:
    return {
        "query_id": "AAH1",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(at.timestamp())),
    }


def refusal(init_data: str, *, now: datetime = NOW) -> str:
    with pytest.raises(SignInRefused) as caught:
        verify_init_data(BOT_TOKEN, init_data, now=now)
    return caught.value.reason


def test_a_genuine_init_data_names_its_user() -> None:
    user = verify_init_data(BOT_TOKEN, signed(fields()), now=NOW + timedelta(minutes=5))
    assert (user.telegram_id, user.name, user.language) == (4242, "Анна Бух", "ru")


def test_a_fixed_vector_verifies() -> None:
    # Computed once by hand from the spec's algorithm: HMAC(HMAC("WebAppData", token), dcs).
    init_data = (
        "auth_date=1700000000&user=%7B%22id%22%3A7%7D"
        "&hash="
        + hmac.new(
            hmac.new(b"WebAppData", b"1:t", hashlib.sha256).digest(),
            b'auth_date=1700000000\nuser={"id":7}',
            hashlib.sha256,
        ).hexdigest()
    )
    now = datetime.fromtimestamp(1700000000, tz=UTC)
    assert verify_init_data("1:t", init_data, now=now).telegram_id == 7


def test_init_data_signed_with_another_bot_is_refused() -> None:
    assert refusal(signed(fields(), token="999:other")) == "invalid"


def test_a_changed_user_is_refused() -> None:
    genuine = signed(fields())
    forged = genuine.replace("4242", "4243")
    assert refusal(forged) == "invalid"


@pytest.mark.parametrize(
    "init_data",
    ["", "hash=", "user=%7B%7D", "a=1&a=2", "%%%", "x" * 9000],
)
def test_malformed_init_data_is_refused(init_data: str) -> None:
    assert refusal(init_data) == "invalid"


def test_a_signed_init_data_without_a_user_is_refused() -> None:
    assert refusal(signed({"auth_date": str(int(NOW.timestamp()))})) == "invalid"


def test_stale_init_data_is_refused_as_expired() -> None:
    assert refusal(signed(fields(at=NOW - timedelta(hours=2)))) == "expired"


def test_the_freshness_window_is_configurable() -> None:
    old = signed(fields(at=NOW - timedelta(hours=2)))
    user = verify_init_data(BOT_TOKEN, old, now=NOW, max_age=timedelta(hours=3))
    assert user.telegram_id == 4242


def test_init_data_dated_in_the_future_is_refused() -> None:
    assert refusal(signed(fields(at=NOW + timedelta(hours=1)))) == "invalid"


def test_a_session_reads_back_until_it_expires() -> None:
    cookie = new_session(KEY, 5, now=NOW, ttl=timedelta(hours=1))
    assert read_session(KEY, cookie, now=NOW + timedelta(minutes=59)).user_id == 5
    with pytest.raises(SignInRefused, match="expired"):
        read_session(KEY, cookie, now=NOW + timedelta(hours=1))


@pytest.mark.parametrize("tamper", ["user", "expiry", "key", "garbage"])
def test_a_tampered_session_is_refused(tamper: str) -> None:
    cookie = new_session(KEY, 5, now=NOW)
    user_id, expiry, nonce, mac = cookie.split(".")
    key = KEY
    if tamper == "user":
        cookie = f"6.{expiry}.{nonce}.{mac}"
    elif tamper == "expiry":
        cookie = f"{user_id}.{int(expiry) + 3600}.{nonce}.{mac}"
    elif tamper == "key":
        key = b"o" * 32
    else:
        cookie = "5.1.x.y"
    with pytest.raises(SignInRefused, match="invalid"):
        read_session(key, cookie, now=NOW)


def test_a_csrf_token_is_good_for_its_own_session_only() -> None:
    mine = read_session(KEY, new_session(KEY, 5, now=NOW), now=NOW)
    other = read_session(KEY, new_session(KEY, 5, now=NOW), now=NOW)
    token = csrf_token(KEY, mine)
    assert [csrf_ok(KEY, mine, token), csrf_ok(KEY, other, token)] == [True, False]
    assert [csrf_ok(KEY, mine, None), csrf_ok(KEY, mine, ""), csrf_ok(KEY, mine, "ж")] == [
        False,
        False,
        False,
    ]
