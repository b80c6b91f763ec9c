"""A walk with ``concurrency=N`` returns exactly what the sequential walk returns.

Same pages, same URLs, same orders in the same order, nothing twice, nothing missed: against
the emulator (offset pagination, faults, a list that shifts mid-walk) and against small
aiohttp.web servers whose ``next`` URIs are not what the prediction expects (opaque cursors,
a capped or switched limit, reordered or extra parameters), including speculative fetches that
fail. Plus the quote fan-out: identical quotes in flight share one request, and the TTL cache
serves repeats. No assertion depends on timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import (
    BadRequestError,
    OrderPage,
    ProxyOrdersClient,
    QuoteRequest,
    RetryPolicy,
)
from proxyorders_async.emulator import Emulator

FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005, max_retry_after=0.01)
PATH = "/user/api/orders"
EmulatorFactory = Callable[..., Awaitable[Emulator]]
Page = tuple[str, str | None, tuple[int, ...]]


def client_for(url: str, token: str = "token-for-tests", **kwargs: Any) -> ProxyOrdersClient:
    return ProxyOrdersClient(token=token, base_url=url, retry_policy=FAST, **kwargs)


async def walk(client: ProxyOrdersClient, concurrency: int, **kwargs: Any) -> list[Page]:
    """Every page of a walk as (url, next, order ids)."""
    pages = client.orders.pages("all", concurrency=concurrency, **kwargs)
    return [(p.url, p.next, tuple(o.order_id for o in p.orders)) async for p in pages]


def order_ids(pages: list[Page]) -> list[int]:
    return [order_id for _, _, ids in pages for order_id in ids]


# ---------------------------------------------------------------------------------------------
# The emulator: offset pagination


@pytest.mark.parametrize(
    ("orders", "page_size"), [(0, 10), (1, 10), (100, 10), (101, 10), (250, 100), (333, 37)]
)
async def test_concurrent_walk_equals_sequential_walk(
    proxyorders_emulator_factory: EmulatorFactory, orders: int, page_size: int
) -> None:
    emulator = await proxyorders_emulator_factory(orders=orders, seed=11)
    async with client_for(emulator.url, emulator.token) as client:
        sequential = await walk(client, 1, page_size=page_size)
        assert sorted(order_ids(sequential)) == sorted(emulator.account.order_ids("all"))
        assert len(set(order_ids(sequential))) == orders
        for concurrency in (2, 4, 32):
            assert await walk(client, concurrency, page_size=page_size) == sequential
            orders_walk = client.orders.iter("all", page_size=page_size, concurrency=concurrency)
            assert [o.order_id async for o in orders_walk] == order_ids(sequential)


async def test_max_pages_caps_the_speculative_fetches(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=500, seed=2)
    async with client_for(emulator.url, emulator.token) as client:
        sequential = await walk(client, 1, page_size=20, max_pages=3)
        emulator.clear_journal()
        assert await walk(client, 8, page_size=20, max_pages=3) == sequential
    assert len(sequential) == 3
    assert emulator.count(route="orders.list") == 3  # nothing fetched beyond the cap


async def test_retried_failures_of_speculative_fetches(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=600, seed=4)
    async with client_for(emulator.url, emulator.token, max_retries=12) as client:
        sequential = await walk(client, 1, page_size=25)
        emulator.faults.set("orders.list", error_rate=0.3, error_statuses=(500, 503))
        concurrent = await walk(client, 4, page_size=25)
    assert concurrent == sequential
    failed = [e for e in emulator.journal_for("orders.list") if e.status in (500, 503)]
    assert failed  # some fetches, speculative ones among them, failed and were retried


async def test_a_list_that_shifts_mid_walk(proxyorders_emulator_factory: EmulatorFactory) -> None:
    # Each list request inserts 3 orders at the front (after its page is built), so offset
    # pages overlap and orders come back twice. One connection makes the server handle requests
    # in the order the walk issues them (with several, a page fetched ahead could be served
    # before the insert its predecessor causes, and no client could tell).
    async def shifted_walk(concurrency: int, *, dedupe: bool) -> list[int]:
        emulator = await proxyorders_emulator_factory(orders=200, seed=9)
        emulator.faults.set("orders.list", shift_insert=3)
        async with client_for(emulator.url, emulator.token, max_connections=1) as client:
            walk = client.orders.iter("all", page_size=20, concurrency=concurrency, dedupe=dedupe)
            return [order.order_id async for order in walk]

    originals = await shifted_walk(1, dedupe=True)
    assert originals == sorted(originals) and len(originals) == 200  # the inserts sort first
    seen_twice = await shifted_walk(1, dedupe=False)
    assert len(seen_twice) > len(set(seen_twice))  # the shift happened
    assert list(dict.fromkeys(seen_twice)) == originals
    for concurrency in (2, 4):
        assert await shifted_walk(concurrency, dedupe=True) == originals
        # How often an order repeats depends on how many fetches the server saw (pages
        # fetched ahead shift the list too); which orders come, and in what order, does not.
        assert list(dict.fromkeys(await shifted_walk(concurrency, dedupe=False))) == originals


# ---------------------------------------------------------------------------------------------
# Servers whose next URIs the prediction does not expect


def _order(order_id: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "product_id": 1,
        "product_name": "Datacenter Proxy",
        "cycle_id": 4,
        "cycle_name": "monthly",
        "expires_at": "2025-01-02T17:23:32Z",
        "auto_renewal": False,
        "tag": None,
    }


class PagedApi:
    """``GET /user/api/orders`` over orders 1..total, with ``next`` URIs in a chosen style.

    - ``offset``: ``?status=all&offset=O&limit=L`` (what the prediction expects);
    - ``cursor``: ``?cursor=<opaque token>``;
    - ``capped``: the server caps the limit at ``cap`` and says so in ``next``;
    - ``switch``: from offset ``switch_at`` on, ``next`` names another limit;
    - ``reordered``: ``?limit=L&offset=O&status=all``;
    - ``extra``: ``...&v=2`` appended.

    ``fail`` decides, per (offset, limit), to answer 400 instead of a page.
    """

    def __init__(
        self,
        total: int,
        style: str,
        *,
        cap: int = 7,
        switch_at: int = 30,
        new_limit: int = 6,
        fail: Callable[[int, int], bool] | None = None,
    ) -> None:
        self.total, self.style = total, style
        self.cap, self.switch_at, self.new_limit = cap, switch_at, new_limit
        self.fail = fail
        self.cursors: dict[str, tuple[int, int]] = {}
        self.requested: list[str] = []
        self.announced: set[str] = set()
        self.failed = 0
        self.in_flight = self.max_in_flight = 0

    def next_uri(self, offset: int, count: int, limit: int) -> str | None:
        following = offset + count
        if following >= self.total:
            return None
        if self.style == "cursor":
            token = hashlib.sha256(f"{following}:{limit}".encode()).hexdigest()[:16]
            self.cursors[token] = (following, limit)
            return f"{PATH}?cursor={token}"
        if self.style == "switch" and following >= self.switch_at:
            limit = self.new_limit
        if self.style == "reordered":
            return f"{PATH}?limit={limit}&offset={following}&status=all"
        extra = "&v=2" if self.style == "extra" else ""
        return f"{PATH}?status=all&offset={following}&limit={limit}{extra}"

    async def handle(self, request: web.Request) -> web.Response:
        self.requested.append(request.path_qs)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.002)  # lets fetches overlap
            query = request.query
            if "cursor" in query:
                offset, limit = self.cursors[query["cursor"]]
            else:
                offset, limit = int(query["offset"]), int(query["limit"])
            if self.style == "capped":
                limit = min(limit, self.cap)
            if self.fail is not None and self.fail(offset, limit):
                self.failed += 1
                return web.json_response({"success": False, "message": "refused"}, status=400)
            ids = range(offset + 1, min(offset + limit, self.total) + 1)
            following = self.next_uri(offset, len(ids), limit)
            if following is not None:
                self.announced.add(following)
            body = {
                "success": True,
                "orders": [_order(i) for i in ids],
                "count": len(ids),
                "next": following,
                "prev": None,
            }
            return web.json_response(body)
        finally:
            self.in_flight -= 1


@contextlib.asynccontextmanager
async def serve(api: PagedApi) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get(PATH, api.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def walks_of(api: PagedApi, *concurrencies: int) -> list[list[Page]]:
    async with serve(api) as url, client_for(url) as client:
        return [await walk(client, c, page_size=10) for c in concurrencies]


@pytest.mark.parametrize("style", ["offset", "cursor", "capped", "switch", "reordered", "extra"])
async def test_next_uri_styles(style: str) -> None:
    api = PagedApi(97, style)
    sequential, *concurrent = await walks_of(api, 1, 2, 4, 8)
    assert order_ids(sequential) == list(range(1, 98))
    for pages in concurrent:
        assert pages == sequential


async def test_opaque_cursors_are_never_guessed() -> None:
    api = PagedApi(64, "cursor")
    [pages] = await walks_of(api, 8)
    assert order_ids(pages) == list(range(1, 65))
    # Every request after the first went to a URI the server announced, one at a time.
    assert set(api.requested[1:]) <= api.announced
    assert len(api.requested) == len(pages)
    assert api.max_in_flight == 1


async def test_offset_pages_are_fetched_ahead() -> None:
    # The counterpart of the test above: offset-shaped URIs are fetched concurrently.
    api = PagedApi(200, "offset")
    [pages] = await walks_of(api, 4)
    assert order_ids(pages) == list(range(1, 201))
    assert api.max_in_flight > 1


async def test_a_switched_limit_drops_the_predicted_pages() -> None:
    api = PagedApi(97, "switch", switch_at=30, new_limit=6)
    sequential, concurrent = await walks_of(api, 1, 4)
    assert concurrent == sequential
    assert order_ids(concurrent) == list(range(1, 98))
    pages_fetched_twice = len(api.requested) - 2 * len(sequential)
    assert pages_fetched_twice > 0  # predictions past the switch were fetched and dropped


async def test_failed_speculative_fetches_are_dropped() -> None:
    # Requests with the old limit past the switch are exactly the mispredicted ones: all fail.
    def mispredicted(offset: int, limit: int) -> bool:
        return offset >= 30 and limit == 10

    api = PagedApi(97, "switch", switch_at=30, new_limit=6, fail=mispredicted)
    sequential, concurrent = await walks_of(api, 1, 4)
    assert concurrent == sequential
    assert order_ids(concurrent) == list(range(1, 98))
    assert api.failed > 0


@pytest.mark.parametrize("concurrency", [1, 2, 4, 8])
async def test_a_needed_page_that_fails_raises_after_the_same_pages(concurrency: int) -> None:
    api = PagedApi(97, "offset", fail=lambda offset, _limit: offset == 40)
    async with serve(api) as url, client_for(url) as client:
        seen: list[OrderPage] = []

        async def consume() -> None:
            async for page in client.orders.pages("all", page_size=10, concurrency=concurrency):
                seen.append(page)

        with pytest.raises(BadRequestError) as excinfo:
            await consume()
    assert [o.order_id for p in seen for o in p.orders] == list(range(1, 41))
    assert "offset=40" in (excinfo.value.url or "")


# ---------------------------------------------------------------------------------------------
# Quotes: coalescing and the TTL cache

DC_DE = QuoteRequest(product="Datacenter Proxy", location="DE", cycle="monthly", quantity=3)
DC_FR = QuoteRequest(product="Datacenter Proxy", location="FR", cycle="monthly", quantity=3)
ISP = QuoteRequest(product="ISP Proxy", location="DE", cycle="monthly", quantity=2)


async def test_identical_quotes_in_flight_share_one_request(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory()
    # Latency keeps the first request in flight while the others arrive.
    emulator.faults.set("orders.calculate", latency_ms=50)
    async with client_for(emulator.url, emulator.token) as client:
        quotes = await asyncio.gather(*(client.orders.quote(DC_DE) for _ in range(20)))
        assert len({q.final_price for q in quotes}) == 1
        assert emulator.count(route="orders.calculate") == 1

        emulator.clear_journal()
        first, second = await asyncio.gather(
            client.orders.calculate_many([DC_DE, DC_FR, DC_DE], concurrency=2),
            client.orders.calculate_many([DC_FR, ISP, DC_DE], concurrency=3),
        )
        assert emulator.count(route="orders.calculate") == 3  # DC_DE, DC_FR and ISP once each
        assert first[0] == first[2] == second[2]
        assert first[1] == second[0]


async def test_the_ttl_cache_serves_repeats(proxyorders_emulator_factory: EmulatorFactory) -> None:
    emulator = await proxyorders_emulator_factory()
    async with client_for(emulator.url, emulator.token, quote_cache_ttl=600) as cached:
        first = await cached.orders.quote(DC_DE)
        again = await cached.orders.calculate(
            "Datacenter Proxy", location="DE", cycle="monthly", quantity=3
        )
        assert again == first
        many = await cached.orders.calculate_many([DC_DE, ISP, DC_DE])
        assert many[0] == many[2] == first
        assert emulator.count(route="orders.calculate") == 2  # DC_DE once, ISP once
        # Errors are not cached.
        unknown = QuoteRequest(product="No Such Product")
        for _ in range(2):
            with pytest.raises(BadRequestError):
                await cached.orders.quote(unknown)
        assert emulator.count(route="orders.calculate") == 4

    emulator.clear_journal()
    async with client_for(emulator.url, emulator.token) as uncached:
        await uncached.orders.quote(DC_DE)
        await uncached.orders.quote(DC_DE)
    assert emulator.count(route="orders.calculate") == 2  # without a TTL, nothing is kept
