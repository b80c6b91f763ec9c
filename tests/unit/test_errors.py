"""Every error mapping: HTTP statuses to exception classes, and bodies that break the contract."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InsufficientBalanceError,
    InternalServerError,
    NotFoundError,
    OutOfStockError,
    PermissionDeniedError,
    ProxyOrdersClient,
    RateLimitError,
)

from .helpers import (
    BASE,
    DC_FULL,
    TOKEN,
    any_query,
    order,
    orders_url,
    request_count,
)

ME = f"{BASE}/user/api/me"
PURCHASE = f"{BASE}/user/api/orders/purchase"


def error_body(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


def assert_no_token(exc: BaseException) -> None:
    for shown in (str(exc), repr(exc), exc.args, getattr(exc, "url", "")):
        assert TOKEN not in str(shown)


@pytest.mark.parametrize(
    ("status", "message", "cls"),
    [
        (400, "Invalid cycle", BadRequestError),
        (400, "Insufficient balance", InsufficientBalanceError),
        (400, "insufficient balance: top up 12.00 USD", InsufficientBalanceError),
        (400, "Product is out of stock", OutOfStockError),
        (400, "Insufficient stock for DE", OutOfStockError),
        (401, "Unauthorized", AuthenticationError),
        (403, "Cycle not available for this user", PermissionDeniedError),
        (404, "Order not found", NotFoundError),
        (409, "Conflict", APIStatusError),
        (418, "teapot", APIStatusError),
        (422, "Unprocessable", APIStatusError),
        (500, "boom", InternalServerError),
        (502, "bad gateway", InternalServerError),
        (503, "maintenance", InternalServerError),
        (504, "gateway timeout", InternalServerError),
        (520, "unknown origin error", InternalServerError),
    ],
)
async def test_status_maps_to_error_class(
    m: aioresponses, client: ProxyOrdersClient, status: int, message: str, cls: type
) -> None:
    m.get(ME, status=status, payload=error_body(message))

    with pytest.raises(APIStatusError) as info:
        await client.with_options(max_retries=0).account.me()

    exc = info.value
    assert type(exc) is cls
    assert exc.status == status
    assert exc.message == message
    assert exc.body == error_body(message)
    assert (exc.method, exc.url, exc.attempts) == ("GET", ME, 1)
    assert f"HTTP {status}" in str(exc) and message in str(exc) and ME in str(exc)
    assert_no_token(exc)


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Insufficient balance", InsufficientBalanceError),
        ("Insufficient stock", OutOfStockError),
        ("Location is required", BadRequestError),
    ],
)
async def test_purchase_400_variants(
    m: aioresponses, client: ProxyOrdersClient, message: str, cls: type
) -> None:
    m.post(PURCHASE, status=400, payload=error_body(message))
    with pytest.raises(BadRequestError) as info:
        await client.orders.purchase(DC_FULL)
    assert type(info.value) is cls
    assert (info.value.method, info.value.url, info.value.message) == ("POST", PURCHASE, message)
    assert request_count(m) == 1


async def test_error_without_json_body_uses_the_reason_phrase(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(ME, status=404, body="<html>nope</html>", content_type="text/html")
    with pytest.raises(NotFoundError) as info:
        await client.account.me()
    assert info.value.message == "Not Found"
    assert info.value.body == "<html>nope</html>"


async def test_huge_error_body_is_an_excerpt(m: aioresponses, client: ProxyOrdersClient) -> None:
    m.get(ME, status=403, body="x" * 60_000, content_type="text/html")
    with pytest.raises(PermissionDeniedError) as info:
        await client.account.me()
    assert len(info.value.body) < 2100
    assert info.value.body.endswith("more characters]")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
    ids=["seconds", "zero", "garbage", "absent"],
)
async def test_rate_limit_error_carries_retry_after(
    m: aioresponses, client: ProxyOrdersClient, header: dict[str, str], expected: float | None
) -> None:
    m.get(ME, status=429, payload=error_body("Too many requests"), headers=header)
    with pytest.raises(RateLimitError) as info:
        await client.with_options(max_retries=0).account.me()
    assert info.value.retry_after == expected
    assert (info.value.status, info.value.message) == (429, "Too many requests")


async def test_rate_limit_retry_after_as_http_date(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    m.get(ME, status=429, payload=error_body("slow down"), headers={"Retry-After": when})
    with pytest.raises(RateLimitError) as info:
        await client.with_options(max_retries=0).account.me()
    assert info.value.retry_after is not None
    assert 115 <= info.value.retry_after <= 120


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed(
    m: aioresponses, client: ProxyOrdersClient, status: int
) -> None:
    evil = "https://evil.example/steal"
    m.get(ME, status=status, headers={"Location": evil}, body="")
    m.get(evil, payload={"email": "x", "active_orders": 0, "wallet_balance": 0})

    with pytest.raises(APIStatusError) as info:
        await client.account.me()

    assert type(info.value) is APIStatusError
    assert info.value.status == status
    assert info.value.attempts == 1
    assert request_count(m) == 1  # the Location was never requested
    assert_no_token(info.value)


# ---------------------------------------------------------------------------------------------
# 2xx bodies that break the contract


@pytest.mark.parametrize(
    ("path", "call", "payload"),
    [
        (
            "/user/api/me",
            lambda c: c.account.me(),
            {"email": "a", "active_orders": "5", "wallet_balance": 1},
        ),
        ("/user/api/me", lambda c: c.account.me(), {"email": "a", "active_orders": 5}),
        (
            "/user/api/me",
            lambda c: c.account.me(),
            {"email": "a", "active_orders": True, "wallet_balance": 1},
        ),
        ("/user/api/me", lambda c: c.account.me(), [1, 2]),
        ("/user/api/me", lambda c: c.account.me(), "hello"),
        ("/user/api/orders/calculate", lambda c: c.orders.calculate("P"), {"final_price": 10.5}),
        ("/user/api/orders/calculate", lambda c: c.orders.calculate("P"), {"final_price": "1080"}),
        (
            "/user/api/orders",
            lambda c: c.orders.list("all"),
            {"orders": [order(1, auto_renewal="false")]},
        ),
        (
            "/user/api/orders",
            lambda c: c.orders.list("all"),
            {"orders": [order(1, expires_at="yesterday")]},
        ),
        ("/user/api/orders", lambda c: c.orders.list("all"), {"orders": [{"order_id": 1}]}),
        ("/user/api/orders", lambda c: c.orders.list("all"), {"count": 0, "next": None}),
        ("/user/api/orders", lambda c: c.orders.list("all"), {"orders": {}}),
        ("/user/api/orders/42", lambda c: c.orders.get(42), {"success": True}),
        (
            "/user/api/proxies/products",
            lambda c: c.catalog.products(),
            {"products": [{"name": "ISP Proxy", "cycles": "monthly"}]},
        ),
        ("/user/api/proxies/available-count", lambda c: c.catalog.available_count(), {}),
        (
            "/user/api/proxies/available-count",
            lambda c: c.catalog.available_count(),
            {"data": [{"country": "DE", "product": "P", "amount": 1}]},
        ),
        (
            "/user/api/orders/edit-auto-renewal/1",
            lambda c: c.orders.edit_auto_renewal(1, True),
            {"success": "true"},
        ),
    ],
    ids=[
        "int-as-string",
        "missing-field",
        "bool-as-int",
        "array-for-object",
        "string-for-object",
        "float-money",
        "string-money",
        "bool-as-string",
        "bad-datetime",
        "order-missing-fields",
        "orders-missing",
        "orders-object",
        "detail-missing-order",
        "cycles-string",
        "object-for-array",
        "wrapped-array",
        "success-as-string",
    ],
)
async def test_wrong_shaped_200_is_a_validation_error_and_not_retried(
    m: aioresponses, client: ProxyOrdersClient, path: str, call: Any, payload: Any
) -> None:
    m.add(any_query(path), method="POST" if "edit" in path else "GET", payload=payload, repeat=True)

    with pytest.raises(APIResponseValidationError) as info:
        await call(client)

    assert info.value.status == 200
    assert info.value.body == payload
    assert info.value.attempts == 1
    assert "does not match the API schema" in info.value.message
    assert request_count(m) == 1
    assert_no_token(info.value)


@pytest.mark.parametrize(
    "call",
    [lambda c: c.account.me(), lambda c: c.orders.purchase(DC_FULL)],
    ids=["read", "purchase"],
)
async def test_success_false_in_a_200_is_a_validation_error(
    m: aioresponses, client: ProxyOrdersClient, call: Any
) -> None:
    body = {"success": False, "message": "Order could not be created"}
    m.add(any_query("/user/api/me"), payload=body, repeat=True)
    m.post(PURCHASE, payload=body, repeat=True)

    with pytest.raises(APIResponseValidationError) as info:
        await call(client)

    assert type(info.value) is APIResponseValidationError
    assert (info.value.status, info.value.body) == (200, body)
    assert "Order could not be created" in info.value.message
    assert request_count(m) == 1


async def test_non_json_200_is_a_validation_error_with_an_excerpt(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    html = "<html>" + "maintenance " * 1000 + "</html>"
    m.get(ME, body=html, content_type="text/html")

    with pytest.raises(APIResponseValidationError) as info:
        await client.with_options(max_retries=0).account.me()

    exc = info.value
    assert exc.status == 200
    assert exc.message == "response body is not valid JSON"
    assert exc.body.startswith("<html>maintenance")
    assert len(exc.body) < 2100 and exc.body.endswith("more characters]")
    assert (exc.method, exc.url) == ("GET", ME)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_body_over_max_response_bytes(
    m: aioresponses, make_client: Any, declared: bool
) -> None:
    client = make_client(max_response_bytes=1000)
    body = '{"email": "' + "a" * 2000 + '", "active_orders": 1, "wallet_balance": 1}'
    headers = {"Content-Length": str(len(body))} if declared else {}
    m.get(ME, body=body, headers=headers, repeat=True)

    with pytest.raises(APIResponseValidationError) as info:
        await client.account.me()

    assert "exceeds 1000 bytes" in info.value.message
    assert info.value.status == 200
    assert request_count(m) == 1


async def test_body_at_max_response_bytes_is_read(m: aioresponses, make_client: Any) -> None:
    body = '{"email": "a", "active_orders": 1, "wallet_balance": 1}'
    client = make_client(max_response_bytes=len(body))
    m.get(ME, body=body)
    assert (await client.account.me()).email == "a"


async def test_order_list_error_url_is_the_page_url(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(orders_url(status="on-hold"), status=401, payload=error_body("Unauthorized"))
    with pytest.raises(AuthenticationError) as info:
        await client.orders.list("on-hold")
    assert info.value.url == orders_url(status="on-hold")
