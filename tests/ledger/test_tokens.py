"""Signed deep-link tokens: they fit Telegram's 64 characters, and a tampered, foreign or
expired one is refused with a `TokenError` — never with any other exception.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.tokens import MAX_DEEP_LINK_LENGTH, TokenClaims, TokenError, sign, verify

KEY = b"test-secret-key-that-is-long-enough-for-hmac"
OTHER_KEY = b"another-secret-key-of-some-other-installation"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IN_A_DAY = NOW + timedelta(days=1)
DEEP_LINK_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")


def _reason(token: str, *, kind: str = "invite", key: bytes = KEY, now: datetime = NOW) -> str:
    with pytest.raises(TokenError) as caught:
        verify(key, token, kind=kind, now=now)
    return caught.value.reason


def test_a_signed_token_verifies_to_its_claims() -> None:
    token = sign(KEY, "invite", 42, IN_A_DAY)

    claims = verify(KEY, token, kind="invite", now=NOW)

    assert claims == TokenClaims(kind="invite", ident=42, expires_at=IN_A_DAY)


@pytest.mark.parametrize("ident", [0, 1, 2**31, 2**63 - 1, 36**13 - 1])
@pytest.mark.parametrize(
    "expires_at",
    [IN_A_DAY, datetime(2100, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)],
)
def test_tokens_for_large_ids_and_far_expiries_fit_a_deep_link(
    ident: int, expires_at: datetime
) -> None:
    token = sign(KEY, "payconfm", ident, expires_at)

    assert len(token) <= MAX_DEEP_LINK_LENGTH
    assert DEEP_LINK_ALPHABET.match(token)
    assert verify(KEY, token, kind="payconfm", now=NOW).ident == ident


def test_a_tampered_signature_is_invalid() -> None:
    token = sign(KEY, "invite", 42, IN_A_DAY)
    last = "A" if token[-1] != "A" else "B"

    assert _reason(token[:-1] + last) == "invalid"


def test_a_tampered_id_is_invalid() -> None:
    kind, ident, expiry, signature = sign(KEY, "invite", 42, IN_A_DAY).split("_", 3)

    assert _reason(f"{kind}_{int(ident, 36) + 1:x}_{expiry}_{signature}") == "invalid"


def test_a_later_expiry_written_in_by_hand_is_invalid() -> None:
    kind, ident, _, signature = sign(KEY, "invite", 42, IN_A_DAY).split("_", 3)

    assert _reason(f"{kind}_{ident}_zzzzzzz_{signature}") == "invalid"


def test_a_token_of_another_kind_is_invalid() -> None:
    token = sign(KEY, "pay", 42, IN_A_DAY)

    assert _reason(token, kind="invite") == "invalid"


def test_a_token_signed_with_another_key_is_invalid() -> None:
    token = sign(OTHER_KEY, "invite", 42, IN_A_DAY)

    assert _reason(token) == "invalid"


def test_a_truncated_token_is_invalid() -> None:
    token = sign(KEY, "invite", 42, IN_A_DAY)

    assert _reason(token[:-1]) == "invalid"
    assert _reason(token[:20]) == "invalid"
    assert _reason("") == "invalid"


@pytest.mark.parametrize("suffix", ["\n", " ", "x", "_"])
def test_a_token_with_anything_appended_is_invalid(suffix: str) -> None:
    token = sign(KEY, "invite", 42, IN_A_DAY)

    assert _reason(token + suffix) == "invalid"


def test_an_expired_token_says_expired() -> None:
    token = sign(KEY, "invite", 42, IN_A_DAY)

    assert _reason(token, now=IN_A_DAY) == "expired"
    assert _reason(token, now=IN_A_DAY + timedelta(days=30)) == "expired"
    assert verify(KEY, token, kind="invite", now=IN_A_DAY - timedelta(minutes=1)).ident == 42


def test_signing_refuses_a_kind_or_id_that_cannot_be_a_token() -> None:
    with pytest.raises(ValueError, match="kind"):
        sign(KEY, "Invite", 1, IN_A_DAY)
    with pytest.raises(ValueError, match="kind"):
        sign(KEY, "invite", -1, IN_A_DAY)


def _verify_or_error(token: str) -> TokenClaims | TokenError:
    try:
        return verify(KEY, token, kind="invite", now=NOW)
    except TokenError as error:
        return error


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_claims_or_a_token_error(text: str) -> None:
    result = _verify_or_error(text)

    assert isinstance(result, TokenClaims) or result.reason in ("invalid", "expired")


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\Ainvite_[0-9a-z]{1,13}_[0-9a-z]{1,10}_[A-Za-z0-9_-]{16}\Z", fullmatch=True))
def test_well_formed_but_unsigned_text_is_invalid(text: str) -> None:
    result = _verify_or_error(text)

    assert isinstance(result, TokenError)
    assert result.reason == "invalid"


@settings(max_examples=200, deadline=None)
@given(
    ident=st.integers(min_value=0, max_value=2**63 - 1),
    position=st.integers(min_value=0, max_value=63),
    replacement=st.characters(codec="ascii"),
)
def test_changing_any_character_of_a_token_makes_it_invalid(
    ident: int, position: int, replacement: str
) -> None:
    token = sign(KEY, "invite", ident, IN_A_DAY)
    position %= len(token)
    changed = token[:position] + replacement + token[position + 1 :]

    result = _verify_or_error(changed)

    if changed == token:
        assert isinstance(result, TokenClaims)
    else:
        assert isinstance(result, TokenError)
        assert result.reason == "invalid"
