"""`POST /amocrm/webhook/<secret>`: check, store in the inbox, answer 200 — nothing more.

The lead is fetched later by the inbox worker, so the answer never waits for amoCRM's API.
Anything we refuse changes nothing and is logged without the body or the secret.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from aiohttp import web

from amocrm_client.inbox import InboxWriter, ReceivedWebhook
from amocrm_client.webhooks import MAX_BODY_BYTES, WebhookError, parse_webhook

log = logging.getLogger(__name__)
AMOCRM_WEBHOOK_ROUTE = "/amocrm/webhook/{secret}"


@dataclass(frozen=True, slots=True)
class AmoWebhookConfig:
    secret: str
    account_id: int | None
    writer: InboxWriter


def register_amocrm_webhook(app: web.Application, config: AmoWebhookConfig) -> None:
    expected = config.secret.encode()

    async def receive(request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.match_info["secret"].encode(), expected):
            log.warning("amoCRM webhook refused: wrong secret in the path")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413, text="body too large")
        body = await request.read()
        try:
            batch = parse_webhook(body)
        except WebhookError as exc:
            log.warning("amoCRM webhook refused: %s", exc.reason)
            return web.Response(status=400, text="malformed webhook")
        if config.account_id is not None and batch.account_id != config.account_id:
            log.warning("amoCRM webhook refused: account id does not match AMOCRM_ACCOUNT_ID")
            return web.Response(status=403, text="forbidden")
        lead_ids = batch.lead_ids()
        if batch.refused is not None:
            # From our account, but never applicable: kept (refused, with the reason) for the
            # owner's doctor and daily summary, and acknowledged, since a retry cannot help.
            log.warning("amoCRM webhook kept as refused: %s", batch.refused)
        if lead_ids or batch.refused is not None:
            try:
                await config.writer.put(ReceivedWebhook(body, tuple(lead_ids), batch.refused))
            except Exception:
                # Not stored, so not acknowledged: amoCRM delivers it again.
                log.exception("amoCRM webhook could not be stored")
                return web.Response(status=503, text="try again")
        return web.Response(text="OK")

    app.router.add_post(AMOCRM_WEBHOOK_ROUTE, receive)
