"""The daily jobs: the owners told of requests past their date, the accountants' morning
digest; once a day, and nothing when there is nothing to say."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.notices import RequestsDigest, RequestsOverdue
from ledger.requests.alerts import RequestAlerts
from tests.conftest import OWNER_ID
from tests.office import Office, rub


async def alerts(office: Office, job: str):
    async with office.database.unit_of_work() as uow:
        found = RequestAlerts(uow, office.clock, owner_chat_ids=[OWNER_ID])
        return await getattr(found, job)()


async def test_nothing_due_and_nothing_late_tells_nobody(office: Office) -> None:
    await office.submitted()

    assert await alerts(office, "tell_overdue") is None
    assert await alerts(office, "morning_digest") is None
    assert [n.facts.kind.value for n in await office.notices()] == ["request_submitted"]


async def test_the_owner_is_told_once_a_day_of_what_is_past_its_date(office: Office) -> None:
    office.clock.advance(timedelta(days=-5))
    await office.approved(pay_by=date(2026, 11, 20), amount=rub("1000"))
    await office.approved(pay_by=date(2026, 11, 19), amount=rub("50", "USD"))
    await office.submitted(pay_by=date(2026, 11, 21))
    await office.approved(pay_by=date(2026, 11, 23))  # due today: not late
    office.clock.advance(timedelta(days=5))
    since = await office.last_outbox_id()

    told = await alerts(office, "tell_overdue")
    again = await alerts(office, "tell_overdue")

    assert told == RequestsOverdue(
        count=2, totals=((100_000, "RUB"), (5_000, "USD")), waiting=1, oldest="2026-11-19"
    )
    assert again is None
    [notice] = await office.notices(since=since)
    assert (notice.chat_id, notice.facts) == (OWNER_ID, told)
    office.clock.advance(timedelta(days=1))
    assert await alerts(office, "tell_overdue") is not None


async def test_the_accountants_morning_says_what_is_due_late_and_new(office: Office) -> None:
    office.clock.advance(timedelta(days=-3))
    await office.approved(pay_by=date(2026, 11, 22), amount=rub("2000"))
    await office.approved(pay_by=date(2026, 11, 23), amount=rub("3000"))
    office.clock.advance(timedelta(days=3))
    await office.approved(pay_by=date(2026, 11, 25), amount=rub("4000"))
    since = await office.last_outbox_id()

    digest = await alerts(office, "morning_digest")

    assert digest == RequestsDigest(
        due_today=1,
        due_today_totals=((300_000, "RUB"),),
        overdue=1,
        overdue_totals=((200_000, "RUB"),),
        approved=1,
    )
    told = await office.notices(since=since)
    assert sorted(n.chat_id for n in told) == sorted(
        [office.accountant.telegram_id, office.accountant2.telegram_id]
    )
    assert await alerts(office, "morning_digest") is None
