"""Confirmations written back to amoCRM: the real outbox worker, the real `AmoClient` and the
CRM write-back against `FakeAmoCRM` — batched, coalesced, and safe to repeat after a crash,
a 5xx, a 401, a 429 storm or an hour of amoCRM being down."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from amocrm_client.client import AmoClient, MemoryTokenStore, OAuthApp
from amocrm_client.effects import CrmWriteBack
from amocrm_client.models import TokenPair
from ledger.confirmations import Source
from ledger.crm_effects import TOPIC_CRM
from ledger.notices import Notification, OutboxDead
from ledger.outbox import OutboxWorker
from ledger.storage.models import DealRow, OutboxRow
from tests.conftest import NOW, OWNER_ID
from tests.desk import CONFIRMED_STATUS, PAID_FIELD, PAID_STATUS, Desk, rub
from tests.fakes import amocrm_deals as account
from tests.fakes.amocrm import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeAmoCRM

OAUTH = OAuthApp(CLIENT_ID, SecretStr(CLIENT_SECRET), REDIRECT_URI)
LEAD = 31001
NOTES, LEADS, PATCH = "/api/v4/leads/notes", "/api/v4/leads", "/api/v4/leads"


class NoSleep:
    async def __call__(self, seconds: float) -> None:
        return None


@dataclass
class WriteBack:
    desk: Desk
    amo: FakeAmoCRM
    client: AmoClient
    worker: OutboxWorker

    def give_up_after(self, attempts: int) -> None:
        self.worker = make_worker(self.desk, self.client, max_attempts=attempts)

    async def deal(self, lead_id: int = LEAD, **changes) -> dict[str, int]:
        """The same closed deal in amoCRM and in our books."""
        self.amo.leads[lead_id] = account.closed_lead(
            lead_id,
            name=changes.get("name", "Кухня Ивановых"),
            price=int(changes.get("price", "150000")),
            prepayment=changes.get("prepay", "50000"),
            updated_at=1_790_000_000,
            account_id=self.amo.account["id"],
        )
        return await self.desk.deal(lead_id, **changes)

    async def confirm(self, payment_id: int, actor=None, **options):
        async with self.desk.services() as services:
            return await services.confirmations.confirm(
                actor or self.desk.cashier, payment_id, **options
            )

    async def undo(self, payment_id: int):
        async with self.desk.services() as services:
            question = await services.confirmations.ask_to_undo(self.desk.owner, payment_id)
            return await services.confirmations.undo(
                self.desk.owner,
                payment_id,
                confirmed_until=question.until,
                version=question.version,
            )

    def lead(self, lead_id: int = LEAD) -> dict:
        return self.amo.leads[lead_id]

    def paid(self, lead_id: int = LEAD):
        fields = self.lead(lead_id)["custom_fields_values"] or []
        [paid] = [f for f in fields if f["field_id"] == PAID_FIELD] or [None]
        return paid["values"][0]["value"] if paid and paid["values"] else None

    def notes(self, lead_id: int = LEAD) -> list[str]:
        return [note["params"]["text"] for note in self.amo.notes_of(lead_id)]

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.amo.requests if r.method != "GET"]

    async def rows(self, topic: str = TOPIC_CRM) -> list[OutboxRow]:
        return await self.desk.outbox(topic)


@pytest.fixture
async def crm(desk: Desk) -> AsyncIterator[WriteBack]:
    async with FakeAmoCRM() as amo, aiohttp.ClientSession() as session:
        account.install(amo)
        tokens = MemoryTokenStore(TokenPair.from_oauth_reply(amo.issue_tokens(), NOW))
        client = AmoClient(
            amo.base_url, tokens, session, oauth=OAUTH, sleep=NoSleep(), rng=random.Random(7)
        )
        yield WriteBack(desk, amo, client, make_worker(desk, client))


def make_worker(desk: Desk, client: AmoClient, **options) -> OutboxWorker:
    """The amoCRM worker's outbox worker, as `AmoIntegration` builds it."""
    return OutboxWorker(
        desk.database,
        {},
        desk.clock,
        batch_handlers={TOPIC_CRM: CrmWriteBack(client, desk.database)},
        dead_notice_chat_ids=[OWNER_ID],
        batch_size=150,
        rng=random.Random(7),
        **options,
    )


async def test_a_confirmation_reaches_the_deal_as_a_note_its_paid_field_and_its_status(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])

    assert await crm.worker.run_until_empty() == 3

    [note] = crm.notes()
    assert note.startswith(
        "Платёж 50\u00a0000,00\u00a0₽ наличными подтверждён: кассир Кира Иванова, 23.11.2026"
    )
    assert crm.paid() == 50000
    assert crm.lead()["status_id"] == CONFIRMED_STATUS
    # One note write and one PATCH for fields and status together.
    assert crm.writes() == [("POST", NOTES), ("PATCH", PATCH)]
    async with crm.desk.database.read() as session:
        deal = (await session.execute(select(DealRow))).scalar_one()
    assert deal.crm_status_written == CONFIRMED_STATUS
    assert await crm.worker.run_until_empty() == 0  # done once, never again


async def test_many_confirmations_go_out_in_a_few_batch_requests(crm):
    payments = [(await crm.deal(LEAD + n))["Предоплата"] for n in range(20)]
    for payment_id in payments:
        await crm.confirm(payment_id)
    crm.amo.requests.clear()

    assert await crm.worker.run_until_empty() == 60

    assert all(len(crm.notes(LEAD + n)) == 1 for n in range(20))
    assert all(crm.lead(LEAD + n)["status_id"] == CONFIRMED_STATUS for n in range(20))
    # A note batch, the statuses read once, the pipelines once, one PATCH for them all.
    assert sorted((r.method, r.path) for r in crm.amo.requests) == [
        ("GET", "/api/v4/leads"),
        ("GET", "/api/v4/leads/pipelines"),
        ("PATCH", PATCH),
        ("POST", NOTES),
    ]


async def test_a_deals_effects_are_coalesced_into_one_patch_with_the_latest_total(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    part = await crm.confirm(ids["Остаток"], crm.desk.accountant, amount=rub("40000"))
    await crm.confirm(
        ids["Остаток"], crm.desk.accountant, source=Source.ACCOUNTANT, version=part.payment.version
    )

    assert await crm.worker.run_until_empty() == 9

    assert len(crm.notes()) == 3
    assert crm.paid() == 150000
    assert crm.lead()["status_id"] == PAID_STATUS  # fully paid
    [patch] = crm.amo.requests_to("PATCH", PATCH)
    assert patch.json == [
        {
            "id": LEAD,
            "custom_fields_values": [{"field_id": PAID_FIELD, "values": [{"value": 150000}]}],
            "status_id": PAID_STATUS,
        }
    ]


async def test_notes_keep_their_order_and_an_undo_rewrites_the_total(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    assert await crm.worker.run_until_empty() == 3
    await crm.undo(ids["Предоплата"])

    assert await crm.worker.run_until_empty() == 2

    confirmed, undone = crm.notes()
    assert "подтверждён" in confirmed
    assert undone.startswith("Подтверждение платежа 50\u00a0000,00\u00a0₽ наличными отменено")
    assert crm.paid() == 0
    assert crm.lead()["status_id"] == CONFIRMED_STATUS  # never moved back


async def test_an_expired_token_is_refreshed_and_everything_is_written_once(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    crm.amo.expire_access_tokens()

    assert await crm.worker.run_until_empty() == 3

    assert len(crm.notes()) == 1
    assert crm.paid() == 50000
    assert len(crm.amo.requests_to("POST", "/oauth2/access_token")) == 1


async def test_a_429_storm_is_waited_out_and_nothing_is_written_twice(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    crm.amo.fail_next(429, times=14, body="Too Many Requests")  # a few passes of them

    for _ in range(12):
        await crm.worker.run_until_empty()
        crm.desk.clock.advance(timedelta(minutes=10))

    assert len(crm.notes()) == 1
    assert crm.paid() == 50000
    assert crm.lead()["status_id"] == CONFIRMED_STATUS
    assert [row.status for row in await crm.rows()] == ["done", "done", "done"]


async def test_a_note_written_before_the_worker_died_is_not_written_again(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])

    async def dies(ids):  # the process is killed between amoCRM's answer and our commit
        raise SystemExit("killed")

    marking = crm.worker.queue.done
    crm.worker.queue.done = dies
    with pytest.raises(SystemExit):
        await crm.worker.run_once()
    crm.worker.queue.done = marking
    assert len(crm.notes()) == 1
    crm.desk.clock.advance(timedelta(minutes=6))  # the dead worker's lease runs out

    assert await crm.worker.run_until_empty() == 3

    assert len(crm.notes()) == 1
    assert crm.amo.requests_to("GET", f"/api/v4/leads/{LEAD}/notes")  # it looked first
    assert len(crm.amo.requests_to("POST", NOTES)) == 1


async def test_a_note_that_landed_though_amocrm_answered_500_is_not_written_again(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    crm.amo.fail_next(500, path=NOTES, after=True)

    assert await crm.worker.run_until_empty() == 0  # the note failed: the rest waits for it
    crm.desk.clock.advance(timedelta(minutes=10))
    assert await crm.worker.run_until_empty() == 3

    assert len(crm.notes()) == 1
    assert crm.paid() == 50000


async def test_a_deal_is_never_moved_backwards(crm):
    ids = await crm.deal()
    crm.lead()["status_id"] = PAID_STATUS  # a person already moved it to "won"
    await crm.confirm(ids["Предоплата"])

    assert await crm.worker.run_until_empty() == 3

    assert crm.lead()["status_id"] == PAID_STATUS
    assert crm.paid() == 50000  # the fields are written all the same


async def test_a_status_a_person_set_after_our_move_is_left_alone(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    await crm.worker.run_until_empty()
    crm.amo.add_status(32392170, "Монтаж", 40, account.PIPELINE)
    crm.lead()["status_id"] = 32392170  # moved by hand after we moved it
    await crm.confirm(ids["Остаток"], crm.desk.accountant)

    assert await crm.worker.run_until_empty() == 3

    assert crm.lead()["status_id"] == 32392170  # not to "paid": a person decided otherwise
    assert crm.paid() == 150000


async def test_a_deal_in_another_pipeline_is_not_moved(crm):
    ids = await crm.deal()
    crm.lead()["pipeline_id"] = 999  # moved to another pipeline by hand
    await crm.confirm(ids["Предоплата"])

    assert await crm.worker.run_until_empty() == 3

    assert crm.lead()["pipeline_id"] == 999
    assert crm.lead()["status_id"] == account.CLOSED_STATUS


async def test_one_deal_gone_from_amocrm_does_not_hold_back_the_others(crm):
    first = await crm.deal(LEAD)
    second = await crm.deal(LEAD + 1)
    await crm.confirm(first["Предоплата"])
    await crm.confirm(second["Предоплата"])
    del crm.amo.leads[LEAD]  # deleted in amoCRM meanwhile

    assert await crm.worker.run_until_empty() == 3

    assert len(crm.notes(LEAD + 1)) == 1
    assert crm.paid(LEAD + 1) == 50000
    pending = [row for row in await crm.rows() if row.status == "pending"]
    assert {row.payload["amo_lead_id"] for row in pending} == {LEAD}


async def test_a_row_out_of_attempts_is_told_to_the_owner_once_and_retried_from_outbox(crm):
    ids = await crm.deal()
    await crm.confirm(ids["Предоплата"])
    lead = crm.amo.leads.pop(LEAD)
    crm.give_up_after(3)

    for _ in range(8):
        await crm.worker.run_until_empty()
        crm.desk.clock.advance(timedelta(hours=2))

    rows = await crm.rows()
    # The note died; the total and the move wait behind it, untried.
    assert [(row.status, row.attempts) for row in rows] == [
        ("dead", 3),
        ("pending", 0),
        ("pending", 0),
    ]
    told = [Notification.from_payload(row.payload) for row in await crm.rows("notify")]
    dead = [n for n in told if isinstance(n.facts, OutboxDead)]
    assert len(dead) == 1
    assert (dead[0].chat_id, dead[0].facts.effect, dead[0].facts.amo_lead_id) == (
        OWNER_ID,
        "add_note",
        LEAD,
    )
    async with crm.desk.services() as services:
        page = await services.stuck.page(crm.desk.owner)
        assert [(s.effect, s.amo_lead_id) for s in page.effects] == [("add_note", LEAD)]
        crm.amo.leads[LEAD] = lead  # restored in amoCRM
        assert await services.stuck.retry(crm.desk.owner, page.effects[0].id) == 1

    assert await crm.worker.run_until_empty() == 3

    assert len(crm.notes()) == 1
    assert crm.paid() == 50000


async def test_amocrm_down_for_an_hour_then_back_gets_everything_once_in_order(crm):
    ids = await crm.deal()
    other = await crm.deal(LEAD + 1)
    crm.amo.fail_next(503, times=10_000)
    await crm.confirm(ids["Предоплата"])
    await crm.confirm(other["Предоплата"])
    for _ in range(6):
        await crm.worker.run_until_empty()
        crm.desk.clock.advance(timedelta(minutes=10))
    await crm.undo(ids["Предоплата"])
    await crm.confirm(ids["Предоплата"], crm.desk.cashier2)
    crm.amo._failures.clear()  # amoCRM is back

    for _ in range(6):
        await crm.worker.run_until_empty()
        crm.desk.clock.advance(timedelta(hours=1))

    notes = crm.notes()
    assert [text.split(":")[0] for text in notes] == [
        "Платёж 50\u00a0000,00\u00a0₽ наличными подтверждён",
        "Подтверждение платежа 50\u00a0000,00\u00a0₽ наличными отменено",
        "Платёж 50\u00a0000,00\u00a0₽ наличными подтверждён",
    ]
    assert "Кристина" in notes[2]
    assert crm.paid() == 50000
    assert len(crm.notes(LEAD + 1)) == 1
    assert {row.status for row in await crm.rows()} == {"done"}
