"""Scenario 16: a client used from a second event loop says so, before anything is sent.

A client binds to the loop of its first request (its session and connection slots live there).
Calling it from a second ``asyncio.run``, from another thread's loop, or with a session made in
another loop raises ``EventLoopMismatchError`` naming the problem, instead of aiohttp's "Event
loop is closed", "Timeout context manager should be used inside a task" or a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from proxyorders_async import (
    EventLoopMismatchError,
    ProxyOrdersClient,
    ProxyOrdersError,
)
from proxyorders_async.emulator import Emulator

from ._support import loopback_server, record

pytestmark = pytest.mark.timeout(60)

MESSAGE = "this client is bound to another event loop; create one client per loop"
ACCOUNT = {"email": "dev@example.com", "active_orders": 0, "wallet_balance": 1000}

Call = Callable[[ProxyOrdersClient], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "me": lambda c: c.account.me(),
    "quote": lambda c: c.orders.calculate("Datacenter Proxy", location="DE", cycle="monthly"),
    "list": lambda c: c.orders.list("all"),
    "iter": lambda c: c.orders.iter("all").__anext__(),
    "products": lambda c: c.catalog.products(),
}


def outcome(run: Callable[[], Any]) -> BaseException | None:
    """What ``run()`` raised (None if nothing)."""
    try:
        run()
    except BaseException as exc:  # the test inspects whatever escaped
        return exc
    return None


def test_second_asyncio_run_with_an_app_level_client() -> None:
    """The pytest-per-test-loop shape: a client made once, used by one loop, then another."""
    first = asyncio.new_event_loop()
    emu = Emulator(orders=5, seed=1601)
    first.run_until_complete(emu.start())
    client = ProxyOrdersClient(token=emu.token, base_url=emu.url)
    try:
        account = first.run_until_complete(client.account.me())
        assert account.email
        seen = emu.count()
        errors = {
            name: outcome(lambda call=call: asyncio.run(call(client)))  # type: ignore[misc]
            for name, call in CALLS.items()
        }
        for name, error in errors.items():
            assert isinstance(error, EventLoopMismatchError), (name, repr(error))
            assert isinstance(error, ProxyOrdersError)
            assert MESSAGE in str(error)
        assert isinstance(outcome(lambda: asyncio.run(client.close())), EventLoopMismatchError)
        assert emu.count() == seen  # nothing was sent from the second loop
        # The client still works, and closes, in its own loop.
        assert first.run_until_complete(client.account.me()).email == account.email
    finally:
        first.run_until_complete(client.close())
        first.run_until_complete(emu.stop())
        first.close()
    record("S16", second_run_calls=len(errors), second_run_typed=len(errors))


def test_second_asyncio_run_after_the_first_loop_is_gone() -> None:
    """Two plain ``asyncio.run`` calls: the first loop is closed when the second one runs."""
    state: dict[str, Any] = {}

    async def first() -> None:
        async def me(_: web.Request) -> web.Response:
            return web.json_response(ACCOUNT)

        async with loopback_server({("GET", "/user/api/me"): me}) as server:
            state["server"] = server
            # A borrowed session, closed by its owner at the end of this run (no leak).
            async with aiohttp.ClientSession() as session:
                state["client"] = ProxyOrdersClient(
                    token="sk_test_loops_0123456789", base_url=server.url, session=session
                )
                await state["client"].account.me()

    asyncio.run(first())
    error = outcome(lambda: asyncio.run(state["client"].account.me()))
    assert isinstance(error, EventLoopMismatchError)
    assert MESSAGE in str(error)
    assert len(state["server"].requests) == 1
    record("S16", gone_loop_error=type(error).__name__)


async def test_another_threads_loop() -> None:
    async with (
        Emulator(orders=5, seed=1602) as emu,
        ProxyOrdersClient(token=emu.token, base_url=emu.url) as client,
    ):
        await client.account.me()
        seen = emu.count()
        for name, call in CALLS.items():
            error = await asyncio.to_thread(outcome, lambda call=call: asyncio.run(call(client)))
            assert isinstance(error, EventLoopMismatchError), (name, repr(error))
            assert MESSAGE in str(error)
        error = await asyncio.to_thread(outcome, lambda: asyncio.run(client.close()))
        assert isinstance(error, EventLoopMismatchError)
        assert not client.is_closed
        assert emu.count() == seen
        assert (await client.account.me()).email  # unharmed in its own loop
    record("S16", thread_calls=len(CALLS))


def test_session_from_another_loop() -> None:
    other = asyncio.new_event_loop()
    session = other.run_until_complete(_make_session())

    async def use() -> None:
        async with loopback_server() as server:
            client = ProxyOrdersClient(
                token="sk_test_loops_0123456789", base_url=server.url, session=session
            )
            with pytest.raises(EventLoopMismatchError, match="session given to ProxyOrdersClient"):
                await client.account.me()
            assert server.requests == []

    try:
        asyncio.run(use())
    finally:
        other.run_until_complete(session.close())
        other.close()
    record("S16", foreign_session_error="EventLoopMismatchError")


async def _make_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


async def test_the_check_is_one_identity_comparison() -> None:
    async with (
        Emulator(seed=1603) as emu,
        ProxyOrdersClient(token=emu.token, base_url=emu.url) as client,
    ):
        core = client._core
        rounds = 100_000
        started = time.perf_counter()
        for _ in range(rounds):
            core.session_for_request()
        per_call_ns = (time.perf_counter() - started) / rounds * 1e9
        started = time.perf_counter()
        for _ in range(rounds):
            mismatch = asyncio.get_running_loop() is not core.loop  # the check itself
        check_ns = (time.perf_counter() - started) / rounds * 1e9
        assert not mismatch
        assert core.loop is asyncio.get_running_loop()
    record("S16", check_ns=round(check_ns), session_for_request_ns=round(per_call_ns))
