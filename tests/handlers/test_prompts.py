"""Which messages end a prompt: commands (not /cancel), and for some prompts an expense."""

from __future__ import annotations

import pytest

from handlers.prompts import _leaves


@pytest.mark.parametrize(
    ("text", "yields", "leaves"),
    [
        ("/history", False, True),
        ("/history@kopeyka_bot", False, True),
        ("/cancel", True, False),
        ("/CANCEL@kopeyka_bot", False, False),
        ("/", False, True),
        ("/ ", False, True),
        ("канцелярия 500", True, True),
        ("канцелярия 500", False, False),
        ("Канцелярия", True, False),
        ("22.11", True, False),
    ],
)
def test_what_ends_a_prompt(text: str, yields: bool, leaves: bool) -> None:
    assert _leaves(text, yields) is leaves
