"""Price quotes shared between callers: in-flight coalescing and an optional TTL cache.

Quotes are read-only, so identical requests made at the same time can share one HTTP call,
and a quote a few seconds old is as good as a fresh one for callers that opt in.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from ._models import PriceQuote, QuoteRequest

# Bounded so a long-lived web app quoting many distinct baskets cannot grow without limit.
CACHE_MAX_ENTRIES = 4096


class QuoteSharer:
    """Coalesces identical in-flight quotes and caches results for ``ttl`` seconds if set."""

    def __init__(self, ttl: float | None) -> None:
        self.ttl = ttl
        self._inflight: dict[QuoteRequest, asyncio.Task[PriceQuote]] = {}
        self._cache: OrderedDict[QuoteRequest, tuple[float, PriceQuote]] = OrderedDict()

    async def get(
        self, request: QuoteRequest, fetch: Callable[[QuoteRequest], Awaitable[PriceQuote]]
    ) -> PriceQuote:
        """The quote for ``request``: cached, joined to an identical call in flight, or fetched."""
        loop = asyncio.get_running_loop()
        if self.ttl is not None:
            hit = self._cache.get(request)
            if hit is not None and hit[0] > loop.time():
                return hit[1]
        task = self._inflight.get(request)
        if task is None:
            task = asyncio.ensure_future(fetch(request))
            self._inflight[request] = task
            task.add_done_callback(lambda done: self._settle(request, done, loop.time()))
        # shield: one caller giving up must not cancel the call the others are waiting for.
        return await asyncio.shield(task)

    def _settle(self, request: QuoteRequest, task: asyncio.Task[PriceQuote], now: float) -> None:
        self._inflight.pop(request, None)
        if self.ttl is None or task.cancelled() or task.exception() is not None:
            return
        self._cache[request] = (now + self.ttl, task.result())
        self._cache.move_to_end(request)
        while len(self._cache) > CACHE_MAX_ENTRIES:
            self._cache.popitem(last=False)

    def clear(self) -> None:
        """Forget every cached quote."""
        self._cache.clear()
