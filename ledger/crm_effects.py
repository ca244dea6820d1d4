"""What the ledger asks amoCRM to do, as types: a note on a deal, fields set, a status moved.

Written to the outbox under `TOPIC_CRM` in the same transaction as the change that causes
them; performed by the worker where the amoCRM client lives (the bot process on SQLite, the
amoCRM worker process on PostgreSQL). A dedupe key per effect keeps a repeated change from
asking twice; one deal's effects are performed in the order they were asked for.

Each is safe to perform again after a crash: a note carries a key written into its text, so
the worker finds it among the deal's notes before writing it again; fields are set to
absolute values; a move looks at the deal's status first and never goes backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.outbox import enqueue

TOPIC_CRM = "crm"


@dataclass(frozen=True, slots=True)
class AddDealNote:
    amo_lead_id: int
    text: str
    key: str | None = None  # written into `text` (see `note_marker`): how a retry finds it


def note_marker(key: str) -> str:
    """How a note's key appears in its text: bracketed, so "c4" never matches "c42"."""
    return f"[kopeyka:{key}]"


@dataclass(frozen=True, slots=True)
class SetDealFields:
    """Custom field values by amoCRM field id (None clears a field)."""

    amo_lead_id: int
    values: tuple[tuple[int, str | int | None], ...]


@dataclass(frozen=True, slots=True)
class MoveDeal:
    amo_lead_id: int
    status_id: int
    pipeline_id: int | None = None


CrmEffect = AddDealNote | SetDealFields | MoveDeal
_TYPES: dict[str, type[CrmEffect]] = {
    "add_note": AddDealNote,
    "set_fields": SetDealFields,
    "move": MoveDeal,
}
_NAMES = {effect_type: name for name, effect_type in _TYPES.items()}


def to_payload(effect: CrmEffect) -> dict[str, Any]:
    match effect:
        case AddDealNote():
            args: dict[str, Any] = {
                "amo_lead_id": effect.amo_lead_id,
                "text": effect.text,
                "key": effect.key,
            }
        case SetDealFields():
            args = {"amo_lead_id": effect.amo_lead_id, "values": [list(v) for v in effect.values]}
        case MoveDeal():
            args = {
                "amo_lead_id": effect.amo_lead_id,
                "status_id": effect.status_id,
                "pipeline_id": effect.pipeline_id,
            }
    return {"effect": _NAMES[type(effect)], **args}


def from_payload(payload: dict[str, Any]) -> CrmEffect:
    args = {key: value for key, value in payload.items() if key != "effect"}
    effect_type = _TYPES[payload["effect"]]
    if effect_type is SetDealFields:
        args["values"] = tuple((int(field), value) for field, value in args["values"])
    return effect_type(**args)


def ask_crm(session: AsyncSession, effect: CrmEffect, *, now: datetime, dedupe_key: str) -> None:
    """Have amoCRM do `effect` once the caller's transaction commits, after every effect
    asked earlier for the same deal."""
    enqueue(
        session,
        topic=TOPIC_CRM,
        payload=to_payload(effect),
        now=now,
        dedupe_key=dedupe_key,
        ordering_key=ordering_key(effect.amo_lead_id),
    )


def ordering_key(amo_lead_id: int) -> str:
    return f"lead:{amo_lead_id}"
