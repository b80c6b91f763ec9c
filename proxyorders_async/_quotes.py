"""Price quotes shared between callers: in-flight coalescing and an optional TTL cache.

Quotes are read-only, so identical requests made at the same time can share one HTTP call,
and a quote a few seconds old is as good as a fresh one for callers that opt in.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from ._models import PriceQuote, QuoteRequest

# Bounded so a long-lived web app quoting many distinct baskets cannot grow without limit.
CACHE_MAX_ENTRIES = 4096


class _LeaderGone(Exception):
    """The caller fetching a shared quote was cancelled; a waiting caller fetches instead."""


Fetch = Callable[[QuoteRequest], Awaitable[PriceQuote]]


class _Flight:
    """A quote being fetched under ``group``'s settings; ``shared`` is made only once an
    identical caller joins (most quotes have no twin, and then no future is made)."""

    __slots__ = ("group", "shared")

    def __init__(self, group: Hashable) -> None:
        self.group = group
        self.shared: asyncio.Future[PriceQuote] | None = None


class QuoteSharer:
    """Coalesces identical in-flight quotes and caches results for ``ttl`` seconds if set.

    The first caller of a quote fetches it in its own task (no extra task per call: this is
    the hot path of a fan-out); identical callers meanwhile wait on a future it settles. Only
    callers of the same ``group`` (their timeout, retries and deadline) share a fetch, so a
    caller never waits under another caller's settings; the cache serves every group.
    """

    def __init__(self, ttl: float | None) -> None:
        self.ttl = ttl
        # Keyed by the request alone (its hash is cached): a quote in flight under other
        # settings is fetched apart, unshared, which is rare and costs nothing when it is not.
        self._inflight: dict[QuoteRequest, _Flight] = {}
        self._cache: OrderedDict[QuoteRequest, tuple[float, PriceQuote]] = OrderedDict()

    async def get(
        self,
        request: QuoteRequest,
        fetch: Fetch,
        *,
        group: Hashable = None,
        late_fetch: Fetch | None = None,
    ) -> PriceQuote:
        """The quote for ``request``: cached, joined to an identical call in flight, or fetched.

        ``late_fetch`` (default ``fetch``) fetches for a caller that waited on a fetching
        caller that was then cancelled: it knows how much of the caller's deadline is left.
        """
        if self.ttl is not None:
            hit = self._cache.get(request)
            if hit is not None and hit[0] > asyncio.get_running_loop().time():
                return hit[1]
        inflight, mine = self._inflight, _Flight(group)
        # One lookup that also claims the quote when nobody is fetching it: the request is
        # looked up twice per quote (here and when the fetch is over), not three times.
        while (flight := inflight.setdefault(request, mine)) is not mine:
            if flight.group is not group and flight.group != group:
                return await fetch(request)  # fetched under other settings: never shared
            if flight.shared is None:  # the first to join makes the future the leader settles
                flight.shared = asyncio.get_running_loop().create_future()
            try:
                # shield: a waiting caller giving up must not cancel the shared result.
                return await asyncio.shield(flight.shared)
            except _LeaderGone:
                fetch = late_fetch or fetch  # the fetching caller was cancelled: fetch anew
        # Lead: fetch in this task (no extra task per call: this is a fan-out's hot path).
        try:
            result = await fetch(request)
        except BaseException as exc:
            del inflight[request]
            shared = mine.shared
            if shared is not None:
                cancelled = isinstance(exc, asyncio.CancelledError)
                shared.set_exception(_LeaderGone() if cancelled else exc)
                shared.exception()  # retrieved: every waiter may have given up, and that is fine
            raise
        del inflight[request]
        if mine.shared is not None:
            mine.shared.set_result(result)
        if self.ttl is not None:
            cache = self._cache
            cache[request] = (asyncio.get_running_loop().time() + self.ttl, result)
            cache.move_to_end(request)
            while len(cache) > CACHE_MAX_ENTRIES:
                cache.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every cached quote."""
        self._cache.clear()
