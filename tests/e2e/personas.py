"""The people of a small business as end-to-end tests meet them, each made the way a person
joins the bot: the owner (named by OWNER_TELEGRAM_IDS, so nobody grants it) sends /invite and
picks the role, for a manager also who they are in amoCRM; the newcomer opens the invite link
(`/start <token>`) in their own chat with the bot. No row is written by hand.

The fixtures over these (`owner`, `cashier`, `accountant`, `manager`) are in conftest.py.
"""

from __future__ import annotations

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_user import FakeUser

CASHIER_ID = 7770001
ACCOUNTANT_ID = 7770004
MANAGER_ID = 7770009


async def invite_token(owner: FakeUser, role_label: str, *, crm_user: str | None = None) -> str:
    """The payload of a new invite link, as the owner makes it: /invite, the role, and for a
    manager the amoCRM user they are (`crm_user`, a button label).
    """
    await owner.send("/invite")
    await owner.tap(role_label)
    if crm_user is not None:
        await owner.tap(crm_user)
    text = owner.last_message().body
    link = next(word for word in text.split() if word.startswith("https://t.me/"))
    return link.split("?start=", 1)[1]


async def join(
    telegram: FakeTelegram,
    owner: FakeUser,
    role_label: str,
    user_id: int,
    first_name: str,
    *,
    username: str | None = None,
    crm_user: str | None = None,
) -> FakeUser:
    """A new person invited by `owner` to `role_label`, who has opened the link."""
    token = await invite_token(owner, role_label, crm_user=crm_user)
    person = telegram.user(user_id, first_name, username=username)
    await person.open_deep_link(token)
    welcome = person.last_message().body
    assert f"роль «{role_label}»" in welcome, f"{first_name} did not join: {welcome!r}"
    return person
