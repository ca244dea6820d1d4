"""Text from outside loses control characters and half emoji, and keeps everything a person
can see or type."""

from __future__ import annotations

import pytest

from ledger.text import clean_text, needs_cleaning


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1500 такси", "1500 такси"),
        ("так\x00си", "такси"),
        ("строка\r\nдругая", "строка\nдругая"),
        ("колонка\tдругая", "колонка\tдругая"),
        ("\x01\x08\x0b\x0c\x1b\x1f\x7f", ""),
        ("C1\x85\x9f", "C1"),
        ("половина \ud83d эмодзи", "половина  эмодзи"),
        ("семья 👨\u200d👩\u200d👧", "семья 👨\u200d👩\u200d👧"),
        ("15\u200b00 и\xa0пробел", "15\u200b00 и\xa0пробел"),
    ],
    ids=[
        "plain",
        "nul",
        "crlf",
        "tab",
        "c0 controls",
        "c1 controls",
        "lone surrogate",
        "emoji joiners",
        "format mark and no-break space",
    ],
)
def test_text_keeps_what_a_person_sees_and_loses_what_no_database_takes(
    raw: str, clean: str
) -> None:
    assert clean_text(raw) == clean
    assert needs_cleaning(raw) == (raw != clean)
