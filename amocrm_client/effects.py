"""Performs the ledger's CRM effects (outbox topic `crm`) through the API client, a batch at a
time, each safe to repeat:

- notes: a row claimed before (its worker may have died after amoCRM wrote the note) is
  looked for among the deal's recent notes by its key first; the rest go out in one
  `POST /api/v4/leads/notes`;
- fields: written as absolute values, the last one asked per field winning; a deal's fields
  and its status move travel in one `PATCH /api/v4/leads` with every other deal's;
- status moves: the deal's current status is read first (`GET /api/v4/leads`, all deals at
  once): a deal is never moved backwards in its pipeline, never into another pipeline, and
  never out of a status a person set after our last move (`deals.crm_status_written`).

A batch amoCRM refuses as a whole (one deal gone, one bad field) is tried again deal by deal,
so one deal's fault stays that deal's. A deal whose note failed gives its fields and move back
untried, to follow the note when it is retried: its effects land in the order they were asked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select, update

from amocrm_client.client import AmoClient
from amocrm_client.errors import AmoError, AmoNotFound, AmoValidationError
from amocrm_client.models import Lead
from config.amocrm_mapping import SUCCESS_STATUS
from ledger.crm_effects import AddDealNote, MoveDeal, SetDealFields, from_payload, note_marker
from ledger.outbox import HELD_BACK, BatchOutcome, HeldBack, OutboxItem
from ledger.storage.database import Database
from ledger.storage.models import DealRow

log = logging.getLogger(__name__)

LOST_STATUS = 143  # like 142, the same id in every pipeline
# A batch refused for its content (or for naming a deal amoCRM no longer has) is split.
_SPLIT_ON = (AmoValidationError, AmoNotFound)
T = TypeVar("T")


@dataclass
class _Deal:
    """One deal's effects in this batch, in the order they were asked."""

    lead_id: int
    notes: list[tuple[OutboxItem, AddDealNote]] = field(default_factory=list)
    fields: list[tuple[OutboxItem, SetDealFields]] = field(default_factory=list)
    moves: list[tuple[OutboxItem, MoveDeal]] = field(default_factory=list)
    found: list[OutboxItem] = field(default_factory=list)  # notes amoCRM already had
    note_error: str | None = None
    patch_error: str | None = None

    def outcome(self) -> dict[int, str | HeldBack | None]:
        """Notes failed: they are retried and the rest waits for them; else the fields and
        the move stand or fall together."""
        notes: dict[int, str | HeldBack | None] = dict.fromkeys(
            (item.id for item in self.found), None
        )
        notes.update((item.id, self.note_error) for item, _ in self.notes)
        rest: str | HeldBack | None = HELD_BACK if self.note_error is not None else self.patch_error
        notes.update((item.id, rest) for item, _ in (*self.fields, *self.moves))
        return notes

    def patch(self) -> dict[str, Any]:
        """The fields (last value per field) and the status asked last, in PATCH shape."""
        values: dict[int, Any] = {}
        for _, effect in self.fields:
            values.update(effect.values)
        body: dict[str, Any] = {"id": self.lead_id}
        if values:
            body["custom_fields_values"] = [
                {"field_id": field_id, "values": None if value is None else [{"value": value}]}
                for field_id, value in values.items()
            ]
        return body


class Pipelines:
    """Each status's pipeline and place in it (its `sort`), read once and again when a status
    is not known (a status added in amoCRM since)."""

    def __init__(self, client: AmoClient) -> None:
        self._client = client
        self._sort: dict[tuple[int, int], int] = {}
        self._pipeline_of: dict[int, int] = {}

    async def ensure(self, statuses: set[int]) -> None:
        specific = statuses - {SUCCESS_STATUS, LOST_STATUS}
        if self._sort and specific <= set(self._pipeline_of):
            return
        self._sort.clear()
        self._pipeline_of.clear()
        for pipeline in await self._client.pipelines():
            for status in pipeline.statuses:
                self._sort[pipeline.id, status.id] = status.sort
                if status.id not in (SUCCESS_STATUS, LOST_STATUS):
                    self._pipeline_of[status.id] = pipeline.id

    def forward(self, lead: Lead, target: int) -> bool:
        """Whether moving the lead to `target` goes forward within its own pipeline."""
        pipeline = self._pipeline_of.get(target, lead.pipeline_id)
        if target in (SUCCESS_STATUS, LOST_STATUS):
            pipeline = lead.pipeline_id
        if pipeline != lead.pipeline_id:
            return False
        current = self._sort.get((lead.pipeline_id, lead.status_id))
        wanted = self._sort.get((pipeline, target))
        return current is not None and wanted is not None and wanted > current


class CrmWriteBack:
    """The batch handler of topic `crm`: give it to `OutboxWorker(batch_handlers=…)`."""

    def __init__(self, client: AmoClient, database: Database) -> None:
        self._client = client
        self._database = database
        self.pipelines = Pipelines(client)

    async def __call__(self, items: list[OutboxItem]) -> BatchOutcome:
        deals: dict[int, _Deal] = {}
        for item in items:
            effect = from_payload(item.payload)
            deal = deals.setdefault(effect.amo_lead_id, _Deal(effect.amo_lead_id))
            match effect:
                case AddDealNote():
                    deal.notes.append((item, effect))
                case SetDealFields():
                    deal.fields.append((item, effect))
                case MoveDeal():
                    deal.moves.append((item, effect))
        await self._notes([deal for deal in deals.values() if deal.notes])
        await self._patches([deal for deal in deals.values() if deal.note_error is None])
        outcome: dict[int, str | HeldBack | None] = {}
        for deal in deals.values():
            outcome.update(deal.outcome())
        return outcome

    # -- notes ---------------------------------------------------------------------------

    async def _notes(self, deals: list[_Deal]) -> None:
        writing: list[_Deal] = []
        for deal in deals:
            try:
                if await self._already_written(deal):
                    continue
            except AmoError as exc:
                deal.note_error = str(exc)
                continue
            writing.append(deal)

        async def write(batch: list[_Deal]) -> None:
            await self._client.add_notes(
                [(deal.lead_id, effect.text) for deal in batch for _, effect in deal.notes]
            )

        await _split_on_refusal(writing, write, _fail_deal)

    async def _already_written(self, deal: _Deal) -> bool:
        """Drop the deal's notes amoCRM already has (a worker died after writing them); True
        when none is left to write."""
        retried = [(item, effect) for item, effect in deal.notes if item.claims > 1 and effect.key]
        if retried:
            texts = [note.text or "" for note in await self._client.lead_notes(deal.lead_id)]
            found = {
                item.id
                for item, effect in retried
                if any(note_marker(effect.key or "") in text for text in texts)
            }
            deal.found = [item for item, _ in deal.notes if item.id in found]
            deal.notes = [(item, effect) for item, effect in deal.notes if item.id not in found]
        return not deal.notes

    # -- fields and moves ----------------------------------------------------------------

    async def _patches(self, deals: list[_Deal]) -> None:
        moving = [deal for deal in deals if deal.moves]
        statuses: dict[int, int] = {}
        if moving:
            statuses = await self._allowed_moves(moving)
        patches: list[tuple[_Deal, dict[str, Any]]] = []
        for deal in deals:
            if deal.patch_error is not None:
                continue  # its statuses could not be read: all of it waits for the retry
            body = deal.patch()
            if deal.lead_id in statuses:
                body["status_id"] = statuses[deal.lead_id]
            if len(body) > 1:
                patches.append((deal, body))

        async def write(batch: list[tuple[_Deal, dict[str, Any]]]) -> None:
            await self._client.update_leads([body for _, body in batch])

        done = await _split_on_refusal(patches, write, _fail_pair)
        moved = {deal.lead_id: body["status_id"] for deal, body in done if "status_id" in body}
        await self._remember(moved)

    async def _allowed_moves(self, deals: list[_Deal]) -> dict[int, int]:
        """The status each deal may be moved to now (absent: leave it where it is)."""
        targets = {deal.lead_id: deal.moves[-1][1].status_id for deal in deals}
        try:
            leads = {lead.id: lead async for lead in self._client.leads(ids=sorted(targets))}
            await self.pipelines.ensure(set(targets.values()))
        except AmoError as exc:
            for deal in deals:
                deal.patch_error = str(exc)
            return {}
        async with self._database.read() as session:
            written = dict(
                (
                    await session.execute(
                        select(DealRow.amo_lead_id, DealRow.crm_status_written).where(
                            DealRow.amo_lead_id.in_(list(targets))
                        )
                    )
                ).all()
            )
        allowed: dict[int, int] = {}
        already_there: dict[int, int] = {}
        for lead_id, target in targets.items():
            lead = leads.get(lead_id)
            if lead is None:
                continue  # gone from amoCRM: nothing to move (a note to it fails on its own)
            ours = written.get(lead_id)
            if lead.status_id == target:
                already_there[lead_id] = target  # our PATCH landed before a crash, or a person
                continue
            if ours is not None and lead.status_id != ours:
                log.info("amoCRM deal %s was moved by hand since our move: left there", lead_id)
                continue
            if self.pipelines.forward(lead, target):
                allowed[lead_id] = target
        await self._remember(already_there)
        return allowed

    async def _remember(self, moved: dict[int, int]) -> None:
        if not moved:
            return
        async with self._database.write() as session:
            for lead_id, status in moved.items():
                await session.execute(
                    update(DealRow)
                    .where(DealRow.amo_lead_id == lead_id)
                    .values(crm_status_written=status)
                )


def _fail_pair(pair: tuple[_Deal, dict[str, Any]], error: str) -> None:
    pair[0].patch_error = error


def _fail_deal(deal: _Deal, error: str) -> None:
    deal.note_error = error


async def _split_on_refusal(
    batch: Sequence[T],
    write: Callable[[list[T]], Awaitable[None]],
    on_failure: Callable[[T, str], None],
) -> list[T]:
    """Write the batch in one go; if amoCRM refuses it for its content, each part alone, so
    only the faulty one fails. A failure of amoCRM itself (429, 5xx, no connection) fails the
    whole batch, to be retried later. Returns the parts written."""
    if not batch:
        return []
    try:
        await write(list(batch))
        return list(batch)
    except _SPLIT_ON as exc:
        if len(batch) == 1:
            on_failure(batch[0], str(exc))
            return []
    except AmoError as exc:
        for part in batch:
            on_failure(part, str(exc))
        return []
    written: list[T] = []
    for part in batch:
        written += await _split_on_refusal([part], write, on_failure)
    return written
