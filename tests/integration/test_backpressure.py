"""One client backs off as one: the 429 gate, ``rate_limit=`` and AIMD, measured at the server.

Times are the server's: each loopback server below (and the emulator's journal) stamps every
request with ``time.monotonic()`` when it arrives. The assertions are orderings that hold however
slow the machine is (a request cannot arrive before it was sent, and the client sends nothing
while it waits), never durations with a tolerance.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

import pytest
from aiohttp import web

from proxyorders_async import (
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    OrderStatus,
    PriceQuote,
    ProxyOrdersClient,
    QuoteRequest,
    RateLimitError,
    RetryPolicy,
)
from proxyorders_async.emulator import CYCLES, PRODUCTS, Emulator, price

pytestmark = pytest.mark.timeout(60)

#: Quick retries; Retry-After is still honoured.
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.004, max_retry_after=5.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopbackServer:
    """An aiohttp.web server on 127.0.0.1 (free port) serving ``routes``; counts requests."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests = 0


@contextlib.asynccontextmanager
async def loopback_server(routes: dict[tuple[str, str], Handler]) -> AsyncIterator[LoopbackServer]:
    app = web.Application()
    server = LoopbackServer("")

    def counted(handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            server.requests += 1
            return await handler(request)

        return handle

    for (method, path), handler in routes.items():
        app.router.add_route(method, path, counted(handler))
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        server.url = f"http://{host}:{port}"
        yield server
    finally:
        await runner.cleanup()


TOKEN = "sk_test_backpressure_0123456789abcdef"
CALCULATE = "/user/api/orders/calculate"
ME = "/user/api/me"
ACCOUNT = {"email": "dev@example.com", "active_orders": 0, "wallet_balance": 1000}
WORKERS = 50
PER_WORKER = 4


def quote_for(quantity: int) -> dict[str, int]:
    """What the test servers quote: a price that names the request it answers."""
    return {
        "original_price": 100 * quantity,
        "final_price": 100 * quantity,
        "discount_percent": 0,
        "addons_price": 0,
        "total_with_addons": 100 * quantity,
    }


def request_for(quantity: int) -> QuoteRequest:
    return QuoteRequest(
        product="Datacenter Proxy", location="DE", cycle="monthly", quantity=quantity
    )


async def until(predicate: Callable[[], bool]) -> None:
    """Let the loop run until ``predicate()`` holds (boundedly)."""
    for _ in range(4000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


class GateServer:
    """Quotes; the first request is answered 429 ``Retry-After: 1`` once ``WORKERS`` requests
    are in, and every other answer waits until the test releases it."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.refused_at: float | None = None
        self.release = asyncio.Event()
        self._all_in = asyncio.Event()

    async def calculate(self, request: web.Request) -> web.Response:
        self.arrivals.append(time.monotonic())
        if len(self.arrivals) == WORKERS:
            self._all_in.set()
        if len(self.arrivals) == 1:
            await self._all_in.wait()
            self.refused_at = time.monotonic()  # before the answer leaves: a lower bound
            return web.json_response(
                {"success": False, "message": "slow down"}, status=429, headers={"Retry-After": "1"}
            )
        await self.release.wait()
        return web.json_response(quote_for(int(request.query["quantity"])))


@pytest.fixture
async def gate_server() -> AsyncIterator[tuple[LoopbackServer, GateServer]]:
    state = GateServer()
    async with loopback_server({("GET", CALCULATE): state.calculate}) as server:
        yield server, state
        state.release.set()


async def test_one_429_holds_every_worker_for_its_retry_after(
    gate_server: tuple[LoopbackServer, GateServer],
) -> None:
    server, state = gate_server
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, retry_policy=FAST)

    async def worker(index: int) -> list[PriceQuote]:
        quantities = range(index * PER_WORKER + 1, (index + 1) * PER_WORKER + 1)
        return [await client.orders.quote(request_for(q)) for q in quantities]

    async with client:
        workers = [asyncio.ensure_future(worker(i)) for i in range(WORKERS)]
        # Every worker has one request in flight; one of them is refused. Its 49 peers are
        # answered only once the client has taken the refusal in, so each of them sends its
        # next request after that: every one must wait for the Retry-After.
        await until(lambda: client._core.pressure.closed_until > 0)
        state.release.set()
        results = await asyncio.gather(*workers)

    assert state.refused_at is not None
    later = state.arrivals[WORKERS:]  # everything sent after the first wave
    assert len(later) == WORKERS * (PER_WORKER - 1) + 1  # + the refused quote, sent again
    gap = min(later) - state.refused_at
    assert gap >= 1.0, f"a request reached the server {gap:.3f}s after the 429"
    expected = [
        [PriceQuote(**quote_for(q)) for q in range(i * PER_WORKER + 1, (i + 1) * PER_WORKER + 1)]
        for i in range(WORKERS)
    ]
    assert results == expected


async def test_without_retry_after_the_gate_stays_open() -> None:
    arrivals: list[float] = []

    async def calculate(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return web.json_response({"success": False, "message": "slow down"}, status=429)
        return web.json_response(quote_for(int(request.query["quantity"])))

    async with loopback_server({("GET", CALCULATE): calculate}) as server:
        client = ProxyOrdersClient(token=TOKEN, base_url=server.url, retry_policy=FAST)
        async with client:
            quote = await client.orders.quote(request_for(3))
            assert client._core.pressure.refusals == 1
            assert not client._core.pressure.active  # nothing to wait for: one check per call
    assert quote == PriceQuote(**quote_for(3))
    assert len(arrivals) == 2


# ---------------------------------------------------------------------------------------------
# rate_limit=


async def test_rate_limit_is_shared_by_every_task_of_the_client() -> None:
    rate, tasks, each = 40.0, 4, 10
    arrivals: list[float] = []

    async def calculate(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        return web.json_response(quote_for(int(request.query["quantity"])))

    async with loopback_server({("GET", CALCULATE): calculate}) as server:
        client = ProxyOrdersClient(token=TOKEN, base_url=server.url, rate_limit=rate)
        async with client:
            view = client.with_options(timeout=5)  # views share the client's bucket

            async def task(index: int) -> list[PriceQuote]:
                caller = view if index % 2 else client
                numbers = range(index * each + 1, (index + 1) * each + 1)
                return [await caller.orders.quote(request_for(q)) for q in numbers]

            started = time.monotonic()  # before the first request can be sent
            results = await asyncio.gather(*(task(i) for i in range(tasks)))

    assert [q.final_price for r in results for q in r] == [
        100 * q for q in range(1, tasks * each + 1)
    ]
    # Counted in windows at the server: by any time t, at most 1 + rate * (t - started)
    # requests have arrived (the i-th request starts no earlier than started + i / rate).
    arrivals.sort()
    assert len(arrivals) == tasks * each
    for i, arrived in enumerate(arrivals):
        assert arrived - started >= i / rate - 1e-6, f"request {i} arrived too early"
    in_first_half_second = sum(1 for t in arrivals if t - started < 0.5)
    assert in_first_half_second <= 1 + rate * 0.5


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10", True, 10**400])
def test_rate_limit_is_checked_at_construction(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="rate_limit"):
        ProxyOrdersClient(token=TOKEN, base_url="http://127.0.0.1:1", rate_limit=bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Waiting at the gate: close, cancel, deadline


@contextlib.asynccontextmanager
async def refusing(retry_after: int) -> AsyncIterator[tuple[LoopbackServer, list[float]]]:
    """``/me`` answers 429 with ``Retry-After`` once, then the account; arrival times listed."""
    arrivals: list[float] = []

    async def me(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return web.json_response(
                {"success": False, "message": "slow down"},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        return web.json_response(ACCOUNT)

    async with loopback_server({("GET", ME): me}) as server:
        yield server, arrivals


async def closed_gate(server: LoopbackServer) -> ProxyOrdersClient:
    """A client whose gate a 429 just closed (the refused call gave up: no retries)."""
    client = ProxyOrdersClient(token=TOKEN, base_url=server.url, max_retries=0)
    with pytest.raises(RateLimitError, match="slow down"):
        await client.account.me()
    assert client._core.pressure.closed_until > asyncio.get_running_loop().time()
    return client


async def test_close_wakes_calls_waiting_at_the_gate() -> None:
    async with refusing(30) as (server, arrivals):
        client = await closed_gate(server)
        waiting = [asyncio.ensure_future(client.account.me()) for _ in range(5)]
        await until(lambda: len(client._core.pressure._waiters) == 5)
        await client.close()
        results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ClientClosedError) for r in results), results
    assert len(arrivals) == 1  # nothing was sent after the 429


async def test_cancel_propagates_from_the_gate_and_gives_the_slot_back() -> None:
    async with refusing(30) as (server, arrivals):
        client = await closed_gate(server)
        async with client:
            waiting = asyncio.ensure_future(client.account.me())
            await until(lambda: len(client._core.pressure._waiters) == 1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            slots = client._core.slots
            assert slots is not None and slots._free == client._core.max_connections
            assert not client._core.pressure._waiters
    assert len(arrivals) == 1


async def test_the_deadline_bounds_the_wait_at_the_gate() -> None:
    async with refusing(30) as (server, arrivals):
        client = await closed_gate(server)
        async with client:
            with pytest.raises(APITimeoutError, match=r"rate limit.*nothing was sent") as caught:
                await client.with_options(deadline=2).account.me()
    assert caught.value.attempts == 0
    assert len(arrivals) == 1


async def test_the_timeout_does_not_run_while_a_call_waits_at_the_gate() -> None:
    async with refusing(1) as (server, arrivals):
        client = await closed_gate(server)
        async with client:
            # Held about a second at the gate, twenty times its timeout: still answered.
            account = await client.with_options(timeout=0.05).account.me()
    assert account.email == ACCOUNT["email"]
    assert arrivals[1] - arrivals[0] >= 1.0


async def test_close_wakes_a_call_waiting_for_the_rate_bucket() -> None:
    async with loopback_server({("GET", ME): _account}) as server:
        client = ProxyOrdersClient(token=TOKEN, base_url=server.url, rate_limit=0.1)
        await client.account.me()  # the bucket's next turn is 10 s away
        waiting = asyncio.ensure_future(client.account.me())
        await until(lambda: len(client._core.pressure._waiters) == 1)
        await client.close()
        with pytest.raises(ClientClosedError):
            await waiting
        assert server.requests == 1


async def _account(request: web.Request) -> web.Response:
    return web.json_response(ACCOUNT)


# ---------------------------------------------------------------------------------------------
# The fan-outs against the emulator's rate limit


def emulator_price(quantity: int) -> PriceQuote:
    quote = price(PRODUCTS["Datacenter Proxy"], CYCLES["monthly"], quantity, None)
    return PriceQuote(**quote.as_json())


def waited_clock(emu: Emulator) -> None:
    """Let the emulator's bucket refill only as much as the client waited when told to.

    The server's clock stands still, except that each 429 moves it on by its ``Retry-After``:
    whatever the machine's speed, the requests past the burst are refused, and a client that
    waits as told finds tokens again.
    """
    limiter = emu.limiter
    now = [0.0]
    limiter.clock = lambda: now[0]
    take = limiter.take

    def stepped(key: Hashable) -> int | None:
        retry_after = take(key)
        now[0] += retry_after or 0
        return retry_after

    limiter.take = stepped  # type: ignore[method-assign]


async def test_calculate_many_under_the_emulator_rate_limit_is_correct() -> None:
    async with Emulator(rate_limit=40, rate_burst=40) as emu:
        waited_clock(emu)
        client = ProxyOrdersClient(token=emu.token, base_url=emu.url, retry_policy=FAST)
        async with client:
            quotes = await client.orders.calculate_many(
                [request_for(q) for q in range(1, 101)], concurrency=30
            )
            refusals = client._core.pressure.refusals
    assert quotes == [emulator_price(q) for q in range(1, 101)]
    entries = emu.journal_for("orders.calculate")
    refused = [e for e in entries if e.status == 429]
    assert refusals == len(refused) >= 1
    assert all(e.faults == ("rate_limited",) for e in refused)
    assert sum(1 for e in entries if e.status == 200) == 100


async def test_a_concurrent_walk_under_the_rate_limit_yields_every_order_once() -> None:
    async with Emulator(orders=600, seed=3, rate_limit=20, rate_burst=20) as emu:
        waited_clock(emu)
        client = ProxyOrdersClient(token=emu.token, base_url=emu.url, retry_policy=FAST)
        async with client:
            walk = client.orders.iter(OrderStatus.ALL, page_size=20, concurrency=8)
            ids = [order.order_id async for order in walk]
            refusals = client._core.pressure.refusals
    assert len(ids) == len(set(ids)) == 600
    entries = emu.journal_for("orders.list")
    assert refusals == sum(1 for e in entries if e.status == 429) >= 1
    # Each page was answered; at most the pages fetched ahead past the end came in addition.
    answered = sum(1 for e in entries if e.status == 200)
    assert walk.pages_fetched <= answered < walk.pages_fetched + 8
