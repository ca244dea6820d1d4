"""The amoCRM inbox worker in a process of its own.

The webhook's answer waits only for its inbox commit; processing leads is CPU and database
work that, in the same event loop (and on SQLite behind the same writer), made those answers
wait for it. So by default `run` starts this worker as a child process: the bot's process
stores webhooks, this one claims them, fetches the leads, applies them and runs the reconcile
and the daily report. `run.py amocrm worker` runs the same thing in the foreground, for a
deployment that starts its processes itself (`AMOCRM_WORKER=external`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from multiprocessing.process import BaseProcess

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from amocrm_client.integration import SEPARATE_PROCESS_POLL_SECONDS
from app.amocrm_commands import open_amocrm
from app.composition import freeze_startup_objects
from config.logging import configure_logging
from config.settings import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0


async def serve_amocrm_worker(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Process the webhook inbox and run the scheduled passes until `stop` (or SIGTERM/SIGINT)."""
    stop = stop or _stop_on_signals()
    async with open_amocrm(settings) as integration:
        scheduler = AsyncIOScheduler(timezone=settings.tz)
        integration.start(scheduler, poll_seconds=SEPARATE_PROCESS_POLL_SECONDS)
        freeze_startup_objects()
        scheduler.start()
        log.info("amoCRM worker started")
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
    log.info("amoCRM worker stopped")
    return 0


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    return stop


def _child_main(settings: Settings) -> None:
    configure_logging(settings)
    # Ctrl+C reaches the whole process group: the parent decides when the child stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(serve_amocrm_worker(settings))


def spawn_amocrm_worker(settings: Settings) -> BaseProcess:
    """Start the worker as a child process (spawned: nothing of this process's loop leaks)."""
    process = multiprocessing.get_context("spawn").Process(
        target=_child_main, args=(settings,), name="kopeyka-amocrm-worker", daemon=True
    )
    process.start()
    log.info("amoCRM worker process %s started", process.pid)
    return process


async def stop_amocrm_worker(process: BaseProcess) -> None:
    """SIGTERM, then wait; a worker that hangs is killed (its claimed rows return when their
    lease ends, so nothing is lost either way)."""
    if process.is_alive():
        process.terminate()
    await asyncio.to_thread(process.join, STOP_SECONDS)
    if process.is_alive():
        log.warning("amoCRM worker did not stop in %s s; killed", STOP_SECONDS)
        process.kill()
        await asyncio.to_thread(process.join)
