"""What every fake server shares: serving an aiohttp app on a free local port, and
`async with` support around the fake's own `start()` / `close()`."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web


async def serve_locally(app: web.Application, **runner_options: Any) -> tuple[web.AppRunner, str]:
    """Start `app` on 127.0.0.1 with a port the system picks; return its runner and base URL."""
    runner = web.AppRunner(app, access_log=None, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class AsyncServerContext:
    """`async with Fake() as fake:` for fakes that define `start()` and `close()`."""

    async def start(self) -> Any:
        raise TypeError(f"{type(self).__name__} must define start()")

    async def close(self) -> None:
        raise TypeError(f"{type(self).__name__} must define close()")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
