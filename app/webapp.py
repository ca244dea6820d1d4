"""The aiohttp web app: Telegram's webhook (secret header checked), amoCRM's webhook (secret
path checked), the receipts the workbook links to (signed path), the cabinet's pages and a
health check; and its runner, whose access log never shows the secret.
"""

from __future__ import annotations

import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from amocrm_client.webhook_endpoint import (
    AMOCRM_WEBHOOK_ROUTE,
    AmoWebhookConfig,
    register_amocrm_webhook,
)
from app.cabinet.web import CabinetConfig, register_cabinet
from app.receipts import ReceiptFiles, register_receipts

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
# Paths whose next segment is a secret: the access log shows `***` in its place.
SECRET_PATH_PREFIXES = (AMOCRM_WEBHOOK_ROUTE.removesuffix("{secret}"),)


def private_path(path: str) -> str:
    """`path` with any secret segment masked (whatever the method or the answer)."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            _, slash, rest = path[len(prefix) :].partition("/")
            return f"{prefix}***{slash}{rest}"
    return path


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access line without the query string and with secret path segments masked
    (aiohttp's own prints the request line as it came, amoCRM's webhook secret with it)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote,
            request.method,
            private_path(request.path),
            response.status,
            response.body_length,
            time,
        )


def create_runner(app: web.Application) -> web.AppRunner:
    return web.AppRunner(app, access_log_class=AccessLogger)


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhook(SimpleRequestHandler):
    """aiogram's request handler with a stricter door: a wrong, missing or undecodable secret
    is 403 (as every refused webhook is), a body that is no update is 400; neither reaches the
    dispatcher, and no input makes a 500.

    Handled in the request (not in the background): a failure answers 500 and Telegram
    redelivers, where a background task would be lost with the process.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str | None) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        # Bytes on both sides: a header that is not ASCII is simply not the secret.
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode())

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            log.warning("Telegram webhook refused: wrong or missing secret header")
            return web.Response(status=403, text="forbidden")
        try:
            body = await request.json(loads=self.bot.session.json_loads)
            # A pydantic ValidationError is a ValueError, as are undecodable bytes and JSON.
            update = Update.model_validate(body, context={"bot": self.bot})
        except ValueError:
            log.warning("Telegram webhook refused: the body is not an update")
            return web.Response(status=400, text="malformed update")
        result = await self.dispatcher.feed_webhook_update(self.bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=self.bot, result=result))

    __call__ = handle


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_web_app(
    dispatcher: Dispatcher,
    bot: Bot | None,
    webhook_secret: str | None,
    *,
    amocrm: AmoWebhookConfig | None = None,
    receipts: ReceiptFiles | None = None,
    cabinet: CabinetConfig | None = None,
) -> web.Application:
    """`bot` is None when Telegram is polled: the app then serves only the other routes."""
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", _health)
    if bot is not None:
        TelegramWebhook(dispatcher, bot, webhook_secret).register(app, path=TELEGRAM_WEBHOOK_PATH)
    if amocrm is not None:
        register_amocrm_webhook(app, amocrm)
    if receipts is not None:
        register_receipts(app, receipts)
    if cabinet is not None:
        register_cabinet(app, cabinet)
    return app
