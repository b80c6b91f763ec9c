"""The business rules: validation, money, stock, promo codes, add-ons and order operations."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from proxyorders_async.emulator import Emulator

from .conftest import DC_MONTHLY, Api

ISP = {"product": "ISP Proxy", "location": "US", "cycle": "monthly"}


def _message(body: Any) -> str:
    assert isinstance(body, dict)
    assert body["success"] is False
    message = body["message"]
    assert isinstance(message, str)
    return message


# -- purchase validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "product is required"),
        ({"product": 5}, "product is required"),
        ({"product": "Nope Proxy", "cycle": "monthly"}, "Unknown product"),
        ({"product": "Datacenter Proxy", "cycle": "monthly"}, "location is required"),
        ({**DC_MONTHLY, "location": "US"}, "Location 'US' is not available"),
        ({**DC_MONTHLY, "location": None}, "location is required"),
        ({"product": "Datacenter Proxy", "location": "DE"}, "cycle is required"),
        ({**DC_MONTHLY, "cycle": "day"}, "Cycle 'day' is not available"),
        ({**ISP, "cycle": "weekly"}, "Cycle 'weekly' is not available"),
        ({**DC_MONTHLY, "quantity": 0}, "quantity must be between"),
        ({**DC_MONTHLY, "quantity": -1}, "quantity must be between"),
        ({**DC_MONTHLY, "quantity": 100_001}, "quantity must be between"),
        ({**DC_MONTHLY, "quantity": 1.5}, "quantity must be an integer"),
        ({**DC_MONTHLY, "quantity": "2"}, "quantity must be an integer"),
        ({**DC_MONTHLY, "quantity": True}, "quantity must be an integer"),
        ({**DC_MONTHLY, "quantity": None}, "quantity must be an integer"),
        ({**DC_MONTHLY, "promo_code": "NOPE"}, "Unknown promo code"),
        ({**DC_MONTHLY, "cycle": "weekly", "promo_code": "SAVE10"}, "does not apply"),
        ({"product": "Unmetered Residential proxy", "cycle": "day", "promo_code": "RESI20"},
         "does not apply"),
        ({**DC_MONTHLY, "auto_renewal": "yes"}, "auto_renewal must be a boolean"),
        ({**DC_MONTHLY, "color": "red"}, "Unknown field(s): color"),
        ({**DC_MONTHLY, "addons": {"p0f_slots": 1}}, "addons must be an array"),
        ({**DC_MONTHLY, "addons": [{"addon_key": "nope", "qty": 1}]}, "Unknown addon_key"),
        ({**DC_MONTHLY, "addons": [{"addon_key": "p0f_slots", "qty": 0}]}, "addon qty"),
        ({**DC_MONTHLY, "addons": [{"addon_key": "p0f_slots", "qty": 1, "x": 1}]},
         "Unknown addon field"),
        ({**DC_MONTHLY, "addons": [{"addon_key": "p0f_slots", "qty": 1}] * 2}, "Duplicate"),
        ({"product": "Standart Residential Proxy", "cycle": "monthly"}, "has no billing cycle"),
        ({"product": "Standart Residential Proxy", "location": "DE"}, "location is not supported"),
        ({"product": "Premium Residential Proxy", "auto_renewal": True},
         "auto_renewal is not supported"),
        ({"product": "Unmetered Residential proxy"}, "cycle is required"),
        ({"product": "Unmetered Residential proxy", "cycle": "day", "location": "DE"},
         "location is not supported"),
        ({"product": "Residential Proxy NEW", "cycle": "weekly"}, "Cycle 'weekly'"),
        ({"product": "Mobile Proxy Basic", "cycle": "day", "location": "FR"},
         "Location 'FR' is not available"),
    ],
)  # fmt: skip
async def test_purchase_rejects_invalid_bodies(
    api: Api, emu: Emulator, body: dict[str, Any], fragment: str
) -> None:
    balance = emu.account.balance
    orders = len(emu.account.orders)
    status, response = await api.purchase(**body)
    assert status == 400
    assert fragment in _message(response)
    assert emu.account.balance == balance
    assert len(emu.account.orders) == orders


@pytest.mark.parametrize(
    ("raw", "content_type", "fragment"),
    [
        (b"not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (json.dumps(DC_MONTHLY).encode(), "text/plain", "Content-Type must be application/json"),
    ],
)
async def test_purchase_rejects_malformed_requests(
    api: Api, raw: bytes, content_type: str, fragment: str
) -> None:
    status, body = await api.post(
        "/user/api/orders/purchase", data=raw, headers={"Content-Type": content_type}
    )
    assert status == 400
    assert fragment in _message(body)


@pytest.mark.parametrize(
    ("body", "charged"),
    [
        ({**DC_MONTHLY, "quantity": 10}, 1200),
        ({**DC_MONTHLY, "quantity": 10, "promo_code": "SAVE10"}, 1080),
        ({**DC_MONTHLY, "cycle": "3days", "quantity": 3}, 90),
        ({**DC_MONTHLY, "cycle": "weekly", "promo_code": "WEEKLY15", "quantity": 7}, 238),
        ({**DC_MONTHLY, "cycle": "half-month"}, 70),
        ({**ISP, "quantity": 5, "promo_code": "SAVE10"}, 900),
        ({"product": "Standart Residential Proxy", "quantity": 4}, 800),
        ({"product": "Premium Residential Proxy", "quantity": 2, "promo_code": "RESI20"}, 480),
        ({"product": "Unmetered Residential proxy", "cycle": "day"}, 3000),
        ({"product": "Unmetered Residential proxy", "cycle": "weekly"}, 19900),
        ({"product": "Unmetered Residential proxy", "cycle": "half-month"}, 39900),
        ({"product": "Unmetered Residential proxy", "cycle": "monthly", "auto_renewal": True},
         69900),
        ({"product": "Residential Proxy NEW", "cycle": "day", "promo_code": "WELCOME5"}, 142),
        ({"product": "Mobile Proxy Basic", "cycle": "monthly", "location": None}, 5500),
        ({**DC_MONTHLY, "addons": [{"addon_key": "p0f_slots", "qty": 5}],
          "promo_code": "SAVE10"}, 108 + 5 * 30),
        ({**ISP, "addons": [{"addon_key": "p0f_slots", "qty": 2}]}, 200 + 2 * 60),
        ({"product": "Mobile Proxy Basic", "cycle": "day", "location": "US",
          "addons": [{"addon_key": "p0f_slots", "qty": 1}]}, 400 + 10),
        ({**DC_MONTHLY, "addons": None, "promo_code": None}, 120),
    ],
)  # fmt: skip
async def test_purchase_charges_the_quoted_total(
    api: Api, emu: Emulator, body: dict[str, Any], charged: int
) -> None:
    query = {k: v for k, v in body.items() if k not in ("addons", "auto_renewal")}
    if body.get("addons"):
        query["addons_json"] = json.dumps(body["addons"])
    params = {k: str(v) for k, v in query.items() if v is not None}
    status, quote = await api.get("/user/api/orders/calculate", params=params)
    assert status == 200
    assert quote["total_with_addons"] == charged
    assert quote["total_with_addons"] == quote["final_price"] + quote["addons_price"]

    before = emu.account.balance
    status, response = await api.purchase(**body)
    assert status == 200, response
    assert emu.account.balance == before - charged
    order = emu.account.get(response["order_id"])
    assert order.price_paid + order.addons_price_paid == charged


async def test_generic_product_without_location_takes_the_best_stocked_one(
    api: Api, emu: Emulator
) -> None:
    emu.store.set_stock("Mobile Proxy Pro", "GB", 70)
    _, response = await api.purchase(product="Mobile Proxy Pro", cycle="day", quantity=2)
    order = emu.account.get(response["order_id"])
    assert order.location == "GB"
    assert emu.store.stock[("Mobile Proxy Pro", "GB")] == 68


async def test_lifetime_orders_have_no_expiry_and_no_auto_renewal(api: Api, emu: Emulator) -> None:
    _, response = await api.purchase(product="Standart Residential Proxy", quantity=3)
    status, body = await api.get(f"/user/api/orders/{response['order_id']}")
    assert status == 200
    assert body["order"]["cycle_name"] == "lifetime"
    assert body["order"]["expires_at"] is None
    assert body["order"]["auto_renewal"] is None


async def test_insufficient_balance(api: Api, emu: Emulator) -> None:
    emu.account.balance = 100
    status, body = await api.purchase(**DC_MONTHLY)
    assert status == 400
    assert "Insufficient balance" in _message(body)
    assert emu.account.balance == 100
    assert emu.store.stock[("Datacenter Proxy", "DE")] == 5000


async def test_insufficient_stock_draws_and_restores_nothing(api: Api, emu: Emulator) -> None:
    emu.store.set_stock("Datacenter Proxy", "DE", 3)
    status, body = await api.purchase(**DC_MONTHLY, quantity=4)
    assert status == 400
    message = _message(body)
    assert "Insufficient stock" in message
    assert "Insufficient balance" not in message
    status, _ = await api.purchase(**DC_MONTHLY, quantity=3)
    assert status == 200
    _, stock = await api.get("/user/api/proxies/available-count")
    assert {"country": "DE", "product": "Datacenter Proxy", "amount": 0} in stock


async def test_stock_is_per_location_and_configurable() -> None:
    async with Emulator(stock={("ISP Proxy", "UA"): 1}) as emu:
        assert emu.store.stock[("ISP Proxy", "UA")] == 1
        assert emu.store.stock[("ISP Proxy", "US")] == 2000
    with pytest.raises(ValueError, match="not stocked"):
        Emulator(stock={("Standart Residential Proxy", "DE"): 1})


# -- calculate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "product is required"),
        ({"product": "Datacenter Proxy", "cycle": "monthly"}, "location is required"),
        ({"product": "Datacenter Proxy", "location": "DE"}, "cycle is required"),
        ({"product": "ISP Proxy", "location": "US", "cycle": "3days"}, "not available"),
        ({**DC_MONTHLY, "quantity": "0"}, "quantity must be between"),
        ({**DC_MONTHLY, "quantity": "1_0"}, "quantity must be an integer"),
        ({**DC_MONTHLY, "quantity": " 1"}, "quantity must be an integer"),
        ({**DC_MONTHLY, "promo_code": "BOGUS"}, "Unknown promo code"),
        ({**DC_MONTHLY, "addons_json": "[{"}, "addons_json must be a JSON array"),
        ({**DC_MONTHLY, "addons_json": '[{"addon_key":"x","qty":1}]'}, "Unknown addon_key"),
        ({**DC_MONTHLY, "promo": "SAVE10"}, "Unknown query parameter(s): promo"),
    ],
)
async def test_calculate_applies_the_purchase_rules(
    api: Api, params: dict[str, str], fragment: str
) -> None:
    status, body = await api.get("/user/api/orders/calculate", params=params)
    assert status == 400
    assert fragment in _message(body)


async def test_calculate_charges_nothing_and_ignores_stock(api: Api, emu: Emulator) -> None:
    emu.store.set_stock("Datacenter Proxy", "DE", 0)
    before = emu.account.balance
    status, body = await api.get(
        "/user/api/orders/calculate",
        params={
            **DC_MONTHLY,
            "quantity": "10",
            "promo_code": "SAVE10",
            "addons_json": '[{"addon_key":"p0f_slots","qty":5}]',
        },
    )
    assert status == 200
    assert body == {
        "original_price": 1200,
        "final_price": 1080,
        "discount_percent": 10,
        "addons_price": 150,
        "total_with_addons": 1230,
    }
    assert emu.account.balance == before
    assert emu.journal_for("orders.calculate")[-1].status == 200


async def test_calculate_treats_empty_values_as_absent(api: Api) -> None:
    status, body = await api.get(
        "/user/api/orders/calculate",
        params={
            "product": "Premium Residential Proxy",
            "location": "",
            "cycle": "",
            "quantity": "",
        },
    )
    assert status == 200
    assert body["final_price"] == 300


# -- change-billing-cycle -----------------------------------------------------------------


async def _buy(api: Api, **body: Any) -> int:
    status, response = await api.purchase(**body)
    assert status == 200, response
    order_id: int = response["order_id"]
    return order_id


async def test_change_cycle_resets_an_inapplicable_promo(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY, quantity=10, promo_code="SAVE10")
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "weekly"}
    )
    assert status == 200
    assert (body["original_price"], body["final_price"], body["discount_percent"]) == (400, 400, 0)
    assert emu.account.get(order_id).promo_code is None
    assert emu.account.get(order_id).cycle.name == "weekly"


async def test_change_cycle_keeps_an_applicable_promo(api: Api, emu: Emulator) -> None:
    order_id = await _buy(
        api, **{**DC_MONTHLY, "cycle": "weekly"}, quantity=10, promo_code="WEEKLY15"
    )
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "half-month"}
    )
    assert status == 200
    assert (body["original_price"], body["final_price"], body["discount_percent"]) == (700, 595, 15)
    assert emu.account.get(order_id).promo_code == "WEEKLY15"


async def test_change_cycle_charges_nothing(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    before = emu.account.balance
    await api.post(f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "weekly"})
    assert emu.account.balance == before


async def test_change_cycle_403_for_a_restricted_cycle(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "3days"}
    )
    assert status == 403
    assert "not available for this account" in _message(body)
    assert emu.account.get(order_id).cycle.name == "monthly"


async def test_restricted_cycles_are_per_account(api: Api, emu: Emulator) -> None:
    emu.add_account("free", restricted_cycles=())
    emu.add_account("strict", restricted_cycles=("weekly", "3days"))
    for token, cycle, expected in (("free", "3days", 200), ("strict", "weekly", 403)):
        status, bought = await api.call(
            "POST", "/user/api/orders/purchase", json=DC_MONTHLY, token=token
        )
        assert status == 200
        status, _ = await api.call(
            "POST",
            f"/user/api/orders/change-billing-cycle/{bought['order_id']}",
            json={"cycle": cycle},
            token=token,
        )
        assert status == expected


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"cycle": "day"}, 400, "Cycle 'day' is not available"),
        ({"cycle": "lifetime"}, 400, "is not available"),
        ({}, 400, "cycle is required"),
        ({"cycle": 3}, 400, "cycle is required"),
        ({"cycle": "weekly", "x": 1}, 400, "Unknown field(s): x"),
    ],
)
async def test_change_cycle_validation(
    api: Api, body: dict[str, Any], status: int, fragment: str
) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    got, response = await api.post(f"/user/api/orders/change-billing-cycle/{order_id}", json=body)
    assert got == status
    assert fragment in _message(response)


@pytest.mark.parametrize(
    "body",
    [
        {"product": "Standart Residential Proxy"},
        {"product": "Unmetered Residential proxy", "cycle": "day"},
        {"product": "Mobile Proxy Basic", "cycle": "day", "location": "US"},
    ],
)
async def test_change_cycle_and_auto_renewal_only_for_dc_isp(
    api: Api, body: dict[str, Any]
) -> None:
    order_id = await _buy(api, **body)
    status, response = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "monthly"}
    )
    assert status == 400
    assert "only available for Datacenter and ISP" in _message(response)
    status, response = await api.post(
        f"/user/api/orders/edit-auto-renewal/{order_id}?auto_renewal=false", json={}
    )
    assert status == 400
    assert "only available for Datacenter and ISP" in _message(response)


async def test_change_cycle_on_isp_and_cancelled_orders(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **ISP)
    status, _ = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "monthly"}
    )
    assert status == 200
    emu.account.set_status(order_id, "cancelled")
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "monthly"}
    )
    assert status == 400
    assert "cancelled" in _message(body)


async def test_change_cycle_1_0_0_shape(api: Api, emu: Emulator) -> None:
    emu.settings.change_cycle_shape = "1.0.0"
    order_id = await _buy(api, **DC_MONTHLY)
    status, body = await api.post(
        f"/user/api/orders/change-billing-cycle/{order_id}", json={"cycle": "weekly"}
    )
    assert status == 200
    assert set(body) == {"success", "message", "order"}
    assert body["order"]["order_id"] == order_id
    assert body["order"]["cycle_name"] == "weekly"


# -- edit-auto-renewal --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["TRUE", "1", "yes", ""])
async def test_auto_renewal_flag_must_be_true_or_false(api: Api, value: str) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, body = await api.post(
        f"/user/api/orders/edit-auto-renewal/{order_id}?auto_renewal={value}", json={}
    )
    assert status == 400
    assert "auto_renewal must be" in _message(body)


async def test_auto_renewal_flag_is_required(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, body = await api.post(f"/user/api/orders/edit-auto-renewal/{order_id}", json={})
    assert status == 400
    _message(body)


async def test_auto_renewal_switches_both_ways(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY, auto_renewal=True)
    for value, expected in (("false", False), ("true", True)):
        status, _ = await api.post(
            f"/user/api/orders/edit-auto-renewal/{order_id}?auto_renewal={value}", json={}
        )
        assert status == 200
        assert emu.account.get(order_id).auto_renewal is expected


async def test_empty_body_with_content_length_zero_is_accepted(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, _ = await api.post(
        f"/user/api/orders/edit-auto-renewal/{order_id}?auto_renewal=true", data=b""
    )
    assert status == 200


async def test_bodyless_post_without_content_length_is_411(emu: Emulator) -> None:
    """What the provider's actix server does; aiohttp's client always sends a length, so this
    speaks HTTP over a raw socket."""
    order_id = emu.account.order_ids()[0]
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    try:
        writer.write(
            (
                f"POST /user/api/orders/edit-auto-renewal/{order_id}?auto_renewal=true HTTP/1.1\r\n"
                f"Host: 127.0.0.1\r\nAuthorization: Bearer {emu.token}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
        )
        raw = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411")
    assert json.loads(body)["success"] is False
    assert emu.journal_for("orders.edit_auto_renewal")[-1].status == 411


# -- renew ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status_before", ["active", "cancelled"])
async def test_renew_only_on_hold(api: Api, emu: Emulator, status_before: str) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    emu.account.set_status(order_id, status_before)
    before = emu.account.balance
    status, body = await api.post(f"/user/api/orders/{order_id}/renew", json={})
    assert status == 400
    assert "Only on-hold orders can be renewed" in _message(body)
    assert emu.account.balance == before


async def test_renew_charges_and_extends(api: Api, emu: Emulator) -> None:
    order_id = await _buy(
        api, **DC_MONTHLY, quantity=2, addons=[{"addon_key": "p0f_slots", "qty": 2}]
    )
    emu.account.set_status(order_id, "on-hold")
    emu.store.now += 40 * 86_400  # expired ten days ago
    before = emu.account.balance
    status, _ = await api.post(f"/user/api/orders/{order_id}/renew", json={})
    assert status == 200
    assert emu.account.balance == before - (240 + 2 * 30)
    order = emu.account.get(order_id)
    assert order.status == "active"
    assert order.expires_at == emu.store.now + 30 * 86_400
    assert order_id in emu.account.order_ids("active")
    assert order_id not in emu.account.order_ids("on-hold")


async def test_renew_insufficient_balance(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    emu.account.set_status(order_id, "on-hold")
    emu.account.balance = 5
    status, body = await api.post(f"/user/api/orders/{order_id}/renew", json={})
    assert status == 400
    assert "Insufficient balance" in _message(body)
    assert emu.account.get(order_id).status == "on-hold"


async def test_renew_unknown_order(api: Api) -> None:
    status, body = await api.post("/user/api/orders/1/renew", json={})
    assert status == 404
    _message(body)


# -- tag ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{}, {"tag": None}, {"tag": 3}, {"tag": "x" * 256}, {"tag": "a", "note": "b"}]
)
async def test_tag_validation(api: Api, body: dict[str, Any]) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, response = await api.post(f"/user/api/orders/{order_id}/tag", json=body)
    assert status == 400
    _message(response)


async def test_tag_shows_in_list_and_detail(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    await api.post(f"/user/api/orders/{order_id}/tag", json={"tag": ""})
    assert emu.account.get(order_id).tag == ""
    await api.post(f"/user/api/orders/{order_id}/tag", json={"tag": "näme ✓"})
    _, detail = await api.get(f"/user/api/orders/{order_id}")
    assert detail["order"]["tag"] == "näme ✓"


# -- order list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({}, "status is required"),
        ({"status": "expired"}, "status is required and must be one of"),
        ({"status": "ACTIVE"}, "must be one of"),
        ({"status": "all", "offset": "-1"}, "offset must be between"),
        ({"status": "all", "offset": "x"}, "offset must be an integer"),
        ({"status": "all", "offset": "9" * 40}, "offset must be between"),
        ({"status": "all", "limit": "0"}, "limit must be between 1 and 100"),
        ({"status": "all", "limit": "101"}, "limit must be between 1 and 100"),
        ({"status": "all", "page": "2"}, "Unknown query parameter(s): page"),
    ],
)
async def test_list_validation(api: Api, query: dict[str, str], fragment: str) -> None:
    status, body = await api.orders(**query)
    assert status == 400
    assert fragment in _message(body)


@pytest.mark.parametrize("status_filter", ["active", "on-hold", "cancelled"])
async def test_list_filters_by_status(api: Api, emu: Emulator, status_filter: str) -> None:
    status, body = await api.orders(status=status_filter, limit=100)
    assert status == 200
    expected = [o.order_id for o in emu.account if o.status == status_filter]
    assert expected, "the seed should produce every status"
    assert [o["order_id"] for o in body["orders"]] == expected
    assert all(o["status"] == status_filter for o in body["orders"])


async def test_list_defaults_and_page_walk(api: Api, emu: Emulator) -> None:
    status, body = await api.orders(status="all")
    assert status == 200
    assert body["count"] == 20
    assert body["next"] == "/user/api/orders?status=all&offset=20&limit=20"
    seen: list[int] = []
    path: str | None = "/user/api/orders?status=all&offset=0&limit=7"
    while path is not None:
        status, page = await api.get(path)
        assert status == 200
        assert page["count"] == len(page["orders"])
        seen += [o["order_id"] for o in page["orders"]]
        path = page["next"]
    assert seen == emu.account.order_ids() == sorted(seen)
    assert page["prev"] == "/user/api/orders?status=all&offset=42&limit=7"


async def test_list_prev_links(api: Api) -> None:
    _, body = await api.orders(status="all", offset=5, limit=10)
    assert body["prev"] == "/user/api/orders?status=all&offset=0&limit=10"
    _, body = await api.orders(status="all", offset=500, limit=10)
    assert (body["count"], body["orders"], body["next"]) == (0, [], None)
    assert body["prev"] == "/user/api/orders?status=all&offset=490&limit=10"


async def test_list_absolute_next(api: Api, emu: Emulator) -> None:
    emu.settings.absolute_next = True
    _, body = await api.orders(status="active", offset=2, limit=2)
    assert body["next"] == f"{emu.url}/user/api/orders?status=active&offset=4&limit=2"
    assert body["prev"] == f"{emu.url}/user/api/orders?status=active&offset=0&limit=2"
    status, page = await api.call("GET", body["next"].removeprefix(emu.url))
    assert status == 200
    assert page["count"] == 2


async def test_absolute_next_from_the_constructor() -> None:
    async with Emulator(orders=3, absolute_next=True) as emu:
        assert emu.settings.absolute_next is True


async def test_new_orders_appear_at_the_end_of_all_and_active(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    assert emu.account.order_ids()[-1] == order_id
    assert emu.account.order_ids("active")[-1] == order_id


# -- active proxies -------------------------------------------------------------------------


@pytest.mark.parametrize("status_before", ["on-hold", "cancelled"])
async def test_active_proxies_403_for_inactive_orders(
    api: Api, emu: Emulator, status_before: str
) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    emu.account.set_status(order_id, status_before)
    status, body = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    assert status == 403
    _message(body)


async def test_active_proxies_403_for_residential(api: Api) -> None:
    order_id = await _buy(api, product="Premium Residential Proxy")
    status, body = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    assert status == 403
    _message(body)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 400),
        ({"order_id": "abc"}, 400),
        ({"order_id": "5"}, 404),
        ({"order_id": "1", "x": "1"}, 400),
    ],
)
async def test_active_proxies_validation(api: Api, query: dict[str, str], status: int) -> None:
    got, body = await api.get("/user/api/proxies/active", params=query)
    assert got == status
    _message(body)


async def test_active_proxies_are_stable(api: Api) -> None:
    order_id = await _buy(api, **ISP, quantity=2)
    _, first = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    _, second = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    assert first == second
