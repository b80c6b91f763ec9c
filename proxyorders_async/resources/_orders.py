"""``client.orders``: buy, quote, list and manage orders."""

from __future__ import annotations

import asyncio
import builtins
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Literal, overload

from yarl import URL

from .._backpressure import AdaptiveLimit
from .._converters import decode_page
from .._endpoints import (
    ADD_BANDWIDTH,
    CALCULATE,
    CHANGE_BILLING_CYCLE,
    EDIT_AUTO_RENEWAL,
    GET_ORDER,
    LIST_ORDERS,
    PURCHASE,
    RENEW,
    SET_IP_DELETION,
    SET_SIGNATURES,
    SET_TAG,
)
from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError, ProxyOrdersError
from .._export import ExportSpec, WalkStart, format_for, run_export
from .._models import (
    PURCHASE_TYPES,
    Addon,
    BillingCycleChange,
    OperationResult,
    OrderDetail,
    OrderPage,
    PriceQuote,
    PurchaseRequest,
    PurchaseResult,
    QuoteRequest,
    quote_request,
)
from .._models_addons import SignatureUpdate
from .._models_export import ExportProgress, ExportSummary
from .._pagination import ExactResume, OrderIterator, PageIterator, start_url
from .._validation import (
    MAX_PAGE_SIZE,
    OrderStatus,
    OrderStatusName,
    check_bool,
    check_instances,
    check_int,
    check_optional_str,
    check_order_id,
    check_page_size,
    check_status,
    check_str,
)
from .._validation_more import Signature, check_gb, ip_deletion_body, signatures_body
from ._base import Resource

__all__ = ["OrdersResource"]


# Pages fetched ahead are held in memory; more than this buys nothing over a loopback link.
MAX_CONCURRENCY = 32


def _check_max_pages(value: object) -> int | None:
    return None if value is None else check_int("max_pages", value, minimum=1)


def _check_start(value: object) -> str | int | None:
    if value is None or isinstance(value, str):
        return value
    return check_int("start", value, minimum=0)


def _check_path(value: object) -> Path:
    if not isinstance(value, (str, os.PathLike)) or not isinstance(os.fspath(value), str):
        raise InvalidArgumentTypeError(
            "path", f"expected a str or os.PathLike path, got {type(value).__name__}"
        )
    if not os.fspath(value).strip():
        raise InvalidArgumentError("path", "must not be empty")
    return Path(value)


def _check_progress(value: object) -> Callable[[ExportProgress], object] | None:
    if value is not None and not callable(value):
        raise InvalidArgumentTypeError(
            "progress", f"expected a callable or None, got {type(value).__name__}"
        )
    return value


class OrdersResource(Resource):
    """Orders: buy, quote, list and manage them (``client.orders``)."""

    __slots__ = ()

    async def purchase(self, request: PurchaseRequest) -> PurchaseResult:
        """Create and pay for an order; charges the wallet.

        Never retried once sent unless the server provably did nothing (see the README's retry
        table): an ambiguous failure raises :class:`PurchaseOutcomeUnknownError`.
        """
        if not isinstance(request, PURCHASE_TYPES):
            raise InvalidArgumentTypeError(
                "request",
                "expected DatacenterIspPurchase, StandardResidentialPurchase, "
                "PremiumResidentialPurchase, UnmeteredResidentialPurchase or GenericPurchase, "
                f"got {type(request).__name__}",
            )
        return await self._transport.send(PURCHASE.request(request=request))

    async def calculate(
        self,
        product: str,
        *,
        location: str | None = None,
        cycle: str | None = None,
        quantity: int | None = None,
        promo_code: str | None = None,
        addons: Iterable[Addon] | None = None,
    ) -> PriceQuote:
        """Quote a price in cents without buying; same validation rules as a purchase."""
        request = quote_request(product, location, cycle, quantity, promo_code, addons)
        return await self._transport.quote(request, self._fetch_quote)

    async def quote(self, request: QuoteRequest) -> PriceQuote:
        """Quote the price of a prepared :class:`QuoteRequest`."""
        if not isinstance(request, QuoteRequest):
            raise InvalidArgumentTypeError(
                "request", f"expected QuoteRequest, got {type(request).__name__}"
            )
        return await self._transport.quote(request, self._fetch_quote)

    def _fetch_quote(self, request: QuoteRequest) -> Awaitable[PriceQuote]:
        # A plain method handing back the transport's awaitable: one frame less per quote.
        return self._transport.send(CALCULATE.request(request=request))

    @overload
    async def calculate_many(
        self,
        requests: Iterable[QuoteRequest],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[True] = ...,
    ) -> builtins.list[PriceQuote | ProxyOrdersError]: ...

    @overload
    async def calculate_many(
        self,
        requests: Iterable[QuoteRequest],
        *,
        concurrency: int = ...,
        return_exceptions: Literal[False],
    ) -> builtins.list[PriceQuote]: ...

    @overload
    async def calculate_many(
        self,
        requests: Iterable[QuoteRequest],
        *,
        concurrency: int = ...,
        return_exceptions: bool,
    ) -> builtins.list[PriceQuote | ProxyOrdersError]: ...

    async def calculate_many(
        self,
        requests: Iterable[QuoteRequest],
        *,
        concurrency: int = 32,
        return_exceptions: bool = True,
    ) -> builtins.list[PriceQuote] | builtins.list[PriceQuote | ProxyOrdersError]:
        """Quote many prices concurrently; results come back in input order.

        At most ``concurrency`` requests are in flight, and fewer after the client is answered
        429 (halved, at most once per round of requests), rising again by one per round of
        successes. Identical requests are sent once. With ``return_exceptions=True`` (default) a
        failed quote's :class:`ProxyOrdersError` takes its place in the result list; with
        ``False`` the first failure is raised and the remaining quotes are cancelled. Every
        request is validated before any is sent.
        """
        items = check_instances("requests", requests, QuoteRequest)
        check_int("concurrency", concurrency, minimum=1)
        check_bool("return_exceptions", return_exceptions)
        distinct = builtins.list(dict.fromkeys(items))
        results: dict[QuoteRequest, PriceQuote | ProxyOrdersError] = {}
        queue = iter(distinct)
        limit = AdaptiveLimit(concurrency, self._transport.pressure)

        async def worker() -> None:
            # Workers pull from a shared iterator: no task per item, however long the input.
            for request in queue:
                await limit.acquire()
                succeeded = False
                try:
                    results[request] = await self.quote(request)
                    succeeded = True
                except ProxyOrdersError as exc:
                    if not return_exceptions:
                        raise
                    results[request] = exc
                finally:
                    limit.release(succeeded=succeeded)

        workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(distinct)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return [results[request] for request in items]

    async def change_billing_cycle(self, order_id: int, cycle: str) -> BillingCycleChange:
        """Switch a Datacenter/ISP order to another billing cycle (by cycle name).

        The server silently drops the order's promo code if it does not apply to the new cycle.
        """
        order_id = check_order_id(order_id)
        check_str("cycle", cycle)
        return await self._transport.send(
            CHANGE_BILLING_CYCLE.request(order_id=order_id, cycle=cycle)
        )

    async def edit_auto_renewal(self, order_id: int, auto_renewal: bool) -> OperationResult:
        """Turn auto-renewal of a Datacenter/ISP order on or off."""
        order_id = check_order_id(order_id)
        check_bool("auto_renewal", auto_renewal)
        return await self._transport.send(
            EDIT_AUTO_RENEWAL.request(order_id=order_id, auto_renewal=auto_renewal)
        )

    async def list(
        self, status: OrderStatus | OrderStatusName, *, offset: int = 0, limit: int = 20
    ) -> OrderPage:
        """Fetch one page of orders (``count`` is the size of this page, not a total)."""
        wire_status = check_status(status)
        offset = check_int("offset", offset, minimum=0)
        limit = check_page_size("limit", limit)
        return await self._fetch_page(self._first_page(wire_status, limit, offset))

    def _first_page(self, status: str, page_size: int, start: str | int | None) -> URL:
        base = self._transport.base_url
        params = {"status": status}
        return start_url(base, LIST_ORDERS.path, params, limit=page_size, start=start)

    def _fetch_page(self, url: URL) -> Awaitable[OrderPage]:
        return self._transport.send(LIST_ORDERS.at(url, decode_page))

    def pages(
        self,
        status: OrderStatus | OrderStatusName,
        *,
        page_size: int = 20,
        start: str | int | None = None,
        max_pages: int | None = None,
        concurrency: int = 1,
        exact: bool = False,
    ) -> PageIterator:
        """Iterate over pages, following the server's ``next`` URIs until it sends null.

        ``start`` resumes a walk: an offset, or a URI saved from ``page.next`` or
        ``iterator.resume_uri`` (followed as-is: ``status`` and ``page_size`` come from it).
        ``max_pages`` caps the walk. A ``next`` on another origin or one already visited raises
        :class:`PaginationError` without being requested. The next page is always fetched while
        the caller works on the current one; ``concurrency=N`` fetches up to N pages ahead when
        the server's ``next`` URIs are offset/limit shaped, with results identical to the
        sequential walk. Arguments are checked here, before iteration starts.

        ``exact=True`` chooses the offsets itself: each page overlaps the previous one (it asks
        for ``page_size + 1`` orders, at most 100) and the overlap is checked, so an order that
        exists for the whole walk is yielded exactly once even while orders are created and
        deleted; pages hold only orders not yielded before. It costs about one order per page
        (1% more requests at ``page_size=100``) and one id kept per order; ``iterator.exact``
        says whether the guarantee holds (see the README's pagination section).
        """
        wire_status = check_status(status)
        page_size = check_page_size("page_size", page_size)
        check_int("concurrency", concurrency, minimum=1, maximum=MAX_CONCURRENCY)
        check_bool("exact", exact)
        limit = min(page_size + 1, MAX_PAGE_SIZE) if exact else page_size
        first = self._first_page(wire_status, limit, _check_start(start))
        return self._walk(first, _check_max_pages(max_pages), concurrency, exact=exact)

    def _walk(
        self,
        first: URL,
        max_pages: int | None,
        concurrency: int,
        *,
        exact: bool,
        resume: ExactResume | None = None,
    ) -> PageIterator:
        return PageIterator(
            self._fetch_page,
            self._transport.base_url,
            first,
            max_pages=max_pages,
            concurrency=concurrency,
            scrub=self._transport.scrub,
            exact=exact,
            pressure=self._transport.pressure,
            resume=resume,
        )

    def iter(
        self,
        status: OrderStatus | OrderStatusName,
        *,
        page_size: int = 20,
        start: str | int | None = None,
        max_pages: int | None = None,
        concurrency: int = 1,
        dedupe: bool = False,
        exact: bool = False,
    ) -> OrderIterator:
        """Iterate over every order across pages; see :meth:`pages` for the arguments.

        ``dedupe=True`` skips an order id already yielded (the list can shift while it is
        walked) and counts it in ``duplicates_skipped``. ``exact=True`` yields every order that
        exists for the whole walk exactly once while the list changes (see :meth:`pages`).
        """
        check_bool("dedupe", dedupe)
        pages = self.pages(
            status,
            page_size=page_size,
            start=start,
            max_pages=max_pages,
            concurrency=concurrency,
            exact=exact,
        )
        return OrderIterator(pages, dedupe=dedupe)

    async def get(self, order_id: int) -> OrderDetail:
        """Full details of one order."""
        order_id = check_order_id(order_id)
        return await self._transport.send(GET_ORDER.request(order_id=order_id))

    async def renew(self, order_id: int) -> OperationResult:
        """Pay for an ``on-hold`` order; charges the wallet, never retried once sent."""
        order_id = check_order_id(order_id)
        return await self._transport.send(RENEW.request(order_id=order_id))

    async def set_tag(self, order_id: int, tag: str) -> OperationResult:
        """Set an order's free-text tag."""
        order_id = check_order_id(order_id)
        check_str("tag", tag, allow_empty=True)
        return await self._transport.send(SET_TAG.request(order_id=order_id, tag=tag))

    async def add_bandwidth(
        self, order_id: int, gb: int, *, promo_code: str | None = None
    ) -> OperationResult:
        """Buy ``gb`` more GB of traffic for a residential order; charges the wallet.

        The traffic joins the package's pool (``client.residential.profile``). Never resent
        once it may have reached the server: an ambiguous failure raises
        :class:`PurchaseOutcomeUnknownError`.
        """
        order_id = check_order_id(order_id)
        amount = check_gb(gb)
        promo = check_optional_str("promo_code", promo_code)
        return await self._transport.send(
            ADD_BANDWIDTH.request(order_id=order_id, amount=amount, promo_code=promo)
        )

    async def set_signatures(self, order_id: int, signatures: Mapping[str, Signature | str]) -> int:
        """Set the p0f OS fingerprint of IPs of a Datacenter/ISP order; returns how many changed.

        ``signatures`` maps IP -> :class:`Signature` (or its value, e.g. ``"win11"``). The order
        needs a ``p0f_slots`` add-on: an IP's first signature takes a slot for good, changing it
        later takes none, so repeating the call is harmless (it is retried like a read). The
        server refuses (HTTP 400) when slots run out. Allow 2-3 minutes for a change to apply.
        The count is the server's ``updated``; an answer without it (the spec makes it
        optional) counts every IP sent, since the server reported success.
        """
        order_id = check_order_id(order_id)
        body = signatures_body(signatures)
        result: SignatureUpdate = await self._transport.send(
            SET_SIGNATURES.request(order_id=order_id, **body)
        )
        return len(body["items"]) if result.updated is None else result.updated

    async def set_ip_deletion(self, order_id: int, items: Mapping[str, bool]) -> OperationResult:
        """Mark IPs of a Datacenter/ISP order to be dropped (True) or kept (False).

        The order's ``quantity`` and ``price_paid`` are recalculated; the server refuses to drop
        every IP. Setting a value twice is harmless (retried like a read).
        """
        order_id = check_order_id(order_id)
        body = ip_deletion_body(items)
        return await self._transport.send(SET_IP_DELETION.request(order_id=order_id, **body))

    async def export(
        self,
        path: str | os.PathLike[str],
        status: OrderStatus | OrderStatusName,
        *,
        format: Literal["jsonl", "csv"] | None = None,
        page_size: int | None = None,
        concurrency: int = 1,
        resume: bool = True,
        dedupe: bool | None = None,
        exact: bool | None = None,
        progress: Callable[[ExportProgress], object] | None = None,
    ) -> ExportSummary:
        """Write every order of ``status`` to the file ``path``, resumable after any kill.

        One line per order: JSON Lines (``format="jsonl"``) or CSV with a header row; by
        default the format follows the file name (``.jsonl``/``.ndjson``/``.csv``). After each
        page is written and fsynced, ``PATH.checkpoint.json`` is replaced atomically with the
        file's length and the URI to continue from; memory stays constant.

        ``resume=True`` (default) continues from that checkpoint: the file is cut back to the
        recorded length (dropping a page half-written when the process died) and the walk goes
        on, so the file ends up line for line what an uninterrupted export writes. Once the
        last page is written the checkpoint stays, with ``"next": null``: resuming a complete
        export does nothing and returns its summary with ``already_complete=True``. Without a
        checkpoint, ``resume=True`` starts afresh only if the file is missing or empty.
        ``resume=False`` always starts over and overwrites the file and the checkpoint.

        ``page_size`` (default 100) and ``dedupe`` (default False: with True, an order id
        already in the file is skipped and counted) are recorded; None keeps a resumed export's
        own, another value raises :class:`ExportCheckpointError`, as do another status, format
        or base URL. ``concurrency`` fetches pages ahead as in :meth:`pages`. ``progress`` is
        called with an :class:`ExportProgress` once before the first request and after each
        page is saved, on the event loop (keep it quick; an exception it raises stops the
        export, resumable). Another export writing the same file (POSIX) or a file shorter
        than its checkpoint raises :class:`ExportError`; file and checkpoint are left as they
        were by every refusal. Writes and fsyncs run on the event loop, between pages.

        While orders are created during the export, offset pages repeat orders (``dedupe=True``
        skips them, across resumes too: the ids in the file are read back); a deletion behind
        the walk can shift an order into a page already written, which is then missed.

        ``exact=True`` (default False; recorded, None keeps a resumed export's own) walks as
        :meth:`pages` does with ``exact=True`` and stays exact across kills: the checkpoint
        also records the walk's anchor (the last order id of the last page read in step and
        its offset), and a resumed export reads the ids back from the file, starts one page
        overlap before where it stopped and checks that overlap, re-aligning when orders were
        created or deleted while no process ran. Every order that exists for the whole export
        (every run and the gaps between them) is written exactly once, without ``dedupe``.
        """
        file = _check_path(path)
        spec = ExportSpec(
            path=file,
            status=check_status(status),
            format=format_for(file, format),
            page_size=None if page_size is None else check_page_size("page_size", page_size),
            dedupe=None if dedupe is None else check_bool("dedupe", dedupe),
            exact=None if exact is None else check_bool("exact", exact),
            resume=check_bool("resume", resume),
            base_url=str(self._transport.base_url),
            progress=_check_progress(progress),
        )
        check_int("concurrency", concurrency, minimum=1, maximum=MAX_CONCURRENCY)

        def open_walk(start: WalkStart) -> PageIterator:
            # WALK OPTIONS: pass each on here (a new one is recorded in the checkpoint too).
            if start.resume is None:
                return self.pages(
                    status,
                    page_size=start.page_size,
                    start=start.uri,
                    concurrency=concurrency,
                    exact=start.exact,
                )
            # The saved URI is the exact walk's own next page (its limit included).
            first = self._first_page(spec.status, start.page_size, start.uri)
            return self._walk(first, None, concurrency, exact=True, resume=start.resume)

        return await run_export(spec, open_walk)
