"""Scenario 15: closing while calls are in flight ends every call with ``ClientClosedError``.

A loopback server holds every request until the test lets it go, so calls pile up in flight
and waiting for a connection; then the client is closed (or the aiohttp session it borrowed is
closed by its owner). No call may end with aiohttp's raw ``RuntimeError: Session is closed``,
none is retried, and a purchase already sent is an unknown outcome, not a "closed" error.
"""

from __future__ import annotations

import asyncio
import collections
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from proxyorders_async import (
    ClientClosedError,
    DatacenterIspPurchase,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    QuoteRequest,
)

from ._support import FAST, LoopbackServer, loopback_server, record

pytestmark = pytest.mark.timeout(60)

TOKEN = "sk_test_close_in_flight_0123456789"
ME = "/user/api/me"
PURCHASE = "/user/api/orders/purchase"
CALCULATE = "/user/api/orders/calculate"
DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
ACCOUNT = {"email": "dev@example.com", "active_orders": 0, "wallet_balance": 1000}


@pytest.fixture
async def held() -> AsyncIterator[tuple[LoopbackServer, asyncio.Event]]:
    """A server answering nothing until the event is set (set at teardown)."""
    gate = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        await gate.wait()
        if request.path == PURCHASE:
            return web.json_response({"success": True, "order_id": 1})
        return web.json_response(ACCOUNT)

    async with loopback_server({("*", "*"): hold}) as server:
        yield server, gate
        gate.set()


async def until(predicate: collections.abc.Callable[[], bool]) -> None:
    """Let the loop run until ``predicate()`` holds (boundedly)."""
    for _ in range(4000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the server never saw the expected requests")


def kinds(results: list[object]) -> collections.Counter[str]:
    return collections.Counter(type(r).__name__ for r in results)


async def test_close_with_1000_calls_in_flight(
    held: tuple[LoopbackServer, asyncio.Event],
) -> None:
    server, _ = held
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, retry_policy=FAST)
    calls = [asyncio.ensure_future(client.account.me()) for _ in range(1000)]
    await until(lambda: len(server.requests) == 100)  # the pool is full, 900 calls wait
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.close()
    closed_at = loop.time()
    results = await asyncio.gather(*calls, return_exceptions=True)
    settled_at = loop.time()

    counts = kinds(results)
    assert counts == {"ClientClosedError": 1000}
    in_flight = [r for r in results if "during GET" in str(r)]
    assert len(in_flight) == 100  # those that were in flight name their request
    assert len(server.requests) == 100  # nothing retried, nothing new sent
    record(
        "S15",
        calls=1000,
        runtime_errors=counts["RuntimeError"],
        closed_errors=counts["ClientClosedError"],
        in_flight_at_close=len(in_flight),
        requests_after_close=len(server.requests) - 100,
        close_ms=round((closed_at - started) * 1000, 1),
        all_settled_ms=round((settled_at - started) * 1000, 1),
    )


async def test_waiting_and_sleeping_calls_wake_within_a_few_loop_steps(
    held: tuple[LoopbackServer, asyncio.Event],
) -> None:
    server, _ = held

    async def busy(request: web.Request) -> web.Response:
        return web.json_response({"message": "busy"}, status=503, headers={"Retry-After": "30"})

    server.routes[("GET", "/user/api/proxies/products")] = busy
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, max_connections=1)
    in_flight = asyncio.ensure_future(client.account.me())
    await until(lambda: len(server.requests) == 1)
    waiting = asyncio.ensure_future(client.account.me())  # queued for the only connection
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()
    await client.close()
    for _ in range(5):  # "at once": a few loop steps, no timer involved
        await asyncio.sleep(0)
    assert waiting.done() and in_flight.done()
    with pytest.raises(ClientClosedError):
        waiting.result()
    with pytest.raises(ClientClosedError):
        in_flight.result()

    sleeper_client = ProxyOrdersClient(token=TOKEN, base_url=server.url)
    sleeping = asyncio.ensure_future(sleeper_client.catalog.products())
    await until(lambda: len(server.requests) == 2)  # answered 503, Retry-After: 30
    for _ in range(5):
        await asyncio.sleep(0)
    assert not sleeping.done()
    await sleeper_client.close()
    for _ in range(5):
        await asyncio.sleep(0)
    assert sleeping.done()
    with pytest.raises(ClientClosedError):
        sleeping.result()
    assert len(server.requests) == 2  # the retry was never sent
    record("S15", retry_sleep_woken=True, slot_wait_woken=True)


@pytest.mark.parametrize("owner_traffic", [False, True], ids=["sdk-only", "shared-pool"])
async def test_borrowed_session_closed_by_its_owner_mid_call(
    held: tuple[LoopbackServer, asyncio.Event], owner_traffic: bool
) -> None:
    """With ``shared-pool`` the owner's own request holds a connection, so one SDK call waits
    inside aiohttp's pool, which aiohttp cancels on close: on 3.11+ that becomes the close error;
    on 3.10 (no ``Task.cancelling``) it cannot be told from a real cancel and stays one."""
    server, _ = held
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20))
    owner = asyncio.ensure_future(session.get(f"{server.url}/app")) if owner_traffic else None
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, session=session)
    calls = [asyncio.ensure_future(client.account.me()) for _ in range(200)]
    await until(lambda: len(server.requests) == 20)
    await session.close()  # by its owner, not through the client
    results = await asyncio.gather(*calls, return_exceptions=True)
    if owner is not None:
        with pytest.raises(aiohttp.ClientError):
            await owner
    counts = kinds(results)
    if owner_traffic and sys.version_info < (3, 11):
        assert counts == {"ClientClosedError": 199, "CancelledError": 1}
    else:
        assert counts == {"ClientClosedError": 200}
    closed = [r for r in results if isinstance(r, ClientClosedError)]
    assert all("session given to ProxyOrdersClient was closed" in str(r) for r in closed)
    assert len(server.requests) == 20  # nothing retried
    key = "borrowed_shared_runtime_errors" if owner_traffic else "borrowed_runtime_errors"
    record("S15", **{key: counts["RuntimeError"]})
    await client.close()


async def test_calculate_many_2000_quotes_keeps_one_error_per_quote(
    held: tuple[LoopbackServer, asyncio.Event],
) -> None:
    server, _ = held
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url)
    requests = [
        QuoteRequest(product="Datacenter Proxy", location="DE", cycle="monthly", quantity=n)
        for n in range(1, 2001)
    ]
    batch = asyncio.ensure_future(client.orders.calculate_many(requests, return_exceptions=True))
    await until(lambda: len(server.requests) == 32)  # the default concurrency
    await client.close()
    results = await batch
    assert len(results) == 2000
    counts = kinds(results)
    assert counts == {"ClientClosedError": 2000}
    assert len(server.requests) == 32
    record("S15", quotes=2000, quote_closed_errors=counts["ClientClosedError"])


async def test_purchase_sent_before_close_is_an_unknown_outcome(
    held: tuple[LoopbackServer, asyncio.Event],
) -> None:
    server, _ = held
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, max_connections=1)
    sent = asyncio.ensure_future(client.orders.purchase(DC))
    await until(lambda: len(server.requests) == 1)
    queued = asyncio.ensure_future(client.orders.purchase(DC))  # waits for the connection
    for _ in range(5):
        await asyncio.sleep(0)
    await client.close()
    with pytest.raises(PurchaseOutcomeUnknownError) as unknown:
        await sent
    assert isinstance(unknown.value.__cause__, ClientClosedError)
    with pytest.raises(ClientClosedError):
        await queued  # never sent: a plain "closed", safe to buy again elsewhere
    assert [r[:2] for r in server.requests] == [("POST", PURCHASE)]
    record("S15", sent_purchase="PurchaseOutcomeUnknownError", queued_purchase="ClientClosedError")
