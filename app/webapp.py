"""The aiohttp web app: Telegram's webhook (secret header checked), amoCRM's webhook (secret
path checked), the receipts the workbook links to (signed path) and a health check.
"""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from amocrm_client.webhook_endpoint import AmoWebhookConfig, register_amocrm_webhook
from app.receipts import ReceiptFiles, register_receipts

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_web_app(
    dispatcher: Dispatcher,
    bot: Bot | None,
    webhook_secret: str | None,
    *,
    amocrm: AmoWebhookConfig | None = None,
    receipts: ReceiptFiles | None = None,
) -> web.Application:
    """`bot` is None when Telegram is polled: the app then serves only the other routes."""
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", _health)
    if bot is not None:
        # Handled in the request (not in the background): a failure answers 500 and Telegram
        # redelivers, where a background task would be lost with the process.
        SimpleRequestHandler(
            dispatcher, bot, secret_token=webhook_secret, handle_in_background=False
        ).register(app, path=TELEGRAM_WEBHOOK_PATH)
    if amocrm is not None:
        register_amocrm_webhook(app, amocrm)
    if receipts is not None:
        register_receipts(app, receipts)
    return app
