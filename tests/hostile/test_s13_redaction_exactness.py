"""Scenario 13: masking the API key never changes a successful answer.

The API key is ``77889900`` (8 digits, the shortest accepted) and a loopback server answers
with that very string inside the data: an order id ``778899001``, a tag
``team-77889900-prod``, an e-mail, a balance, a purchase message. Every value must come back
exactly as sent, while an error text holding the key is still masked. Keys shorter than
8 characters (``7788``) are refused at construction, without being echoed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import (
    BadRequestError,
    ConfigurationError,
    DatacenterIspPurchase,
    ProxyOrdersClient,
)

from ._support import FAST, capture_logs, loopback_server, record

KEY = "77889900"
ORDER = {
    "order_id": 77889900,
    "product_id": 7788,
    "product_name": "Proxy 77889900",
    "cycle_id": 4,
    "cycle_name": "monthly",
    "tag": "team-77889900-prod",
}


def _json(body: Any, status: int = 200) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    return handler


ROUTES = {
    ("POST", "/user/api/orders/purchase"): _json(
        {"success": True, "order_id": 778899001, "message": "order for key 77889900 created"}
    ),
    ("GET", "/user/api/orders"): _json(
        {"success": True, "orders": [ORDER], "count": 1, "next": None, "prev": None}
    ),
    ("GET", "/user/api/me"): _json(
        {"email": "77889900@example.test", "active_orders": 77889900, "wallet_balance": 778899000}
    ),
    ("GET", "/user/api/orders/5"): _json(
        {"success": False, "message": "key 77889900 is not allowed here"}, status=400
    ),
}


async def test_successful_answers_holding_the_key_come_back_exactly() -> None:
    request = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
    with capture_logs() as logs:
        async with (
            loopback_server(ROUTES) as server,
            ProxyOrdersClient(token=KEY, base_url=server.url, retry_policy=FAST) as client,
        ):
            bought = await client.orders.purchase(request)
            page = await client.orders.list("all")
            account = await client.account.me()
            with pytest.raises(BadRequestError) as caught:
                await client.orders.get(5)
    assert (bought.order_id, bought.message) == (778899001, "order for key 77889900 created")
    assert len(page.orders) == 1
    order = page.orders[0]
    assert order.order_id == 77889900 and order.product_id == 7788
    assert order.product_name == "Proxy 77889900" and order.tag == "team-77889900-prod"
    assert account.email == "77889900@example.test"
    assert (account.active_orders, account.wallet_balance) == (77889900, 778899000)
    # Error texts are still masked.
    assert caught.value.message == "key *** is not allowed here"
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.body)
    assert not [line for line in logs.lines if KEY in line]
    assert len(server.requests) == 4  # each sent once: nothing was taken for a bad answer
    record("S13", exact_values=9, masked_error_texts=1)


@pytest.mark.parametrize("length", range(1, 8))
def test_a_key_under_8_characters_is_refused_without_being_echoed(
    length: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "7788abc"[:length]
    with pytest.raises(ConfigurationError, match="too short") as caught:
        ProxyOrdersClient(token=key, base_url="http://127.0.0.1:9")
    assert "at least 8 characters" in str(caught.value)
    assert key not in str(caught.value)
    monkeypatch.setenv("PROXYORDERS_TOKEN", key)
    with pytest.raises(ConfigurationError, match="too short"):
        ProxyOrdersClient(base_url="http://127.0.0.1:9")
    record("S13", short_keys_refused=7)
