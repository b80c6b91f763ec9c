"""Scenario 14: servers whose walks never end.

A loopback server announces an ever-new ``next`` (``offset`` keeps growing, so the visited-URI
check never fires) while its pages repeat with period 2 (A,B,A,B), with period 3 (A,B,C,A,B,C),
or slide by one order per page ([1..100], [2..101], ...), so each page brings one new id.

Must hold, for ``pages()`` and ``iter(dedupe=True)`` at concurrency 1 and 4: ``PaginationError``
by page :data:`STALL_WINDOW` (16; the progress rule: the last 16 pages announcing a next brought
fewer new ids than a quarter of the ids they carried, where "new" means on none of the previous
16 pages nor in a checkpoint retaken at every power-of-two page), after at most
``16 x concurrency`` requests; the walk remembers at most 64 URIs and the ids of 32 pages; a
``dedupe`` walk logs one summary WARNING, not one per duplicate. The server ends every walk after
:data:`CAP` pages, so a walk that misses the stall completes and the test fails instead of
hanging (as it did before: 60,617 requests and 1.2 million WARNING lines in 15 s).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import OrderIterator, PageIterator, PaginationError, ProxyOrdersClient
from proxyorders_async._pagination import REMEMBERED_URIS, STALL_WINDOW

from ._support import FAST, capture_logs, loopback_server, record

PAGE = 100
CAP = 400  # pages; only reached by a walk that failed to stop
PATTERNS = ("period2", "period3", "sliding")


def _ids(pattern: str, index: int) -> list[int]:
    """The order ids of page ``index`` (0-based) of a pattern."""
    if pattern == "sliding":
        return list(range(index + 1, index + PAGE + 1))
    block = index % (2 if pattern == "period2" else 3)
    return list(range(block * PAGE + 1, block * PAGE + PAGE + 1))


def _order(order_id: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "product_id": 1,
        "product_name": "Datacenter Proxy",
        "cycle_id": 4,
        "cycle_name": "monthly",
        "expires_at": None,
        "auto_renewal": False,
        "tag": None,
    }


def _handler(pattern: str) -> Any:
    async def orders(request: web.Request) -> web.Response:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        index = offset // limit
        following = f"/user/api/orders?status=all&offset={offset + limit}&limit={limit}"
        ids = _ids(pattern, index)
        body = {
            "success": True,
            "orders": [_order(i) for i in ids],
            "count": len(ids),
            "next": following if index + 1 < CAP else None,
            "prev": None,
        }
        return web.json_response(body)

    return orders


def _planner(it: PageIterator | OrderIterator) -> Any:
    pages = it._pages if isinstance(it, OrderIterator) else it
    return pages._planner


async def _drain(it: PageIterator | OrderIterator) -> int:
    yielded = 0
    async for _ in it:
        yielded += 1
    return yielded


@pytest.mark.timeout(60)
@pytest.mark.parametrize("concurrency", [1, 4], ids=["c1", "c4"])
@pytest.mark.parametrize("walk", ["pages", "iter"])
@pytest.mark.parametrize("pattern", PATTERNS)
async def test_an_endless_walk_stops_within_the_bound(
    pattern: str, walk: str, concurrency: int
) -> None:
    async with loopback_server({("GET", "/user/api/orders"): _handler(pattern)}) as server:
        client = ProxyOrdersClient(token="t0ken-s14", base_url=server.url, retry_policy=FAST)
        with capture_logs() as logs:
            async with client:
                it: PageIterator | OrderIterator
                if walk == "pages":
                    it = client.orders.pages("all", page_size=PAGE, concurrency=concurrency)
                else:
                    it = client.orders.iter(
                        "all", page_size=PAGE, concurrency=concurrency, dedupe=True
                    )
                with pytest.raises(PaginationError) as caught:
                    await _drain(it)
    requests = len(server.requests)
    planner = _planner(it)
    assert "not advancing" in caught.value.message
    assert it.pages_fetched < STALL_WINDOW  # the stalled page itself is not yielded
    assert requests <= STALL_WINDOW * concurrency
    assert planner.navigator.remembered_uris <= REMEMBERED_URIS
    assert planner.progress.remembered_ids <= 2 * STALL_WINDOW * PAGE
    warnings = [r for r in logs.records if r.levelno >= logging.WARNING]
    summaries = [r for r in warnings if "appeared twice" in r.msg]
    if walk == "iter":
        assert isinstance(it, OrderIterator)
        assert it.duplicates_skipped > 0
        assert len(summaries) == 1 and summaries[0].args[0] == it.duplicates_skipped
    else:
        assert summaries == []
    assert len(warnings) <= 2  # the summary, and "no longer fetching ahead" when pages overlap
    key = f"{pattern}_{walk}_c{concurrency}"
    record("S14", **{f"{key}_requests": requests, f"{key}_warnings": len(warnings)})


@pytest.mark.timeout(60)
async def test_a_long_walk_remembers_a_bounded_number_of_uris() -> None:
    # An endless list that keeps bringing new orders is not stalled: max_pages ends it, and
    # what the walk remembers stays bounded however many pages it read.
    async def fresh(request: web.Request) -> web.Response:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        following = f"/user/api/orders?status=all&offset={offset + limit}&limit={limit}"
        orders = [_order(i) for i in range(offset + 1, offset + limit + 1)]
        return web.json_response({"success": True, "orders": orders, "next": following})

    async with loopback_server({("GET", "/user/api/orders"): fresh}) as server:
        client = ProxyOrdersClient(token="t0ken-s14", base_url=server.url)
        async with client:
            pages = client.orders.pages("all", page_size=5, max_pages=600, concurrency=4)
            assert await _drain(pages) == 600
    planner = _planner(pages)
    assert planner.navigator.remembered_uris == REMEMBERED_URIS
    assert planner.progress.remembered_ids <= 2 * STALL_WINDOW * 5
    record(
        "S14",
        long_walk_pages=600,
        long_walk_remembered_uris=planner.navigator.remembered_uris,
        long_walk_remembered_ids=planner.progress.remembered_ids,
        stall_window=STALL_WINDOW,
    )
