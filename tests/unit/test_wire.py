"""The exact request every endpoint sends: method, path, query, JSON body and headers."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from proxyorders_async import Addon, ProxyOrdersClient, PurchaseResult

from .helpers import (
    BASE,
    ENDPOINTS,
    HEADERS,
    JSON_HEADERS,
    NO_BODY,
    OK,
    PURCHASES,
    Endpoint,
    any_query,
    endpoint,
    only_call,
)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
async def test_endpoint_sends_exact_request(
    m: aioresponses, client: ProxyOrdersClient, endpoint: Endpoint
) -> None:
    m.add(endpoint.pattern, method=endpoint.method, payload=endpoint.response)

    await endpoint.call(client)

    call = only_call(m)
    assert call.method == endpoint.method
    assert str(call.url.origin()) == BASE
    assert call.url.path == endpoint.path
    assert dict(call.url.query) == endpoint.query
    assert len(call.url.query) == len(endpoint.query)  # no repeated keys
    if endpoint.body is NO_BODY:
        assert call.kwargs["data"] is None
        assert call.kwargs["headers"] == HEADERS
    else:
        assert call.json == endpoint.body
        assert call.kwargs["headers"] == JSON_HEADERS
    assert call.kwargs["allow_redirects"] is False
    timeout = call.kwargs["timeout"]
    assert isinstance(timeout, aiohttp.ClientTimeout)
    assert timeout.total == 30.0
    assert timeout.connect == 10.0


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.orders.edit_auto_renewal(7, True), "/user/api/orders/edit-auto-renewal/7"),
        (lambda c: c.orders.renew(7), "/user/api/orders/7/renew"),
    ],
    ids=["edit_auto_renewal", "renew"],
)
async def test_bodyless_posts_send_an_empty_json_object(
    m: aioresponses, client: ProxyOrdersClient, call: Any, path: str
) -> None:
    m.post(any_query(path), payload=OK)
    await call(client)
    sent = only_call(m)
    assert sent.kwargs["data"] == b"{}"
    assert sent.kwargs["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize(("flag", "wire"), [(True, "true"), (False, "false")])
async def test_edit_auto_renewal_flag_is_in_the_query(
    m: aioresponses, client: ProxyOrdersClient, flag: bool, wire: str
) -> None:
    m.post(any_query("/user/api/orders/edit-auto-renewal/9"), payload=OK)
    await client.orders.edit_auto_renewal(9, flag)
    assert dict(only_call(m).url.query) == {"auto_renewal": wire}


@pytest.mark.parametrize(
    ("request_", "body"), [p[1:] for p in PURCHASES], ids=[p[0] for p in PURCHASES]
)
async def test_purchase_body_of_each_variant(
    m: aioresponses, client: ProxyOrdersClient, request_: Any, body: dict[str, Any]
) -> None:
    m.post(f"{BASE}/user/api/orders/purchase", payload={"success": True, "order_id": 5})

    result = await client.orders.purchase(request_)

    assert result == PurchaseResult(order_id=5, success=True, message=None)
    sent = only_call(m)
    assert sent.json == body
    assert None not in sent.json.values()
    assert b": " not in sent.kwargs["data"] and b", " not in sent.kwargs["data"]  # compact JSON


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({}, {"product": "Standart Residential Proxy"}),
        ({"quantity": 3}, {"product": "Standart Residential Proxy", "quantity": "3"}),
        (
            {"addons": [Addon("p0f_slots", 5), Addon("extra", 1)]},
            {
                "product": "Standart Residential Proxy",
                "addons_json": '[{"addon_key":"p0f_slots","qty":5},{"addon_key":"extra","qty":1}]',
            },
        ),
        ({"addons": []}, {"product": "Standart Residential Proxy", "addons_json": "[]"}),
        (
            {"location": "DE", "cycle": "day", "promo_code": "X Y&Z"},
            {
                "product": "Standart Residential Proxy",
                "location": "DE",
                "cycle": "day",
                "promo_code": "X Y&Z",
            },
        ),
    ],
    ids=["product-only", "quantity", "addons", "no-addons", "escaped"],
)
async def test_calculate_query_omits_none_and_encodes_addons(
    m: aioresponses, client: ProxyOrdersClient, kwargs: dict[str, Any], query: dict[str, str]
) -> None:
    m.get(any_query("/user/api/orders/calculate"), payload={"final_price": 1})
    await client.orders.calculate("Standart Residential Proxy", **kwargs)
    assert dict(only_call(m).url.query) == query


async def test_base_url_with_a_path_prefix(m: aioresponses, make_client: Any) -> None:
    client = make_client(base_url="https://gw.example.com/proxyshard/")
    m.get("https://gw.example.com/proxyshard/user/api/me", payload=endpoint("me").response)
    await client.account.me()
    assert only_call(m).url.path == "/proxyshard/user/api/me"
