"""Scenario 3: orders inserted or deleted while an export walks offset pages.

With ``exact=True`` the walk overlaps its pages and checks the overlap: deletions and inserts
anywhere, in either sort order and at any concurrency, lose no order that exists for the whole
walk and repeat none; a walk without it says so (``iterator.exact`` is False).

The SDK must neither loop nor silently drop: ``dedupe=True`` skips an order id already yielded,
``duplicates_skipped`` counts them, each is logged at DEBUG and the walk logs one summary
WARNING; a server that keeps sending the same page (inserts as fast as the walk reads, or an
ignored ``offset``) ends the walk with ``PaginationError`` instead of looping.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import pytest
from aiohttp import web

from proxyorders_async import OrderIterator, PaginationError, ProxyOrdersClient
from proxyorders_async.emulator import Emulator

from ._support import FAST, capture_logs, client_for, loopback_server, record, settled

ORDERS = 2_000


async def _collect(it: OrderIterator, sink: list[int]) -> None:
    async for order in it:
        sink.append(order.order_id)


PAGE = 100
INSERT = 3


@pytest.mark.parametrize(
    ("concurrency", "orders", "errors", "seed"),
    [(1, ORDERS, 0.1, 301), (4, ORDERS, 0.1, 301), (8, 5000, 0.2, 2)],
    ids=["c1", "c4", "c8-heavy"],
)
async def test_inserts_during_the_walk_are_deduplicated_and_reported(
    concurrency: int, orders: int, errors: float, seed: int
) -> None:
    async with Emulator(orders=orders, seed=seed) as emu:
        original = list(emu.account.order_ids("all"))
        # 503s delay some pages, so pages fetched ahead are served out of order: an insert
        # in between must not make the walk skip orders that moved past a page already read.
        emu.faults.set("orders.list", shift_insert=INSERT, error_rate=errors, error_statuses=(503,))
        with capture_logs() as logs:
            async with client_for(emu, max_retries=10) as client:
                it = client.orders.iter("all", page_size=PAGE, dedupe=True, concurrency=concurrency)
                ids = [o.order_id async for o in it]
        assert len(ids) == len(set(ids)), "dedupe=True yielded an order twice"
        assert set(original) <= set(ids), "an order that existed all along was dropped"
        assert it.duplicates_skipped > 0
        warnings = [
            r for r in logs.records if r.levelno == logging.WARNING and "appeared twice" in r.msg
        ]
        # One summary WARNING per walk naming the total; each duplicate at DEBUG (issue 9).
        assert len(warnings) == 1 and warnings[0].args[0] == it.duplicates_skipped
        each = [r for r in logs.records if r.levelno == logging.DEBUG and "appeared twice" in r.msg]
        assert len(each) == it.duplicates_skipped
        stopped = [r for r in logs.records if "no longer fetching ahead" in r.getMessage()]
        assert len(stopped) == (1 if concurrency > 1 else 0)
        pages = len(emu.journal_for("orders.list"))
        assert pages <= (orders // PAGE) * 3, "the walk did not make progress"
        record(
            "S3",
            **{
                f"insert_c{concurrency}_yielded": len(ids),
                f"insert_c{concurrency}_duplicates_skipped": it.duplicates_skipped,
                f"insert_c{concurrency}_warnings": len(warnings),
                f"insert_c{concurrency}_debug_lines": len(each),
                f"insert_c{concurrency}_original_missing": len(set(original) - set(ids)),
                f"insert_c{concurrency}_requests": pages,
            },
        )


async def test_without_dedupe_the_duplicates_are_yielded_not_lost() -> None:
    async with Emulator(orders=ORDERS, seed=302) as emu:
        original = set(emu.account.order_ids("all"))
        emu.faults.set("orders.list", shift_insert=INSERT)
        async with client_for(emu) as client:
            it = client.orders.iter("all", page_size=PAGE)
            ids = [o.order_id async for o in it]
        assert original <= set(ids)
        assert len(ids) > len(set(ids))
        record("S3", no_dedupe_repeats=len(ids) - len(set(ids)))


@pytest.mark.timeout(30)
async def test_inserting_a_whole_page_per_page_stops_instead_of_looping() -> None:
    async with Emulator(orders=500, seed=303) as emu:
        emu.faults.set("orders.list", shift_insert=PAGE)  # the next page is this page again
        async with client_for(emu) as client:
            # max_pages only bounds this test if the SDK regresses into looping.
            it = client.orders.iter("all", page_size=PAGE, dedupe=True, max_pages=50)
            seen: list[int] = []
            with pytest.raises(PaginationError) as caught:
                await _collect(it, seen)
        assert "same" in caught.value.message
        assert len(emu.journal_for("orders.list")) <= 3
        record(
            "S3",
            same_page_requests=len(emu.journal_for("orders.list")),
            same_page_yielded=len(seen),
        )


def _page(orders: list[int], next_uri: str | None) -> dict[str, Any]:
    return {
        "success": True,
        "orders": [
            {
                "order_id": i,
                "product_id": 1,
                "product_name": "Datacenter Proxy",
                "cycle_id": 4,
                "cycle_name": "monthly",
                "expires_at": None,
                "auto_renewal": False,
                "tag": None,
            }
            for i in orders
        ],
        "count": len(orders),
        "next": next_uri,
        "prev": None,
    }


@pytest.mark.timeout(30)
@pytest.mark.parametrize("rows", [[1, 2, 3], []], ids=["same-rows", "empty"])
async def test_server_ignoring_offset_does_not_loop_forever(rows: list[int]) -> None:
    async def orders(request: web.Request) -> web.Response:
        offset = int(request.query.get("offset", "0"))
        nxt = f"/user/api/orders?status=all&offset={offset + 3}&limit=3"
        return web.json_response(_page(rows, nxt))  # never null, same rows every time

    async with loopback_server({("GET", "/user/api/orders"): orders}) as server:
        async with ProxyOrdersClient(
            token="t0ken-0123456789", base_url=server.url, retry_policy=FAST
        ) as c:
            with pytest.raises(PaginationError):
                await _collect(c.orders.iter("all", page_size=3, max_pages=50), [])
        assert len(server.requests) <= 3
        record("S3", **{f"ignored_offset_{'rows' if rows else 'empty'}": len(server.requests)})


#: Requests of an exact walk over a still list of ORDERS at PAGE (offsets 0, 99, ..., 1980).
STILL_EXACT_REQUESTS = 21


async def _exact_walk(emu: Emulator, concurrency: int) -> tuple[list[int], OrderIterator, int]:
    async with client_for(emu, max_retries=10) as client:
        it = client.orders.iter("all", page_size=PAGE, exact=True, concurrency=concurrency)
        ids = [o.order_id async for o in it]
    await settled(emu)  # pages fetched ahead and cancelled are journaled when they finish
    return ids, it, len(emu.journal_for("orders.list"))


@pytest.mark.parametrize("concurrency", [1, 4, 8])
async def test_deletions_during_an_exact_walk_lose_no_surviving_order(concurrency: int) -> None:
    async with Emulator(orders=ORDERS, seed=304) as emu:
        original = set(emu.account.order_ids("all"))
        emu.faults.set("orders.list", shift_delete=2)
        ids, it, requests = await _exact_walk(emu, concurrency)
        survivors = original & set(emu.account.order_ids("all"))
        lost = survivors - set(ids)
        assert not lost and len(ids) == len(set(ids)) and it.exact
        assert it.realignments > 0
        assert requests <= STILL_EXACT_REQUESTS + 2 * concurrency + 4  # a few, not a rewalk
        record(
            "S3",
            **{
                f"delete_c{concurrency}_survivors": len(survivors),
                f"delete_c{concurrency}_lost": len(lost),
                f"delete_c{concurrency}_repeated": len(ids) - len(set(ids)),
                f"delete_c{concurrency}_requests": requests,
                f"delete_c{concurrency}_extra_requests": requests - STILL_EXACT_REQUESTS,
            },
        )


@pytest.mark.parametrize("sort", ["asc", "desc"])
@pytest.mark.parametrize("concurrency", [1, 4, 8])
async def test_inserts_and_deletions_anywhere_lose_nothing_in_either_sort(
    concurrency: int, sort: Literal["asc", "desc"]
) -> None:
    async with Emulator(orders=ORDERS, seed=305, order_sort=sort) as emu:
        original = set(emu.account.order_ids("all"))
        # 503s delay some pages, so pages fetched ahead are served out of walk order.
        emu.faults.set(
            "orders.list",
            shift_insert=2,
            shift_delete=3,
            shift_delete_random=True,
            error_rate=0.1,
            error_statuses=(503,),
        )
        ids, it, requests = await _exact_walk(emu, concurrency)
        survivors = original & set(emu.account.order_ids("all"))
        assert survivors <= set(ids) and len(ids) == len(set(ids)) and it.exact
        assert requests < 3 * STILL_EXACT_REQUESTS  # changes after every page, 503s included
        record(
            "S3",
            **{
                f"anywhere_{sort}_c{concurrency}_lost": len(survivors - set(ids)),
                f"anywhere_{sort}_c{concurrency}_requests": requests,
            },
        )


async def test_a_walk_that_is_not_exact_says_so() -> None:
    async with Emulator(orders=ORDERS, seed=304) as emu:
        original = set(emu.account.order_ids("all"))
        emu.faults.set("orders.list", shift_delete=2)
        async with client_for(emu) as client:
            it = client.orders.iter("all", page_size=PAGE, dedupe=True)
            ids = [o.order_id async for o in it]
        skipped = (original & set(emu.account.order_ids("all"))) - set(ids)
        assert skipped and not it.exact  # the default walk promises nothing, and says so
        record("S3", delete_default_yielded=len(ids), delete_default_skipped=len(skipped))
