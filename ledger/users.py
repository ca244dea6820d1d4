"""People and roles: who is acting, listing and revoking (invites grant roles: invites.py).

Owners come from OWNER_TELEGRAM_IDS (settings), never from the database, so nobody can lock the
owner out from the bot. Every other role lives in `user_roles` and is granted by an invite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, select

from ledger import audit
from ledger.clock import Clock
from ledger.confirmation import check_in_time, deadline
from ledger.errors import CannotRevokeOwner, CrmUserTaken, NotAllowed, NotFound
from ledger.roles import Actor, Role
from ledger.storage.models import AmoUserRow, AuditRow, UserRoleRow, UserRow
from ledger.storage.uow import UnitOfWork


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


class UserService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        *,
        owner_ids: frozenset[int],
        default_language: str = "ru",
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._owner_ids = owner_ids
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
        return self.actor(row, frozenset(roles), person)

    async def roles_of(self, user_id: int) -> set[Role]:
        result = await self._session.execute(
            select(UserRoleRow.role).where(UserRoleRow.user_id == user_id)
        )
        return {Role(value) for value in result.scalars()}

    def actor(self, row: UserRow, roles: frozenset[Role], person: Person | None) -> Actor:
        """The acting person as a role check sees them; owners are added by the caller."""
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

    async def find_or_create(self, person: Person) -> UserRow:
        """The person's row, created on first contact (inside the caller's write block)."""
        row = (
            await self._session.execute(
                select(UserRow).where(UserRow.telegram_id == person.telegram_id)
            )
        ).scalar_one_or_none()
        return row if row is not None else await self._create_user(person)

    def is_owner(self, telegram_id: int) -> bool:
        return telegram_id in self._owner_ids

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

    async def ask_to_revoke(self, actor: Actor, user_id: int, role: Role) -> int:
        """The first of revoke's two taps: it may be done (else why not), and until when the
        "yes" may come."""
        await self._revocable(actor, user_id, role)
        return deadline(self._clock)

    async def revoke(
        self, actor: Actor, user_id: int, role: Role, *, confirmed_until: int
    ) -> UserView:
        user = await self._revocable(actor, user_id, role)
        check_in_time(self._clock, confirmed_until)
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
        roles = await self.roles_of(user_id)
        if user.telegram_id in self._owner_ids:
            roles.add(Role.OWNER)
        return UserView(user.id, user.telegram_id, user.name, user.username, frozenset(roles))

    async def link_crm_user(
        self, actor: Actor, user_id: int, amo_user_id: int | None
    ) -> tuple[str, str | None]:
        """The owner says which amoCRM user a manager is (None: none): their deals and the
        cash they hold are found by it. Returns the person's name and the amoCRM user's."""
        actor.require(Role.OWNER)
        async with self._uow.write():
            user = await self._session.get(UserRow, user_id)
            if user is None:
                raise NotFound("user", user_id)
            if Role.MANAGER not in await self.roles_of(user_id):
                raise NotAllowed
            crm_name = None
            if amo_user_id is not None:
                crm_user = await self._session.get(AmoUserRow, amo_user_id)
                if crm_user is None:
                    raise NotFound("amo_user", amo_user_id)
                crm_name = crm_user.name
                holder = await self._session.scalar(
                    select(UserRow).where(UserRow.amo_user_id == amo_user_id, UserRow.id != user_id)
                )
                if holder is not None:
                    raise CrmUserTaken(holder.name)
            before = user.amo_user_id
            user.amo_user_id = amo_user_id
            audit.record(
                self._session,
                at=self._clock.now(),
                actor_user_id=actor.user_id,
                action="user.crm_linked",
                object_type="user",
                object_id=user_id,
                before={"amo_user_id": before},
                after={"amo_user_id": amo_user_id},
            )
            await self._uow.commit()
            return user.name, crm_name

    async def _revocable(self, actor: Actor, user_id: int, role: Role) -> UserRow:
        actor.require(Role.OWNER)
        user = await self._session.get(UserRow, user_id)
        if user is None:
            raise NotFound("user", user_id)
        if role == Role.OWNER:
            raise CannotRevokeOwner
        return user

    async def grant_console_role(self, person: Person, role: Role) -> None:
        """The console's persona for a role: whoever runs the terminal runs the business."""
        async with self._uow.write():
            await self._grant_console_role(person, role)
            await self._uow.commit()

    async def _grant_console_role(self, person: Person, role: Role) -> None:
        user = await self.find_or_create(person)
        if role in await self.roles_of(user.id):
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
