"""Fakes in a spawned process of their own, so their work never runs on the measured loop."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
from aiohttp import web


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


# -- the fake amoCRM of the benchmarks, with a control app beside it -------------------------------


async def serve_amocrm_control(
    ready: Connection, base_url: str, issue_code: Callable[[], str], stats: Callable[[], Any]
) -> None:
    """In the fake's process: serve /code (an OAuth code), /stats (what the benchmark reads
    back) and /stop; send the parent both addresses and return when told to stop."""
    from tests.fakes.server import serve_locally

    stopped = asyncio.Event()

    async def code(_: web.Request) -> web.Response:
        return web.json_response({"code": issue_code()})

    async def figures(_: web.Request) -> web.Response:
        return web.json_response(stats())

    async def stop(_: web.Request) -> web.Response:
        stopped.set()
        return web.json_response({"ok": True})

    control = web.Application()
    control.router.add_post("/code", code)
    control.router.add_get("/stats", figures)
    control.router.add_post("/stop", stop)
    runner, control_url = await serve_locally(control)
    try:
        ready.send((base_url, control_url))
        ready.close()
        await stopped.wait()
    finally:
        await runner.cleanup()


@dataclass
class FakeAmoProcess:
    base_url: str
    control: aiohttp.ClientSession

    async def issue_code(self) -> str:
        async with self.control.post("/code") as response:
            response.raise_for_status()
            return (await response.json())["code"]

    async def stats(self) -> dict[str, Any]:
        async with self.control.get("/stats") as response:
            response.raise_for_status()
            return await response.json()


@contextlib.asynccontextmanager
async def fake_amocrm_process(
    serve: Callable[[int, Connection], None], leads: int
) -> AsyncIterator[FakeAmoProcess]:
    """`serve(leads, ready)` in a spawned process (it ends in `serve_amocrm_control`)."""
    async with (
        spawned(serve, leads, name="fake amoCRM") as (base_url, control_url),
        aiohttp.ClientSession(control_url) as control,
    ):
        yield FakeAmoProcess(base_url, control)
        with contextlib.suppress(aiohttp.ClientError):
            await control.post("/stop")
