"""Response parsing: every response model, as the client decodes it from the wire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    Account,
    ActiveProxy,
    ActiveProxyList,
    AddonLine,
    BillingCycleChange,
    OperationResult,
    Order,
    OrderDetail,
    OrderPage,
    PriceQuote,
    Product,
    ProxyOrdersClient,
    PurchaseResult,
    StockLevel,
)

from .helpers import (
    ACTIVE_PROXIES,
    BASE,
    DC_FULL,
    ORDER_DETAIL,
    PROXY_PASSWORD,
    any_query,
    order,
    order_page,
    orders_url,
)

UTC = timezone.utc


async def test_purchase_result(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.post(
        any_query("/user/api/orders/purchase"),
        payload={"success": True, "message": "Order paid successfully", "order_id": 123, "x": 1},
    )
    result = await client.orders.purchase(DC_FULL)
    assert result == PurchaseResult(order_id=123, success=True, message="Order paid successfully")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {
                "original_price": 1200,
                "final_price": 1080,
                "discount_percent": 10,
                "addons_price": 250,
                "total_with_addons": 1330,
                "currency": "USD",
            },
            PriceQuote(
                original_price=1200,
                final_price=1080,
                discount_percent=10,
                addons_price=250,
                total_with_addons=1330,
            ),
        ),
        ({"final_price": 99}, PriceQuote(final_price=99)),
        ({"final_price": None, "addons_price": None}, PriceQuote()),
    ],
    ids=["full", "partial", "nulls"],
)
async def test_price_quote_money_is_int_cents(
    m: aioresponses, client: ProxyOrdersClient, payload: Any, expected: PriceQuote
) -> None:
    m.get(any_query("/user/api/orders/calculate"), payload=payload)
    quote = await client.orders.calculate("Datacenter Proxy", location="DE", cycle="monthly")
    assert quote == expected
    for value in attrs.astuple(quote):
        assert value is None or type(value) is int


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {
                "success": True,
                "message": "Billing cycle changed",
                "order_id": 42,
                "original_price": 400,
                "final_price": 360,
                "discount_percent": 10,
            },
            BillingCycleChange(
                success=True,
                message="Billing cycle changed",
                order_id=42,
                original_price=400,
                final_price=360,
                discount_percent=10,
            ),
        ),
        (
            {"success": True, "message": "ok", "order": {"order_id": 42, "cycle_name": "weekly"}},
            BillingCycleChange(
                success=True, message="ok", order={"order_id": 42, "cycle_name": "weekly"}
            ),
        ),
    ],
    ids=["1.1.0-flat", "1.0.0-nested"],
)
async def test_billing_cycle_change_both_shapes(
    m: aioresponses, client: ProxyOrdersClient, payload: Any, expected: BillingCycleChange
) -> None:
    m.post(any_query("/user/api/orders/change-billing-cycle/42"), payload=payload)
    assert await client.orders.change_billing_cycle(42, "weekly") == expected


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.orders.edit_auto_renewal(1, False), "/user/api/orders/edit-auto-renewal/1"),
        (lambda c: c.orders.renew(1), "/user/api/orders/1/renew"),
        (lambda c: c.orders.set_tag(1, ""), "/user/api/orders/1/tag"),
    ],
    ids=["edit_auto_renewal", "renew", "set_tag"],
)
async def test_operation_result(
    m: aioresponses, client: ProxyOrdersClient, call: Any, path: str
) -> None:
    m.post(any_query(path), payload={"success": True, "message": "Saved", "extra": [1]})
    assert await call(client) == OperationResult(success=True, message="Saved")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-31T12:00:00Z", datetime(2030, 1, 31, 12, tzinfo=UTC)),
        ("2030-01-31T12:00:00.250000Z", datetime(2030, 1, 31, 12, 0, 0, 250000, tzinfo=UTC)),
        (
            "2030-01-31T12:00:00+02:00",
            datetime(2030, 1, 31, 12, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2030-01-31T12:00:00-05:30",
            datetime(2030, 1, 31, 12, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        ("2030-01-31T12:00:00", datetime(2030, 1, 31, 12, tzinfo=UTC)),
        (None, None),
    ],
    ids=["Z", "fraction-Z", "plus-offset", "minus-offset", "naive-is-utc", "null"],
)
async def test_order_timestamps_become_aware_datetimes(
    m: aioresponses, client: ProxyOrdersClient, text: str | None, expected: datetime | None
) -> None:
    page = order_page([])
    page["orders"] = [order(1, expires_at=text)]
    m.get(orders_url(), payload=page)
    (parsed,) = (await client.orders.list("all")).orders
    assert parsed.expires_at == expected
    if expected is not None:
        assert parsed.expires_at is not None
        assert parsed.expires_at.utcoffset() == expected.utcoffset()


async def test_order_page(m: aioresponses, client: ProxyOrdersClient) -> None:
    payload = order_page([1, 2], next="/user/api/orders?status=all&offset=2&limit=2", prev=None)
    payload["orders"][1] = order(
        2, auto_renewal=None, expires_at=None, tag="t", brand_new_field={"x": 1}
    )
    payload["unknown"] = "ignored"
    m.get(orders_url(limit=2), payload=payload)

    page = await client.orders.list("all", limit=2)

    assert isinstance(page, OrderPage)
    assert page.url == f"{BASE}/user/api/orders?status=all&offset=0&limit=2"
    assert page.count == 2 and len(page) == 2
    assert page.next == "/user/api/orders?status=all&offset=2&limit=2"
    assert page.prev is None
    assert page.has_next is True
    assert page.orders == (
        Order(
            order_id=1,
            product_id=1,
            product_name="Datacenter Proxy",
            cycle_id=3,
            cycle_name="monthly",
            expires_at=datetime(2030, 1, 31, 12, tzinfo=UTC),
            auto_renewal=False,
            tag=None,
        ),
        Order(
            order_id=2,
            product_id=1,
            product_name="Datacenter Proxy",
            cycle_id=3,
            cycle_name="monthly",
            expires_at=None,
            auto_renewal=None,
            tag="t",
        ),
    )


async def test_last_order_page_has_no_next(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(orders_url(offset=20), payload=order_page([21], prev="/user/api/orders?offset=0"))
    page = await client.orders.list("all", offset=20)
    assert (page.next, page.has_next, page.prev) == (None, False, "/user/api/orders?offset=0")


async def test_order_page_without_count_counts_its_orders(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(orders_url(), payload={"orders": [order(1), order(2), order(3)]})
    page = await client.orders.list("all")
    assert (page.count, page.next, page.prev) == (3, None, None)


async def test_order_detail(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(f"{BASE}/user/api/orders/42", payload=ORDER_DETAIL)
    assert await client.orders.get(42) == OrderDetail(
        order_id=42,
        product_name="Datacenter Proxy",
        cycle_name="monthly",
        status="active",
        quantity=10,
        price_paid=1080,
        addons_price_paid=250,
        addons=(AddonLine(addon_key="p0f_slots", qty=5),),
        created_at=datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        expires_at=datetime(2030, 1, 31, tzinfo=UTC),
        promo_code="SAVE10",
        auto_renewal=True,
        tag="shop-7",
    )


async def test_order_detail_minimal(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(
        f"{BASE}/user/api/orders/7",
        payload={"order": {"order_id": 7, "product_name": "ISP Proxy", "tag": None}},
    )
    detail = await client.orders.get(7)
    assert detail == OrderDetail(order_id=7, product_name="ISP Proxy")


async def test_products(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(
        f"{BASE}/user/api/proxies/products",
        payload={
            "success": True,
            "products": [
                {
                    "name": "Datacenter Proxy",
                    "description": "Fast",
                    "location": "DE",
                    "cycles": ["3 days", "monthly"],
                    "sort": 1,
                },
                {"name": "Standart Residential Proxy", "description": None, "cycles": []},
            ],
        },
    )
    assert await client.catalog.products() == (
        Product(
            name="Datacenter Proxy", cycles=("3 days", "monthly"), description="Fast", location="DE"
        ),
        Product(name="Standart Residential Proxy", cycles=()),
    )


async def test_available_count_is_a_bare_array(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(
        f"{BASE}/user/api/proxies/available-count",
        payload=[
            {"country": "DE", "product": "Datacenter Proxy", "amount": 120},
            {"country": "US", "product": "ISP Proxy", "amount": 0, "reserved": 3},
        ],
    )
    assert await client.catalog.available_count() == (
        StockLevel(country="DE", product="Datacenter Proxy", amount=120),
        StockLevel(country="US", product="ISP Proxy", amount=0),
    )


async def test_available_count_empty(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(f"{BASE}/user/api/proxies/available-count", payload=[])
    assert await client.catalog.available_count() == ()


async def test_me(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(
        f"{BASE}/user/api/me",
        payload={"email": "a@example.com", "active_orders": 3, "wallet_balance": 10050, "x": 0},
    )
    account = await client.account.me()
    assert account == Account(email="a@example.com", active_orders=3, wallet_balance=10050)
    assert type(account.wallet_balance) is int


async def test_active_proxies_hide_the_password_from_repr(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(any_query("/user/api/proxies/active"), payload=ACTIVE_PROXIES)

    proxies = await client.proxies.active(42)

    expected = ActiveProxy(
        ip="203.0.113.7",
        username="u42",
        password=PROXY_PASSWORD,
        http_port=8080,
        socks_port=1080,
        until="2030-01-31T00:00:00Z",
        status="active",
        signature=None,
    )
    assert proxies == ActiveProxyList(data=(expected,), order_tag="shop-7", success=True)
    assert list(proxies) == [expected] and len(proxies) == 1
    assert proxies.data[0].password == PROXY_PASSWORD
    for shown in (repr(proxies), repr(proxies.data[0]), str(proxies.data[0])):
        assert PROXY_PASSWORD not in shown
        assert "password='***'" in shown


@pytest.mark.parametrize(
    "instance",
    [
        PurchaseResult(order_id=1),
        PriceQuote(),
        BillingCycleChange(),
        OperationResult(),
        Order(order_id=1, product_id=1, product_name="p", cycle_id=1, cycle_name="c"),
        OrderPage(orders=(), count=0),
        OrderDetail(order_id=1, product_name="p"),
        Product(name="p"),
        StockLevel(country="DE", product="p", amount=1),
        Account(email="e", active_orders=0, wallet_balance=0),
        ActiveProxyList(data=()),
    ],
    ids=lambda i: type(i).__name__,
)
def test_response_models_are_frozen_and_slotted(instance: Any) -> None:
    assert not hasattr(instance, "__dict__")
    field = attrs.fields(type(instance))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(instance, field, None)
