"""The amoCRM inbox worker in a process of its own.

The webhook's answer waits only for its inbox commit; processing leads is CPU and database
work that, in the same event loop (and on SQLite behind the same writer), made those answers
wait for it. So by default `run` starts this worker as a child process: the bot's process
stores webhooks, this one claims them, fetches the leads, applies them and runs the reconcile
and the daily report. `run.py amocrm worker` runs the same thing in the foreground, for a
deployment that starts its processes itself (`AMOCRM_WORKER=external`).

The child never outlives `run`, however `run` ends (`kill -9` included): it is a plain
subprocess (no multiprocessing resource tracker to linger beside it), it asks Linux to
SIGTERM it when its parent dies (`PR_SET_PDEATHSIG`), and everywhere it watches its stdin,
the pipe it got its settings through: the parent holds the other end, so when the parent is
gone the pipe closes and the child stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from amocrm_client.integration import SEPARATE_PROCESS_POLL_SECONDS
from app.amocrm_commands import open_amocrm
from app.composition import freeze_startup_objects
from config.logging import configure_logging
from config.settings import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[1]
# The child's first lines: find this checkout (wherever `run` was started from), then run.
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); import app.amocrm_worker as w; w.child_main()"
_LENGTH = struct.Struct("!I")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


async def serve_amocrm_worker(
    settings: Settings, stop: asyncio.Event | None = None, *, life_line: int | None = None
) -> int:
    """Process the webhook inbox and run the scheduled passes until `stop` (or SIGTERM/SIGINT,
    or the end of the pipe `life_line`, a file descriptor: the parent is gone)."""
    stop = stop or _stop_on_signals()
    if life_line is not None:
        _watch_life_line(life_line, stop)
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


def _watch_life_line(life_line: int, stop: asyncio.Event) -> None:
    """Stop when `life_line` ends; if stopping hangs (a database that does not answer), exit
    anyway: an orphan holding a connection is what this is here to prevent."""
    loop = asyncio.get_running_loop()

    def watch() -> None:
        # The descriptor, not sys.stdin: a thread blocked in a buffered read would hold its
        # lock when the interpreter shuts down, and Python aborts.
        with contextlib.suppress(OSError):
            while os.read(life_line, 4096):
                pass
        log.warning("amoCRM worker: the bot's process is gone; stopping")
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(stop.set)
        threading.Event().wait(STOP_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="amocrm-life-line", daemon=True).start()


@dataclass(frozen=True)
class _Orders:
    settings: Settings
    parent: int  # the pid of `run`
    death_signal: bool  # PR_SET_PDEATHSIG where the system has it


def _die_with_parent(parent: int) -> None:
    """Linux: SIGTERM this process when the parent dies. The pipe covers everything else."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # it died before we asked
        raise SystemExit(0)


def child_main() -> None:
    """The child's entry point: read the orders from stdin, then keep stdin as the life line."""
    stdin = sys.stdin.fileno()
    header = _read_exactly(stdin, _LENGTH.size)
    if header is None:
        raise SystemExit(0)  # the parent died before it could say anything
    (length,) = _LENGTH.unpack(header)
    body = _read_exactly(stdin, length)
    if body is None:
        raise SystemExit(0)
    orders: _Orders = pickle.loads(body)
    if orders.death_signal:
        _die_with_parent(orders.parent)
    elif os.getppid() != orders.parent:
        raise SystemExit(0)
    configure_logging(orders.settings)
    # Ctrl+C reaches the whole process group: the parent decides when the child stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise SystemExit(asyncio.run(serve_amocrm_worker(orders.settings, life_line=stdin)))


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    """`size` bytes from the pipe; None when it ends first."""
    data = b""
    while len(data) < size:
        chunk = os.read(descriptor, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class WorkerProcess:
    """The worker child as `run` sees it (what multiprocessing's Process offered)."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def exitcode(self) -> int | None:
        """None while it runs; negative: the number of the signal that ended it."""
        return self._popen.poll()

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def terminate(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._popen.terminate()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._popen.kill()

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)
        if self._popen.returncode is not None and self._popen.stdin is not None:
            with contextlib.suppress(OSError):
                self._popen.stdin.close()


def spawn_amocrm_worker(settings: Settings, *, death_signal: bool = True) -> WorkerProcess:
    """Start the worker as a child process: a Python of its own, nothing of this process's
    loop in it. Call it from the thread that runs the event loop: Linux sends the death
    signal when the thread that started the child ends (`death_signal=False` leaves the
    child to notice by its stdin alone)."""
    popen = subprocess.Popen(
        [sys.executable, "-c", _BOOT, str(ROOT)], stdin=subprocess.PIPE, close_fds=True
    )
    orders = pickle.dumps(_Orders(settings, os.getpid(), death_signal))
    assert popen.stdin is not None
    try:
        # Far below a pipe's buffer: this never blocks. stdin stays open: the life line.
        popen.stdin.write(_LENGTH.pack(len(orders)) + orders)
        popen.stdin.flush()
    except BrokenPipeError:
        log.error("amoCRM worker process %s exited before it started", popen.pid)
    log.info("amoCRM worker process %s started", popen.pid)
    return WorkerProcess(popen)


async def stop_amocrm_worker(process: WorkerProcess) -> None:
    """SIGTERM, then wait; a worker that hangs is killed (its claimed rows return when their
    lease ends, so nothing is lost either way)."""
    if process.is_alive():
        process.terminate()
    await asyncio.to_thread(process.join, STOP_SECONDS)
    if process.is_alive():
        log.warning("amoCRM worker did not stop in %s s; killed", STOP_SECONDS)
        process.kill()
        await asyncio.to_thread(process.join)
