"""People and roles: who is acting, invites that grant a role, listing and revoking.

Owners come from OWNER_TELEGRAM_IDS (settings), never from the database, so nobody can lock the
owner out from the bot. Every other role lives in `user_roles` and is granted by an invite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update

from ledger import audit, outbox
from ledger.clock import Clock
from ledger.errors import CannotRevokeOwner, InviteRefused, NotAllowed, NotFound
from ledger.notices import InviteAccepted, Notification
from ledger.roles import GRANTABLE_ROLES, Actor, Role
from ledger.storage.models import AmoUserRow, AuditRow, InviteRow, UserRoleRow, UserRow
from ledger.storage.uow import UnitOfWork
from ledger.tokens import TokenError, sign, verify

INVITE_KIND = "inv"
INVITE_TTL = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Person:
    """What Telegram tells us about whoever sent an update."""

    telegram_id: int
    name: str
    username: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class UserView:
    user_id: int
    telegram_id: int
    name: str
    username: str | None
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    expires_at_text: str


class UserService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        owner_ids: frozenset[int],
        secret_key: bytes,
        default_language: str = "ru",
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._owner_ids = owner_ids
        self._key = secret_key
        self._default_language = default_language

    async def resolve(self, person: Person) -> Actor | None:
        """The actor behind an update, or None for someone unknown (who must be refused)."""
        rows = (
            await self._session.execute(
                select(UserRow, UserRoleRow.role)
                .outerjoin(UserRoleRow, UserRoleRow.user_id == UserRow.id)
                .where(UserRow.telegram_id == person.telegram_id)
            )
        ).all()
        is_owner = person.telegram_id in self._owner_ids
        if not rows and not is_owner:
            return None
        if rows:
            row = rows[0][0]
            roles = {Role(role) for _, role in rows if role is not None}
        else:
            async with self._uow.write(incidental=True):
                row = await self._create_user(person)
                await self._uow.commit()
            roles = set()
        if is_owner:
            roles.add(Role.OWNER)
        if not roles:
            return None
        return self._actor(row, frozenset(roles), person)

    async def _roles_of(self, user_id: int) -> set[Role]:
        result = await self._session.execute(
            select(UserRoleRow.role).where(UserRoleRow.user_id == user_id)
        )
        return {Role(value) for value in result.scalars()}

    def _actor(self, row: UserRow, roles: frozenset[Role], person: Person | None) -> Actor:
        language = (person.language if person else None) or row.language
        if language not in ("ru", "en"):
            language = self._default_language
        return Actor(
            user_id=row.id,
            telegram_id=row.telegram_id,
            name=row.name,
            roles=roles,
            language=language,
        )

    async def _create_user(self, person: Person) -> UserRow:
        row = UserRow(
            telegram_id=person.telegram_id,
            name=person.name[:200] or str(person.telegram_id),
            username=person.username,
            language=person.language,
            created_at=self._clock.now(),
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def seed_roles(self, roles: dict[int, list[Role]]) -> int:
        """First start only: give the TOML's roles; afterwards the database is the truth."""
        seeded = await self._session.execute(
            select(exists().where(AuditRow.action == "roles.seeded"))
        )
        if seeded.scalar_one() or not roles:
            return 0
        async with self._uow.write():
            now = self._clock.now()
            count = 0
            for telegram_id, role_list in roles.items():
                row = (
                    await self._session.execute(
                        select(UserRow).where(UserRow.telegram_id == telegram_id)
                    )
                ).scalar_one_or_none()
                if row is None:
                    row = await self._create_user(Person(telegram_id, str(telegram_id)))
                for role in set(role_list) - {Role.OWNER}:
                    self._session.add(UserRoleRow(user_id=row.id, role=role.value, granted_at=now))
                    count += 1
            audit.record(
                self._session,
                at=now,
                actor_user_id=None,
                action="roles.seeded",
                object_type="roles",
                object_id="mappings",
                after={str(k): [r.value for r in v] for k, v in roles.items()},
            )
            await self._uow.commit()
        return count

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
        async with self._uow.write():
            user = (
                await self._session.execute(
                    select(UserRow).where(UserRow.telegram_id == person.telegram_id)
                )
            ).scalar_one_or_none()
            if user is None:
                user = await self._create_user(person)
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
            roles = await self._roles_of(user.id)
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
        if person.telegram_id in self._owner_ids:
            roles.add(Role.OWNER)
        return self._actor(user, frozenset(roles), person), role

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

    async def list_users(self, actor: Actor) -> list[UserView]:
        actor.require(Role.OWNER)
        users = (
            (await self._session.execute(select(UserRow).order_by(UserRow.name))).scalars().all()
        )
        role_rows = (await self._session.execute(select(UserRoleRow))).scalars().all()
        by_user: dict[int, set[Role]] = {}
        for role_row in role_rows:
            by_user.setdefault(role_row.user_id, set()).add(Role(role_row.role))
        views = []
        for user in users:
            roles = set(by_user.get(user.id, set()))
            if user.telegram_id in self._owner_ids:
                roles.add(Role.OWNER)
            if roles:
                views.append(
                    UserView(user.id, user.telegram_id, user.name, user.username, frozenset(roles))
                )
        return views

    async def revoke(self, actor: Actor, user_id: int, role: Role) -> UserView:
        actor.require(Role.OWNER)
        user = await self._session.get(UserRow, user_id)
        if user is None:
            raise NotFound("user", user_id)
        if role == Role.OWNER:
            raise CannotRevokeOwner
        async with self._uow.write():
            removed = await self._session.execute(
                delete(UserRoleRow).where(
                    UserRoleRow.user_id == user_id, UserRoleRow.role == role.value
                )
            )
            if removed.rowcount:
                audit.record(
                    self._session,
                    at=self._clock.now(),
                    actor_user_id=actor.user_id,
                    action="role.revoked",
                    object_type="user",
                    object_id=user_id,
                    before={"role": role.value},
                    after=None,
                )
            await self._uow.commit()
        roles = await self._roles_of(user_id)
        if user.telegram_id in self._owner_ids:
            roles.add(Role.OWNER)
        return UserView(user.id, user.telegram_id, user.name, user.username, frozenset(roles))

    async def grant_console_role(self, person: Person, role: Role) -> None:
        """The console's persona for a role: whoever runs the terminal runs the business."""
        async with self._uow.write():
            await self._grant_console_role(person, role)
            await self._uow.commit()

    async def _grant_console_role(self, person: Person, role: Role) -> None:
        user = (
            await self._session.execute(
                select(UserRow).where(UserRow.telegram_id == person.telegram_id)
            )
        ).scalar_one_or_none()
        if user is None:
            user = await self._create_user(person)
        if role in await self._roles_of(user.id):
            return
        now = self._clock.now()
        self._session.add(UserRoleRow(user_id=user.id, role=role.value, granted_at=now))
        audit.record(
            self._session,
            at=now,
            actor_user_id=None,
            action="role.granted",
            object_type="user",
            object_id=user.id,
            after={"role": role.value, "via": "console"},
        )
