"""Escape hatches: raw responses, errors with headers, ``client.request`` and per-call extras."""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Callable
from typing import Any

import aiohttp
import attrs
import pytest
from aioresponses import aioresponses
from yarl import URL

from proxyorders_async import (
    APIResponseValidationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    NotFoundError,
    OrderDetail,
    OutcomeUnknownError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    RateLimitError,
    RawResponse,
    Safety,
)
from proxyorders_async._endpoints import ORDERS_AND_WALLET
from proxyorders_async.resources import (
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

from .helpers import (
    BASE,
    ENDPOINTS,
    HEADERS,
    ORDER_DETAIL,
    TOKEN,
    Endpoint,
    any_query,
    calls,
    endpoint,
    only_call,
    order_page,
    request_count,
)

SERVER_HEADERS = {
    "X-Request-Id": "req-7",
    "Set-Cookie": "sid=cookie-secret; HttpOnly",
    "X-Echo": f"Bearer {TOKEN}",
}
SECRETS = ("cookie-secret", TOKEN)


def register(m: aioresponses, e: Endpoint, **kwargs: Any) -> None:
    kwargs.setdefault("payload", e.response)
    m.add(e.pattern, e.method, **kwargs)


def assert_masked(headers: Any) -> None:
    assert headers["Set-Cookie"] == "***"
    assert headers["X-Echo"] == "Bearer ***"
    assert all(secret not in repr(headers) for secret in SECRETS)


# ---------------------------------------------------------------------------------------------
# Raw responses


@pytest.mark.parametrize("e", ENDPOINTS, ids=lambda e: e.id)
async def test_every_call_has_a_raw_form_with_status_headers_and_the_same_result(
    m: aioresponses, client: ProxyOrdersClient, e: Endpoint
) -> None:
    register(m, e)
    plain = await e.call(client)
    register(m, e, headers=SERVER_HEADERS, status=201)

    raw = await e.call(client.with_raw_response)  # type: ignore[arg-type]

    assert isinstance(raw, RawResponse)
    assert raw.parsed == plain
    assert (raw.status, raw.method, raw.attempts) == (201, e.method, 1)
    assert URL(raw.url).path == e.path
    assert raw.headers["x-request-id"] == "req-7"  # case-insensitive
    assert_masked(raw.headers)
    assert all(secret not in repr(raw) for secret in SECRETS)
    with pytest.raises(TypeError):
        raw.headers["X-New"] = "x"  # type: ignore[index]
    sent = calls(m)[-1]
    assert sent.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_every_single_request_method_has_a_raw_form(client: ProxyOrdersClient) -> None:
    many_requests = {"pages", "iter", "calculate_many"}
    raw = client.with_raw_response
    for name, cls in [
        ("orders", OrdersResource),
        ("catalog", CatalogResource),
        ("account", AccountResource),
        ("proxies", ProxiesResource),
        ("addons", AddonsResource),
        ("residential", ResidentialResource),
        ("sub_users", SubUsersResource),
        ("geo", GeoResource),
        ("health", HealthResource),
    ]:
        public = {n for n, _ in inspect.getmembers(cls, inspect.isfunction) if n[0] != "_"}
        namespace = getattr(raw, name)
        assert set(vars(namespace)) == public - many_requests, name
        for method in vars(namespace).values():
            assert method.__doc__


async def test_a_raw_call_reports_the_final_attempt_after_retries(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    url = f"{BASE}/user/api/orders/42"
    m.get(url, status=503, headers={"X-Request-Id": "first"}, payload={"message": "busy"})
    m.get(url, payload=ORDER_DETAIL, headers={"X-Request-Id": "second"})

    raw = await client.with_raw_response.orders.get(42)

    assert (raw.status, raw.attempts, raw.headers["X-Request-Id"]) == (200, 2, "second")
    assert isinstance(raw.parsed, OrderDetail)


async def test_a_raw_quote_always_sends_its_own_request(
    m: aioresponses, make_client: Callable[..., ProxyOrdersClient]
) -> None:
    client = make_client(quote_cache_ttl=60)
    e = endpoint("calculate")
    for _ in range(3):
        register(m, e, headers={"X-Request-Id": "q"})
    first = await e.call(client)
    assert await e.call(client) == first  # cached: no second request
    assert request_count(m) == 1

    raw = await e.call(client.with_raw_response)  # type: ignore[arg-type]

    assert request_count(m) == 2
    assert raw.parsed == first and raw.headers["X-Request-Id"] == "q"


async def test_concurrent_raw_calls_each_get_their_own_response(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    for order_id in (1, 2):
        detail = {**ORDER_DETAIL, "order": {**ORDER_DETAIL["order"], "order_id": order_id}}
        m.get(f"{BASE}/user/api/orders/{order_id}", payload=detail, headers={"X-Id": str(order_id)})

    one, two = await asyncio.gather(
        client.with_raw_response.orders.get(1), client.with_raw_response.orders.get(2)
    )

    assert (one.parsed.order_id, one.headers["X-Id"]) == (1, "1")
    assert (two.parsed.order_id, two.headers["X-Id"]) == (2, "2")


async def test_a_raw_view_keeps_the_views_options(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    e = endpoint("me")
    register(m, e, status=503)
    view = client.with_options(max_retries=0, extra_headers={"X-Trace": "t1"})

    with pytest.raises(Exception, match="503") as caught:
        await view.with_raw_response.account.me()

    assert request_count(m) == 1
    assert only_call(m).kwargs["headers"]["X-Trace"] == "t1"
    assert getattr(caught.value, "status", None) == 503


# ---------------------------------------------------------------------------------------------
# Errors keep the response headers


async def test_a_status_error_keeps_masked_headers_out_of_its_text(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(
        f"{BASE}/user/api/orders/9",
        status=404,
        payload={"message": "no such order"},
        headers=SERVER_HEADERS,
    )

    with pytest.raises(NotFoundError) as caught:
        await client.orders.get(9)

    error = caught.value
    assert error.headers["X-Request-Id"] == "req-7"
    assert_masked(error.headers)
    for text in (str(error), repr(error), repr(error.args)):
        assert all(secret not in text for secret in SECRETS)


async def test_a_rate_limit_error_carries_retry_after_in_its_headers(
    m: aioresponses, make_client: Callable[..., ProxyOrdersClient]
) -> None:
    client = make_client(max_retries=0)
    m.get(f"{BASE}/user/api/me", status=429, headers={"Retry-After": "0"}, payload={})

    with pytest.raises(RateLimitError) as caught:
        await client.account.me()

    assert caught.value.headers["Retry-After"] == "0"


async def test_a_schema_mismatch_and_an_unknown_outcome_keep_the_headers(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(f"{BASE}/user/api/me", payload={"email": 5}, headers={"X-Request-Id": "bad"})
    with pytest.raises(APIResponseValidationError) as bad:
        await client.account.me()
    assert bad.value.headers["X-Request-Id"] == "bad"

    m.post(f"{BASE}/user/api/orders/42/renew", status=502, headers=SERVER_HEADERS, body="x")
    with pytest.raises(PurchaseOutcomeUnknownError) as unknown:
        await client.orders.renew(42)
    assert unknown.value.status == 502
    assert unknown.value.headers["X-Request-Id"] == "req-7"
    assert_masked(unknown.value.headers)


async def test_an_unknown_outcome_without_a_response_has_empty_headers(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.post(f"{BASE}/user/api/orders/42/renew", exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.orders.renew(42)
    assert caught.value.status is None
    assert dict(caught.value.headers) == {}


# ---------------------------------------------------------------------------------------------
# client.request


@attrs.frozen
class Country:
    code: str
    name: str


async def test_request_sends_through_the_client_and_returns_json(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(any_query("/user/api/geo/countries"), payload={"countries": [{"code": "DE"}]})

    data = await client.request(
        "get", "/user/api/geo/countries", params={"type": "dc", "page": 2, "all": True, "x": None}
    )

    assert data == {"countries": [{"code": "DE"}]}
    call = only_call(m)
    assert call.method == "GET"
    assert call.url == URL(f"{BASE}/user/api/geo/countries?all=true&page=2&type=dc")
    assert call.kwargs["headers"] == HEADERS


async def test_request_structures_cast_to_and_sends_json(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.put(f"{BASE}/user/api/geo/home", payload={"code": "DE", "name": "Germany", "extra": 1})

    country = await client.request(
        "PUT", "/user/api/geo/home", json={"code": "DE"}, cast_to=Country
    )

    assert country == Country("DE", "Germany")
    assert only_call(m).json == {"code": "DE"}


async def test_request_with_a_wrong_shape_raises_validation_error(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(f"{BASE}/user/api/geo/home", payload={"code": "DE"})
    with pytest.raises(APIResponseValidationError):
        await client.request("GET", "/user/api/geo/home", cast_to=Country)


async def test_request_paths_go_under_the_base_urls_path(
    m: aioresponses, make_client: Callable[..., ProxyOrdersClient]
) -> None:
    client = make_client(base_url="https://gw.example/v2/")
    m.get("https://gw.example/v2/user/api/x%2Fy/z", payload={})
    await client.request("GET", "/user/api/x%2Fy/z")
    m.get("https://gw.example/v2/user/api/me", payload={})
    await client.request("GET", "https://gw.example/v2/user/api/me")  # same origin and prefix
    assert [c.url.raw_path for c in calls(m)] == ["/v2/user/api/x%2Fy/z", "/v2/user/api/me"]


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/user/api/me",
        "//evil.example/user/api/me",
        "http://user-api.proxyshard.com/user/api/me",  # downgrade
        "https://user-api.proxyshard.com:8443/user/api/me",  # another port
        "https://u:p@user-api.proxyshard.com/user/api/me",
        "/user/api/../../admin",
        "/user/api/%2e%2E/admin",
        "/user/api/x%2F..%2F..%2Fadmin",
        "/user/api/x%5C..%5Cadmin",
        "/user/api/./me",
        "user/api/me",
        "/user/api/me?x=1",
        "/user/api/me#f",
        "/user/api/me\r\nX-Injected: 1",
        "/user/api\\me",
        "",
    ],
)
async def test_request_refuses_paths_off_the_base_url_before_sending(
    m: aioresponses, client: ProxyOrdersClient, path: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await client.request("GET", path)
    assert caught.value.argument == "path"
    assert request_count(m) == 0


async def test_request_refuses_a_url_outside_the_base_path(
    m: aioresponses, make_client: Callable[..., ProxyOrdersClient]
) -> None:
    client = make_client(base_url="https://gw.example/v2")
    with pytest.raises(InvalidArgumentError, match="under"):
        await client.request("GET", "https://gw.example/v1/user/api/me")
    assert request_count(m) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"method": "TRACE"}, InvalidArgumentError, "method"),
        ({"method": b"GET"}, InvalidArgumentTypeError, "method"),
        ({"path": 7}, InvalidArgumentTypeError, "path"),
        ({"params": [("a", "b")]}, InvalidArgumentTypeError, "params"),
        ({"params": {"a": 1.5}}, InvalidArgumentTypeError, "params['a']"),
        ({"json": {"x": math.nan}}, InvalidArgumentError, "json"),
        ({"json": {"x": object()}}, InvalidArgumentTypeError, "json"),
        ({"cast_to": dict}, InvalidArgumentTypeError, "cast_to"),
        ({"safety": "idempotent"}, InvalidArgumentTypeError, "safety"),
        ({"method": "POST", "advice": ""}, InvalidArgumentTypeError, "advice"),
    ],
)
async def test_request_checks_its_arguments_before_sending(
    m: aioresponses,
    client: ProxyOrdersClient,
    kwargs: dict[str, Any],
    error: type[Exception],
    argument: str,
) -> None:
    call: dict[str, Any] = {"method": "GET", "path": "/user/api/x", **kwargs}
    with pytest.raises(error) as caught:
        await client.request(call.pop("method"), call.pop("path"), **call)
    assert getattr(caught.value, "argument", None) == argument
    assert request_count(m) == 0


async def test_a_get_is_retried_and_a_post_is_never_resent_by_default(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    url = f"{BASE}/user/api/subusers"
    m.get(url, status=503, payload={})
    m.get(url, payload={"ok": 1})
    assert await client.request("GET", "/user/api/subusers") == {"ok": 1}

    m.post(url, status=503, payload={})
    with pytest.raises(OutcomeUnknownError) as caught:
        await client.request("POST", "/user/api/subusers", json={"name": "a"})

    assert not isinstance(caught.value, PurchaseOutcomeUnknownError)
    assert "POST /user/api/subusers" in caught.value.advice
    assert caught.value.request == {"name": "a"}
    assert request_count(m) == 3


async def test_an_idempotent_post_is_retried_when_declared(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    url = f"{BASE}/user/api/orders/1/note"
    m.post(url, status=503, payload={})
    m.post(url, payload={"success": True})
    await client.request("POST", "/user/api/orders/1/note", json={}, safety=Safety.IDEMPOTENT)
    assert request_count(m) == 2


async def test_a_known_charging_endpoint_keeps_its_safety_class(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    with pytest.raises(InvalidArgumentError, match=r"orders\.renew") as refused:
        await client.request("POST", "/user/api/orders/7/renew", safety=Safety.IDEMPOTENT)
    assert refused.value.argument == "safety"
    assert request_count(m) == 0

    m.post(f"{BASE}/user/api/orders/7/renew", status=500, payload={})
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.request("POST", "/user/api/orders/7/renew", json={})
    assert caught.value.advice == ORDERS_AND_WALLET
    assert request_count(m) == 1


async def test_a_charging_request_carries_the_callers_advice(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.post(f"{BASE}/user/api/bandwidth", status=504, payload={})
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.request(
            "POST",
            "/user/api/bandwidth",
            json={"gb": 5},
            safety=Safety.CHARGES,
            advice="check client.account.me()",
        )
    assert caught.value.advice == "check client.account.me()"
    assert "check client.account.me()" in str(caught.value)
    assert request_count(m) == 1


async def test_request_errors_are_redacted(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(f"{BASE}/user/api/x", status=400, body=f'{{"message": "bad key {TOKEN}"}}')
    with pytest.raises(Exception) as caught:
        await client.request("GET", "/user/api/x")
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(getattr(caught.value, "body", ""))


async def test_raw_request_returns_the_response(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(f"{BASE}/user/api/geo/home", payload={"code": "DE", "name": "G"}, headers={"X-A": "1"})
    raw = await client.with_raw_response.request("GET", "/user/api/geo/home", cast_to=Country)
    assert (raw.status, raw.headers["X-A"], raw.parsed) == (200, "1", Country("DE", "G"))


# ---------------------------------------------------------------------------------------------
# extra_headers and extra_query


async def test_extra_headers_and_query_are_sent(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(any_query("/user/api/orders"), payload=order_page([1]))
    view = client.with_options(
        extra_headers={"X-Trace": "t1", "user-agent": "my-app/2"}, extra_query={"beta": "1"}
    ).with_options(extra_headers={"X-Tenant": "acme"})

    await view.orders.list("all")

    call = only_call(m)
    assert call.url.query["beta"] == "1" and call.url.query["limit"] == "20"
    headers = call.kwargs["headers"]
    assert headers["X-Trace"] == "t1" and headers["X-Tenant"] == "acme"
    assert [k for k in headers if k.lower() == "user-agent"] == ["user-agent"]
    assert headers["user-agent"] == "my-app/2"
    assert headers["Authorization"] == f"Bearer {TOKEN}"


async def test_the_client_itself_sends_no_extras(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    client.with_options(extra_headers={"X-Trace": "t1"}, extra_query={"beta": "1"})
    m.get(f"{BASE}/user/api/me", payload=endpoint("me").response)
    await client.account.me()
    assert only_call(m).kwargs["headers"] == HEADERS
    assert only_call(m).url.query == {}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"extra_headers": {"Authorization": "Bearer other"}}, InvalidArgumentError),
        ({"extra_headers": {"host": "evil.example"}}, InvalidArgumentError),
        ({"extra_headers": {"Proxy-Authorization": "Basic x"}}, InvalidArgumentError),
        ({"extra_headers": {"Content-Length": "0"}}, InvalidArgumentError),
        ({"extra_headers": {"X-A": "1\r\nX-B: 2"}}, InvalidArgumentError),
        ({"extra_headers": {"X-A\n": "1"}}, InvalidArgumentError),
        ({"extra_headers": {"X A": "1"}}, InvalidArgumentError),
        ({"extra_headers": {"X-A": 1}}, InvalidArgumentTypeError),
        ({"extra_headers": [("X-A", "1")]}, InvalidArgumentTypeError),
        ({"extra_query": {"a": 1}}, InvalidArgumentTypeError),
        ({"extra_query": {"a": "1\n"}}, InvalidArgumentError),
        ({"extra_query": {"": "1"}}, InvalidArgumentError),
    ],
)
def test_with_options_refuses_bad_extras(
    client: ProxyOrdersClient, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.with_options(**kwargs)


async def test_an_extra_query_parameter_the_call_already_sends_is_refused(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    view = client.with_options(extra_query={"limit": "500"})
    with pytest.raises(InvalidArgumentError, match="limit") as caught:
        await view.orders.list("all")
    assert caught.value.argument == "extra_query"
    assert request_count(m) == 0


async def test_extra_query_follows_a_walk_whose_next_uri_echoes_it(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    second = f"{BASE}/user/api/orders?status=all&offset=20&limit=20&beta=1"
    m.get(any_query("/user/api/orders"), payload=order_page([1], next=second))
    m.get(any_query("/user/api/orders"), payload=order_page([2]))

    ids = [
        o.order_id async for o in client.with_options(extra_query={"beta": "1"}).orders.iter("all")
    ]

    assert ids == [1, 2]
    assert [c.url.query.getall("beta") for c in calls(m)] == [["1"], ["1"]]
