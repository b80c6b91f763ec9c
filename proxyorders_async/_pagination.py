"""Walking the order list: follow the server's ``next`` URIs, optionally fetching ahead.

The walk is an async generator (iterative, never recursive) wrapped in small iterator objects
that expose where the walk stands, so an interrupted export can resume.

Fetching ahead: after page *k* arrives, page *k+1* is requested before page *k* is handed to the
caller, so the round trip overlaps the caller's work. With ``concurrency=N`` and ``next`` URIs
shaped like ``offset``/``limit``, up to *N* predicted pages are in flight; each arriving page's
real ``next`` is checked against the prediction and, on any mismatch, the speculative pages are
dropped and the walk follows the real ``next``. The result is the sequential walk's, always.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

import attrs
from yarl import URL

from ._converters import CONVERTER, structure_orders
from ._endpoints import LIST_ORDERS
from ._exceptions import InvalidArgumentError, PaginationError
from ._models import Order, OrderPage
from ._protocol import resolve_next

if TYPE_CHECKING:
    from ._client import ProxyOrdersClient

__all__ = ["OrderIterator", "PageIterator"]

logger = logging.getLogger("proxyorders_async")

ORDERS_PATH = LIST_ORDERS.path


@attrs.frozen(kw_only=True)
class _PageBody:
    orders: tuple[Order, ...]
    count: int | None = None
    next: str | None = None
    prev: str | None = None


_structure_page = CONVERTER.get_structure_hook(_PageBody)


def decode_page(data: Any, url: str) -> OrderPage:
    """Decode a ``GET /user/api/orders`` body into an :class:`OrderPage` fetched from ``url``."""
    if type(data) is dict:
        orders = structure_orders(data.get("orders"))
        count, next_uri, prev_uri = data.get("count"), data.get("next"), data.get("prev")
        if (
            orders is not None
            and (count is None or type(count) is int)
            and (next_uri is None or type(next_uri) is str)
            and (prev_uri is None or type(prev_uri) is str)
        ):
            if count is None:
                count = len(orders)
            return OrderPage(orders=orders, count=count, next=next_uri, prev=prev_uri, url=url)
    # Anything unusual: the converter decides, and its error names the offending field.
    body: _PageBody = _structure_page(data, _PageBody)
    count = len(body.orders) if body.count is None else body.count
    return OrderPage(orders=body.orders, count=count, next=body.next, prev=body.prev, url=url)


def start_url(
    client: ProxyOrdersClient, status: str, page_size: int, start: str | int | None
) -> URL:
    """The first page's URL: a fresh walk, an offset, or a saved ``next``/``url`` URI."""
    if start is None or isinstance(start, int):
        offset = 0 if start is None else start
        return client._url(ORDERS_PATH).with_query(
            {"status": status, "offset": str(offset), "limit": str(page_size)}
        )
    try:
        return resolve_next(client._core.base_url, start, page_url="start")
    except PaginationError as exc:
        raise InvalidArgumentError("start", exc.message) from None


def _offset_limit(url: URL) -> tuple[int, int] | None:
    try:
        return int(url.query["offset"]), int(url.query["limit"])
    except (KeyError, ValueError):
        return None


def predict_following(page_url: URL, next_url: URL) -> URL | None:
    """Predict the page after ``next_url`` when the pair is offset/limit shaped, else ``None``.

    The prediction is only made when ``next_url`` equals ``page_url`` with ``offset`` advanced by
    ``limit`` and every other part unchanged: then the server is paginating by offset.
    """
    here, there = _offset_limit(page_url), _offset_limit(next_url)
    if here is None or there is None or there != (here[0] + here[1], here[1]):
        return None
    if page_url.update_query(offset=str(there[0])) != next_url:
        return None
    return next_url.update_query(offset=str(there[0] + there[1]))


@attrs.define
class _WalkState:
    pages: int = 0
    orders: int = 0
    duplicates: int = 0
    page_url: str | None = None
    next_url: str | None = None
    done: bool = False


async def _walk(
    client: ProxyOrdersClient,
    first: URL,
    state: _WalkState,
    *,
    max_pages: int | None,
    concurrency: int,
) -> AsyncGenerator[OrderPage, None]:
    base = client._core.base_url
    visited: set[str] = set()
    # (url, task) of requests in flight, in walk order. window[0] is always a URL the server
    # actually announced (or the first); later entries are predictions until confirmed.
    window: deque[tuple[URL, asyncio.Task[OrderPage]]] = deque()
    scheduled = 0
    # Completion order of the fetches: a page fetched ahead that completed before the page
    # in front of it was (as good as) served before it.
    completions = itertools.count()
    finished: dict[asyncio.Future[OrderPage], int] = {}

    def note(done: asyncio.Future[OrderPage]) -> None:
        finished[done] = next(completions)

    def schedule(url: URL) -> None:
        nonlocal scheduled
        task = asyncio.ensure_future(client._send(LIST_ORDERS, url=url, decode=decode_page))
        task.add_done_callback(note)
        window.append((url, task))
        scheduled += 1

    def may_schedule() -> bool:
        return max_pages is None or scheduled < max_pages

    async def drop_window() -> None:
        nonlocal scheduled
        tasks = [task for _, task in window]
        window.clear()
        scheduled = state.pages
        for task in tasks:
            task.cancel()
        # Collect them so no "exception was never retrieved" is left behind.
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            finished.pop(task, None)

    visited.add(str(first))
    schedule(first)
    last_ids: tuple[int, ...] | None = None
    ahead = concurrency
    try:
        while window:
            page_url, task = window.popleft()
            page = await task
            done_at = finished.pop(task, -1)
            ids = tuple(order.order_id for order in page.orders)
            if ids == last_ids and page.next is not None:
                # Distinct next URIs, same orders (an ignored offset, or rows inserted as fast
                # as the walk reads): the visited set cannot see this loop.
                raise PaginationError(
                    "the server sent the same orders as the previous page and announced yet "
                    "another page; stopping instead of looping (the list is not advancing)",
                    method="GET",
                    url=page.url,
                )
            moved = (
                (ahead > 1 or bool(window))
                and last_ids is not None
                and not set(ids).isdisjoint(last_ids)
            )
            last_ids = ids
            state.pages += 1
            real_next: URL | None = None
            refused: PaginationError | None = None
            if page.next is not None and (max_pages is None or state.pages < max_pages):
                try:
                    real_next = resolve_next(
                        base, page.next, page_url=page.url, relative_to=page_url
                    )
                    key = str(real_next)
                    if key in visited:
                        raise PaginationError(
                            f"next URI {key} was already fetched; stopping instead of looping",
                            method="GET",
                            url=page.url,
                        )
                    visited.add(key)
                except PaginationError as exc:
                    # This page is good: hand it over, then refuse to go further.
                    real_next, refused = None, exc
            if moved:
                # The list moved before this page was served. A page fetched ahead that was
                # served before this one may have missed orders the move pushed past it:
                # refetch such pages in order, and fetch one at a time from now on.
                if ahead > 1:
                    logger.warning(
                        "the order list changed during the walk; no longer fetching ahead (%s)",
                        page.url,
                    )
                    ahead = 1
                if any(finished.get(t, done_at) < done_at for _, t in window):
                    await drop_window()
            if window and (real_next is None or window[0][0] != real_next):
                if real_next is not None:
                    logger.debug("next URI %s was not the predicted one; refetching", real_next)
                await drop_window()
            if real_next is not None and not window:
                schedule(real_next)
            if real_next is not None and ahead > 1:
                last_url = window[-1][0]
                before_last = window[-2][0] if len(window) > 1 else page_url
                while len(window) < ahead and may_schedule():
                    predicted = predict_following(before_last, last_url)
                    if predicted is None:
                        break
                    schedule(predicted)
                    before_last, last_url = last_url, predicted
            state.page_url = page.url
            # The raw URI as the server sent it: start= resolves and checks it again.
            state.next_url = page.next
            state.done = page.next is None
            yield page
            if refused is not None:
                raise refused
    finally:
        if window:
            await drop_window()


class PageIterator(AsyncIterator[OrderPage]):
    """Async iterator over order pages, returned by ``client.orders.pages()``.

    ``resume_uri`` is where a new walk (``start=``) picks up after the last page yielded;
    ``pages_fetched`` counts pages yielded. Call ``await it.aclose()`` (or finish the loop) to
    cancel any page fetched ahead.
    """

    def __init__(
        self,
        client: ProxyOrdersClient,
        first: URL,
        *,
        max_pages: int | None = None,
        concurrency: int = 1,
    ) -> None:
        self._state = _WalkState(next_url=str(first))
        self._gen = _walk(client, first, self._state, max_pages=max_pages, concurrency=concurrency)

    def __aiter__(self) -> PageIterator:
        return self

    async def __anext__(self) -> OrderPage:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop the walk and cancel pages fetched ahead."""
        await self._gen.aclose()

    @property
    def pages_fetched(self) -> int:
        """Pages yielded so far."""
        return self._state.pages

    @property
    def resume_uri(self) -> str | None:
        """URI to pass as ``start=`` to continue after the last yielded page (None when done)."""
        return None if self._state.done else self._state.next_url


class OrderIterator(AsyncIterator[Order]):
    """Async iterator over orders across pages, returned by ``client.orders.iter()``.

    With ``dedupe=True`` an order id seen before is skipped (orders created or removed during
    a walk shift offset pages, so the same order can appear twice); ``duplicates_skipped``
    counts them and each is logged at WARNING. Keeping the seen ids costs a few bytes per order.
    ``resume_uri`` is the URI to resume from: after a whole page it is the next page; mid-page
    it is the current page, whose already-yielded orders a resumed walk (with ``dedupe``) skips.
    """

    def __init__(self, pages: PageIterator, *, dedupe: bool = False) -> None:
        self._pages = pages
        self._seen: set[int] | None = set() if dedupe else None
        self._current: tuple[Order, ...] = ()
        self._index = 0
        self._yielded = 0

    def __aiter__(self) -> OrderIterator:
        return self

    async def __anext__(self) -> Order:
        while True:
            while self._index < len(self._current):
                order = self._current[self._index]
                self._index += 1
                if self._seen is not None:
                    if order.order_id in self._seen:
                        self._pages._state.duplicates += 1
                        logger.warning(
                            "order %d appeared twice: the order list changed during the walk",
                            order.order_id,
                        )
                        continue
                    self._seen.add(order.order_id)
                self._yielded += 1
                return order
            page = await self._pages.__anext__()
            self._current, self._index = page.orders, 0

    async def aclose(self) -> None:
        """Stop the walk and cancel pages fetched ahead."""
        await self._pages.aclose()

    @property
    def orders_yielded(self) -> int:
        """Orders yielded so far (duplicates skipped are not counted)."""
        return self._yielded

    @property
    def pages_fetched(self) -> int:
        """Pages fetched and started so far."""
        return self._pages.pages_fetched

    @property
    def duplicates_skipped(self) -> int:
        """Orders skipped because their id was already yielded (``dedupe=True`` only)."""
        return self._pages._state.duplicates

    @property
    def resume_uri(self) -> str | None:
        """URI to pass as ``start=`` to continue this walk later (None when done)."""
        if self._index < len(self._current):
            return self._pages._state.page_url
        return self._pages.resume_uri
