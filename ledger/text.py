"""Text from outside (a message, a CRM field) made safe to keep: control characters out.

PostgreSQL refuses a NUL in a text value, so one NUL in a message would fail its update on
every redelivery, and one in a lead would fail every pass over it; other control characters
and lone surrogates (half an emoji, which no encoder can write) are no text either. Line
breaks and tabs stay: people type them. Invisible format marks (zero-width joiners inside
emoji) are text and stay too; reading an amount ignores them (`ledger.amounts`).
"""

from __future__ import annotations

import re

# C0 and C1 controls except \t and \n (a \r of "\r\n" goes, its \n stays), DEL, surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    if text.isprintable():  # the common case: nothing to look for
        return text
    return _UNSAFE.sub("", text)


def needs_cleaning(text: str) -> bool:
    return not text.isprintable() and _UNSAFE.search(text) is not None
