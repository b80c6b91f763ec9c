"""Every API operation as data: its whole request, its decoder, its retry safety and advice.

An :class:`Endpoint` knows how to turn a resource method's (already validated) arguments into a
:class:`Request`: path parameters (ids as plain ints, strings percent-encoded as one segment),
query, JSON body. The transport needs nothing else, so a resource method is validation plus one
line, ``return await self._transport.send(RENEW.request(order_id=order_id))``. Nothing here
does I/O.

A new endpoint is one constant here, a model in ``_models*.py`` and a method in ``resources/``.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, overload
from urllib.parse import quote

import attrs
from yarl import URL

from ._converters import CONVERTER, decode_page, decode_quote
from ._decoders import (
    decode_addon_purchase,
    decode_addon_quote,
    decode_addon_schedule,
    decode_cities,
    decode_countries,
    decode_created_sub_user,
    decode_isps,
    decode_operation,
    decode_order_detail,
    decode_profile,
    decode_regions,
    decode_signature_update,
    decode_sub_user,
    decode_sub_user_page,
)
from ._exceptions import InvalidArgumentError
from ._models import (
    Account,
    ActiveProxyList,
    BillingCycleChange,
    OperationResult,
    Product,
    PurchaseResult,
    QuoteRequest,
    StockLevel,
)
from ._retry import Safety

__all__ = ["Endpoint", "Fields", "Query", "Request", "SelfEncoded", "path_segment", "query_value"]

T = TypeVar("T")
U = TypeVar("U")

Params = Mapping[str, Any]


def path_segment(name: str, value: object) -> str:
    """One path parameter as a percent-encoded segment that cannot change the path's shape.

    An int is written from ``int(value)``, so an int subclass's own ``__format__`` or
    ``__str__`` cannot rewrite the path; a string is encoded whole (``/``, ``?``, ``#`` and
    ``%`` included), and the dot segments a server or proxy would collapse are refused.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        if value in ("", ".", ".."):
            raise InvalidArgumentError(name, f"{value!r} cannot be a path segment")
        return quote(value, safe="")
    raise TypeError(f"path parameter {name} must be an int or a str, got {type(value).__name__}")


def query_value(value: object) -> str:
    """A query parameter as the API spells it: ``true``/``false``, decimal ints, strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} as a query parameter")


@attrs.frozen
class Fields:
    """Named arguments sent as one JSON object; no names sends ``{}``.

    An argument that is ``None`` is left out: the API reads a missing key as "not given".
    ``fixed`` members are sent as given, whatever the arguments (``{"action": "downgrade"}``).
    """

    names: tuple[str, ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()

    def __call__(self, params: Params) -> dict[str, Any]:
        body = {name: params[name] for name in self.names if params[name] is not None}
        body.update(self.fixed)
        return body


@attrs.frozen
class Query:
    """Named arguments sent as query parameters, encoded by :func:`query_value`; ``None`` is
    left out."""

    names: tuple[str, ...]

    def __call__(self, params: Params) -> dict[str, str]:
        return {name: query_value(params[name]) for name in self.names if params[name] is not None}


@attrs.frozen
class SelfEncoded:
    """One argument, a request model, that encodes itself (``to_json()`` or ``to_params()``)."""

    name: str
    method: str = "to_json"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def __call__(self, params: Params) -> Any:
        return getattr(params[self.name], self.method)()


@attrs.frozen
class QuoteQuery:
    """The one argument, a :class:`QuoteRequest`, sent as its query string: encoded here when
    every value is plain text, exactly as ``URL.with_query`` encodes it, else as its pairs for
    yarl to encode. One quote is encoded per call, and this is a fifth of the generic cost."""

    name: str = "request"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def __call__(self, params: Params) -> str | dict[str, str]:
        quote: QuoteRequest = params[self.name]
        product, location, cycle = quote.product, quote.location, quote.cycle
        promo, quantity = quote.promo_code, quote.quantity
        # Joined, the values are plain text if and only if each one is: one check for all.
        if (
            quote.addons is None
            and (quantity is None or type(quantity) is int)
            and _PLAIN_TEXT(f"{product}{location or ''}{cycle or ''}{promo or ''}") is not None
        ):
            # In to_params()'s order: the same string yarl makes of its pairs.
            query = f"product={product}"
            if location is not None:
                query += f"&location={location}"
            if cycle is not None:
                query += f"&cycle={cycle}"
            if promo is not None:
                query += f"&promo_code={promo}"
            if quantity is not None:
                query += f"&quantity={quantity}"
            return query.replace(" ", "+")
        return quote.to_params()


Encoder = Fields | Query | SelfEncoded | QuoteQuery


def _path_names(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


@attrs.frozen
class Endpoint(Generic[T]):
    """One API operation: method, path template, query and body encoding, decoder, safety.

    ``advice`` tells a caller what to check after an unknown outcome (unsafe writes only).
    ``auth=False`` sends no API key (the health probes, outside ``/user/api/``);
    ``json_answer=False`` takes any 2xx body as success and decodes ``None``.
    """

    name: str
    method: str
    path: str
    decode: Callable[[Any], T]
    safety: Safety = Safety.IDEMPOTENT
    query: Query | SelfEncoded | QuoteQuery | None = None
    body: Encoder | None = None
    advice: str = ""
    auth: bool = True
    json_answer: bool = True
    path_names: tuple[str, ...] = attrs.field(init=False)
    params: frozenset[str] = attrs.field(init=False)

    @path_names.default
    def _path_names_default(self) -> tuple[str, ...]:
        return _path_names(self.path)

    @params.default
    def _params_default(self) -> frozenset[str]:
        encoded = [
            *(self.query.names if self.query else ()),
            *(self.body.names if self.body else ()),
        ]
        return frozenset((*self.path_names, *encoded))

    def __attrs_post_init__(self) -> None:
        if self.safety is not Safety.IDEMPOTENT and not self.advice:
            # The unknown-outcome error is only useful if it says what to check.
            raise ValueError(f"{self.name} is not idempotent and needs advice")

    def request(self, **params: Any) -> Request[T]:
        """The request for these (validated) arguments; every declared argument is required."""
        if params.keys() != self.params:
            wanted = ", ".join(sorted(self.params)) or "none"
            raise TypeError(f"{self.name} takes exactly these arguments: {wanted}")
        path = self.path
        if self.path_names:
            path = path.format_map({n: path_segment(n, params[n]) for n in self.path_names})
        query: tuple[tuple[str, str], ...] | str = ()
        if self.query is not None:
            encoded = self.query(params)
            query = encoded if isinstance(encoded, str) else tuple(encoded.items())
        body = self.body(params) if self.body is not None else None
        return Request(self, path, query, body)

    def request_decoded(self, decode: Callable[[Any, str], T], **params: Any) -> Request[T]:
        """:meth:`request`, decoded by ``decode(data, url)`` (a decoder that needs arguments)."""
        return attrs.evolve(self.request(**params), decode_at=decode)

    @overload
    def at(self, url: URL) -> Request[T]: ...

    @overload
    def at(self, url: URL, decode: Callable[[Any, str], U]) -> Request[U]: ...

    def at(self, url: URL, decode: Callable[[Any, str], Any] | None = None) -> Request[Any]:
        """A request for an absolute ``url`` (a page's ``next``), whose decoder may need it.

        ``decode`` may return another type than the endpoint's (a walk's page with its URL).
        """
        return Request(self, url.raw_path, (), None, url=url, decode_at=decode)


@attrs.define(eq=False)  # not frozen: one is made per call, and a frozen init costs 3x
class Request(Generic[T]):
    """One operation ready to send: everything but the origin, which the transport owns.

    ``path`` is percent-encoded and goes under the base URL's path; ``query`` is its pairs, or
    the query string already encoded; ``url``, when set, is an absolute URL already checked to
    be on the API's origin and replaces path and query. Never changed once made (the transport
    only reads it).
    """

    endpoint: Endpoint[T]
    path: str
    query: tuple[tuple[str, str], ...] | str = ()
    body: Any = None
    url: URL | None = None
    decode_at: Callable[[Any, str], T] | None = attrs.field(default=None, repr=False)

    def url_under(self, base: URL) -> URL:
        """The absolute URL of this request on ``base`` (whose path is a prefix)."""
        return self.target(base)[0]

    def target(self, base: URL) -> tuple[URL, str]:
        """:meth:`url_under` and its text (the URL that errors and logs show)."""
        if self.url is not None:
            return self.url, str(self.url)
        joined, text = _joined(base, self.path)
        query = self.query
        if not query:
            return joined, text
        plain = query if isinstance(query, str) else _plain_query(query)
        if plain is None:
            target = joined.with_query(query)
            return target, str(target)
        # Built from parts already encoded: nothing is parsed or quoted again.
        target = URL.build(
            scheme=joined.scheme,
            authority=joined.raw_authority,
            path=joined.raw_path,
            query_string=plain,
            encoded=True,
        )
        return target, f"{text}?{plain}"

    def decode(self, data: Any, url: str) -> T:
        """The response body (decoded JSON) as this operation's result; ``url`` it came from."""
        if self.decode_at is not None:
            return self.decode_at(data, url)
        return self.endpoint.decode(data)


@functools.lru_cache(maxsize=1024)
def _joined(base: URL, path: str) -> tuple[URL, str]:
    # Paths repeat (the catalog's, an order's), and building them is part of every call's cost.
    joined = base.with_path(base.raw_path.rstrip("/") + path, encoded=True)
    return joined, str(joined)


# Pairs of names and values that yarl's query encoding leaves as they are (but for a space,
# which becomes "+"): letters, digits, "._~-" and spaces, no "=" or "&" inside.
_PLAIN = r"[A-Za-z0-9._~ -]*"
_PLAIN_PAIRS = re.compile(f"{_PLAIN}={_PLAIN}(?:&{_PLAIN}={_PLAIN})*").fullmatch
_PLAIN_TEXT = re.compile(_PLAIN).fullmatch


def _plain_query(query: tuple[tuple[str, str], ...]) -> str | None:
    """``query`` encoded exactly as ``URL.with_query`` encodes it, when every name and value is
    plain text (letters, digits, ``._~-`` and spaces); None otherwise, and yarl encodes it.

    Most queries are plain (a product, a location, a quantity). Checked joined, in one regex:
    a name or value holding "=" or "&" would count one "=" more than there are pairs.
    """
    text = "&".join([f"{name}={value}" for name, value in query])
    if text.count("=") != len(query) or _PLAIN_PAIRS(text) is None:
        return None
    return text.replace(" ", "+")


def _model(cls: type[T]) -> Callable[[Any], T]:
    hook = CONVERTER.get_structure_hook(cls)
    return lambda data: hook(data, cls)  # type: ignore[no-any-return,unused-ignore]


def _member(key: str, cls: Any) -> Callable[[Any], Any]:
    hook = CONVERTER.get_structure_hook(cls)
    return lambda data: hook(data[key], cls)


# What to look at after a charging request's unknown outcome, before trying again.
ORDERS_AND_WALLET = (
    "client.orders.list('all') / client.orders.get(order_id) and client.account.me() "
    "(wallet balance)"
)
# The real server rejects a body-less POST without Content-Length: these send ``{}``.
EMPTY_BODY = Fields()

PURCHASE = Endpoint(
    "orders.purchase",
    "POST",
    "/user/api/orders/purchase",
    _model(PurchaseResult),
    Safety.CHARGES,
    body=SelfEncoded("request"),
    advice=ORDERS_AND_WALLET,
)
CALCULATE = Endpoint(
    "orders.calculate",
    "GET",
    "/user/api/orders/calculate",
    decode_quote,
    query=QuoteQuery(),
)
CHANGE_BILLING_CYCLE = Endpoint(
    "orders.change_billing_cycle",
    "POST",
    "/user/api/orders/change-billing-cycle/{order_id}",
    _model(BillingCycleChange),
    body=Fields(("cycle",)),
)
EDIT_AUTO_RENEWAL = Endpoint(
    "orders.edit_auto_renewal",
    "POST",
    "/user/api/orders/edit-auto-renewal/{order_id}",
    _model(OperationResult),
    query=Query(("auto_renewal",)),
    body=EMPTY_BODY,
)
LIST_ORDERS = Endpoint(
    "orders.list",
    "GET",
    "/user/api/orders",
    decode_page,
    query=Query(("status", "offset", "limit")),
)
GET_ORDER = Endpoint("orders.get", "GET", "/user/api/orders/{order_id}", decode_order_detail)
RENEW = Endpoint(
    "orders.renew",
    "POST",
    "/user/api/orders/{order_id}/renew",
    _model(OperationResult),
    Safety.CHARGES,
    body=EMPTY_BODY,
    advice=ORDERS_AND_WALLET,
)
SET_TAG = Endpoint(
    "orders.set_tag",
    "POST",
    "/user/api/orders/{order_id}/tag",
    _model(OperationResult),
    body=Fields(("tag",)),
)
PRODUCTS: Endpoint[tuple[Product, ...]] = Endpoint(
    "catalog.products",
    "GET",
    "/user/api/proxies/products",
    _member("products", tuple[Product, ...]),
)
AVAILABLE_COUNT: Endpoint[tuple[StockLevel, ...]] = Endpoint(
    "catalog.available_count",
    "GET",
    "/user/api/proxies/available-count",
    _model(tuple[StockLevel, ...]),  # type: ignore[arg-type,unused-ignore]
)
ME = Endpoint("account.me", "GET", "/user/api/me", _model(Account))
ACTIVE_PROXIES = Endpoint(
    "proxies.active",
    "GET",
    "/user/api/proxies/active",
    _model(ActiveProxyList),
    query=Query(("order_id",)),
)


# ---------------------------------------------------------------------------------------------
# API 1.1.0: add-ons and per-IP settings of DC/ISP orders, residential traffic, sub-users, geo
# lists and the health probes. Bodies and queries carry the names the 1.1.0 spec gives them.

# After an unknown outcome of an add-on purchase or a traffic top-up.
ORDER_AND_WALLET = (
    "client.orders.get(order_id) (its addons, addons_price_paid or traffic) and "
    "client.account.me() (wallet balance)"
)
SUB_USER_CREATED = (
    "client.sub_users.list(proxy_type) (is the new sub-user there?) and "
    "client.residential.profile(proxy_type) (the owner's traffic it drew from)"
)
SUB_USER_TRAFFIC = (
    "client.sub_users.get(user_id, proxy_type) (the sub-user's data) and "
    "client.residential.profile(proxy_type) (the owner's traffic)"
)

ADD_BANDWIDTH = Endpoint(
    "orders.add_bandwidth",
    "POST",
    "/user/api/orders/{order_id}/add-bandwidth",
    decode_operation,
    Safety.CHARGES,
    body=Fields(("amount", "promo_code")),  # GB; a None promo_code is left out
    advice="client.residential.profile(proxy_type) (the traffic pool), "
    "client.orders.get(order_id) and client.account.me() (wallet balance)",
)
SET_SIGNATURES = Endpoint(
    "orders.set_signatures",
    "POST",
    "/user/api/orders/{order_id}/signature/set",
    decode_signature_update,
    body=Fields(("items",)),  # [{ip, signature}]; re-signing an IP takes no new slot
)
SET_IP_DELETION = Endpoint(
    "orders.set_ip_deletion",
    "POST",
    "/user/api/orders/{order_id}/del-np/set",
    decode_operation,
    body=Fields(("items",)),  # [{ip, value}]
)
ADDON_CALCULATE = Endpoint(
    "addons.calculate",
    "GET",
    "/user/api/orders/{order_id}/addons/calculate",
    decode_addon_quote,
    query=Query(("addon_key", "add_qty")),
)
ADDON_PURCHASE = Endpoint(
    "addons.purchase",
    "POST",
    "/user/api/orders/{order_id}/addons/purchase",
    decode_addon_purchase,
    Safety.CHARGES,
    body=Fields(("addon_key", "add_qty")),
    advice=ORDER_AND_WALLET,
)
ADDON_SCHEDULE_DOWNGRADE = Endpoint(
    "addons.schedule_downgrade",
    "POST",
    "/user/api/orders/{order_id}/addons/schedule",
    decode_addon_schedule,
    body=Fields(("addon_key", "next_qty"), fixed=(("action", "downgrade"),)),
)
ADDON_CANCEL_DOWNGRADE = Endpoint(
    "addons.cancel_downgrade",
    "POST",
    "/user/api/orders/{order_id}/addons/schedule/cancel",
    decode_addon_schedule,
    body=Fields(("addon_key",)),
)
PROFILE = Endpoint(
    "residential.profile",
    "GET",
    "/user/api/proxies/profile",
    decode_profile,
    query=Query(("proxy_type",)),
)
LIST_SUB_USERS = Endpoint(
    "sub_users.list",
    "GET",
    "/user/api/proxies/sub-users",
    decode_sub_user_page,
    query=Query(("proxy_type", "offset", "limit")),
)
# The answer has no user_id: SubUsersResource.get decodes it with the one asked for.
GET_SUB_USER = Endpoint(
    "sub_users.get",
    "GET",
    "/user/api/proxies/sub-user/{user_id}",
    functools.partial(decode_sub_user, user_id=""),
    query=Query(("proxy_type",)),
)
CREATE_SUB_USER = Endpoint(
    "sub_users.create",
    "POST",
    "/user/api/proxies/sub-user",
    decode_created_sub_user,
    Safety.NOT_IDEMPOTENT,  # a second call makes a second sub-user
    query=Query(("proxy_type",)),
    body=Fields(("name", "data")),  # data: GB taken from the owner's traffic
    advice=SUB_USER_CREATED,
)
RENAME_SUB_USER = Endpoint(
    "sub_users.rename",
    "PATCH",
    "/user/api/proxies/sub-user/{user_id}",
    decode_operation,
    query=Query(("proxy_type",)),
    body=Fields(("name",)),
)
DELETE_SUB_USER = Endpoint(
    "sub_users.delete", "DELETE", "/user/api/proxies/sub-user/{user_id}", decode_operation
)
ADD_SUB_USER_TRAFFIC = Endpoint(
    "sub_users.add_traffic",
    "POST",
    "/user/api/proxies/sub-user/{user_id}/data/add",
    decode_operation,
    Safety.NOT_IDEMPOTENT,  # a second call adds again
    query=Query(("proxy_type",)),
    body=Fields(("data",)),
    advice=SUB_USER_TRAFFIC,
)
SUBTRACT_SUB_USER_TRAFFIC = Endpoint(
    "sub_users.subtract_traffic",
    "POST",
    "/user/api/proxies/sub-user/{user_id}/data/subtract",
    decode_operation,
    Safety.NOT_IDEMPOTENT,
    query=Query(("proxy_type",)),
    body=Fields(("data",)),
    advice=SUB_USER_TRAFFIC,
)
RESET_SUB_USER_PASSWORD = Endpoint(
    "sub_users.reset_password",
    "POST",
    "/user/api/proxies/sub-user/{user_id}/password",
    decode_operation,
    query=Query(("proxy_type",)),
    body=EMPTY_BODY,
)
COUNTRIES = Endpoint(
    "geo.countries",
    "GET",
    "/user/api/proxies/countries",
    decode_countries,
    query=Query(("proxy_type",)),
)
REGIONS = Endpoint(
    "geo.regions",
    "GET",
    "/user/api/proxies/regions",
    decode_regions,
    query=Query(("proxy_type", "country_code")),
)
CITIES = Endpoint(
    "geo.cities",
    "GET",
    "/user/api/proxies/cities",
    decode_cities,
    query=Query(("proxy_type", "country_code", "region_code")),
)
ISPS = Endpoint(
    "geo.isps",
    "GET",
    "/user/api/proxies/isps",
    decode_isps,
    query=Query(("proxy_type", "country_code", "region_code", "city_code")),
)


def _up(_data: Any) -> bool:
    return True


HEALTH = Endpoint("health.check", "GET", "/health", _up, auth=False, json_answer=False)
HEALTH_LIVE = Endpoint("health.live", "GET", "/health/live", _up, auth=False, json_answer=False)
