"""A request's statuses and the only moves between them.

draft → submitted → approved → paid (or partly_paid, then paid); submitted → rejected (with a
reason); submitted → returned (with a comment) → submitted again once the requester has edited
it; a draft, a returned or a submitted request may be cancelled by its requester (or the
owner). A request with a second approval step stays submitted between the steps: the move to
the same status changes only its step and version. Every move is a conditional update
(`ledger.transitions`): of two people deciding at once, exactly one does.
"""

from __future__ import annotations

from enum import StrEnum

from ledger.storage.models import PaymentRequestRow
from ledger.transitions import StateMachine


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # back to the requester for rework, with a comment
    REJECTED = "rejected"
    APPROVED = "approved"
    PARTLY_PAID = "partly_paid"  # some paid; the rest still to pay
    PAID = "paid"
    CANCELLED = "cancelled"  # withdrawn by its requester (or the owner) before approval


class VatMode(StrEnum):
    WITH_VAT = "with_vat"
    WITHOUT_VAT = "without_vat"


class Decision(StrEnum):
    APPROVED = "approved"
    AUTO = "auto"  # below the mapped amount: approved on submission, by rule
    REJECTED = "rejected"
    RETURNED = "returned"


# The requester fills these; anything later goes back to them by "return for rework".
EDITABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED)
# The accountant pays these (what is left of them).
PAYABLE = (RequestStatus.APPROVED, RequestStatus.PARTLY_PAID)
# What the accountant sees: approved, and everything after.
APPROVED_OR_LATER = (*PAYABLE, RequestStatus.PAID)
CANCELLABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED, RequestStatus.SUBMITTED)
# Still to be paid some day: the owner is told when these pass their date.
OPEN = (RequestStatus.SUBMITTED, *PAYABLE)

REQUESTS = StateMachine(
    name="request",
    model=PaymentRequestRow,
    moves=frozenset(
        {
            (RequestStatus.DRAFT, RequestStatus.SUBMITTED),
            (RequestStatus.RETURNED, RequestStatus.SUBMITTED),
            (RequestStatus.SUBMITTED, RequestStatus.APPROVED),
            (RequestStatus.SUBMITTED, RequestStatus.REJECTED),
            (RequestStatus.SUBMITTED, RequestStatus.RETURNED),
            (RequestStatus.APPROVED, RequestStatus.PAID),
            (RequestStatus.APPROVED, RequestStatus.PARTLY_PAID),
            (RequestStatus.PARTLY_PAID, RequestStatus.PAID),
            (RequestStatus.DRAFT, RequestStatus.CANCELLED),
            (RequestStatus.RETURNED, RequestStatus.CANCELLED),
            (RequestStatus.SUBMITTED, RequestStatus.CANCELLED),
        }
    ),
    by="moved_by",
    at="moved_at",
    object_type="payment_request",
)
