"""The web app's access log: each request on one line, never a secret from its address."""

from __future__ import annotations

import pytest

from app.webapp import private_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/amocrm/webhook/Zq7-kP2_wX9mR4tV", "/amocrm/webhook/***"),
        ("/amocrm/webhook/abc/more", "/amocrm/webhook/***/more"),
        ("/amocrm/webhook/", "/amocrm/webhook/***"),
        ("/telegram/webhook", "/telegram/webhook"),
        ("/healthz", "/healthz"),
    ],
)
def test_the_secret_segment_of_an_address_is_masked(path: str, logged: str) -> None:
    assert private_path(path) == logged
