"""Running against Telegram: polling or webhook, with the background jobs beside them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand, MenuButtonWebApp, WebAppInfo
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import delete

from app.composition import freeze_startup_objects
from app.context import AppContext
from app.receipts import ReceiptFiles, receipt_links
from app.webapp import TELEGRAM_WEBHOOK_PATH, create_runner, create_web_app
from bot.notifier import create_notify_handler
from bot.texts import SOURCE_LANGUAGE, catalogues, texts_for
from ledger.outbox import TOPIC_NOTIFY, OutboxWorker
from ledger.requests.alerts import RequestAlerts
from ledger.storage.models import ProcessedUpdateRow
from ledger.storage.uow import UnitOfWork

# amoCRM and Google Sheets are imported where they are switched on: a bot without them
# starts without loading their clients (gspread, openpyxl through the layout, …).
if TYPE_CHECKING:
    from amocrm_client.integration import AmoIntegration
    from amocrm_client.webhook_endpoint import AmoWebhookConfig
    from app.amocrm_worker import WorkerProcess
    from app.cabinet.core import CabinetConfig
    from sheets.health import SheetsWatch

log = logging.getLogger(__name__)
OUTBOX_INTERVAL_SECONDS = 5
WORKER_CHECK_SECONDS = 30
# Telegram redelivers for at most a day; ids older than a week can go.
PROCESSED_UPDATES_KEPT = timedelta(days=7)
# Done effects stay a month for "was this person told?"; dead ones stay until looked at.
OUTBOX_DONE_KEPT = timedelta(days=30)


def create_scheduler(context: AppContext, bot: Bot) -> AsyncIOScheduler:
    worker = OutboxWorker(
        context.database,
        {TOPIC_NOTIFY: create_notify_handler(bot, context.settings.default_language)},
        context.clock,
        dead_notice_chat_ids=context.settings.owner_telegram_ids,
    )

    async def prune_processed_updates() -> None:
        cutoff = context.clock.now() - PROCESSED_UPDATES_KEPT
        async with context.database.write() as session:
            await session.execute(delete(ProcessedUpdateRow).where(ProcessedUpdateRow.at < cutoff))

    async def prune_outbox() -> None:
        await worker.queue.prune(context.clock.now() - OUTBOX_DONE_KEPT)

    async def requests_digest() -> None:
        async with context.database.unit_of_work() as uow:
            await request_alerts(context, uow).morning_digest()

    async def requests_overdue() -> None:
        async with context.database.unit_of_work() as uow:
            await request_alerts(context, uow).tell_overdue()

    async def evening_cash_round() -> None:
        async with context.database.unit_of_work() as uow:
            await context.services(uow).cash.evening_round()

    scheduler = AsyncIOScheduler(timezone=context.settings.tz)
    scheduler.add_job(
        worker.run_once, "interval", seconds=OUTBOX_INTERVAL_SECONDS, max_instances=1, coalesce=True
    )
    scheduler.add_job(prune_processed_updates, "interval", hours=6, max_instances=1)
    scheduler.add_job(prune_outbox, "interval", hours=12, max_instances=1)
    hours = context.mappings.requests
    scheduler.add_job(requests_digest, "cron", hour=hours.digest_hour, max_instances=1)
    scheduler.add_job(requests_overdue, "cron", hour=hours.overdue_hour, max_instances=1)
    # A loop busy at that very second delays the round rather than skipping the day's.
    scheduler.add_job(
        evening_cash_round,
        "cron",
        hour=context.settings.evening_summary_hour,
        max_instances=1,
        misfire_grace_time=3600,
        coalesce=True,
    )
    if context.settings.sheets_configured:
        from sheets.health import DAILY_REPORT_HOUR

        watch = create_sheets_watch(context)
        scheduler.add_job(
            _push_to_sheets(watch),
            "interval",
            seconds=context.settings.sheets_sync_seconds,
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(watch.report_day, "cron", hour=DAILY_REPORT_HOUR, max_instances=1)
    return scheduler


def request_alerts(context: AppContext, uow: UnitOfWork) -> RequestAlerts:
    """The payment requests' daily jobs over one unit of work."""
    return RequestAlerts(uow, context.clock, owner_chat_ids=context.settings.owner_telegram_ids)


def receipt_files(context: AppContext, bot: Bot) -> ReceiptFiles | None:
    """The web app serves receipts whenever the sheet can link to them."""
    if context.settings.public_base_url is None:
        return None
    return ReceiptFiles(bot, context.database, context.secret_key, context.clock)


def create_sheets_watch(context: AppContext) -> SheetsWatch:
    """The Google Sheets push with the owners told of its failures (Sheets configured)."""
    from sheets.google_client import service_account_email
    from sheets.health import SheetsWatch
    from sheets.sync import create_sheets_sync

    settings = context.settings
    links = receipt_links(settings, context.secret_key)
    sync = create_sheets_sync(settings, context.database, context.clock, receipt_link=links)
    assert sync is not None  # sheets_configured
    return SheetsWatch(
        sync,
        context.database,
        context.clock,
        settings.owner_telegram_ids,
        account=service_account_email(settings.google_service_account_file),
    )


def _push_to_sheets(watch: SheetsWatch) -> Callable[[], Awaitable[None]]:
    async def push() -> None:
        await watch.push()

    return push


async def _set_commands(bot: Bot) -> None:
    try:
        for language in catalogues().available_locales:
            menu = texts_for(language).command_menu()
            commands = [BotCommand(command=name, description=words) for name, words in menu]
            # The default menu is Russian's; each other language is shown to its speakers.
            code = None if language == SOURCE_LANGUAGE else language
            await bot.set_my_commands(commands, language_code=code)
    except Exception as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", exc)


def cabinet_config(context: AppContext, bot: Bot | None = None) -> CabinetConfig | None:
    """The cabinet's pages on the web app, when CABINET is on."""
    settings = context.settings
    url = settings.cabinet_url
    if url is None or settings.bot_token is None:
        return None
    from app.cabinet.core import CabinetConfig

    return CabinetConfig(
        context=context,
        bot_token=settings.bot_token.get_secret_value(),
        secure_cookie=url.startswith("https://"),
        bot=bot,
    )


async def set_menu_button(bot: Bot, cabinet_url: str | None) -> None:
    """The button beside the input field opens the cabinet as a Mini App (https only)."""
    if cabinet_url is None or not cabinet_url.startswith("https://"):
        return
    button = MenuButtonWebApp(
        text=texts_for(None).cabinet_menu_button, web_app=WebAppInfo(url=f"{cabinet_url}/signin")
    )
    try:
        await bot.set_chat_menu_button(menu_button=button)
    except Exception as exc:  # a convenience, like the command menu: /cabinet works without it
        log.warning("could not set the cabinet's menu button: %s", exc)


def create_amocrm(context: AppContext) -> AmoIntegration | None:
    from amocrm_client.integration import AmoIntegration

    return AmoIntegration.create(
        context.settings,
        context.mappings.amocrm,
        context.database,
        context.clock,
        owner_chat_ids=context.settings.owner_telegram_ids,
    )


class AmoRuntime:
    """amoCRM beside the bot, per `AMOCRM_WORKER`: the webhook route always lives here; the
    inbox worker and the scheduled passes run inline, in a child process, or elsewhere."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self.inline: AmoIntegration | None = None
        self.worker_process: WorkerProcess | None = None
        self.webhook: AmoWebhookConfig | None = None

    def start(self, scheduler: AsyncIOScheduler) -> None:
        settings = self._context.settings
        if settings.amocrm_base_url is None:
            return
        mode = settings.amocrm_worker_mode
        if mode == "inline":
            self.inline = create_amocrm(self._context)
            assert self.inline is not None
            self.inline.start(scheduler)
            self.webhook = self.inline.webhook_config()
            return
        from amocrm_client.inbox import InboxWriter
        from amocrm_client.integration import webhook_intake
        from app.amocrm_worker import spawn_amocrm_worker

        if mode == "process":
            self.worker_process = spawn_amocrm_worker(settings)
            scheduler.add_job(
                self.keep_worker_alive, "interval", seconds=WORKER_CHECK_SECONDS, max_instances=1
            )
        writer = InboxWriter(self._context.database, self._context.clock)
        self.webhook = webhook_intake(settings, writer)

    async def keep_worker_alive(self) -> None:
        """A worker process that died (a crash, the OOM killer) is started again: webhooks
        wait in the inbox meanwhile, nothing is lost."""
        process = self.worker_process
        if process is None or process.is_alive():
            return
        log.error("amoCRM worker process exited with %s; starting it again", process.exitcode)
        from app.amocrm_worker import spawn_amocrm_worker

        self.worker_process = spawn_amocrm_worker(self._context.settings)

    async def close(self) -> None:
        if self.inline is not None:
            await self.inline.close()
        if self.worker_process is not None:
            from app.amocrm_worker import stop_amocrm_worker

            await stop_amocrm_worker(self.worker_process)


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = create_runner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def run_polling(context: AppContext, dispatcher: Dispatcher, bot: Bot) -> None:
    settings = context.settings
    scheduler = create_scheduler(context, bot)
    amocrm = AmoRuntime(context)
    amocrm.start(scheduler)
    runner = None
    receipts = receipt_files(context, bot)
    cabinet = cabinet_config(context, bot)
    if amocrm.webhook is not None or receipts is not None or cabinet is not None:
        # Telegram is polled, but amoCRM still needs somewhere to post, the sheet's receipt
        # links somewhere to point, and the cabinet somewhere to be opened.
        app = create_web_app(
            dispatcher, None, None, amocrm=amocrm.webhook, receipts=receipts, cabinet=cabinet
        )
        runner = await _serve(app, settings.web_host, settings.web_port)
    freeze_startup_objects()
    scheduler.start()
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await _set_commands(bot)
        await set_menu_button(bot, settings.cabinet_url)
        await dispatcher.start_polling(bot, handle_signals=True, close_bot_session=True)
    finally:
        scheduler.shutdown(wait=False)
        if runner is not None:
            await runner.cleanup()
        await amocrm.close()


async def run_webhook(context: AppContext, dispatcher: Dispatcher, bot: Bot) -> None:
    settings = context.settings
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else None
    )
    scheduler = create_scheduler(context, bot)
    amocrm = AmoRuntime(context)
    amocrm.start(scheduler)
    app = create_web_app(
        dispatcher,
        bot,
        secret,
        amocrm=amocrm.webhook,
        receipts=receipt_files(context, bot),
        cabinet=cabinet_config(context, bot),
    )
    runner = await _serve(app, settings.web_host, settings.web_port)
    url = str(settings.webhook_base_url).rstrip("/") + TELEGRAM_WEBHOOK_PATH
    await bot.set_webhook(
        url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types()
    )
    await _set_commands(bot)
    await set_menu_button(bot, settings.cabinet_url)
    freeze_startup_objects()
    scheduler.start()
    log.info(
        "webhook mode: listening on %s:%s, Telegram posts to %s",
        settings.web_host,
        settings.web_port,
        url,
    )
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
        await runner.cleanup()
        await amocrm.close()
        await bot.session.close()
