"""Two-tap confirmations (undo, revoke, archiving and merging a category): the "yes" carries
a deadline and is refused after it, so a stray tap on an old message changes nothing."""

from __future__ import annotations

from datetime import timedelta

from ledger.clock import Clock
from ledger.errors import ConfirmationExpired

# Long enough to read the question, too short for an old message's button to act.
CONFIRM_WITHIN = timedelta(minutes=2)


def deadline(clock: Clock) -> int:
    """Until when (Unix seconds) the "yes" may come, for its button to carry."""
    return int((clock.now() + CONFIRM_WITHIN).timestamp())


def check_in_time(clock: Clock, until: int) -> None:
    if clock.now().timestamp() > until:
        raise ConfirmationExpired
