"""``orders.iter/pages(exact=True)`` against the emulator and small loopback servers.

What it costs when nothing changes (the stated 1% at ``page_size=100``), what it sends, what
its pages hold, and how it says that it cannot be exact. The hostile suite (S3) covers lists
that change during the walk.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from proxyorders_async import InvalidArgumentTypeError, ProxyOrdersClient, RetryPolicy
from proxyorders_async.emulator import Emulator

FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005, max_retry_after=0.01)
EmulatorFactory = Callable[..., Awaitable[Emulator]]


def client_for(url: str, token: str = "token-for-tests", **kwargs: Any) -> ProxyOrdersClient:
    return ProxyOrdersClient(token=token, base_url=url, retry_policy=FAST, **kwargs)


def transferred(emulator: Emulator, total: int) -> int:
    """Orders the emulator served to the walk (a list that did not change)."""
    served = 0
    for entry in emulator.journal_for("orders.list"):
        offset, limit = int(entry.query["offset"]), int(entry.query["limit"])
        served += max(0, min(limit, total - offset))
    return served


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_a_still_list_costs_one_percent_at_page_size_100(
    proxyorders_emulator_factory: EmulatorFactory, concurrency: int
) -> None:
    total = 10_000
    emulator = await proxyorders_emulator_factory(orders=total, seed=21)
    async with client_for(emulator.url, emulator.token) as client:
        plain = [o.order_id async for o in client.orders.iter("all", page_size=100)]
        plain_requests, plain_orders = emulator.count(route="orders.list"), total
        emulator.clear_journal()
        it = client.orders.iter("all", page_size=100, concurrency=concurrency, exact=True)
        exact = [o.order_id async for o in it]
    assert exact == plain == emulator.account.order_ids("all")
    assert it.exact and it.realignments == 0
    requests, orders = emulator.count(route="orders.list"), transferred(emulator, total)
    assert plain_requests == 100
    # 101 pages (offsets 0, 99, ..., 9900); fetching ahead may request up to N-1 past the end.
    assert requests <= 101 + concurrency - 1
    if concurrency == 1:
        assert (requests, orders) == (101, 10_100)
        assert requests / plain_requests <= 1.02 and orders / plain_orders <= 1.02


async def test_pages_hold_only_orders_not_yielded_before(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=95, seed=22)
    async with client_for(emulator.url, emulator.token) as client:
        pages = [p async for p in client.orders.pages("all", page_size=20, exact=True)]
    ids = [o.order_id for page in pages for o in page.orders]
    assert ids == emulator.account.order_ids("all")
    assert all(page.count == len(page.orders) for page in pages)
    sent = [entry.query for entry in emulator.journal_for("orders.list")]
    # page_size + 1 per request, so that each page brings page_size orders past the overlap.
    assert [(q["offset"], q["limit"]) for q in sent] == [
        ("0", "21"),
        ("20", "21"),
        ("40", "21"),
        ("60", "21"),
        ("80", "21"),
    ]


async def test_exact_and_dedupe_together_skip_nothing(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=300, seed=23)
    original = list(emulator.account.order_ids("all"))
    emulator.faults.set("orders.list", shift_insert=3)
    async with client_for(emulator.url, emulator.token) as client:
        it = client.orders.iter("all", page_size=50, exact=True, dedupe=True)
        ids = [o.order_id async for o in it]
    assert ids == original  # the inserts sort before the walk's position: none is yielded
    assert it.duplicates_skipped == 0 and it.realignments > 0


async def test_an_exact_walk_from_an_offset(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=120, seed=24)
    async with client_for(emulator.url, emulator.token) as client:
        it = client.orders.iter("all", page_size=25, start=40, exact=True, concurrency=4)
        ids = [o.order_id async for o in it]
    assert ids == emulator.account.order_ids("all")[40:]


async def test_a_bad_exact_is_refused_before_any_request(
    proxyorders_emulator_factory: EmulatorFactory,
) -> None:
    emulator = await proxyorders_emulator_factory(orders=5, seed=25)
    async with client_for(emulator.url, emulator.token) as client:
        with pytest.raises(InvalidArgumentTypeError) as info:
            client.orders.iter("all", exact="yes")  # type: ignore[arg-type]
    assert info.value.argument == "exact"
    assert emulator.count(route="orders.list") == 0


async def test_a_cursor_next_makes_the_walk_say_it_is_not_exact(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = list(range(1, 31))

    def body(chunk: list[int], following: str | None) -> dict[str, Any]:
        orders = [
            {
                "order_id": i,
                "product_id": 1,
                "product_name": "Datacenter Proxy",
                "cycle_id": 4,
                "cycle_name": "monthly",
            }
            for i in chunk
        ]
        return {"success": True, "orders": orders, "count": len(chunk), "next": following}

    async def orders(request: web.Request) -> web.Response:
        cursor = int(request.query.get("cursor", request.query.get("offset", "0")))
        chunk = ids[cursor : cursor + 10]
        following = f"/user/api/orders?status=all&cursor={cursor + 10}" if cursor < 20 else None
        return web.json_response(body(chunk, following))

    app = web.Application()
    app.router.add_get("/user/api/orders", orders)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with client_for(str(URL.build(scheme="http", host="127.0.0.1", port=port))) as c:
            it = c.orders.iter("all", page_size=10, exact=True)
            assert it.exact  # nothing known yet
            with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
                got = [o.order_id async for o in it]
    finally:
        await runner.cleanup()
    assert got == ids and not it.exact
    assert "no longer exact" in caplog.text
