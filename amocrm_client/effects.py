"""Performs the ledger's CRM effects (outbox topic `crm`) through the API client."""

from __future__ import annotations

from typing import Any

from amocrm_client.client import AmoClient
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, from_payload
from ledger.outbox import OutboxHandler


def create_crm_handler(client: AmoClient) -> OutboxHandler:
    async def perform(payload: dict[str, Any]) -> None:
        match from_payload(payload):
            case AddDealNote(amo_lead_id=lead_id, text=text):
                await client.add_note(lead_id, text)
            case SetDealFields(amo_lead_id=lead_id, values=values):
                fields = [
                    {"field_id": field_id, "values": [{"value": value}]}
                    for field_id, value in values
                ]
                await client.update_lead(lead_id, {"custom_fields_values": fields})
            case MoveDeal(amo_lead_id=lead_id, status_id=status_id, pipeline_id=pipeline_id):
                moved: dict[str, int] = {"status_id": status_id}
                if pipeline_id is not None:
                    moved["pipeline_id"] = pipeline_id
                await client.update_lead(lead_id, moved)

    return perform
