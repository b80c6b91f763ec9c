"""Helpers shared by the hostile-world suite: clients, spies, loopback servers and the figures.

Everything listens on 127.0.0.1 only. Tests record what they observed with :func:`record`; when
``RELIABILITY_REPORT=path`` is set, the session writes those figures to ``path`` as JSON and
``tests/hostile/report.py`` renders them into ``docs/reliability.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

import proxyorders_async._client as client_module
from proxyorders_async import ProxyOrdersClient, RetryPolicy
from proxyorders_async.emulator import Emulator

#: Quick retries: the suite proves behaviour, not patience. Retry-After is still honoured.
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.004, max_retry_after=5.0)

#: scenario id -> figures observed in this run (merged across the scenario's tests).
OBSERVED: dict[str, dict[str, Any]] = {}


def record(scenario: str, **figures: Any) -> None:
    """Keep figures for the reliability report (a no-op cost when no report is asked for)."""
    OBSERVED.setdefault(scenario, {}).update(figures)


def client_for(emu: Emulator, **kwargs: Any) -> ProxyOrdersClient:
    """A client bound to ``emu`` with quick retries unless overridden."""
    kwargs.setdefault("retry_policy", FAST)
    return ProxyOrdersClient(token=emu.token, base_url=emu.url, **kwargs)


async def settled(emu: Emulator) -> None:
    """Wait (boundedly) until the emulator finished every request, cancelled ones included:
    a request the client gave up on is journaled when its handler is cancelled."""
    for _ in range(1000):
        if emu.journal.in_flight == 0:
            return
        await asyncio.sleep(0.005)


async def busy(emu: Emulator) -> None:
    """Wait (boundedly) until the emulator is handling a request."""
    for _ in range(1000):
        if emu.journal.in_flight:
            return
        await asyncio.sleep(0.005)


class SleepSpy:
    """Stands in for the ``asyncio`` module inside ``proxyorders_async._client`` only.

    Every ``asyncio.sleep`` the SDK's transport makes (its retry waits) is recorded, then really
    awaited; the emulator and aiohttp keep the real module.
    """

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self._real = asyncio

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self.sleeps.append(delay)
        return await self._real.sleep(delay, result)


@contextlib.contextmanager
def spy_sleeps() -> Iterator[SleepSpy]:
    """Record the transport's retry waits for the duration of the block."""
    spy = SleepSpy()
    saved = client_module.asyncio
    client_module.asyncio = spy  # type: ignore[assignment]
    try:
        yield spy
    finally:
        client_module.asyncio = saved


class LogCapture(logging.Handler):
    """Every record of every logger at DEBUG, formatted as a handler would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))  # includes any traceback (exc_info)

    def retries(self) -> list[logging.LogRecord]:
        """The transport's "retrying ..." decisions."""
        return [r for r in self.records if r.getMessage().startswith("retrying ")]


@contextlib.contextmanager
def capture_logs() -> Iterator[LogCapture]:
    """Attach a DEBUG handler to the root logger and open every level on the way."""
    handler = LogCapture()
    root = logging.getLogger()
    sdk = logging.getLogger("proxyorders_async")
    saved = root.level, sdk.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sdk.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        sdk.setLevel(saved[1])


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopbackServer:
    """A tiny aiohttp.web server on 127.0.0.1 with a free port, for exact bodies and origins.

    ``requests`` lists ``(method, path_qs, has_authorization)`` of every request received.
    """

    def __init__(self, routes: dict[tuple[str, str], Handler] | None = None) -> None:
        self.routes = routes or {}
        self.requests: list[tuple[str, str, bool]] = []
        self.auth_values: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        self.requests.append((request.method, request.path_qs, auth is not None))
        if auth is not None:
            self.auth_values.append(auth)
        handler = self.routes.get((request.method, request.path)) or self.routes.get(("*", "*"))
        if handler is None:
            return web.json_response({"success": False, "message": "no such route"}, status=404)
        return await handler(request)

    async def __aenter__(self) -> LoopbackServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@contextlib.asynccontextmanager
async def loopback_server(
    routes: dict[tuple[str, str], Handler] | None = None,
) -> AsyncIterator[LoopbackServer]:
    """``async with loopback_server({("GET", "/user/api/me"): handler}) as server: ...``."""
    async with LoopbackServer(routes) as server:
        yield server


def open_fds() -> int:
    """File descriptors open in this process (Linux ``/proc``)."""
    return len(os.listdir("/proc/self/fd"))


def has_proc_fds() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")
