"""Invites: the owner asks for a link with a role (a manager's may name their amoCRM user);
whoever opens it first gets the role, once. The link is a signed token, its row the proof
it was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ledger import audit, outbox
from ledger.clock import Clock
from ledger.errors import InviteRefused, NotAllowed
from ledger.notices import InviteAccepted, Notification
from ledger.roles import GRANTABLE_ROLES, Actor, Role
from ledger.storage.models import AmoUserRow, InviteRow, UserRoleRow, UserRow
from ledger.storage.uow import UnitOfWork
from ledger.tokens import TokenError, sign, verify
from ledger.users import Person, UserService

INVITE_KIND = "inv"
INVITE_TTL = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    expires_at_text: str


class InviteService:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, users: UserService, *, secret_key: bytes
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._users = users
        self._key = secret_key

    async def crm_users(self, actor: Actor) -> list[tuple[int, str]]:
        """amoCRM's users as last synced (id, name): whom a manager's invite can name."""
        actor.require(Role.OWNER)
        rows = await self._session.execute(
            select(AmoUserRow.id, AmoUserRow.name).order_by(AmoUserRow.name)
        )
        return [(row.id, row.name) for row in rows]

    async def create_invite(
        self, actor: Actor, role: Role, *, amo_user_id: int | None = None
    ) -> Invite:
        actor.require(Role.OWNER)
        if role not in GRANTABLE_ROLES:
            raise NotAllowed
        if amo_user_id is not None and (
            role is not Role.MANAGER or await self._session.get(AmoUserRow, amo_user_id) is None
        ):
            raise NotAllowed  # a forged button: only a known amoCRM user, only for a manager
        now = self._clock.now()
        row = InviteRow(
            role=role.value,
            created_by=actor.user_id,
            created_at=now,
            expires_at=now + INVITE_TTL,
            amo_user_id=amo_user_id,
        )
        async with self._uow.write():
            self._session.add(row)
            await self._session.flush()
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="invite.created",
                object_type="invite",
                object_id=row.id,
                after={
                    "role": role.value,
                    "expires_at": row.expires_at.isoformat(),
                    "amo_user_id": amo_user_id,
                },
            )
            await self._uow.commit()
        token = sign(self._key, INVITE_KIND, row.id, row.expires_at)
        expires_local = row.expires_at.astimezone(self._clock.tz)
        return Invite(
            token=token, role=role, expires_at_text=expires_local.strftime("%d.%m.%Y %H:%M")
        )

    async def accept_invite(self, person: Person, token: str) -> tuple[Actor, Role]:
        now = self._clock.now()
        try:
            claims = verify(self._key, token, kind=INVITE_KIND, now=now)
        except TokenError as exc:
            raise InviteRefused(exc.reason) from None
        invite = await self._session.get(InviteRow, claims.ident)
        if invite is None:
            raise InviteRefused("invalid")
        if self._uow.replaying:
            return await self._accepted(person, invite)
        async with self._uow.write():
            user = await self._users.find_or_create(person)
            # Single use, decided by the database: of two people racing for one link, one wins.
            claimed = await self._session.execute(
                update(InviteRow)
                .where(InviteRow.id == invite.id, InviteRow.used_at.is_(None))
                .values(used_by=user.id, used_at=now)
            )
            if claimed.rowcount != 1:
                raise InviteRefused("used")
            role = Role(invite.role)
            if invite.amo_user_id is not None:
                await self._link_crm_user(user, invite.amo_user_id, now)
            roles = await self._users.roles_of(user.id)
            if role not in roles:
                self._session.add(
                    UserRoleRow(
                        user_id=user.id,
                        role=role.value,
                        granted_by=invite.created_by,
                        granted_at=now,
                    )
                )
                roles.add(role)
            audit.record(
                self._session,
                at=now,
                actor_user_id=user.id,
                action="role.granted",
                object_type="user",
                object_id=user.id,
                before=None,
                after={"role": role.value, "invite_id": invite.id},
            )
            creator = await self._session.get(UserRow, invite.created_by)
            if creator is not None:
                outbox.notify(
                    self._session,
                    Notification(creator.telegram_id, InviteAccepted(user.name, role)),
                    now=now,
                    dedupe_key=f"invite-accepted:{invite.id}",
                )
            await self._uow.commit()
        if self._users.is_owner(person.telegram_id):
            roles.add(Role.OWNER)
        return self._users.actor(user, frozenset(roles), person), role

    async def _accepted(self, person: Person, invite: InviteRow) -> tuple[Actor, Role]:
        """The acceptance an earlier delivery of this update made, to answer it again
        (`UnitOfWork.replaying`); the link is "used" unless this very person used it."""
        user = await self._session.scalar(
            select(UserRow).where(UserRow.telegram_id == person.telegram_id)
        )
        if user is None or invite.used_by != user.id:
            raise InviteRefused("used")
        roles = await self._users.roles_of(user.id)
        if self._users.is_owner(person.telegram_id):
            roles.add(Role.OWNER)
        return self._users.actor(user, frozenset(roles), person), Role(invite.role)

    async def _link_crm_user(self, user: UserRow, amo_user_id: int, now: datetime) -> None:
        """The amoCRM user is this person now; whoever was linked to it before is not."""
        if user.amo_user_id == amo_user_id:
            return
        await self._session.execute(
            update(UserRow).where(UserRow.amo_user_id == amo_user_id).values(amo_user_id=None)
        )
        before = user.amo_user_id
        user.amo_user_id = amo_user_id
        await self._session.flush()
        audit.record(
            self._session,
            at=now,
            actor_user_id=user.id,
            action="user.crm_linked",
            object_type="user",
            object_id=user.id,
            before={"amo_user_id": before},
            after={"amo_user_id": amo_user_id},
        )
