"""The quote sharer: identical quotes share one fetch only between callers of one group."""

from __future__ import annotations

import asyncio

from proxyorders_async._models import PriceQuote, QuoteRequest
from proxyorders_async._quotes import Fetch, QuoteSharer

REQUEST = QuoteRequest(product="Datacenter Proxy", location="DE", quantity=2)


def quote(price: int) -> PriceQuote:
    return PriceQuote(
        original_price=price,
        final_price=price,
        discount_percent=0,
        addons_price=0,
        total_with_addons=price,
    )


async def test_callers_of_another_group_fetch_apart_while_the_same_group_shares() -> None:
    sharer = QuoteSharer(None)
    release = asyncio.Event()
    fetched: list[str] = []

    def fetcher(name: str, price: int) -> Fetch:
        async def fetch(request: QuoteRequest) -> PriceQuote:
            assert request == REQUEST
            fetched.append(name)
            await release.wait()
            return quote(price)

        return fetch

    lead = asyncio.ensure_future(sharer.get(REQUEST, fetcher("a", 100), group="a"))
    await asyncio.sleep(0)
    joiner = asyncio.ensure_future(sharer.get(REQUEST, fetcher("a2", 999), group="a"))
    others = [
        asyncio.ensure_future(sharer.get(REQUEST, fetcher(f"b{i}", 200 + i), group="b"))
        for i in range(2)
    ]
    await asyncio.sleep(0)
    assert fetched == ["a", "b0", "b1"]  # the joiner of group "a" sends nothing
    release.set()
    results = await asyncio.gather(lead, joiner, *others)
    assert [r.final_price for r in results] == [100, 100, 200, 201]
    assert sharer._inflight == {}  # nothing is left behind


async def test_a_failed_fetch_reaches_its_joiners_and_is_forgotten() -> None:
    sharer = QuoteSharer(None)
    release = asyncio.Event()

    async def failing(request: QuoteRequest) -> PriceQuote:
        await release.wait()
        raise ValueError("no price")

    async def never(request: QuoteRequest) -> PriceQuote:  # pragma: no cover - must not run
        raise AssertionError("a joiner fetched")

    lead = asyncio.ensure_future(sharer.get(REQUEST, failing, group=None))
    await asyncio.sleep(0)
    joiner = asyncio.ensure_future(sharer.get(REQUEST, never, group=None))
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(lead, joiner, return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert sharer._inflight == {}
