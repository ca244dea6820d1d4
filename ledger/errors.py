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


class AlreadyConfirmed(DomainError):
    """Someone confirmed this money first (a second cashier, a double tap, a replayed link)."""

    def __init__(self, by_name: str, at: datetime) -> None:
        super().__init__(f"already confirmed by {by_name} at {at.isoformat()}")
        self.by_name = by_name
        self.at = at


class PaymentChanged(DomainError):
    """The payment is not what the person was shown (the CRM changed its terms, or a
    confirmation was undone since): show it again, nothing changed."""


class PaymentRefused(DomainError):
    """A confirmation, a "не поступило" or an undo that cannot be done as asked."""

    def __init__(self, reason: str, remaining: object | None = None) -> None:
        super().__init__(f"payment refused: {reason}")
        # "not_positive", "more_than_owed" (`remaining` is what is still owed), "not_owed"
        # (cancelled, or the deal is no longer closed), "future_date", "currency",
        # "no_comment", "nothing_to_undo"
        self.reason = reason
        self.remaining = remaining


class AlreadyAccepted(DomainError):
    """The hand-over was accepted already (by someone, at some time)."""

    def __init__(self, by_name: str, at: datetime) -> None:
        super().__init__(f"hand-over already accepted by {by_name} at {at.isoformat()}")
        self.by_name = by_name
        self.at = at


class HandoverRefused(DomainError):
    def __init__(self, reason: str, handed: object | None = None) -> None:
        super().__init__(f"hand-over refused: {reason}")
        # "empty" (no cash to hand over), "not_positive", "more_than_handed" (`handed` is
        # what the hand-over holds)
        self.reason = reason
        self.handed = handed


class LinkRefused(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"link refused: {reason}")
        self.reason = reason  # "invalid", "expired", "used", "revoked"


class CrmUserTaken(DomainError):
    """The amoCRM user is already the one of another person in the bot."""

    def __init__(self, name: str) -> None:
        super().__init__(f"amoCRM user already linked to {name}")
        self.name = name


class RequestRefused(DomainError):
    """A payment request cannot be filled, decided or paid as asked; nothing was changed."""

    def __init__(
        self,
        reason: str,
        *,
        status: str | None = None,
        missing: tuple[str, ...] = (),
        remaining: object | None = None,
        limit: object | None = None,
    ) -> None:
        super().__init__(f"request refused: {reason}")
        # "not_editable" (its `status` allows no edit: after approval, return it for rework
        # instead), "incomplete" (`missing` names the fields submission still needs),
        # "past_date", "not_positive", "too_large" (`limit`), "empty", "too_long" (`limit`),
        # "vat" (a VAT amount missing, or not less than the amount), "currency", "category",
        # "deal", "file" (a file of a type or size a request does not keep), "self_approval",
        # "no_reason", "not_submitted" (`status`), "not_approved" (`status`), "rejected",
        # "more_than_left" (`remaining`), "rubles" (the rubles paid are missing or wrong),
        # "future_date", "not_cancellable" (`status`)
        self.reason = reason
        self.status = status
        self.missing = missing
        self.remaining = remaining
        self.limit = limit


class RequestMoved(DomainError):
    """Someone changed the request first (another approver or accountant, a double tap, a
    button drawn before a change): it is now `status`, moved there by `by_name` at `at`."""

    def __init__(self, status: str, by_name: str, at: datetime) -> None:
        super().__init__(f"request is {status} since {at.isoformat()} by {by_name}")
        self.status = status
        self.by_name = by_name
        self.at = at


class DetailsRefused(DomainError):
    """A counterparty's details failed their checks: every problem, each naming its field."""

    def __init__(self, problems: tuple[object, ...]) -> None:
        super().__init__(f"details refused: {problems}")
        self.problems = problems  # `ledger.requests.details.DetailProblem`s


class StatementLineMoved(DomainError):
    """Someone dealt with the statement line first (accepted, assigned or ignored it), or it
    changed since it was shown: it is now `state`, by `by_name` at `at`."""

    def __init__(self, state: str, by_name: str, at: datetime) -> None:
        super().__init__(f"statement line is {state} since {at.isoformat()} by {by_name}")
        self.state = state
        self.by_name = by_name
        self.at = at


class StatementLineRefused(DomainError):
    """A statement line cannot be taken as asked; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"statement line refused: {reason}")
        # "direction" (money in to a request or out to a deal's payment), "category"
        # (archived, or of the other kind: an expense category for money in…), "no_proposal"
        # (nothing proposed to accept), "future_date" (booked after today)
        self.reason = reason


class OrdersRefused(DomainError):
    """No file of payment orders could be made; nothing was marked sent."""

    def __init__(self, reason: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(f"payment orders refused: {reason}")
        # "no_company" (the [company] details are missing or wrong: `problems` names them),
        # "nothing" (no approved request to send)
        self.reason = reason
        self.problems = problems
