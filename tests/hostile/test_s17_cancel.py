"""Scenario 17: a cancel is never swallowed, and nothing is sent after it.

The race: a purchase waits for the only connection slot (with a deadline, the case that went
through ``asyncio.wait_for`` on Python 3.10/3.11); in one loop step the slot is released and the
purchase's task is cancelled. Driven deterministically: the test holds the slot itself and does
both without yielding. Also: a purchase cancelled while in flight logs one WARNING naming the
request (never the token); a cancel during a retry wait propagates and sends nothing more.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from proxyorders_async import DatacenterIspPurchase, ProxyOrdersClient, RetryPolicy

from ._support import LoopbackServer, capture_logs, loopback_server, record

pytestmark = pytest.mark.timeout(60)

TOKEN = "sk_test_cancel_0123456789abcdef"
PURCHASE = "/user/api/orders/purchase"
DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
TRIALS = 20


async def bought(_: web.Request) -> web.Response:
    return web.json_response({"success": True, "order_id": 7})


def purchases(server: LoopbackServer) -> int:
    return sum(1 for method, path, _ in server.requests if (method, path) == ("POST", PURCHASE))


async def steps(n: int = 10) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def race_once(client: ProxyOrdersClient) -> bool:
    """One trial; True if the cancel propagated."""
    core = client._core
    core.session_for_request()
    assert await core.acquire_slot(None)  # the test holds the only connection slot
    task = asyncio.ensure_future(client.orders.purchase(DC))
    await steps()  # the purchase is now queued for the slot
    assert not task.done()
    core.release_slot()  # the same loop step: the slot is handed over ...
    task.cancel()  # ... and the purchase is cancelled
    try:
        await task
    except asyncio.CancelledError:
        return True
    return False


@pytest.mark.parametrize("deadline", [5.0, None], ids=["deadline", "no-deadline"])
async def test_cancel_in_the_step_the_slot_is_released(deadline: float | None) -> None:
    async with loopback_server({("POST", PURCHASE): bought}) as server:
        client = ProxyOrdersClient(
            token=TOKEN, base_url=server.url, max_connections=1, deadline=deadline
        )
        async with client:
            outcomes = [await race_once(client) for _ in range(TRIALS)]
            await steps()
            assert purchases(server) == 0  # nothing was sent after any cancel
            # The slot handed to a cancelled purchase went back: the pool still works.
            assert (await client.orders.purchase(DC)).order_id == 7
        assert outcomes == [True] * TRIALS
        assert purchases(server) == 1
    record(
        "S17",
        **{f"{'deadline' if deadline else 'plain'}_swallowed": outcomes.count(False)},
        trials=TRIALS,
        sent_after_cancel=0,
    )


async def test_cancelled_in_flight_purchase_logs_one_warning() -> None:
    gate = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await gate.wait()
        return await bought(request)

    async with loopback_server({("POST", PURCHASE): slow}) as server:
        async with ProxyOrdersClient(token=TOKEN, base_url=server.url) as client:
            with capture_logs() as logs:
                task = asyncio.ensure_future(client.orders.purchase(DC))
                for _ in range(2000):
                    if purchases(server):
                        break
                    await asyncio.sleep(0.005)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            gate.set()
        warnings = [r for r in logs.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        line = warnings[0].getMessage()
        assert f"POST {server.url}{PURCHASE}" in line
        assert "outcome is unknown" in line
        assert TOKEN not in "\n".join(logs.lines)
        assert purchases(server) == 1
    record("S17", in_flight_cancel_warnings=len(warnings), warning=line.split(" was ")[1][:60])


async def test_cancel_during_a_retry_wait_sends_nothing_more() -> None:
    async def refused(_: web.Request) -> web.Response:
        return web.json_response(
            {"message": "slow down"}, status=429, headers={"Retry-After": "30"}
        )

    async with loopback_server({("POST", PURCHASE): refused}) as server:
        client = ProxyOrdersClient(
            token=TOKEN, base_url=server.url, retry_policy=RetryPolicy(max_retries=3)
        )
        async with client:
            with capture_logs() as logs:
                task = asyncio.ensure_future(client.orders.purchase(DC))
                for _ in range(2000):
                    if purchases(server):
                        break
                    await asyncio.sleep(0.005)
                await steps()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
        assert purchases(server) == 1  # the 429 was refused before acting; no retry after cancel
        # Nothing was in flight when cancelled: no "outcome unknown" warning.
        assert not [r for r in logs.records if r.levelno == logging.WARNING]
