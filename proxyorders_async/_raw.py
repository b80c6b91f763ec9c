"""Raw responses: the status, headers and URL of a call beside its parsed result.

``client.with_raw_response.orders.get(42)`` runs the same resource method through the same
transport (validation, retries, safety classes, redaction) and returns a :class:`RawResponse`.
The transport notes each response it receives in a per-call :class:`Capture` kept in a context
variable, so no signature between the resource and the HTTP exchange changes, and concurrent
calls (each in its own task or its own ``send``) never see each other's response.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._backpressure import Backpressure
from ._endpoints import Request
from ._exceptions import APIError
from ._models import PriceQuote, QuoteRequest
from ._quotes import Fetch, QuoteSharer
from ._retry import Safety
from ._transport import Transport
from .resources import (
    AccountResource,
    AddonsResource,
    CatalogResource,
    GeoResource,
    HealthResource,
    OrdersResource,
    ProxiesResource,
    ResidentialResource,
    SubUsersResource,
)

if TYPE_CHECKING:
    from yarl import URL


__all__ = ["RawResponse", "RawResponseClient"]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")

# Values that are credentials, whoever sent them: masked in every header mapping we hand out.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
MASK = "***"


def safe_headers(
    headers: Mapping[str, str] | None, redact: Callable[[str], str]
) -> CIMultiDictProxy[str]:
    """An immutable copy of ``headers`` with credential values and the API key masked."""
    copy: CIMultiDict[str] = CIMultiDict()
    for name, value in (headers or {}).items():
        copy.add(name, MASK if name.lower() in SENSITIVE_HEADERS else redact(value))
    return CIMultiDictProxy(copy)


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """The HTTP response behind a call, with its parsed result.

    ``status`` and ``headers`` are the final attempt's (an immutable, case-insensitive mapping;
    ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` values and any echo
    of the API key are masked as ``***``), ``url`` and ``method`` the request's (never with
    credentials), ``attempts`` the number of HTTP attempts, retries included, and ``parsed`` what
    the plain call returns. A failed call raises exactly as the plain call does; its error
    carries ``status`` and ``headers`` when a response arrived.
    """

    status: int
    headers: CIMultiDictProxy[str] = attrs.field(repr=False)
    url: str
    method: str
    attempts: int
    parsed: T


class Capture:
    """The last response one ``send`` received: what :class:`RawResponse` and errors need.

    ``redact`` masks the API key of the client that sent it in the headers' values. The
    headers are aiohttp's immutable view: kept by reference, copied (and masked) only when an
    error or a raw response needs them.
    """

    __slots__ = ("attempts", "headers", "method", "redact", "status", "url")

    def __init__(self, redact: Callable[[str], str] = str) -> None:
        self.status = 0
        self.headers: Mapping[str, str] | None = None
        self.url = ""
        self.method = ""
        self.attempts = 0
        self.redact = redact

    def record(
        self, status: int, headers: Mapping[str, str], method: str, url: str, attempt: int
    ) -> None:
        """Note one complete response, the last so far."""
        self.status, self.headers, self.method, self.url, self.attempts = (
            status,
            headers,
            method,
            url,
            attempt,
        )

    def take(self, other: Capture) -> None:
        """Copy what ``other`` (a finished inner send) recorded, if it received anything."""
        if other.attempts:
            for name in self.__slots__:
                setattr(self, name, getattr(other, name))

    def safe_headers(self) -> CIMultiDictProxy[str] | None:
        """The masked headers of the last response, if one arrived."""
        if self.headers is None:
            return None
        return safe_headers(self.headers, self.redact)

    def response(self, parsed: T) -> RawResponse[T]:
        """The raw response of the recorded exchange around ``parsed``."""
        if not self.attempts:  # pragma: no cover - every parsed result came from a response
            raise RuntimeError("no HTTP response was recorded for this call")
        return RawResponse(
            status=self.status,
            headers=safe_headers(self.headers, self.redact),
            url=self.url,
            method=self.method,
            attempts=self.attempts,
            parsed=parsed,
        )


CAPTURE: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "proxyorders_async_capture", default=None
)
"""The capture of the raw call being made in this context, if any."""


async def raw_call(call: Callable[[], Awaitable[T]]) -> RawResponse[T]:
    """Await ``call()`` and return its result with the response it came from."""
    capture = Capture()
    token = CAPTURE.set(capture)
    try:
        parsed = await call()
    finally:
        CAPTURE.reset(token)
    return capture.response(parsed)


class _Unshared:
    """The client's transport without quote sharing: a raw call always makes its own request.

    A quote served from the cache or joined to another caller's request has no response of its
    own to report.
    """

    __slots__ = ("_inner", "quotes")

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self.quotes = QuoteSharer(None)

    @property
    def base_url(self) -> URL:
        return self._inner.base_url

    @property
    def pressure(self) -> Backpressure:
        return self._inner.pressure

    async def quote(self, request: QuoteRequest, fetch: Fetch) -> PriceQuote:
        return await fetch(request)  # its own request: a shared one has no response to report

    def scrub(self, error: APIError) -> APIError:
        return self._inner.scrub(error)

    async def send(self, request: Request[T]) -> T:
        return await self._inner.send(request)


def _raw(
    transport: Transport,
    resource: Callable[[Transport], R],
    method: Callable[Concatenate[R, P], Awaitable[T]],
) -> Callable[P, Awaitable[RawResponse[T]]]:
    """``method`` of a resource as a raw call: same arguments, a :class:`RawResponse` back."""

    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        bound = resource(_Unshared(transport))
        return await raw_call(lambda: method(bound, *args, **kwargs))

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class OrdersWithRawResponse:
    """``client.with_raw_response.orders``: the single-request methods of ``client.orders``.

    The walks (``pages``, ``iter``, ``export``) and ``calculate_many`` make many requests and
    have no raw form; a raw ``calculate``/``quote`` always sends its own request (no cache, no
    sharing).
    """

    def __init__(self, transport: Transport) -> None:
        self.purchase = _raw(transport, OrdersResource, OrdersResource.purchase)
        self.calculate = _raw(transport, OrdersResource, OrdersResource.calculate)
        self.quote = _raw(transport, OrdersResource, OrdersResource.quote)
        self.change_billing_cycle = _raw(
            transport, OrdersResource, OrdersResource.change_billing_cycle
        )
        self.edit_auto_renewal = _raw(transport, OrdersResource, OrdersResource.edit_auto_renewal)
        self.list = _raw(transport, OrdersResource, OrdersResource.list)
        self.get = _raw(transport, OrdersResource, OrdersResource.get)
        self.renew = _raw(transport, OrdersResource, OrdersResource.renew)
        self.set_tag = _raw(transport, OrdersResource, OrdersResource.set_tag)
        self.add_bandwidth = _raw(transport, OrdersResource, OrdersResource.add_bandwidth)
        self.set_signatures = _raw(transport, OrdersResource, OrdersResource.set_signatures)
        self.set_ip_deletion = _raw(transport, OrdersResource, OrdersResource.set_ip_deletion)


class CatalogWithRawResponse:
    """``client.with_raw_response.catalog``: ``client.catalog``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.products = _raw(transport, CatalogResource, CatalogResource.products)
        self.available_count = _raw(transport, CatalogResource, CatalogResource.available_count)


class AccountWithRawResponse:
    """``client.with_raw_response.account``: ``client.account``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.me = _raw(transport, AccountResource, AccountResource.me)


class ProxiesWithRawResponse:
    """``client.with_raw_response.proxies``: ``client.proxies``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.active = _raw(transport, ProxiesResource, ProxiesResource.active)


class AddonsWithRawResponse:
    """``client.with_raw_response.addons``: ``client.addons``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.calculate = _raw(transport, AddonsResource, AddonsResource.calculate)
        self.purchase = _raw(transport, AddonsResource, AddonsResource.purchase)
        self.schedule_downgrade = _raw(transport, AddonsResource, AddonsResource.schedule_downgrade)
        self.cancel_downgrade = _raw(transport, AddonsResource, AddonsResource.cancel_downgrade)


class ResidentialWithRawResponse:
    """``client.with_raw_response.residential``: ``client.residential``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.profile = _raw(transport, ResidentialResource, ResidentialResource.profile)


class SubUsersWithRawResponse:
    """``client.with_raw_response.sub_users``: ``client.sub_users``'s methods but ``iter``, raw."""

    def __init__(self, transport: Transport) -> None:
        self.list = _raw(transport, SubUsersResource, SubUsersResource.list)
        self.get = _raw(transport, SubUsersResource, SubUsersResource.get)
        self.create = _raw(transport, SubUsersResource, SubUsersResource.create)
        self.rename = _raw(transport, SubUsersResource, SubUsersResource.rename)
        self.delete = _raw(transport, SubUsersResource, SubUsersResource.delete)
        self.add_traffic = _raw(transport, SubUsersResource, SubUsersResource.add_traffic)
        self.subtract_traffic = _raw(transport, SubUsersResource, SubUsersResource.subtract_traffic)
        self.reset_password = _raw(transport, SubUsersResource, SubUsersResource.reset_password)


class GeoWithRawResponse:
    """``client.with_raw_response.geo``: ``client.geo``'s methods, raw."""

    def __init__(self, transport: Transport) -> None:
        self.countries = _raw(transport, GeoResource, GeoResource.countries)
        self.regions = _raw(transport, GeoResource, GeoResource.regions)
        self.cities = _raw(transport, GeoResource, GeoResource.cities)
        self.isps = _raw(transport, GeoResource, GeoResource.isps)


class HealthWithRawResponse:
    """``client.with_raw_response.health``: ``client.health``'s probes, raw."""

    def __init__(self, transport: Transport) -> None:
        self.check = _raw(transport, HealthResource, HealthResource.check)
        self.live = _raw(transport, HealthResource, HealthResource.live)


class RawResponseClient:
    """``client.with_raw_response``: every single-request method, returning :class:`RawResponse`.

    ::

        raw = await client.with_raw_response.orders.get(42)
        raw.status, raw.headers.get("X-Request-Id"), raw.parsed.order_id

    Calls go through the client's transport exactly as the plain ones do (same options,
    retries, safety classes and redaction); only the return value differs.
    """

    def __init__(self, request: Callable[..., Awaitable[Any]], transport: Transport) -> None:
        # The client's own ``request`` (not the client: this module must not import it).
        self._request = request
        self.orders = OrdersWithRawResponse(transport)
        self.catalog = CatalogWithRawResponse(transport)
        self.account = AccountWithRawResponse(transport)
        self.proxies = ProxiesWithRawResponse(transport)
        self.addons = AddonsWithRawResponse(transport)
        self.residential = ResidentialWithRawResponse(transport)
        self.sub_users = SubUsersWithRawResponse(transport)
        self.geo = GeoWithRawResponse(transport)
        self.health = HealthWithRawResponse(transport)

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = ...,
        json: Any = ...,
        cast_to: type[T],
        safety: Safety | None = ...,
        advice: str | None = ...,
    ) -> RawResponse[T]: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = ...,
        json: Any = ...,
        cast_to: None = ...,
        safety: Safety | None = ...,
        advice: str | None = ...,
    ) -> RawResponse[Any]: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json: Any = None,
        cast_to: type[Any] | None = None,
        safety: Safety | None = None,
        advice: str | None = None,
    ) -> RawResponse[Any]:
        """:meth:`ProxyOrdersClient.request`, returning a :class:`RawResponse`."""
        return await raw_call(
            lambda: self._request(
                method,
                path,
                params=params,
                json=json,
                cast_to=cast_to,
                safety=safety,
                advice=advice,
            )
        )
