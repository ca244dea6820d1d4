"""One-time login links to the cabinet: `/cabinet` in the bot sends one, a browser opens it.

The token (`ledger.tokens`, kind "login") is signed with the app's secret key and good for a
few minutes; its id packs the person's user id with the second it was made, so each link is
its own and the database marks it used (`used_links`, as the cash links are): the second
opening is refused.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from ledger.clock import Clock
from ledger.errors import LinkRefused
from ledger.roles import Actor, Role
from ledger.storage.models import UsedLinkRow
from ledger.storage.uow import UnitOfWork
from ledger.tokens import TokenError, sign, verify

# Who the cabinet has pages for: the desk's work (requests, confirmations, statements) and
# the owner's dashboard. Managers and requesters work in the chat.
CABINET_ROLES = frozenset({Role.OWNER, Role.ACCOUNTANT, Role.CASHIER, Role.APPROVER})
LOGIN_LINK = "login"
LOGIN_LINK_TTL = timedelta(minutes=10)
_SECOND_BITS = 32
_MAX_USER_ID = 2**31 - 1  # the packed id must stay a signed 64-bit integer


def _pack(user_id: int, second: int) -> int:
    if not 0 < user_id <= _MAX_USER_ID:
        raise ValueError("user id out of range for a login link")
    return (user_id << _SECOND_BITS) | (second & (2**_SECOND_BITS - 1))


class LoginLinks:
    def __init__(self, uow: UnitOfWork, clock: Clock, key: bytes) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._key = key

    def issue(self, actor: Actor) -> str:
        """A login link's token for whoever asked (known to the bot, so with a role)."""
        now = self._clock.now()
        ident = _pack(actor.user_id, int(now.timestamp()))
        return sign(self._key, LOGIN_LINK, ident, now + LOGIN_LINK_TTL)

    async def use(self, token: str) -> int:
        """The user id the link signs in, the link marked used; `LinkRefused` when forged,
        expired or used before."""
        try:
            claims = verify(self._key, token, kind=LOGIN_LINK, now=self._clock.now())
        except TokenError as exc:
            raise LinkRefused(exc.reason) from None
        user_id = claims.ident >> _SECOND_BITS
        try:
            async with self._uow.write():
                if await self._session.get(UsedLinkRow, (LOGIN_LINK, claims.ident)) is not None:
                    raise LinkRefused("used")
                self._session.add(
                    UsedLinkRow(
                        kind=LOGIN_LINK,
                        ident=claims.ident,
                        used_by=user_id,
                        used_at=self._clock.now(),
                    )
                )
                await self._uow.commit()
        except IntegrityError:
            raise LinkRefused("used") from None  # opened twice at the same moment
        return user_id
