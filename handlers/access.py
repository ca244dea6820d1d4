"""Role flags and filters shared by the routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from ledger.roles import Actor, Role

OWNER_ONLY = {"roles": frozenset({Role.OWNER})}
PUBLIC = {"public": True}


class HasRole(Filter):
    """Routes an update by role (a stranger's text falls through to the hint, not a refusal).

    Routing only: the roles flag checked by `RolesMiddleware` is still what guards the handler.
    """

    def __init__(self, *roles: Role) -> None:
        self._roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, actor: Actor | None = None, **_: Any) -> bool:
        return actor is not None and actor.has_any(self._roles)
