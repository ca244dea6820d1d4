"""Links: a filing link the owner hands out, and each request's own link.

A filing link (`/start req_<token>`) lets whoever holds the requester role (or a manager, or
the owner) start a request; one link serves a whole team (one for marketing, say), as often as
needed, until it expires (90 days unless the owner says otherwise) or the owner revokes it.
Its token is signed and carries its row's id and expiry; the row says whether it was revoked
and what a new draft starts with (a category, a salon and city). Opening it again while the
draft it started is still untouched gives that draft back rather than a second one.

A request's own link (`/start rq_<token>`, in the approver's and the accountant's notices)
opens that one request for anyone who may see it (`ledger.requests.access`), as often as
needed, for 30 days; someone who may not see the request is refused as though it were forged
would be: the link gives nobody more than their role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ledger import audit
from ledger.clock import Clock
from ledger.errors import LinkRefused, NotFound, RequestRefused
from ledger.requests.access import FILERS, visible
from ledger.requests.edits import MAX_PLACE, text
from ledger.requests.notify import REQUEST_LINK, request_token
from ledger.requests.service import Defaults, RequestService
from ledger.requests.states import RequestStatus
from ledger.requests.views import RequestCard, RequestView
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, PaymentRequestRow, RequestLinkRow
from ledger.storage.uow import UnitOfWork
from ledger.tokens import TokenClaims, TokenError, verify
from ledger.tokens import sign as sign_token

FILING_LINK = "req"
FILING_LINK_TTL = timedelta(days=90)
MAX_FILING_DAYS = 366
MAX_LABEL = 100


@dataclass(frozen=True, slots=True)
class FilingLink:
    id: int
    token: str  # the `/start` payload
    label: str
    category: str | None
    salon: str | None
    city: str | None
    expires_at: datetime


class RequestLinks:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        requests: RequestService,
        *,
        secret_key: bytes,
    ) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock
        self._requests = requests
        self._key = secret_key

    # -- filing links ------------------------------------------------------------------------

    async def create_filing_link(
        self,
        actor: Actor,
        label: str,
        *,
        category_id: int | None = None,
        salon: str | None = None,
        city: str | None = None,
        days: int | None = None,
    ) -> FilingLink:
        """A link the owner hands to a team: `label` names it in the owner's list; a request
        started by it starts in `category_id`, `salon`, `city`; good for `days` (90 by
        default, at most a year)."""
        actor.require(Role.OWNER)
        name = text(label, MAX_LABEL)
        ttl = FILING_LINK_TTL if days is None else timedelta(days=days)
        if not timedelta(days=1) <= ttl <= timedelta(days=MAX_FILING_DAYS):
            raise RequestRefused("too_long", limit=MAX_FILING_DAYS)
        now = self._clock.now()
        async with self._uow.write():
            if category_id is not None:
                category = await self._session.get(CategoryRow, category_id)
                if category is None or not category.is_active or category.kind != "expense":
                    raise RequestRefused("category")
            row = RequestLinkRow(
                label=name,
                category_id=category_id,
                salon=text(salon, MAX_PLACE, required=False) if salon else None,
                city=text(city, MAX_PLACE, required=False) if city else None,
                created_by=actor.user_id,
                created_at=now,
                expires_at=now + ttl,
            )
            self._session.add(row)
            await self._session.flush()
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="request_link.created",
                object_type="request_link",
                object_id=row.id,
                after={"label": name, "category_id": category_id, "days": ttl.days},
            )
            await self._uow.commit()
        return await self._filing_link(row)

    async def filing_links(self, actor: Actor) -> list[FilingLink]:
        """The filing links still good (not revoked, not expired), newest first."""
        actor.require(Role.OWNER)
        rows = await self._session.scalars(
            select(RequestLinkRow)
            .where(
                RequestLinkRow.revoked_at.is_(None),
                RequestLinkRow.expires_at > self._clock.now(),
            )
            .order_by(RequestLinkRow.id.desc())
        )
        return [await self._filing_link(row) for row in rows]

    async def revoke_filing_link(self, actor: Actor, link_id: int) -> None:
        """Stop a filing link working; requests it started stay as they are."""
        actor.require(Role.OWNER)
        now = self._clock.now()
        async with self._uow.write():
            revoked = await self._session.execute(
                update(RequestLinkRow)
                .where(RequestLinkRow.id == link_id, RequestLinkRow.revoked_at.is_(None))
                .values(revoked_at=now, revoked_by=actor.user_id)
            )
            if revoked.rowcount != 1:
                if await self._session.get(RequestLinkRow, link_id) is None:
                    raise NotFound("request_link", link_id)
                return  # revoked already: nothing to do
            audit.record(
                self._session,
                at=now,
                actor_user_id=actor.user_id,
                action="request_link.revoked",
                object_type="request_link",
                object_id=link_id,
            )
            await self._uow.commit()

    async def start_by_link(self, actor: Actor, token: str) -> RequestView:
        """Open a filing link: a new draft with what the link names, or the draft it started
        for this person that is still untouched. `LinkRefused` for a forged or mangled token
        ("invalid"), an expired link ("expired"), a revoked one ("revoked"); `NotAllowed`
        for someone who files no requests."""
        claims = self._verify(FILING_LINK, token)
        actor.require(*FILERS)
        link = await self._session.get(RequestLinkRow, claims.ident, populate_existing=True)
        if link is None:
            raise LinkRefused("invalid")
        if link.revoked_at is not None:
            raise LinkRefused("revoked")
        untouched = await self._session.scalar(
            select(PaymentRequestRow.id)
            .where(
                PaymentRequestRow.requester_id == actor.user_id,
                PaymentRequestRow.link_id == link.id,
                PaymentRequestRow.status == RequestStatus.DRAFT.value,
                PaymentRequestRow.version == 0,
            )
            .order_by(PaymentRequestRow.id.desc())
            .limit(1)
        )
        if untouched is not None:
            return await self._requests.get(actor, untouched)
        defaults = Defaults(
            link_id=link.id, category_id=link.category_id, salon=link.salon, city=link.city
        )
        if link.category_id is not None:
            category = await self._session.get(CategoryRow, link.category_id)
            if category is None or not category.is_active:
                defaults = Defaults(link_id=link.id, salon=link.salon, city=link.city)
        return await self._requests.start(actor, defaults)

    # -- a request's own link ----------------------------------------------------------------

    async def request_link(self, actor: Actor, request_id: int) -> str:
        """A link (the `/start` payload) that opens the request, made by someone who may see
        it, for whoever else may."""
        await self._requests.get(actor, request_id)
        return request_token(self._key, request_id, self._clock.now())

    async def request_links(self, actor: Actor, request_ids: Iterable[int]) -> dict[int, str]:
        """Links for those of the requests the actor may see (one query): a list's lines,
        each a link to keep. The others are left out."""
        wanted = sorted(set(request_ids))
        if not wanted:
            return {}
        seen = await self._session.scalars(
            select(PaymentRequestRow.id).where(PaymentRequestRow.id.in_(wanted), visible(actor))
        )
        now = self._clock.now()
        return {ident: request_token(self._key, ident, now) for ident in seen}

    async def open_request_link(self, actor: Actor, token: str) -> RequestCard:
        """The request a link names, for someone who may see it: `LinkRefused` for a forged
        or expired token, `NotYours` for a request this person may not see."""
        claims = self._verify(REQUEST_LINK, token)
        return await self._requests.card(actor, claims.ident)

    # -- shared ------------------------------------------------------------------------------

    def _verify(self, kind: str, token: str) -> TokenClaims:
        try:
            return verify(self._key, token, kind=kind, now=self._clock.now())
        except TokenError as exc:
            raise LinkRefused(exc.reason) from None

    async def _filing_link(self, row: RequestLinkRow) -> FilingLink:
        category = (
            await self._session.scalar(
                select(CategoryRow.name).where(CategoryRow.id == row.category_id)
            )
            if row.category_id is not None
            else None
        )
        return FilingLink(
            id=row.id,
            token=sign_token(self._key, FILING_LINK, row.id, row.expires_at),
            label=row.label,
            category=category,
            salon=row.salon,
            city=row.city,
            expires_at=row.expires_at,
        )
