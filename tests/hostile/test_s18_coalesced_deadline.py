"""Scenario 18: coalesced quotes keep each caller's own deadline and settings.

A loopback server holds every quote until the test lets it go. A ``with_options(deadline=0.5)``
caller asking for a quote identical to one already in flight under the client's default
settings (30 s timeout, 2 retries) must end with its own ``APITimeoutError`` while the other
call is still waiting; a lenient caller must not inherit a strict caller's timeout. Callers with
the same settings still share one request.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp import web

from proxyorders_async import APITimeoutError, PriceQuote, ProxyOrdersClient, QuoteRequest

from ._support import LoopbackServer, loopback_server, record

pytestmark = pytest.mark.timeout(60)

TOKEN = "sk_test_coalesced_0123456789"
CALCULATE = "/user/api/orders/calculate"
QUOTE = QuoteRequest(product="Datacenter Proxy", location="DE", cycle="monthly", quantity=3)
PRICE = {"original_price": 300, "final_price": 300, "discount_percent": 0}
GUARD = 20.0  # seconds: only bounds a broken run, never measured


def held_server(gate: asyncio.Event) -> dict[tuple[str, str], object]:
    async def calculate(_: web.Request) -> web.Response:
        await gate.wait()
        return web.json_response(PRICE)

    return {("GET", CALCULATE): calculate}


def quotes_received(server: LoopbackServer) -> int:
    return sum(1 for _, path, _ in server.requests if path.startswith(CALCULATE))


async def sent(server: LoopbackServer, n: int) -> None:
    for _ in range(4000):
        if quotes_received(server) >= n:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the server never received {n} quotes")


async def test_strict_caller_joining_a_default_quote_keeps_its_deadline() -> None:
    gate = asyncio.Event()
    async with (
        loopback_server(held_server(gate)) as server,  # type: ignore[arg-type]
        ProxyOrdersClient(token=TOKEN, base_url=server.url) as client,
    ):
        loop = asyncio.get_running_loop()
        lenient = asyncio.ensure_future(client.orders.quote(QUOTE))
        await sent(server, 1)
        started = loop.time()
        strict = asyncio.ensure_future(client.with_options(deadline=0.5).orders.quote(QUOTE))
        done, _ = await asyncio.wait({strict}, timeout=GUARD)
        elapsed = loop.time() - started
        assert strict in done, "the strict caller waited for the other caller's request"
        assert not lenient.done()  # the other call is still in flight: it was not waited for
        with pytest.raises(APITimeoutError):
            strict.result()
        gate.set()
        assert isinstance(await lenient, PriceQuote)
    record("S18", strict_joiner_s=round(elapsed, 3), strict_deadline_s=0.5)


async def test_lenient_caller_does_not_inherit_a_strict_callers_timeout() -> None:
    gate = asyncio.Event()
    async with (
        loopback_server(held_server(gate)) as server,  # type: ignore[arg-type]
        ProxyOrdersClient(token=TOKEN, base_url=server.url) as client,
    ):
        strict = asyncio.ensure_future(client.with_options(deadline=0.3).orders.quote(QUOTE))
        await sent(server, 1)
        lenient = asyncio.ensure_future(client.orders.quote(QUOTE))
        with pytest.raises(APITimeoutError):
            await strict
        assert not lenient.done()
        gate.set()
        assert isinstance(await lenient, PriceQuote)  # its own answer, not the strict timeout
    record("S18", lenient_joiner="answer")


async def test_same_settings_still_share_one_request() -> None:
    gate = asyncio.Event()
    async with (
        loopback_server(held_server(gate)) as server,  # type: ignore[arg-type]
        ProxyOrdersClient(token=TOKEN, base_url=server.url) as client,
    ):
        calls = [
            asyncio.ensure_future(client.with_options(deadline=10).orders.quote(QUOTE))
            for _ in range(50)
        ]
        await sent(server, 1)
        for _ in range(10):
            await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*calls)
        assert len(set(results)) == 1
        assert quotes_received(server) == 1
    record("S18", same_settings_callers=50, same_settings_requests=quotes_received(server))


async def test_taking_over_from_a_cancelled_caller_keeps_the_deadline() -> None:
    """The first caller is cancelled after the second waited 0.4 s of its 2 s deadline: the
    second fetches with what is left (about 1.6 s), not a fresh 2 s."""
    gate = asyncio.Event()
    async with (
        loopback_server(held_server(gate)) as server,  # type: ignore[arg-type]
        ProxyOrdersClient(token=TOKEN, base_url=server.url) as client,
    ):
        loop = asyncio.get_running_loop()
        view = client.with_options(deadline=2.0)
        first = asyncio.ensure_future(view.orders.quote(QUOTE))
        await sent(server, 1)
        started = loop.time()
        second = asyncio.ensure_future(view.orders.quote(QUOTE))
        await asyncio.sleep(0.4)
        first.cancel()
        with pytest.raises(APITimeoutError) as caught:
            await second
        elapsed = loop.time() - started
        assert quotes_received(server) == 2  # the second caller fetched for itself
        budget = re.search(r"(?:within|deadline of) ([0-9.]+)s", caught.value.message)
        assert budget is not None, caught.value.message
        assert float(budget.group(1)) < 2.0  # the fetch ran on what was left of the deadline
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await first
    record("S18", handoff_s=round(elapsed, 3), handoff_deadline_s=2.0)
