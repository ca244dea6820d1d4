"""Domain errors. Each carries data, not text: the bot's texts turn them into words."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Something the person asked for cannot be done; nothing was changed."""


class NotAllowed(DomainError):
    """The actor's roles do not allow this."""


class NotFound(DomainError):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class NotYours(DomainError):
    """The object belongs to someone else (a forged or foreign callback)."""


class StaleDraft(DomainError):
    """The draft was already saved, cancelled or replaced: its buttons no longer act."""

    def __init__(self, status: str) -> None:
        super().__init__(f"draft is {status}")
        self.status = status


class AlreadyReversed(DomainError):
    def __init__(self, by_name: str, at: datetime) -> None:
        super().__init__(f"already reversed by {by_name} at {at.isoformat()}")
        self.by_name = by_name
        self.at = at


class CannotReverse(DomainError):
    """A reversal itself cannot be reversed: post a new entry instead."""


class InviteRefused(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invite refused: {reason}")
        self.reason = reason  # "invalid", "expired", "used"


class CannotRevokeOwner(DomainError):
    """Owners come from OWNER_TELEGRAM_IDS and cannot be revoked from the bot."""


class CategoryProblem(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "empty", "too_long", "exists"


class TextTooLong(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"longer than {limit} characters")
        self.limit = limit


class AttachmentRefused(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"attachment refused: {reason}")
        self.reason = reason  # "type" or "size"


class NotLinkedToCrm(DomainError):
    """A manager whose invite named no amoCRM user: we cannot tell which deals are theirs."""


class ConfirmationExpired(DomainError):
    """A "yes, do it" button tapped after its time: ask again, nothing changed."""
