"""Every endpoint's happy path, authentication, and the error shape for unknown routes."""

from __future__ import annotations

import io

import pytest

from proxyorders_async.emulator import PRODUCTS, Emulator

from .conftest import DC_MONTHLY, Api


def _is_error(body: object) -> bool:
    return (
        isinstance(body, dict)
        and body.get("success") is False
        and isinstance(body.get("message"), str)
        and set(body) == {"success", "message"}
    )


@pytest.mark.parametrize("path", ["/health", "/health/live"])
async def test_health_needs_no_token(api: Api, path: str) -> None:
    status, body = await api.get(path, token=None)
    assert status == 200
    assert body["success"] is True


async def test_me(api: Api, emu: Emulator) -> None:
    status, body = await api.get("/user/api/me")
    assert status == 200
    assert body == {
        "email": "demo@proxyshard.test",
        "active_orders": emu.account.active_orders,
        "wallet_balance": emu.account.balance,
    }
    assert body["active_orders"] == sum(o.status == "active" for o in emu.account)


async def test_products_list_every_product_and_location(api: Api) -> None:
    status, body = await api.get("/user/api/proxies/products")
    assert status == 200
    assert body["success"] is True
    entries = body["products"]
    expected = {(p.name, loc) for p in PRODUCTS.values() for loc in p.locations or (None,)}
    assert {(e["name"], e["location"]) for e in entries} == expected
    dc = next(e for e in entries if e["name"] == "Datacenter Proxy")
    assert dc["cycles"] == ["3days", "weekly", "half-month", "monthly"]
    standard = next(e for e in entries if e["name"] == "Standart Residential Proxy")
    assert standard["cycles"] == []  # lifetime: no cycle to choose
    assert all(set(e) == {"name", "description", "location", "cycles"} for e in entries)


async def test_available_count_is_a_bare_array(api: Api) -> None:
    status, body = await api.get("/user/api/proxies/available-count")
    assert status == 200
    assert isinstance(body, list)
    assert {"country": "DE", "product": "Datacenter Proxy", "amount": 5000} in body
    assert {"country": "US", "product": "ISP Proxy", "amount": 2000} in body
    assert all(set(item) == {"country", "product", "amount"} for item in body)


async def test_purchase_creates_an_order(api: Api, emu: Emulator) -> None:
    status, body = await api.purchase(**DC_MONTHLY, quantity=2)
    assert status == 200
    assert body["success"] is True
    assert body["message"] == "Order paid successfully"
    assert isinstance(body["order_id"], int)
    assert emu.account.get(body["order_id"]).quantity == 2


async def test_calculate(api: Api) -> None:
    status, body = await api.get(
        "/user/api/orders/calculate",
        params={
            "product": "Datacenter Proxy",
            "location": "DE",
            "cycle": "monthly",
            "quantity": "10",
        },
    )
    assert status == 200
    assert body == {
        "original_price": 1200,
        "final_price": 1200,
        "discount_percent": 0,
        "addons_price": 0,
        "total_with_addons": 1200,
    }


async def test_order_detail(api: Api, emu: Emulator) -> None:
    _, bought = await api.purchase(**DC_MONTHLY, promo_code="SAVE10", auto_renewal=True)
    status, body = await api.get(f"/user/api/orders/{bought['order_id']}")
    assert status == 200
    assert body["success"] is True
    order = body["order"]
    assert order["order_id"] == bought["order_id"]
    assert order["product_name"] == "Datacenter Proxy"
    assert order["cycle_name"] == "monthly"
    assert order["quantity"] == 1
    assert order["price_paid"] == 108
    assert order["addons_price_paid"] == 0
    assert order["addons"] == []
    assert order["status"] == "active"
    assert order["created_at"] == "2025-01-01T00:00:00Z"
    assert order["expires_at"] == "2025-01-31T00:00:00Z"
    assert order["promo_code"] == "SAVE10"
    assert order["auto_renewal"] is True
    assert order["tag"] is None


async def test_order_list(api: Api, emu: Emulator) -> None:
    status, body = await api.orders(status="all", limit=10)
    assert status == 200
    assert body["success"] is True
    assert body["count"] == 10
    assert [o["order_id"] for o in body["orders"]] == emu.account.order_ids()[:10]
    assert body["prev"] is None
    assert body["next"] == "/user/api/orders?status=all&offset=10&limit=10"
    item = body["orders"][0]
    for key in ("order_id", "product_id", "product_name", "cycle_id", "cycle_name"):
        assert key in item
    assert {"expires_at", "auto_renewal", "tag"} <= set(item)


async def test_change_billing_cycle(api: Api) -> None:
    _, bought = await api.purchase(**DC_MONTHLY, quantity=3)
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{bought['order_id']}", json={"cycle": "weekly"}
    )
    assert status == 200
    assert body == {
        "success": True,
        "message": "Billing cycle changed",
        "order_id": bought["order_id"],
        "original_price": 120,
        "final_price": 120,
        "discount_percent": 0,
    }


async def test_edit_auto_renewal(api: Api, emu: Emulator) -> None:
    _, bought = await api.purchase(**DC_MONTHLY)
    status, body = await api.post(
        f"/user/api/orders/edit-auto-renewal/{bought['order_id']}?auto_renewal=true", json={}
    )
    assert (status, body) == (200, {"success": True, "message": "Auto-renewal updated"})
    assert emu.account.get(bought["order_id"]).auto_renewal is True


async def test_renew(api: Api, emu: Emulator) -> None:
    _, bought = await api.purchase(**DC_MONTHLY)
    emu.account.set_status(bought["order_id"], "on-hold")
    status, body = await api.post(f"/user/api/orders/{bought['order_id']}/renew", json={})
    assert (status, body) == (200, {"success": True, "message": "Order renewed"})
    assert emu.account.get(bought["order_id"]).status == "active"


async def test_tag(api: Api, emu: Emulator) -> None:
    _, bought = await api.purchase(**DC_MONTHLY)
    status, body = await api.post(
        f"/user/api/orders/{bought['order_id']}/tag", json={"tag": "scraper-eu"}
    )
    assert (status, body) == (200, {"success": True, "message": "Tag updated"})
    assert emu.account.get(bought["order_id"]).tag == "scraper-eu"


async def test_active_proxies(api: Api) -> None:
    _, bought = await api.purchase(**DC_MONTHLY, quantity=3)
    await api.post(f"/user/api/orders/{bought['order_id']}/tag", json={"tag": "eu"})
    status, body = await api.get(
        "/user/api/proxies/active", params={"order_id": str(bought["order_id"])}
    )
    assert status == 200
    assert body["success"] is True
    assert body["order_tag"] == "eu"
    assert len(body["data"]) == 3
    proxy = body["data"][0]
    assert set(proxy) == {
        "ip", "username", "password", "http_port", "socks_port", "until", "status", "signature"
    }  # fmt: skip
    assert proxy["until"] == "2025-01-31T00:00:00Z"
    assert len({p["ip"] for p in body["data"]}) == 3


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/user/api/me"),
        ("GET", "/user/api/orders?status=all"),
        ("GET", "/user/api/orders/100001"),
        ("GET", "/user/api/orders/calculate?product=ISP+Proxy"),
        ("POST", "/user/api/orders/purchase"),
        ("POST", "/user/api/orders/100001/renew"),
        ("POST", "/user/api/orders/100001/tag"),
        ("POST", "/user/api/orders/change-billing-cycle/100001"),
        ("POST", "/user/api/orders/edit-auto-renewal/100001?auto_renewal=true"),
        ("GET", "/user/api/proxies/products"),
        ("GET", "/user/api/proxies/available-count"),
        ("GET", "/user/api/proxies/active?order_id=100001"),
        ("GET", "/user/api/no-such-route"),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_every_api_route_needs_a_valid_token(
    api: Api, method: str, path: str, token: str | None
) -> None:
    status, body = await api.call(method, path, token=token, json={})
    assert status == 401
    assert _is_error(body)
    expected = "missing bearer token" if token is None else "invalid API key"
    assert expected in body["message"]


async def test_non_bearer_scheme_is_rejected(api: Api, emu: Emulator) -> None:
    status, body = await api.get(
        "/user/api/me", token=None, headers={"Authorization": f"Basic {emu.token}"}
    )
    assert status == 401
    assert _is_error(body)


async def test_unknown_route_is_a_json_404(api: Api) -> None:
    status, body = await api.get("/user/api/nothing-here")
    assert status == 404
    assert _is_error(body)
    status, body = await api.get("/elsewhere", token=None)
    assert status == 404
    assert _is_error(body)


async def test_wrong_method_is_a_json_405_with_allow(api: Api, emu: Emulator) -> None:
    async with api.session.get(
        emu.url + "/user/api/orders/purchase", headers={"Authorization": f"Bearer {emu.token}"}
    ) as response:
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert _is_error(await response.json())


async def test_unknown_and_foreign_orders_are_404(api: Api, emu: Emulator) -> None:
    other = emu.add_account("other-token", orders=3)
    foreign = other.order_ids()[0]
    for path in (f"/user/api/orders/{foreign}", "/user/api/orders/999999999"):
        status, body = await api.get(path)
        assert status == 404
        assert _is_error(body)
    status, _ = await api.get(f"/user/api/orders/{foreign}", token="other-token")
    assert status == 200


async def test_accounts_are_isolated(api: Api, emu: Emulator) -> None:
    emu.add_account("poor", balance=0)
    status, body = await api.get("/user/api/me", token="poor")
    assert status == 200
    assert body == {"email": "user1@proxyshard.test", "active_orders": 0, "wallet_balance": 0}
    status, body = await api.orders(status="all", token="poor")
    assert (status, body["count"], body["next"]) == (200, 0, None)


async def test_oversized_bodies_are_a_json_413(api: Api, emu: Emulator) -> None:
    status, body = await api.post(
        "/user/api/orders/purchase",
        data=io.BytesIO(b"{" + b" " * (2 * 1024 * 1024) + b"}"),
        headers={"Content-Type": "application/json"},
    )
    assert status == 413
    assert _is_error(body)
    assert emu.journal_for("orders.purchase")[0].status == 413
