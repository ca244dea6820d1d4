"""Fakes in a spawned process of their own, so their work never runs on the measured loop."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import AsyncIterator, Callable
from typing import Any


@contextlib.asynccontextmanager
async def spawned(
    target: Callable[..., None], *args: Any, name: str, startup: float = 60
) -> AsyncIterator[Any]:
    """Run `target(*args, sender)` in a spawned process; yield what it sends once ready.

    The target must send one object through the pipe when it serves, and return when told
    to stop; a process that does not end in time is terminated.
    """
    spawn = multiprocessing.get_context("spawn")
    receiver, sender = spawn.Pipe(duplex=False)
    process = spawn.Process(target=target, args=(*args, sender), daemon=True)
    process.start()
    sender.close()
    try:
        if not await asyncio.to_thread(receiver.poll, startup):
            raise RuntimeError(f"the {name} process did not start")
        yield receiver.recv()
    finally:
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.terminate()
            await asyncio.to_thread(process.join, 5)
