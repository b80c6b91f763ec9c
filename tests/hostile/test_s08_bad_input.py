"""Scenario 8: invalid arguments to every public method that takes any raise a typed error
naming the argument, before a single request is sent (the emulator's journal stays empty).

``catalog.products()``, ``catalog.available_count()``, ``account.me()`` and the health probes
take no arguments.
Uses the package's own pytest plugin fixtures, as users would.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from proxyorders_async import (
    Addon,
    ConfigurationError,
    DatacenterIspPurchase,
    GenericPurchase,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProxyOrdersClient,
    QuoteRequest,
    RetryPolicy,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
)
from proxyorders_async.emulator import Emulator

from ._support import record

Call = Callable[[ProxyOrdersClient, str], Any]
DC: dict[str, Any] = {"product": "Datacenter Proxy", "location": "DE", "cycle": "monthly"}
Q = QuoteRequest(product="Datacenter Proxy", cycle="monthly")


def _new(**kwargs: Any) -> Callable[[ProxyOrdersClient, str], Any]:
    def build(_client: ProxyOrdersClient, url: str) -> Any:
        kwargs.setdefault("token", "t0ken-0123456789")
        kwargs.setdefault("base_url", url)
        return ProxyOrdersClient(**kwargs)

    return build


def _m(path: str, *args: Any, **kwargs: Any) -> Call:
    """Call the client method at ``path`` (e.g. ``"orders.get"``) with these arguments."""
    namespace, name = path.split(".")
    return lambda c, _u: getattr(getattr(c, namespace), name)(*args, **kwargs)


def _build(cls: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    return lambda _c, _u: cls(*args, **kwargs)


def _dc(**overrides: Any) -> Call:
    return _build(DatacenterIspPurchase, **{**DC, **overrides})


CONFIG = ConfigurationError
VALUE = InvalidArgumentError
TYPE = InvalidArgumentTypeError
NEW = "ProxyOrdersClient"
DIP = "DatacenterIspPurchase"
NAN, INF = float("nan"), float("inf")

# (method, argument, expected error, call)
CASES: list[tuple[str, str, type[Exception], Call]] = [
    (NEW, "token", CONFIG, _new(token="")),
    (NEW, "token", CONFIG, _new(token=12345)),
    (NEW, "token", CONFIG, _new(token="abc def")),
    (NEW, "base_url", CONFIG, _new(base_url="ftp://host")),
    (NEW, "base_url", CONFIG, _new(base_url="http://example.com")),
    (NEW, "base_url", CONFIG, _new(base_url="https://user:pw@host")),
    (NEW, "base_url", CONFIG, _new(base_url="https://host/?q=1")),
    (NEW, "base_url", CONFIG, _new(base_url="")),
    (NEW, "base_url", CONFIG, _new(base_url=123)),
    (NEW, "timeout", CONFIG, _new(timeout=0)),
    (NEW, "timeout", CONFIG, _new(timeout="5")),
    (NEW, "timeout", CONFIG, _new(timeout=NAN)),
    (NEW, "timeout", CONFIG, _new(timeout=10**400)),
    (NEW, "connect_timeout", CONFIG, _new(connect_timeout=-1)),
    (NEW, "deadline", CONFIG, _new(deadline=INF)),
    (NEW, "max_connections", CONFIG, _new(max_connections=0)),
    (NEW, "max_connections", CONFIG, _new(max_connections=True)),
    (NEW, "max_response_bytes", CONFIG, _new(max_response_bytes="1MB")),
    (NEW, "max_retries", CONFIG, _new(max_retries=-1)),
    (NEW, "max_retries", CONFIG, _new(max_retries="3")),
    (NEW, "retry_policy", CONFIG, _new(retry_policy="fast")),
    (NEW, "session", CONFIG, _new(session="not a session")),
    (NEW, "quote_cache_ttl", CONFIG, _new(quote_cache_ttl=0)),
    ("RetryPolicy", "base_backoff", CONFIG, _build(RetryPolicy, base_backoff=-1)),
    ("RetryPolicy", "base_backoff", CONFIG, _build(RetryPolicy, base_backoff="x")),
    ("RetryPolicy", "max_backoff", CONFIG, _build(RetryPolicy, max_backoff=NAN)),
    ("RetryPolicy", "max_retry_after", CONFIG, _build(RetryPolicy, max_retry_after=None)),
    ("with_options", "timeout", CONFIG, lambda c, u: c.with_options(timeout=-1)),
    ("with_options", "max_retries", CONFIG, lambda c, u: c.with_options(max_retries=True)),
    ("with_options", "deadline", CONFIG, lambda c, u: c.with_options(deadline=0)),
    ("with_options", "connect_timeout", CONFIG, lambda c, u: c.with_options(connect_timeout="1")),
    ("orders.purchase", "request", TYPE, _m("orders.purchase", "a purchase")),
    ("orders.purchase", "request", TYPE, _m("orders.purchase", Q)),
    (DIP, "product", VALUE, _dc(product="Bogus")),
    (DIP, "location", VALUE, _dc(location="")),
    (DIP, "quantity", VALUE, _dc(quantity=0)),
    (DIP, "quantity", TYPE, _dc(quantity=True)),
    (DIP, "auto_renewal", TYPE, _dc(auto_renewal="yes")),
    (DIP, "addons[0]", TYPE, _dc(addons=[("p0f_slots", 1)])),
    (DIP, "promo_code", VALUE, _dc(promo_code=" ")),
    ("Addon", "addon_key", VALUE, _build(Addon, "", 1)),
    ("Addon", "qty", VALUE, _build(Addon, "p0f_slots", -1)),
    (
        "UnmeteredResidentialPurchase",
        "cycle",
        TYPE,
        _build(UnmeteredResidentialPurchase, cycle=None),
    ),
    (
        "StandardResidentialPurchase",
        "quantity",
        TYPE,
        _build(StandardResidentialPurchase, quantity=1.5),
    ),
    ("GenericPurchase", "product", VALUE, _build(GenericPurchase, product="", cycle="monthly")),
    ("orders.calculate", "product", TYPE, _m("orders.calculate", 5)),
    (
        "orders.calculate",
        "quantity",
        TYPE,
        _m("orders.calculate", "Datacenter Proxy", quantity="2"),
    ),
    ("orders.calculate", "addons", TYPE, _m("orders.calculate", "ISP Proxy", addons=Addon("a", 1))),
    ("orders.calculate", "location", VALUE, _m("orders.calculate", "ISP Proxy", location=" ")),
    ("orders.quote", "request", TYPE, _m("orders.quote", {"product": "Datacenter Proxy"})),
    ("orders.calculate_many", "requests", TYPE, _m("orders.calculate_many", "abc")),
    ("orders.calculate_many", "requests[1]", TYPE, _m("orders.calculate_many", [Q, "x"])),
    (
        "orders.calculate_many",
        "concurrency",
        VALUE,
        _m("orders.calculate_many", [Q], concurrency=0),
    ),
    (
        "orders.calculate_many",
        "return_exceptions",
        TYPE,
        _m("orders.calculate_many", [Q], return_exceptions="no"),
    ),
    (
        "orders.change_billing_cycle",
        "order_id",
        VALUE,
        _m("orders.change_billing_cycle", 0, "weekly"),
    ),
    (
        "orders.change_billing_cycle",
        "order_id",
        TYPE,
        _m("orders.change_billing_cycle", "1", "weekly"),
    ),
    ("orders.change_billing_cycle", "cycle", VALUE, _m("orders.change_billing_cycle", 1, "")),
    ("orders.edit_auto_renewal", "auto_renewal", TYPE, _m("orders.edit_auto_renewal", 1, "true")),
    ("orders.edit_auto_renewal", "order_id", VALUE, _m("orders.edit_auto_renewal", -5, True)),
    ("orders.list", "status", VALUE, _m("orders.list", "bogus")),
    ("orders.list", "status", TYPE, _m("orders.list", 5)),
    ("orders.list", "offset", VALUE, _m("orders.list", "all", offset=-1)),
    ("orders.list", "limit", VALUE, _m("orders.list", "all", limit=101)),
    ("orders.list", "limit", TYPE, _m("orders.list", "all", limit=None)),
    ("orders.pages", "page_size", VALUE, _m("orders.pages", "all", page_size=0)),
    ("orders.pages", "start", VALUE, _m("orders.pages", "all", start=-1)),
    ("orders.pages", "start", TYPE, _m("orders.pages", "all", start=True)),
    ("orders.pages", "start", VALUE, _m("orders.pages", "all", start="https://evil.example/x")),
    ("orders.pages", "start", VALUE, _m("orders.pages", "all", start="")),
    ("orders.pages", "max_pages", VALUE, _m("orders.pages", "all", max_pages=0)),
    ("orders.pages", "concurrency", VALUE, _m("orders.pages", "all", concurrency=33)),
    ("orders.iter", "dedupe", TYPE, _m("orders.iter", "all", dedupe="yes")),
    ("orders.iter", "status", VALUE, _m("orders.iter", "nope")),
    ("orders.get", "order_id", TYPE, _m("orders.get", "5")),
    ("orders.get", "order_id", TYPE, _m("orders.get", True)),
    ("orders.get", "order_id", TYPE, _m("orders.get", 1.0)),
    ("orders.renew", "order_id", VALUE, _m("orders.renew", 0)),
    ("orders.set_tag", "tag", TYPE, _m("orders.set_tag", 1, None)),
    ("orders.set_tag", "order_id", TYPE, _m("orders.set_tag", "1", "x")),
    ("proxies.active", "order_id", TYPE, _m("proxies.active", None)),
    ("proxies.active", "order_id", VALUE, _m("proxies.active", -1)),
    # API 1.1.0
    ("orders.add_bandwidth", "gb", VALUE, _m("orders.add_bandwidth", 1, 0)),
    ("orders.add_bandwidth", "promo_code", TYPE, _m("orders.add_bandwidth", 1, 1, promo_code=1)),
    ("orders.set_signatures", "signatures", VALUE, _m("orders.set_signatures", 1, {})),
    (
        "orders.set_signatures",
        "signatures['10.0.0.1']",
        VALUE,
        _m("orders.set_signatures", 1, {"10.0.0.1": "win7"}),
    ),
    ("orders.set_ip_deletion", "items", VALUE, _m("orders.set_ip_deletion", 1, {"10.0.0": True})),
    ("orders.set_ip_deletion", "order_id", VALUE, _m("orders.set_ip_deletion", 0, {})),
    ("addons.calculate", "add_qty", VALUE, _m("addons.calculate", 1, "p0f_slots", 0)),
    ("addons.purchase", "addon_key", VALUE, _m("addons.purchase", 1, "", 1)),
    ("addons.purchase", "add_qty", TYPE, _m("addons.purchase", 1, "p0f_slots", 1.0)),
    (
        "addons.schedule_downgrade",
        "next_qty",
        VALUE,
        _m("addons.schedule_downgrade", 1, "p0f_slots", 5, current_qty=5),
    ),
    ("addons.cancel_downgrade", "order_id", TYPE, _m("addons.cancel_downgrade", "1", "p0f_slots")),
    ("residential.profile", "proxy_type", VALUE, _m("residential.profile", "standard")),
    ("sub_users.list", "limit", VALUE, _m("sub_users.list", "standart", limit=0)),
    ("sub_users.iter", "page_size", VALUE, _m("sub_users.iter", "standart", page_size=0)),
    ("sub_users.get", "user_id", VALUE, _m("sub_users.get", "", "standart")),
    ("sub_users.create", "gb", VALUE, _m("sub_users.create", "standart", "n", -1)),
    ("sub_users.rename", "user_id", VALUE, _m("sub_users.rename", "a/b", "standart", "n")),
    ("sub_users.delete", "user_id", VALUE, _m("sub_users.delete", "..")),
    ("sub_users.add_traffic", "gb", TYPE, _m("sub_users.add_traffic", "u", "standart", "1")),
    (
        "sub_users.subtract_traffic",
        "proxy_type",
        VALUE,
        _m("sub_users.subtract_traffic", "u", "x", 1),
    ),
    ("sub_users.reset_password", "user_id", TYPE, _m("sub_users.reset_password", 5, "premium")),
    ("geo.countries", "proxy_type", TYPE, _m("geo.countries", None)),
    ("geo.regions", "country_code", VALUE, _m("geo.regions", "premium", " ")),
    ("geo.cities", "region_code", TYPE, _m("geo.cities", "premium", "US", 5)),
    ("geo.isps", "proxy_type", VALUE, _m("geo.isps", "US", "CA", "la", proxy_type="standart")),
]


async def _invoke(call: Call, client: ProxyOrdersClient, url: str) -> None:
    result = call(client, url)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(
    ("method", "argument", "expected", "call"),
    CASES,
    ids=[f"{m}-{a}-{n}" for n, (m, a, _, _) in enumerate(CASES)],
)
async def test_invalid_argument_raises_a_typed_error_naming_it_and_sends_nothing(
    proxyorders_client: ProxyOrdersClient,
    proxyorders_emulator: Emulator,
    method: str,
    argument: str,
    expected: type[Exception],
    call: Call,
) -> None:
    with pytest.raises(expected) as caught:
        await _invoke(call, proxyorders_client, proxyorders_emulator.url)
    exc = caught.value
    if isinstance(exc, (InvalidArgumentError, InvalidArgumentTypeError)):
        assert exc.argument == argument
    assert argument.split("[")[0] in str(exc), str(exc)
    assert len(proxyorders_emulator.journal) == 0, "a request was sent"


def test_the_table_covers_every_public_method_that_takes_arguments() -> None:
    methods = {m for m, _, _, _ in CASES}
    client = ProxyOrdersClient(token="t0ken-0123456789", base_url="http://127.0.0.1:9")
    public = {
        f"{namespace}.{name}"
        for namespace in (
            "orders",
            "catalog",
            "account",
            "proxies",
            "addons",
            "residential",
            "sub_users",
            "geo",
            "health",
        )
        for name in dir(getattr(client, namespace))
        if not name.startswith("_")
    }
    takes_arguments = {
        name
        for name in public
        if len(
            inspect.signature(
                getattr(client, name.split(".")[0]).__getattribute__(name.split(".")[1])
            ).parameters
        )
    }
    assert takes_arguments - methods == set()
    distinct = {(m, a, c) for m, a, _, c in CASES}
    assert len(distinct) >= 30
    record(
        "S8",
        cases=len(CASES),
        methods=len(methods),
        arguments=len({(m, a) for m, a, _, _ in CASES}),
        requests_sent=0,
    )
