"""The aiohttp.web application: routes, authentication, the error shape, faults and the journal.

One middleware wraps every request (matched or not): it draws the faults, authenticates, turns
:class:`ApiError` and aiohttp's HTTP exceptions into ``{"success": false, "message": ...}``,
delivers the response (possibly truncated, stalled, trickled or reset) and journals it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from multidict import CIMultiDict

from ._catalog import IP_PRODUCTS, PRODUCTS
from ._ctx import Ctx as _Ctx
from ._errors import ApiError
from ._faults import Decision, Faults
from ._handlers import ExtendedRoutes
from ._journal import Journal, JournalEntry
from ._limiter import RateLimiter
from ._respond import dumps as _dumps
from ._respond import error as _error
from ._respond import json_page as _json_page
from ._respond import json_response as _json
from ._respond import ok as _ok
from ._rules import (
    loads_request_json,
    parse_calculate_query,
    parse_int_param,
    parse_purchase_body,
    price,
    reject_unknown,
)
from ._store import LISTABLE_STATUSES, Account, Store

__all__ = ["Settings", "create_app"]

_log = logging.getLogger("proxyorders_async.emulator")

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MAX_OFFSET = 10**12
_MAX_ID = 10**18
_ROUTES_WITHOUT_AUTH = frozenset({"health", "health.live"})
_LIST_KEYS = frozenset({"status", "offset", "limit"})
_AUTO_RENEWAL_KEYS = frozenset({"auto_renewal"})
_ACTIVE_KEYS = frozenset({"order_id"})
_CYCLE_KEYS = frozenset({"cycle"})
_TAG_KEYS = frozenset({"tag"})
_MAX_TAG = 255
_GATEWAY_HTML = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
    "</h1></center><hr><center>nginx</center></body></html>"
)
# Sent as SO_LINGER before closing: a zero linger time makes close() send an RST, which is
# what "connection reset by peer" is, rather than an orderly FIN.
_LINGER_RST = struct.pack("ii", 1, 0)


@dataclass
class Settings:
    """Behaviour switches; change them on a running emulator (``Emulator.settings``)."""

    absolute_next: bool = False
    """Answer ``next``/``prev`` as ``http://host:port/...`` instead of ``/user/api/...``."""
    change_cycle_shape: Literal["1.1.0", "1.0.0"] = "1.1.0"
    """Response shape of change-billing-cycle: flat prices (1.1.0) or ``{"order": {...}}``."""
    proxy_secret: str = "emulator"
    """Mixed into generated proxy passwords."""
    order_sort: Literal["asc", "desc"] = "asc"
    """How ``GET /user/api/orders`` is sorted: ascending ids (oldest first) or descending (newest
    first). The API does not publish its order; both are served so walks can be tested on both."""


def _order_id(request: web.Request, key: str) -> int:
    # The route pattern guarantees digits; the bound keeps absurd ids a plain 404.
    return parse_int_param(key, request.match_info[key], minimum=0, maximum=_MAX_ID)


_Route = Callable[[web.Request, _Ctx], Awaitable[web.StreamResponse]]


def _reset(request: web.Request) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Without SO_LINGER (exotic platforms) this degrades to an orderly close.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    transport.abort()


class _Api(ExtendedRoutes):
    """Route handlers bound to one store, fault registry, journal and settings."""

    def __init__(
        self,
        store: Store,
        faults: Faults,
        journal: Journal,
        settings: Settings,
        limiter: RateLimiter,
    ) -> None:
        self.store = store
        self.faults = faults
        self.limiter = limiter
        self.journal = journal
        self.settings = settings
        self._products_body = _dumps({"success": True, "products": _product_entries()})
        self.routes: dict[str, _Route] = {}

    # -- middleware -----------------------------------------------------------------------

    async def middleware(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Faults, auth, error shape and journal around every request."""
        received_at = time.monotonic()
        seq = self.journal.next_seq()
        route = request.match_info.route.name or "unknown"
        decision = self.faults.decide(route, request.path)
        ctx = _Ctx(decision, list(decision.names), self._lookup(request), received_at=received_at)
        # Taken on arrival, before any injected latency: the limit counts requests received.
        retry_after = self._rate_limited(route, ctx)
        status: int | None = None
        self.journal.in_flight += 1
        try:
            if decision.delay:
                await asyncio.sleep(decision.delay)
            try:
                ctx.raw_body = await request.read() if request.body_exists else b""
            except web.HTTPException as exc:  # e.g. 413 over client_max_size
                status = exc.status
                return _error(exc.status, exc.reason)
            if decision.reset_before:
                _reset(request)
                # Nothing can be written any more; aiohttp quietly drops this response.
                return web.Response(status=500)
            response: web.StreamResponse
            if retry_after is not None:
                response = _error(
                    429, "Too many requests: rate limit exceeded", {"Retry-After": str(retry_after)}
                )
            elif decision.status is not None:
                response = self._fault_status(decision)
            else:
                response = await self._dispatch(request, handler, route, ctx)
            status = response.status
            return await self._deliver(request, response, decision)
        except asyncio.CancelledError:
            ctx.faults.append("cancelled")  # the client went away first
            status = None
            raise
        finally:
            self.journal.in_flight -= 1
            self._record(request, seq, route, ctx, status)

    def _record(
        self, request: web.Request, seq: int, route: str, ctx: _Ctx, status: int | None
    ) -> None:
        if not self.journal.enabled:
            return
        body: Any = None
        if ctx.raw_body:
            # The request's own parse error was answered already; here any body is journaled.
            with contextlib.suppress(ApiError):
                body = loads_request_json(ctx.raw_body, "Request body")
        account = ctx.account
        self.journal.record(
            JournalEntry(
                seq=seq,
                route=route,
                method=request.method,
                path=request.path,
                query=dict(request.query),
                body=body,
                auth_sent="Authorization" in request.headers,
                token_valid=account is not None,
                account=account.email if account is not None else None,
                status=status,
                faults=tuple(ctx.faults),
                delay_ms=ctx.decision.delay * 1000,
                received_at=ctx.received_at,
            )
        )

    def _rate_limited(self, route: str, ctx: _Ctx) -> int | None:
        """The ``Retry-After`` of a request the rate limit refuses, else None."""
        if not self.limiter or route in _ROUTES_WITHOUT_AUTH:
            return None
        retry_after = self.limiter.take(ctx.account.email if ctx.account is not None else None)
        if retry_after is not None:
            ctx.faults.append("rate_limited")
        return retry_after

    def _lookup(self, request: web.Request) -> Account | None:
        # Done for every request, before faults, so the journal can say whether the token was
        # valid even for requests that were never processed.
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.store.accounts.get(token.strip())

    @staticmethod
    def _authenticate(request: web.Request, ctx: _Ctx) -> None:
        if ctx.account is None:
            if "Authorization" not in request.headers:
                raise ApiError(401, "Unauthorized: missing bearer token")
            raise ApiError(401, "Unauthorized: invalid API key")

    async def _dispatch(
        self, request: web.Request, handler: _Handler, route: str, ctx: _Ctx
    ) -> web.StreamResponse:
        try:
            if route == "unknown":
                if request.path.startswith("/user/api/"):
                    self._authenticate(request, ctx)
                return await handler(request)  # raises aiohttp's 404 or 405
            if (
                request.method == "POST"
                and request.content_length is None
                and "Transfer-Encoding" not in request.headers
            ):
                # The provider's actix server rejects a body-less POST without Content-Length.
                return _error(411, "Length Required: send a body (e.g. {}) with Content-Length")
            if route not in _ROUTES_WITHOUT_AUTH:
                self._authenticate(request, ctx)
            return await self.routes[route](request, ctx)
        except ApiError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
            return _error(exc.status, exc.message, headers)
        except web.HTTPException as exc:
            return self._http_exception(request, exc)
        except Exception:
            _log.exception("emulator bug while handling %s %s", request.method, request.path)
            return _error(500, "Internal emulator error")

    @staticmethod
    def _http_exception(request: web.Request, exc: web.HTTPException) -> web.Response:
        headers = {}
        if exc.status == 405:
            headers["Allow"] = exc.headers.get("Allow", "")
            message = f"Method {request.method} not allowed for {request.path}"
        elif exc.status == 404:
            message = f"Not found: {request.method} {request.path}"
        else:
            message = exc.reason
        return _error(exc.status, message, headers)

    @staticmethod
    def _fault_status(decision: Decision) -> web.Response:
        status = decision.status
        spec = decision.spec
        assert status is not None
        assert spec is not None
        if status == 429:
            headers = {} if spec.retry_after is None else {"Retry-After": str(spec.retry_after)}
            return _error(429, "Too many requests", headers)
        reason = http.HTTPStatus(status).phrase
        if spec.error_body == "html":
            html = _GATEWAY_HTML.format(status=status, reason=reason)
            return web.Response(text=html, status=status, content_type="text/html")
        return _error(status, f"Injected fault: {status} {reason}")

    async def _deliver(
        self, request: web.Request, response: web.StreamResponse, decision: Decision
    ) -> web.StreamResponse:
        spec = decision.spec
        trickle = spec is not None and spec.trickle_chunk_bytes > 0
        if not (decision.stall or decision.truncate or decision.reset_after or trickle):
            return response
        assert isinstance(response, web.Response)
        body = response.body
        assert isinstance(body, bytes)
        if decision.stall:
            await asyncio.sleep(decision.stall)
            if not (decision.truncate or decision.reset_after or trickle):
                return response  # a stall alone: late headers, then the whole body
        if decision.truncate:
            response.body = body[: len(body) // 2]
            return response
        stream = web.StreamResponse(status=response.status, headers=CIMultiDict(response.headers))
        stream.content_length = len(body)
        await stream.prepare(request)
        if decision.reset_after:
            await stream.write(body[: len(body) // 2])
            _reset(request)
            return stream
        assert spec is not None
        chunk, pause = spec.trickle_chunk_bytes, spec.trickle_delay_ms / 1000
        for start in range(0, len(body), chunk):
            if start:
                await asyncio.sleep(pause)
            await stream.write(body[start : start + chunk])
        return stream

    # -- handlers -------------------------------------------------------------------------

    async def health(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /health."""
        return _json({"success": True, "status": "ok"})

    async def health_live(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /health/live."""
        return _json({"success": True, "status": "live"})

    async def purchase(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/purchase."""
        order_request = parse_purchase_body(ctx.body(request))
        order = self.store.purchase(ctx.user, order_request)
        return _json(
            {"success": True, "message": "Order paid successfully", "order_id": order.order_id}
        )

    async def calculate(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/orders/calculate."""
        req = parse_calculate_query(request.query)
        return _json(price(req.product, req.cycle, req.quantity, req.promo, req.addons).as_json())

    async def change_billing_cycle(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/change-billing-cycle/{order_id}."""
        order_id = _order_id(request, "order_id")
        body = ctx.body(request)
        reject_unknown(body, _CYCLE_KEYS, "field(s)")
        cycle = body.get("cycle")
        if not isinstance(cycle, str):
            raise ApiError.bad_request("cycle is required and must be a string")
        order, quote = self.store.change_cycle(ctx.user, order_id, cycle)
        message = "Billing cycle changed"
        if self.settings.change_cycle_shape == "1.0.0":
            return _json({"success": True, "message": message, "order": order.detail()})
        return _json(
            {
                "success": True,
                "message": message,
                "order_id": order.order_id,
                "original_price": quote.original_price,
                "final_price": quote.final_price,
                "discount_percent": quote.discount_percent,
            }
        )

    async def edit_auto_renewal(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/edit-auto-renewal/{order_id}?auto_renewal=true|false."""
        order_id = _order_id(request, "order_id")
        reject_unknown(request.query, _AUTO_RENEWAL_KEYS, "query parameter(s)")
        raw = request.query.get("auto_renewal")
        if raw not in ("true", "false"):
            raise ApiError.bad_request("auto_renewal must be 'true' or 'false'")
        self.store.set_auto_renewal(ctx.user, order_id, raw == "true")
        return _ok("Auto-renewal updated")

    async def list_orders(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/orders."""
        query = request.query
        reject_unknown(query, _LIST_KEYS, "query parameter(s)")
        status = query.get("status")
        if status not in LISTABLE_STATUSES:
            raise ApiError.bad_request(
                "status is required and must be one of: active, on-hold, cancelled, all"
            )
        offset = parse_int_param("offset", query.get("offset", "0"), minimum=0, maximum=_MAX_OFFSET)
        limit = parse_int_param("limit", query.get("limit", "20"), minimum=1, maximum=100)
        account = ctx.user
        descending = self.settings.order_sort == "desc"
        orders = account.page(status, offset, limit, descending=descending)
        total = len(account.order_ids(status))
        body = {
            "success": True,
            "orders": [o.list_item() for o in orders],
            "count": len(orders),
            "prev": self._page_uri(request, status, max(offset - limit, 0), limit)
            if offset > 0
            else None,
            "next": self._page_uri(request, status, offset + limit, limit)
            if offset + limit < total
            else None,
        }
        if ctx.decision.spec is not None:
            self._list_faults(request, ctx, body, status, offset, limit)
        return _json_page(body)

    def _page_uri(
        self, request: web.Request, status: str, offset: int, limit: int, origin: str | None = None
    ) -> str:
        if origin is None:
            origin = f"{request.scheme}://{request.host}" if self.settings.absolute_next else ""
        return f"{origin}/user/api/orders?status={status}&offset={offset}&limit={limit}"

    def _list_faults(
        self,
        request: web.Request,
        ctx: _Ctx,
        body: dict[str, Any],
        status: str,
        offset: int,
        limit: int,
    ) -> None:
        spec = ctx.decision.spec
        assert spec is not None
        names = ctx.faults
        account = ctx.user
        if spec.next_loop and offset > 0:
            body["next"] = self._page_uri(request, status, 0, limit)
            names.append("next_loop")
        if spec.next_origin:
            origin = spec.next_origin.rstrip("/")
            for key, to_offset in (("next", offset + limit), ("prev", max(offset - limit, 0))):
                if body[key] is not None:
                    target = 0 if key == "next" and spec.next_loop and offset > 0 else to_offset
                    body[key] = self._page_uri(request, status, target, limit, origin)
            names.append("next_origin")
        if spec.shift_insert or spec.shift_delete:
            # Applied after this page was built: the *next* page sees the shift.
            descending = self.settings.order_sort == "desc"
            self.store.insert_front(account, spec.shift_insert, status, descending=descending)
            rng = self.faults.rng if spec.shift_delete_random else None
            self.store.delete_front(account, spec.shift_delete, status, descending, rng=rng)
            names.append("shift")

    async def get_order(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/orders/{order_id}."""
        order = ctx.user.get(_order_id(request, "order_id"))
        return _json({"success": True, "order": order.detail()})

    async def renew(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/renew."""
        self.store.renew(ctx.user, _order_id(request, "order_id"))
        return _ok("Order renewed")

    async def tag(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/tag."""
        order_id = _order_id(request, "order_id")
        body = ctx.body(request)
        reject_unknown(body, _TAG_KEYS, "field(s)")
        tag = body.get("tag")
        if not isinstance(tag, str) or len(tag) > _MAX_TAG:
            raise ApiError.bad_request(f"tag is required and must be a string of <= {_MAX_TAG}")
        self.store.set_tag(ctx.user, order_id, tag)
        return _ok("Tag updated")

    async def products(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/products (the catalog never changes: served pre-encoded)."""
        return web.Response(body=self._products_body, content_type="application/json")

    async def available_count(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/available-count: a bare JSON array."""
        return _json(
            [
                {"country": location, "product": product, "amount": amount}
                for (product, location), amount in self.store.stock.items()
            ]
        )

    async def me(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/me."""
        account = ctx.user
        return _json(
            {
                "email": account.email,
                "active_orders": account.active_orders,
                "wallet_balance": account.balance,
            }
        )

    async def active_proxies(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/active?order_id=N."""
        reject_unknown(request.query, _ACTIVE_KEYS, "query parameter(s)")
        raw = request.query.get("order_id")
        if raw is None:
            raise ApiError.bad_request("order_id is required")
        order_id = parse_int_param("order_id", raw, minimum=0, maximum=_MAX_ID)
        order = ctx.user.get(order_id)
        if order.product.name not in IP_PRODUCTS or order.status != "active":
            raise ApiError(403, f"Proxy list is unavailable for order {order_id} ({order.status})")
        data = self.store.proxies(order, self.settings.proxy_secret)
        return _json({"success": True, "data": data, "order_tag": order.tag})


def _product_entries() -> list[dict[str, Any]]:
    # One entry per product and location, as the spec's single "location" field suggests.
    entries = []
    for product in PRODUCTS.values():
        for location in product.locations or (None,):
            entries.append(
                {
                    "name": product.name,
                    "description": product.description,
                    "location": location,
                    "cycles": list(product.cycles),
                }
            )
    return entries


_SUB_USER = "/user/api/proxies/sub-user/{user_id}"
# (method, path, route name, _Api method): the one table of what the emulator serves.
_ROUTE_TABLE = (
    ("GET", "/health", "health", "health"),
    ("GET", "/health/live", "health.live", "health_live"),
    ("POST", "/user/api/orders/purchase", "orders.purchase", "purchase"),
    ("GET", "/user/api/orders/calculate", "orders.calculate", "calculate"),
    (
        "POST",
        r"/user/api/orders/change-billing-cycle/{order_id:\d+}",
        "orders.change_billing_cycle",
        "change_billing_cycle",
    ),
    (
        "POST",
        r"/user/api/orders/edit-auto-renewal/{order_id:\d+}",
        "orders.edit_auto_renewal",
        "edit_auto_renewal",
    ),
    ("GET", "/user/api/orders", "orders.list", "list_orders"),
    ("GET", r"/user/api/orders/{order_id:\d+}", "orders.get", "get_order"),
    ("POST", r"/user/api/orders/{order_id:\d+}/renew", "orders.renew", "renew"),
    ("POST", r"/user/api/orders/{order_id:\d+}/tag", "orders.tag", "tag"),
    ("GET", "/user/api/proxies/products", "proxies.products", "products"),
    ("GET", "/user/api/proxies/available-count", "proxies.available_count", "available_count"),
    ("GET", "/user/api/me", "me", "me"),
    ("GET", "/user/api/proxies/active", "proxies.active", "active_proxies"),
    *(
        (method, f"/user/api/orders/{{order_id:\\d+}}/{tail}", name, attr)
        for method, tail, name, attr in (
            ("GET", "addons/calculate", "orders.addons_calculate", "addons_calculate"),
            ("POST", "addons/purchase", "orders.addons_purchase", "addons_purchase"),
            ("POST", "addons/schedule", "orders.addons_schedule", "addons_schedule"),
            (
                "POST",
                "addons/schedule/cancel",
                "orders.addons_schedule_cancel",
                "addons_schedule_cancel",
            ),
            ("POST", "signature/set", "orders.signature_set", "signature_set"),
            ("POST", "del-np/set", "orders.del_np_set", "del_np_set"),
        )
    ),
    ("POST", r"/user/api/orders/{id:\d+}/add-bandwidth", "orders.add_bandwidth", "add_bandwidth"),
    ("GET", "/user/api/proxies/profile", "proxies.profile", "profile"),
    ("GET", "/user/api/proxies/sub-users", "proxies.sub_users", "sub_users"),
    ("POST", "/user/api/proxies/sub-user", "proxies.sub_user.create", "sub_user_create"),
    ("GET", _SUB_USER, "proxies.sub_user.get", "sub_user_get"),
    ("PATCH", _SUB_USER, "proxies.sub_user.edit", "sub_user_edit"),
    ("DELETE", _SUB_USER, "proxies.sub_user.delete", "sub_user_delete"),
    ("POST", f"{_SUB_USER}/data/add", "proxies.sub_user.data_add", "sub_user_data_add"),
    (
        "POST",
        f"{_SUB_USER}/data/subtract",
        "proxies.sub_user.data_subtract",
        "sub_user_data_subtract",
    ),
    ("POST", f"{_SUB_USER}/password", "proxies.sub_user.password", "sub_user_password"),
    ("GET", "/user/api/proxies/countries", "proxies.countries", "countries"),
    ("GET", "/user/api/proxies/regions", "proxies.regions", "regions"),
    ("GET", "/user/api/proxies/cities", "proxies.cities", "cities"),
    ("GET", "/user/api/proxies/isps", "proxies.isps", "isps"),
)


async def _via_middleware(request: web.Request) -> web.StreamResponse:
    # Routes exist in the router only so that it can match them and answer 404/405; the
    # middleware calls the real handler with its per-request context.
    raise RuntimeError("emulator routes are dispatched by the emulator middleware")


def create_app(
    store: Store,
    *,
    faults: Faults | None = None,
    journal: Journal | None = None,
    settings: Settings | None = None,
    limiter: RateLimiter | None = None,
) -> web.Application:
    """Build the emulator's ``aiohttp.web.Application`` around existing state.

    :class:`~proxyorders_async.emulator.Emulator` calls this; use it directly to mount the API in
    your own aiohttp server or test client.
    """
    api = _Api(
        store,
        Faults() if faults is None else faults,
        Journal() if journal is None else journal,
        Settings() if settings is None else settings,
        RateLimiter() if limiter is None else limiter,
    )

    @web.middleware
    async def middleware(request: web.Request, handler: _Handler) -> web.StreamResponse:
        return await api.middleware(request, handler)

    app = web.Application(middlewares=[middleware])
    for method, path, name, attr in _ROUTE_TABLE:
        app.router.add_route(method, path, _via_middleware, name=name)
        api.routes[name] = getattr(api, attr)
    return app
