"""Start-up failures a person can fix, said in one line instead of a traceback."""

from __future__ import annotations


class CannotStart(Exception):
    """A service the bot needs is not there: which one, and what to check."""

    def __init__(self, service: str, what_to_check: str) -> None:
        super().__init__(f"{service}: {what_to_check}")
