"""`run.py amocrm …`: authorise once, print the account's ids, run a reconcile by hand."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime, time

from amocrm_client.account_report import describe_account
from amocrm_client.errors import AmoError
from amocrm_client.integration import AmoIntegration
from amocrm_client.token_store import NOT_AUTHORISED
from app.composition import create_app_context
from config.logging import remember_secret
from config.settings import Settings, SettingsError


@contextlib.asynccontextmanager
async def open_amocrm(settings: Settings) -> AsyncIterator[AmoIntegration]:
    """The integration on a migrated database, closed with its engine afterwards: what every
    amoCRM command and the worker process run on."""
    if settings.amocrm_base_url is None:
        raise SettingsError(["AMOCRM_BASE_URL: not set — the amoCRM integration is off"])
    context = await create_app_context(settings)
    integration = AmoIntegration.create(
        settings,
        context.mappings.amocrm,
        context.database,
        context.clock,
        owner_chat_ids=settings.owner_telegram_ids,
    )
    assert integration is not None  # AMOCRM_BASE_URL is set
    try:
        yield integration
    finally:
        await integration.close()
        await context.database.dispose()


async def authorise(settings: Settings, code: str) -> int:
    """Trade the authorization code from amoCRM's redirect for tokens kept in the database."""
    if not (settings.amocrm_client_id and settings.amocrm_client_secret):
        raise SettingsError(
            ["AMOCRM_CLIENT_ID/AMOCRM_CLIENT_SECRET: required to authorise with a code"]
        )
    if settings.amocrm_long_lived_token is not None:
        raise SettingsError(
            ["AMOCRM_LONG_LIVED_TOKEN: set — remove it to use the OAuth integration instead"]
        )
    remember_secret(code.strip())  # a code lives 20 minutes: long enough to be used by another
    async with open_amocrm(settings) as amocrm:
        try:
            await amocrm.client.exchange_code(code.strip())
            account = await amocrm.client.account()
        except AmoError as exc:
            print(f"amoCRM refused: {exc}")
            print("An authorization code lives 20 minutes and works once: get a fresh one.")
            return 1
    print(f"Authorised with amoCRM account «{account.name}» (id {account.id}).")
    print("Tokens are stored in the database and renewed automatically.")
    return 0


async def fields(settings: Settings) -> int:
    async with open_amocrm(settings) as amocrm:
        try:
            report = await describe_account(amocrm.client)
        except AmoError as exc:
            print(f"amoCRM: {exc}")
            if exc.status == 401:
                print(NOT_AUTHORISED)
            return 1
    print(report, end="" if report.endswith("\n") else "\n")
    return 0


async def sync(settings: Settings, since: str | None) -> int:
    """One reconcile pass now, then the webhook inbox drained."""
    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), time(), tzinfo=settings.tz)
        except ValueError:
            raise SettingsError(
                [f"--since: '{since}' is not a date, use YYYY-MM-DD (e.g. 2026-11-01)"]
            ) from None
    async with open_amocrm(settings) as amocrm:
        try:
            result = await amocrm.reconciler.run(since=start)
            webhooks = await amocrm.worker.run_until_empty()
        except AmoError as exc:
            print(f"amoCRM: {exc}")
            if exc.status == 401:
                print(NOT_AUTHORISED)
            return 1
    print(
        f"Read {result.leads} leads: {result.deals_changed} deals changed, "
        f"{result.gone} gone, {result.errors} errors; {webhooks} webhooks processed."
    )
    return 1 if result.errors else 0
