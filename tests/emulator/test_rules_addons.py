"""Add-ons (p0f slots), OS signatures and per-IP deletion: prices to the cent and state rules."""

from __future__ import annotations

from typing import Any

import pytest

from proxyorders_async.emulator import Emulator

from .conftest import DC_MONTHLY, Api

ISP = {"product": "ISP Proxy", "location": "US", "cycle": "monthly"}
MOBILE_DAY = {"product": "Mobile Proxy Basic", "location": "US", "cycle": "day"}
P0F = "p0f_slots"


def _message(body: Any) -> str:
    assert isinstance(body, dict)
    assert body["success"] is False
    assert isinstance(body["message"], str)
    return body["message"]


async def _buy(api: Api, slots: int = 0, **body: Any) -> int:
    if slots:
        body["addons"] = [{"addon_key": P0F, "qty": slots}]
    status, response = await api.purchase(**body)
    assert status == 200, response
    return int(response["order_id"])


async def _detail(api: Api, order_id: int) -> dict[str, Any]:
    status, body = await api.get(f"/user/api/orders/{order_id}")
    assert status == 200
    order = body["order"]
    assert isinstance(order, dict)
    return order


async def _ips(api: Api, order_id: int) -> list[str]:
    status, body = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    assert status == 200, body
    return [item["ip"] for item in body["data"]]


async def _quote(api: Api, order_id: int, add_qty: int) -> tuple[int, Any]:
    return await api.get(
        f"/user/api/orders/{order_id}/addons/calculate",
        params={"addon_key": P0F, "add_qty": str(add_qty)},
    )


async def _sign(api: Api, order_id: int, pairs: dict[str, str]) -> tuple[int, Any]:
    items = [{"ip": ip, "signature": sig} for ip, sig in pairs.items()]
    return await api.post(f"/user/api/orders/{order_id}/signature/set", json={"items": items})


async def _schedule(api: Api, order_id: int, next_qty: int) -> tuple[int, Any]:
    body = {"addon_key": P0F, "action": "downgrade", "next_qty": next_qty}
    return await api.post(f"/user/api/orders/{order_id}/addons/schedule", json=body)


async def _renew(api: Api, emu: Emulator, order_id: int) -> int:
    emu.account.set_status(order_id, "on-hold")
    before = emu.account.balance
    status, body = await api.post(f"/user/api/orders/{order_id}/renew", json={})
    assert status == 200, body
    return before - emu.account.balance


# -- prices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "catalog_id", "unit"),
    [(DC_MONTHLY, 101, 30), (ISP, 102, 60), (MOBILE_DAY, 104, 10),
     ({**MOBILE_DAY, "cycle": "monthly"}, 103, 60)],
)  # fmt: skip
async def test_calculate_quotes_exactly_what_purchase_charges(
    api: Api, emu: Emulator, order: dict[str, Any], catalog_id: int, unit: int
) -> None:
    order_id = await _buy(api, **order, quantity=4)
    status, quote = await _quote(api, order_id, 3)
    assert status == 200
    assert quote == {
        "success": True,
        "addon_key": P0F,
        "catalog_id": catalog_id,
        "price_per_unit": unit,
        "current_qty": 0,
        "add_qty": 3,
        "new_qty": 3,
        "add_total": 3 * unit,
    }
    before = emu.account.balance
    status, body = await api.post(
        f"/user/api/orders/{order_id}/addons/purchase", json={"addon_key": P0F, "add_qty": 3}
    )
    assert status == 200, body
    assert emu.account.balance == before - quote["add_total"]
    assert body["addons_price_paid"] == 3 * unit
    line = {"addon_key": P0F, "catalog_id": catalog_id, "qty": 3, "price_per_unit": unit}
    assert body["addons"] == [{**line, "pending": None}]
    _, again = await _quote(api, order_id, 2)
    assert (again["current_qty"], again["new_qty"], again["add_total"]) == (3, 5, 2 * unit)
    status, body = await api.post(
        f"/user/api/orders/{order_id}/addons/purchase", json={"addon_key": P0F, "add_qty": 2}
    )
    assert status == 200
    assert body["addons_price_paid"] == 5 * unit  # cumulative
    assert body["addons"][0]["qty"] == 5
    assert emu.account.balance == before - 5 * unit


async def test_add_ons_at_order_purchase_show_in_the_detail(api: Api) -> None:
    order_id = await _buy(api, slots=4, **ISP, quantity=2)
    order = await _detail(api, order_id)
    assert order["price_paid"] == 400
    assert order["addons_price_paid"] == 240
    assert order["addons"] == [
        {"addon_key": P0F, "catalog_id": 102, "qty": 4, "price_per_unit": 60, "pending": None}
    ]
    assert (order["p0f_slots_available"], order["p0f_slots_used"], order["p0f_slots_next"]) == (
        4,
        0,
        4,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"product": "Standart Residential Proxy", "quantity": 2},
        {"product": "Unmetered Residential proxy", "cycle": "day"},
        {**DC_MONTHLY, "cycle": "weekly"},
    ],
)
async def test_p0f_slots_are_refused_where_the_catalog_has_none(
    api: Api, emu: Emulator, body: dict[str, Any]
) -> None:
    before = emu.account.balance
    status, response = await api.purchase(**body, addons=[{"addon_key": P0F, "qty": 1}])
    assert status == 400
    assert "not available for product" in _message(response)
    assert emu.account.balance == before


async def test_add_on_routes_refuse_orders_without_ips(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, product="Premium Residential Proxy", quantity=1)
    status, body = await _quote(api, order_id, 1)
    assert status == 400
    assert "has no IPs" in _message(body)


async def test_add_on_purchase_needs_an_active_order_and_the_money(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    emu.account.set_status(order_id, "on-hold")
    path = f"/user/api/orders/{order_id}/addons/purchase"
    status, body = await api.post(path, json={"addon_key": P0F, "add_qty": 1})
    assert status == 400
    assert "on-hold" in _message(body)
    emu.account.set_status(order_id, "active")
    emu.account.balance = 29
    status, body = await api.post(path, json={"addon_key": P0F, "add_qty": 1})
    assert status == 400
    assert "Insufficient balance" in _message(body)
    assert emu.account.balance == 29
    assert emu.account.get(order_id).addons == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"addon_key": "nope", "add_qty": 1}, "Unknown addon_key"),
        ({"addon_key": P0F, "add_qty": 0}, "add_qty must be between"),
        ({"addon_key": P0F, "add_qty": "1"}, "add_qty is required"),
        ({"addon_key": P0F, "add_qty": True}, "add_qty is required"),
        ({"addon_key": P0F, "add_qty": 101}, "at most 100"),
        ({"addon_key": P0F, "add_qty": 1, "x": 1}, "Unknown field(s): x"),
    ],
)
async def test_add_on_purchase_is_strict(
    api: Api, emu: Emulator, body: dict[str, Any], fragment: str
) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    before = emu.account.balance
    status, response = await api.post(f"/user/api/orders/{order_id}/addons/purchase", json=body)
    assert status == 400
    assert fragment in _message(response)
    assert emu.account.balance == before


# -- downgrades and renewal ---------------------------------------------------------------


async def test_downgrade_is_pending_until_renewal_then_applied(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, slots=5, **DC_MONTHLY, quantity=4)
    status, body = await _schedule(api, order_id, 2)
    assert status == 200, body
    assert body["addons"][0]["pending"] == {"action": "downgrade", "next_qty": 2}
    order = await _detail(api, order_id)
    assert (order["p0f_slots_available"], order["p0f_slots_next"]) == (5, 2)
    assert await _renew(api, emu, order_id) == 4 * 120 + 2 * 30
    order = await _detail(api, order_id)
    assert order["addons"] == [
        {"addon_key": P0F, "catalog_id": 101, "qty": 2, "price_per_unit": 30, "pending": None}
    ]
    assert (order["p0f_slots_available"], order["p0f_slots_next"]) == (2, 2)


async def test_cancelling_a_downgrade_restores_the_next_quantity(api: Api) -> None:
    order_id = await _buy(api, slots=5, **DC_MONTHLY)
    assert (await _schedule(api, order_id, 1))[0] == 200
    path = f"/user/api/orders/{order_id}/addons/schedule/cancel"
    for _ in range(2):  # repeatable
        status, body = await api.post(path, json={"addon_key": P0F})
        assert status == 200
        assert body["addons"][0]["pending"] is None
    assert (await _detail(api, order_id))["p0f_slots_next"] == 5


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"addon_key": P0F, "action": "downgrade", "next_qty": 3}, "less than the current"),
        ({"addon_key": P0F, "action": "downgrade", "next_qty": 4}, "less than the current"),
        ({"addon_key": P0F, "action": "downgrade", "next_qty": 0}, "next_qty must be between"),
        ({"addon_key": P0F, "action": "upgrade", "next_qty": 1}, "must be 'downgrade'"),
        ({"addon_key": P0F, "next_qty": 1}, "must be 'downgrade'"),
        ({"addon_key": P0F, "action": "downgrade", "next_qty": 1, "when": "now"}, "Unknown"),
    ],
)
async def test_schedule_is_strict(api: Api, body: dict[str, Any], fragment: str) -> None:
    order_id = await _buy(api, slots=3, **DC_MONTHLY)
    status, response = await api.post(f"/user/api/orders/{order_id}/addons/schedule", json=body)
    assert status == 400
    assert fragment in _message(response)


async def test_schedule_needs_the_add_on(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    status, body = await _schedule(api, order_id, 1)
    assert status == 400
    assert "has no 'p0f_slots' add-on" in _message(body)


async def test_leaving_the_monthly_cycle_cancels_p0f_at_renewal(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, slots=3, **DC_MONTHLY, quantity=2)
    path = f"/user/api/orders/change-billing-cycle/{order_id}"
    assert (await api.post(path, json={"cycle": "weekly"}))[0] == 200
    order = await _detail(api, order_id)
    assert order["addons"][0]["pending"] == {"action": "cancel", "next_qty": 0}
    assert order["p0f_slots_next"] == 0
    assert (await _schedule(api, order_id, 1))[0] == 400
    assert await _renew(api, emu, order_id) == 2 * 40  # weekly IPs, no add-on
    order = await _detail(api, order_id)
    assert order["addons"] == []
    assert order["p0f_slots_available"] == 0


async def test_returning_to_monthly_before_renewal_keeps_p0f(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, slots=3, **DC_MONTHLY)
    path = f"/user/api/orders/change-billing-cycle/{order_id}"
    await api.post(path, json={"cycle": "weekly"})
    await api.post(path, json={"cycle": "monthly"})
    assert (await _detail(api, order_id))["addons"][0]["pending"] is None
    assert await _renew(api, emu, order_id) == 120 + 3 * 30


# -- signatures -----------------------------------------------------------------------------


async def test_first_signatures_take_slots_for_good(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, slots=2, **DC_MONTHLY, quantity=4)
    ip = await _ips(api, order_id)
    status, body = await _sign(api, order_id, {ip[0]: "win10"})
    assert (status, body["updated"]) == (200, 1)
    status, body = await _sign(api, order_id, {ip[0]: "macos"})  # a change takes no slot
    assert (status, body["updated"]) == (200, 1)
    assert (await _detail(api, order_id))["p0f_slots_used"] == 1
    status, body = await _sign(api, order_id, {ip[1]: "ios", ip[2]: "linux"})
    assert status == 400
    assert "Not enough p0f slots: 1 free, 2 needed" in _message(body)
    status, body = await _sign(api, order_id, {ip[0]: "win11", ip[1]: "android"})
    assert (status, body["updated"]) == (200, 2)
    status, body = await _sign(api, order_id, {ip[3]: "ios"})
    assert status == 400
    _, listed = await api.get("/user/api/proxies/active", params={"order_id": str(order_id)})
    assert [p["signature"] for p in listed["data"]] == ["win11", "android", None, None]
    order = await _detail(api, order_id)
    assert (order["p0f_slots_available"], order["p0f_slots_used"]) == (2, 2)


async def test_a_downgrade_below_the_used_slots_blocks_new_signatures(
    api: Api, emu: Emulator
) -> None:
    order_id = await _buy(api, slots=3, **DC_MONTHLY, quantity=4)
    ip = await _ips(api, order_id)
    assert (await _sign(api, order_id, {ip[0]: "ios", ip[1]: "ios"}))[0] == 200
    assert (await _schedule(api, order_id, 1))[0] == 200
    await _renew(api, emu, order_id)
    order = await _detail(api, order_id)
    assert (order["p0f_slots_available"], order["p0f_slots_used"]) == (1, 2)
    assert (await _sign(api, order_id, {ip[0]: "linux"}))[0] == 200  # already signed
    status, body = await _sign(api, order_id, {ip[2]: "linux"})
    assert status == 400
    assert "0 free" in _message(body)


async def test_signatures_work_on_mobile_orders(api: Api) -> None:
    order_id = await _buy(api, slots=1, **MOBILE_DAY, quantity=2)
    ip = await _ips(api, order_id)
    assert (await _sign(api, order_id, {ip[1]: "android"}))[0] == 200


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ([], "non-empty array"),
        ([{"ip": "100.64.0.1", "signature": "win10"}], "does not belong"),
        ([{"ip": "not-an-ip", "signature": "win10"}], "does not belong"),
        ([{"ip": None, "signature": "win10"}], "ip string"),
        ([{"ip": "IP0", "signature": "windows"}], "Invalid signature"),
        ([{"ip": "IP0", "signature": None}], "Invalid signature"),
        ([{"ip": "IP0", "signature": "ios", "x": 1}], "Unknown item field"),
        (["IP0"], "must be an object"),
    ],
)
async def test_signature_set_is_strict(api: Api, items: list[Any], fragment: str) -> None:
    order_id = await _buy(api, slots=2, **DC_MONTHLY, quantity=2)
    ip0 = (await _ips(api, order_id))[0]
    items = [
        {k: ip0 if v == "IP0" else v for k, v in i.items()} if isinstance(i, dict) else i
        for i in items
    ]
    status, body = await api.post(
        f"/user/api/orders/{order_id}/signature/set", json={"items": items}
    )
    assert status == 400
    assert fragment in _message(body)
    assert (await _detail(api, order_id))["p0f_slots_used"] == 0


async def test_signatures_need_the_add_on(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY)
    ip = await _ips(api, order_id)
    status, body = await _sign(api, order_id, {ip[0]: "ios"})
    assert status == 400
    assert "no active p0f_slots add-on" in _message(body)


# -- per-IP deletion ------------------------------------------------------------------------


async def _del_np(api: Api, order_id: int, values: dict[str, Any]) -> tuple[int, Any]:
    items = [{"ip": ip, "value": value} for ip, value in values.items()]
    return await api.post(f"/user/api/orders/{order_id}/del-np/set", json={"items": items})


async def test_ip_deletion_reprices_now_and_drops_at_renewal(api: Api, emu: Emulator) -> None:
    order_id = await _buy(api, **DC_MONTHLY, quantity=3, promo_code="SAVE10")
    ip = await _ips(api, order_id)
    status, body = await _del_np(api, order_id, {ip[0]: True})
    assert (status, body) == (200, {"success": True, "message": "IP deletion settings updated"})
    order = await _detail(api, order_id)
    assert (order["quantity"], order["price_paid"]) == (2, 216)  # 2 x 120, 10 % off
    assert await _ips(api, order_id) == ip  # listed until the renewal
    assert (await _del_np(api, order_id, {ip[0]: True}))[0] == 200  # repeatable
    assert await _renew(api, emu, order_id) == 216
    assert await _ips(api, order_id) == ip[1:]
    assert (await _detail(api, order_id))["quantity"] == 2


async def test_ip_deletion_can_be_undone(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY, quantity=2)
    ip = await _ips(api, order_id)
    await _del_np(api, order_id, {ip[1]: True})
    await _del_np(api, order_id, {ip[1]: False})
    order = await _detail(api, order_id)
    assert (order["quantity"], order["price_paid"]) == (2, 240)


async def test_ip_deletion_refuses_to_drop_the_last_ip(api: Api) -> None:
    order_id = await _buy(api, **DC_MONTHLY, quantity=2)
    ip = await _ips(api, order_id)
    assert (await _del_np(api, order_id, {ip[0]: True}))[0] == 200
    status, body = await _del_np(api, order_id, {ip[1]: True})
    assert status == 400
    assert "keep=0" in _message(body)
    status, body = await _del_np(api, order_id, {ip[0]: False, ip[1]: True})
    assert status == 200  # swapping which one goes is fine
    assert (await _detail(api, order_id))["quantity"] == 1


@pytest.mark.parametrize(
    ("value", "fragment"), [("yes", "value must be a boolean"), (None, "value must be a boolean")]
)
async def test_ip_deletion_is_strict(api: Api, value: Any, fragment: str) -> None:
    order_id = await _buy(api, **DC_MONTHLY, quantity=2)
    ip = await _ips(api, order_id)
    status, body = await _del_np(api, order_id, {ip[0]: value})
    assert status == 400
    assert fragment in _message(body)


async def test_ip_deletion_only_for_datacenter_and_isp(api: Api) -> None:
    order_id = await _buy(api, **MOBILE_DAY, quantity=2)
    ip = await _ips(api, order_id)
    status, body = await _del_np(api, order_id, {ip[0]: True})
    assert status == 400
    assert "only available for Datacenter and ISP" in _message(body)
