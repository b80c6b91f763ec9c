"""Shared data and helpers of the unit tests: canned payloads, the endpoint table, and readers
of what aioresponses recorded."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pytest
from aioresponses import aioresponses
from yarl import URL

from proxyorders_async import (
    Addon,
    DatacenterIspPurchase,
    GenericPurchase,
    PremiumResidentialPurchase,
    ProxyOrdersClient,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
    __version__,
    _client,
)
from proxyorders_async._inflate import ACCEPT_ENCODING

BASE = "https://user-api.proxyshard.com"
TOKEN = "tok_live_S3CR3T-0123456789abcdef"
PROXY_PASSWORD = "pr0xy-PASSW0RD-never-logged"
ORDERS_PATH = "/user/api/orders"

HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "User-Agent": f"proxyorders-async/{__version__}",
    "Accept": "application/json",
    # Exactly the codings the transport inflates itself (br only with Brotli >= 1.2).
    "Accept-Encoding": ACCEPT_ENCODING,
}
JSON_HEADERS = {**HEADERS, "Content-Type": "application/json"}

_real_sleep = asyncio.sleep

NO_BODY = object()
"""Marks a request sent without a body."""


class Call(NamedTuple):
    """One request as aioresponses recorded it."""

    method: str
    url: URL
    kwargs: dict[str, Any]

    @property
    def json(self) -> Any:
        """The decoded JSON body."""
        return json.loads(self.kwargs["data"])


def calls(m: aioresponses) -> list[Call]:
    """Every recorded request (grouped by method and URL, in first-seen order)."""
    return [Call(method, url, c.kwargs) for (method, url), made in m.requests.items() for c in made]


def sent_urls(m: aioresponses) -> list[URL]:
    """The URL of every recorded request (aioresponses sorts their query parameters)."""
    return [c.url for c in calls(m)]


def normalized(url: str) -> URL:
    """``url`` as aioresponses records it: query parameters sorted."""
    parsed = URL(url)
    return parsed.with_query(sorted(parsed.query.items()))


def request_count(m: aioresponses) -> int:
    """How many requests were sent, matched or not."""
    return sum(len(made) for made in m.requests.values())


def only_call(m: aioresponses) -> Call:
    """The single request sent; fails if there was not exactly one."""
    made = calls(m)
    assert len(made) == 1, f"expected exactly one request, got {[(c.method, c.url) for c in made]}"
    return made[0]


def api_url(path: str, **query: str) -> URL:
    """Absolute URL of ``path`` under the default base URL, with ``query``."""
    url = URL(BASE + path)
    return url.with_query(query) if query else url


def any_query(path: str) -> re.Pattern[str]:
    """A pattern matching ``path`` under the base URL with any (or no) query string."""
    return re.compile(re.escape(BASE + path) + r"(\?.*)?$")


def orders_url(*, status: str = "all", offset: int = 0, limit: int = 20) -> str:
    """The URL of an order page, query in the order the SDK builds it."""
    query = {"status": status, "offset": str(offset), "limit": str(limit)}
    return str(api_url(ORDERS_PATH, **query))


# ---------------------------------------------------------------------------------------------
# Canned payloads


def order(order_id: int, **extra: Any) -> dict[str, Any]:
    """One order item of the order list."""
    return {
        "order_id": order_id,
        "product_id": 1,
        "product_name": "Datacenter Proxy",
        "cycle_id": 3,
        "cycle_name": "monthly",
        "expires_at": "2030-01-31T12:00:00Z",
        "auto_renewal": False,
        "tag": None,
        **extra,
    }


def order_page(
    ids: list[int], *, next: str | None = None, prev: str | None = None
) -> dict[str, Any]:
    """A page of the order list."""
    return {
        "success": True,
        "orders": [order(i) for i in ids],
        "count": len(ids),
        "next": next,
        "prev": prev,
    }


ORDER_DETAIL = {
    "success": True,
    "order": {
        "order_id": 42,
        "product_name": "Datacenter Proxy",
        "cycle_name": "monthly",
        "status": "active",
        "quantity": 10,
        "price_paid": 1080,
        "addons_price_paid": 250,
        "addons": [{"addon_key": "p0f_slots", "qty": 5}],
        "created_at": "2030-01-01T00:00:00+02:00",
        "expires_at": "2030-01-31T00:00:00",
        "promo_code": "SAVE10",
        "auto_renewal": True,
        "tag": "shop-7",
        "invoice_ref": "unknown extra field",
    },
}
ACTIVE_PROXIES = {
    "success": True,
    "order_tag": "shop-7",
    "data": [
        {
            "ip": "203.0.113.7",
            "username": "u42",
            "password": PROXY_PASSWORD,
            "http_port": 8080,
            "socks_port": 1080,
            "until": "2030-01-31T00:00:00Z",
            "status": "active",
            "signature": None,
        }
    ],
}
OK = {"success": True, "message": "Done"}


# ---------------------------------------------------------------------------------------------
# The endpoint table


@dataclass(frozen=True)
class Endpoint:
    """One SDK call and the exact request it must send."""

    id: str
    call: Callable[[ProxyOrdersClient], Awaitable[Any]]
    method: str
    path: str
    response: Any
    query: dict[str, str] = field(default_factory=dict)
    body: Any = NO_BODY
    charges: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        """What to register with aioresponses for this endpoint."""
        return any_query(self.path)


DC_FULL = DatacenterIspPurchase(
    product="Datacenter Proxy",
    location="DE",
    cycle="monthly",
    quantity=10,
    promo_code="SAVE10",
    auto_renewal=True,
    addons=[Addon("p0f_slots", 5)],
)
PURCHASES: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "datacenter-full",
        DC_FULL,
        {
            "product": "Datacenter Proxy",
            "location": "DE",
            "cycle": "monthly",
            "quantity": 10,
            "promo_code": "SAVE10",
            "auto_renewal": True,
            "addons": [{"addon_key": "p0f_slots", "qty": 5}],
        },
    ),
    (
        "isp-defaults",
        DatacenterIspPurchase(product="ISP Proxy", location="US", cycle="monthly"),
        {
            "product": "ISP Proxy",
            "location": "US",
            "cycle": "monthly",
            "quantity": 1,
            "auto_renewal": False,
        },
    ),
    (
        "standard-residential",
        StandardResidentialPurchase(quantity=5, addons=[Addon("p0f_slots", 1)]),
        {
            "product": "Standart Residential Proxy",
            "quantity": 5,
            "addons": [{"addon_key": "p0f_slots", "qty": 1}],
        },
    ),
    (
        "premium-residential",
        PremiumResidentialPurchase(quantity=2, promo_code="GB2"),
        {"product": "Premium Residential Proxy", "quantity": 2, "promo_code": "GB2"},
    ),
    (
        "unmetered-residential",
        UnmeteredResidentialPurchase(cycle="week", auto_renewal=True),
        {"product": "Unmetered Residential proxy", "cycle": "week", "auto_renewal": True},
    ),
    (
        "generic-minimal",
        GenericPurchase(product="Residential Proxy NEW", cycle="day"),
        {"product": "Residential Proxy NEW", "cycle": "day", "auto_renewal": False},
    ),
    (
        "generic-full",
        GenericPurchase(
            product="Mobile Plan M",
            cycle="monthly",
            location="UA",
            quantity=3,
            promo_code="MOB",
            addons=[Addon("p0f_slots", 2), Addon("extra_ip", 1)],
        ),
        {
            "product": "Mobile Plan M",
            "cycle": "monthly",
            "location": "UA",
            "quantity": 3,
            "promo_code": "MOB",
            "auto_renewal": False,
            "addons": [{"addon_key": "p0f_slots", "qty": 2}, {"addon_key": "extra_ip", "qty": 1}],
        },
    ),
]

PURCHASE_BODY = PURCHASES[0][2]

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        "purchase",
        lambda c: c.orders.purchase(DC_FULL),
        "POST",
        "/user/api/orders/purchase",
        {"success": True, "message": "Order paid successfully", "order_id": 123},
        body=PURCHASE_BODY,
        charges=True,
    ),
    Endpoint(
        "calculate",
        lambda c: c.orders.calculate(
            "Datacenter Proxy",
            location="DE",
            cycle="monthly",
            quantity=10,
            promo_code="SAVE10",
            addons=[Addon("p0f_slots", 5)],
        ),
        "GET",
        "/user/api/orders/calculate",
        {
            "original_price": 1200,
            "final_price": 1080,
            "discount_percent": 10,
            "addons_price": 250,
            "total_with_addons": 1330,
        },
        query={
            "product": "Datacenter Proxy",
            "location": "DE",
            "cycle": "monthly",
            "quantity": "10",
            "promo_code": "SAVE10",
            "addons_json": '[{"addon_key":"p0f_slots","qty":5}]',
        },
    ),
    Endpoint(
        "change_billing_cycle",
        lambda c: c.orders.change_billing_cycle(42, "weekly"),
        "POST",
        "/user/api/orders/change-billing-cycle/42",
        {"success": True, "message": "Changed", "order_id": 42, "final_price": 400},
        body={"cycle": "weekly"},
    ),
    Endpoint(
        "edit_auto_renewal",
        lambda c: c.orders.edit_auto_renewal(42, True),
        "POST",
        "/user/api/orders/edit-auto-renewal/42",
        OK,
        query={"auto_renewal": "true"},
        body={},
    ),
    Endpoint(
        "list",
        lambda c: c.orders.list("active", offset=40, limit=50),
        "GET",
        ORDERS_PATH,
        order_page([1, 2]),
        query={"status": "active", "offset": "40", "limit": "50"},
    ),
    Endpoint(
        "get",
        lambda c: c.orders.get(42),
        "GET",
        "/user/api/orders/42",
        ORDER_DETAIL,
    ),
    Endpoint(
        "renew",
        lambda c: c.orders.renew(42),
        "POST",
        "/user/api/orders/42/renew",
        OK,
        body={},
        charges=True,
    ),
    Endpoint(
        "set_tag",
        lambda c: c.orders.set_tag(42, "shop-7"),
        "POST",
        "/user/api/orders/42/tag",
        OK,
        body={"tag": "shop-7"},
    ),
    Endpoint(
        "products",
        lambda c: c.catalog.products(),
        "GET",
        "/user/api/proxies/products",
        {"success": True, "products": [{"name": "ISP Proxy", "cycles": ["monthly"]}]},
    ),
    Endpoint(
        "available_count",
        lambda c: c.catalog.available_count(),
        "GET",
        "/user/api/proxies/available-count",
        [{"country": "DE", "product": "Datacenter Proxy", "amount": 100}],
    ),
    Endpoint(
        "me",
        lambda c: c.account.me(),
        "GET",
        "/user/api/me",
        {"email": "a@example.com", "active_orders": 3, "wallet_balance": 10050},
    ),
    Endpoint(
        "proxies_active",
        lambda c: c.proxies.active(42),
        "GET",
        "/user/api/proxies/active",
        ACTIVE_PROXIES,
        query={"order_id": "42"},
    ),
]

IDEMPOTENT = [e for e in ENDPOINTS if not e.charges]
CHARGING = [e for e in ENDPOINTS if e.charges]


def endpoint(id: str) -> Endpoint:
    """The endpoint of the table with this id."""
    return next(e for e in ENDPOINTS if e.id == id)


# ---------------------------------------------------------------------------------------------
# Waiting between attempts


class SleepRecorder:
    """Stands in for the client's ``asyncio.sleep``: records each wait, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await _real_sleep(0)


class _AsyncioProxy:
    """The ``asyncio`` module as ``_client`` sees it, with ``sleep`` replaced."""

    def __init__(self, sleep: Callable[[float], Any]) -> None:
        self.sleep = sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


def patch_client_sleep(monkeypatch: pytest.MonkeyPatch, sleep: Callable[[float], Any]) -> None:
    """Replace the ``asyncio.sleep`` the transport awaits between attempts (and only that)."""
    monkeypatch.setattr(_client, "asyncio", _AsyncioProxy(sleep))
