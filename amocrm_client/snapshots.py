"""A fetched amoCRM lead, read through the mapping, as the ledger's `DealSnapshot`.

Pure: the ledger never sees amoCRM's types, and this module never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from decimal import Decimal

from amocrm_client.mapping import dimensions as read_dimensions
from amocrm_client.mapping import expected_payments
from amocrm_client.models import Lead
from config.amocrm_mapping import SUCCESS_STATUS, AmoMapping
from ledger.deals import DealSnapshot, SlotPayment
from ledger.money import Money
from ledger.payments import DealState

LOST_STATUS = 143  # amoCRM's built-in "lost" status, the same id in every pipeline


def deal_state(lead: Lead, mapping: AmoMapping) -> DealState:
    if lead.status_id == LOST_STATUS:
        return DealState.LOST
    # Won deals owe their payments too: a fully paid deal is moved to 142 by us, and a deal
    # we moved to the "payment confirmed" status still owes the rest.
    moved_by_us = lead.status_id in (SUCCESS_STATUS, mapping.confirmed_status, mapping.paid_status)
    if moved_by_us or mapping.is_closed(lead.pipeline_id, lead.status_id):
        return DealState.CLOSED
    return DealState.OPEN


def snapshot_from_lead(
    lead: Lead, mapping: AmoMapping, tz: tzinfo, managers: Mapping[int, str]
) -> DealSnapshot:
    """The deal as the ledger keeps it; `managers` names amoCRM users by id."""
    state = deal_state(lead, mapping)
    dimensions = read_dimensions(mapping, lead, tz)
    payments: tuple[SlotPayment, ...] = ()
    if state is DealState.CLOSED:
        payments = tuple(
            SlotPayment(
                slot=payment.slot,
                amount=Money(payment.amount) if payment.amount is not None else None,
                kind=payment.kind.value if payment.kind is not None else None,
                due=payment.due,
                problems=payment.problems,
            )
            for payment in expected_payments(mapping, lead, tz)
        )
    responsible = lead.responsible_user_id
    return DealSnapshot(
        amo_lead_id=lead.id,
        name=lead.name or f"#{lead.id}",
        price=Money(Decimal(lead.price)),
        pipeline_id=lead.pipeline_id,
        status_id=lead.status_id,
        state=state,
        updated_at=lead.updated_at,
        responsible_amo_user_id=responsible,
        manager=managers.get(responsible) if responsible is not None else None,
        contract=dimensions.contract,
        contract_date=dimensions.contract_date,
        product=dimensions.product,
        salon=dimensions.salon,
        city=dimensions.city,
        payments=payments,
    )
