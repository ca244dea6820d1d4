"""Roles and the person acting: who may do what is a domain concern, not a Telegram one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import NotAllowed


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    ACCOUNTANT = "accountant"
    APPROVER = "approver"
    REQUESTER = "requester"


# Roles an owner may grant by invite; owners come only from OWNER_TELEGRAM_IDS.
GRANTABLE_ROLES: tuple[Role, ...] = (
    Role.MANAGER,
    Role.CASHIER,
    Role.ACCOUNTANT,
    Role.APPROVER,
    Role.REQUESTER,
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The known person behind an update, with the roles they hold right now."""

    user_id: int
    telegram_id: int
    name: str
    roles: frozenset[Role]
    language: str = "ru"

    @property
    def is_owner(self) -> bool:
        return Role.OWNER in self.roles

    def has_any(self, roles: frozenset[Role] | set[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    def require(self, *roles: Role) -> None:
        """Refuse (`NotAllowed`) unless the person holds one of `roles`."""
        if self.roles.isdisjoint(roles):
            raise NotAllowed
