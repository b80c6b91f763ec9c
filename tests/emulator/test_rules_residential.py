"""Residential traffic pools, add-bandwidth charges and sub-users drawing from the pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxyorders_async.emulator import BYTES_PER_GB, Emulator

from .conftest import DC_MONTHLY, Api

GB = BYTES_PER_GB
SUB = "/user/api/proxies/sub-user"
STD = {"proxy_type": "standart"}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator without seeded history (whose residential orders would fill the pools)."""
    async with Emulator(seed=7) as emulator:
        yield emulator


def _message(body: Any) -> str:
    assert isinstance(body, dict)
    assert body["success"] is False
    assert isinstance(body["message"], str)
    return body["message"]


async def _buy(api: Api, **body: Any) -> int:
    status, response = await api.purchase(**body)
    assert status == 200, response
    return int(response["order_id"])


async def _profile(api: Api, proxy_type: str = "standart") -> dict[str, Any]:
    status, body = await api.get("/user/api/proxies/profile", params={"proxy_type": proxy_type})
    assert status == 200, body
    assert isinstance(body, dict)
    return body


async def _create(api: Api, name: str, gb: int, proxy_type: str = "standart") -> dict[str, Any]:
    status, body = await api.post(
        SUB, params={"proxy_type": proxy_type}, json={"name": name, "data": gb}
    )
    assert status == 200, body
    (created,) = body["data"]
    assert isinstance(created, dict)
    return created


async def _get(api: Api, user_id: str, proxy_type: str = "standart") -> list[Any]:
    status, body = await api.get(f"{SUB}/{user_id}", params={"proxy_type": proxy_type})
    assert status == 200, body
    data = body["data"]
    assert isinstance(data, list)
    return data


async def _move(api: Api, user_id: str, verb: str, gb: Any) -> tuple[int, Any]:
    return await api.post(f"{SUB}/{user_id}/data/{verb}", params=STD, json={"data": gb})


# -- the owner's pool -----------------------------------------------------------------------


async def test_residential_purchases_feed_the_pool_of_their_type(api: Api) -> None:
    status, body = await api.get("/user/api/proxies/profile", params={"proxy_type": "premium"})
    assert status == 400
    assert "User resident not set" in _message(body)
    await _buy(api, product="Standart Residential Proxy", quantity=3)
    await _buy(api, product="Standart Residential Proxy", quantity=2)
    await _buy(api, product="Premium Residential Proxy", quantity=1)
    profile = await _profile(api)
    assert {k: profile[k] for k in ("data", "data_remain", "data_spent")} == {
        "data": 5 * GB,
        "data_remain": 5 * GB,
        "data_spent": 0,
    }
    assert isinstance(profile["proxy_password"], str)
    assert profile["proxy_password"]
    assert (await _profile(api, "premium"))["data"] == GB


@pytest.mark.parametrize(
    ("product", "gb", "promo", "charged"),
    [
        ("Standart Residential Proxy", 2, None, 400),
        ("Standart Residential Proxy", 2, "RESI20", 320),
        ("Premium Residential Proxy", 3, "WELCOME5", 855),
        ("Premium Residential Proxy", 1, None, 300),
    ],
)
async def test_add_bandwidth_charges_per_gb_with_promo(
    api: Api, emu: Emulator, product: str, gb: int, promo: str | None, charged: int
) -> None:
    order_id = await _buy(api, product=product, quantity=1)
    proxy_type = "standart" if product.startswith("Standart") else "premium"
    before = emu.account.balance
    body: dict[str, Any] = {"amount": gb}
    if promo:
        body["promo_code"] = promo
    status, response = await api.post(f"/user/api/orders/{order_id}/add-bandwidth", json=body)
    assert (status, response) == (200, {"success": True, "message": "Order paid successfully"})
    assert emu.account.balance == before - charged
    assert (await _profile(api, proxy_type))["data"] == (1 + gb) * GB
    assert emu.account.get(order_id).quantity == 1 + gb


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"amount": 0}, "amount must be between"),
        ({"amount": -1}, "amount must be between"),
        ({"amount": "1"}, "amount is required"),
        ({"amount": True}, "amount is required"),
        ({}, "amount is required"),
        ({"amount": 1, "promo_code": "NOPE"}, "Unknown promo code"),
        ({"amount": 1, "promo_code": "SAVE10"}, "does not apply"),
        ({"amount": 1, "promo_code": 5}, "promo_code must be a string"),
        ({"amount": 1, "gb": 1}, "Unknown field(s): gb"),
    ],
)
async def test_add_bandwidth_is_strict(
    api: Api, emu: Emulator, body: dict[str, Any], fragment: str
) -> None:
    order_id = await _buy(api, product="Standart Residential Proxy", quantity=1)
    before = emu.account.balance
    status, response = await api.post(f"/user/api/orders/{order_id}/add-bandwidth", json=body)
    assert status == 400
    assert fragment in _message(response)
    assert emu.account.balance == before
    assert (await _profile(api))["data"] == GB


async def test_add_bandwidth_only_on_traffic_orders_and_with_the_money(
    api: Api, emu: Emulator
) -> None:
    dc = await _buy(api, **DC_MONTHLY)
    status, body = await api.post(f"/user/api/orders/{dc}/add-bandwidth", json={"amount": 1})
    assert status == 400
    assert "only be added to Standart or Premium Residential" in _message(body)
    order_id = await _buy(api, product="Standart Residential Proxy", quantity=1)
    emu.account.balance = 399
    path = f"/user/api/orders/{order_id}/add-bandwidth"
    status, body = await api.post(path, json={"amount": 2})
    assert status == 400
    assert "Insufficient balance" in _message(body)
    assert (emu.account.balance, (await _profile(api))["data"]) == (399, GB)


# -- sub-users ------------------------------------------------------------------------------


async def test_sub_users_draw_from_the_pool_and_give_back(api: Api) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=10)
    alice = await _create(api, "alice", 3)
    assert set(alice) == {"user_id", "first_name", "proxy_password", "data", "data_spent"}
    assert (alice["first_name"], alice["data"], alice["data_spent"]) == ("alice", 3 * GB, 0)
    bob = await _create(api, "bob", 2)
    assert alice["user_id"] != bob["user_id"]
    assert (await _profile(api))["data_remain"] == 5 * GB
    assert await _move(api, alice["user_id"], "add", 4) == (
        200,
        {"success": True, "message": "Traffic added to sub user successfully"},
    )
    assert (await _profile(api))["data_remain"] == GB
    assert (await _move(api, bob["user_id"], "subtract", 2))[0] == 200
    assert (await _profile(api))["data_remain"] == 3 * GB
    assert (await _get(api, bob["user_id"]))[0]["data"] == 0
    status, body = await api.call("DELETE", f"{SUB}/{alice['user_id']}")
    assert (status, body["message"]) == (200, "Sub user deleted successfully")
    assert (await _profile(api))["data_remain"] == 10 * GB
    status, body = await api.call("DELETE", f"{SUB}/{alice['user_id']}")
    assert status == 404
    assert await _get(api, alice["user_id"]) == []


async def test_sub_users_are_refused_when_the_pool_runs_out(api: Api, emu: Emulator) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=3)
    carol = await _create(api, "carol", 2)
    status, body = await api.post(SUB, params=STD, json={"name": "dave", "data": 2})
    assert status == 400
    assert "Insufficient traffic" in _message(body)
    status, body = await _move(api, carol["user_id"], "add", 2)
    assert status == 400
    assert "Insufficient traffic" in _message(body)
    status, body = await _move(api, carol["user_id"], "subtract", 3)
    assert status == 400
    assert "sub-user" in _message(body)
    pool = emu.account.pools["standart"]
    assert (pool.data_remain, len(pool.sub_users)) == (GB, 1)
    assert pool.sub_users[carol["user_id"]].data == 2 * GB


async def test_sub_users_need_a_pool(api: Api) -> None:
    status, body = await api.post(SUB, params=STD, json={"name": "erin", "data": 1})
    assert status == 400
    assert "User resident not set" in _message(body)


async def test_get_answers_an_array_of_one_without_user_id(api: Api) -> None:
    await _buy(api, product="Premium Residential Proxy", quantity=2)
    frank = await _create(api, "frank", 1, "premium")
    (got,) = await _get(api, frank["user_id"], "premium")
    assert got == {k: v for k, v in frank.items() if k != "user_id"}
    await _buy(api, product="Standart Residential Proxy", quantity=1)
    assert await _get(api, frank["user_id"], "standart") == []  # another package
    assert await _get(api, "no-such-user", "premium") == []


async def test_rename_and_password_reset(api: Api) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=1)
    grace = await _create(api, "grace", 1)
    user = f"{SUB}/{grace['user_id']}"
    status, body = await api.call("PATCH", user, params=STD, json={"name": "Grace H."})
    assert (status, body["message"]) == (200, "Sub user edited successfully")
    seen = {grace["proxy_password"]}
    for _ in range(3):
        status, body = await api.post(f"{user}/password", params=STD, json={})
        assert (status, body["message"]) == (200, "Sub user password changed successfully")
        (got,) = await _get(api, grace["user_id"])
        assert got["first_name"] == "Grace H."
        assert got["proxy_password"] not in seen
        seen.add(got["proxy_password"])


async def test_the_list_pages_by_offset_with_the_total_count(api: Api) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=10)
    ids = [(await _create(api, f"user{n}", 1))["user_id"] for n in range(5)]
    status, body = await api.get(
        "/user/api/proxies/sub-users", params={**STD, "offset": "2", "limit": "2"}
    )
    assert status == 200
    assert set(body) == {"success", "count", "data"}  # no next/prev
    assert body["count"] == 5
    assert [u["user_id"] for u in body["data"]] == ids[2:4]
    item = body["data"][0]
    assert item["data_remain"] == item["data"] - item["data_spent"] == GB
    _, body = await api.get("/user/api/proxies/sub-users", params=STD)
    assert [u["user_id"] for u in body["data"]] == ids
    _, body = await api.get("/user/api/proxies/sub-users", params={**STD, "offset": "5"})
    assert (body["count"], body["data"]) == (5, [])


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "status", "fragment"),
    [
        ("GET", "/user/api/proxies/sub-users", {"proxy_type": "unmetered"}, None, 400,
         "Invalid proxy_type"),
        ("GET", "/user/api/proxies/sub-users", {}, None, 400, "proxy_type is required"),
        ("GET", "/user/api/proxies/sub-users", {**STD, "limit": "0"}, None, 400, "limit"),
        ("GET", "/user/api/proxies/sub-users", {**STD, "page": "1"}, None, 400, "Unknown query"),
        ("POST", SUB, STD, {"name": "", "data": 1}, 400, "name is required"),
        ("POST", SUB, STD, {"name": "x", "data": 0}, 400, "data must be between"),
        ("POST", SUB, STD, {"name": "x", "data": 1, "proxy_type": "standart"}, 400,
         "Unknown field(s): proxy_type"),
        ("PATCH", f"{SUB}/nobody", STD, {"name": "x"}, 404, "not found"),
        ("POST", f"{SUB}/nobody/password", STD, {}, 404, "not found"),
        ("POST", f"{SUB}/nobody/data/add", STD, {"data": 1}, 404, "not found"),
        ("DELETE", f"{SUB}/nobody", {"proxy_type": "standart"}, None, 400, "Unknown query"),
    ],
)  # fmt: skip
async def test_sub_user_routes_are_strict(
    api: Api,
    method: str,
    path: str,
    params: dict[str, str],
    body: Any,
    status: int,
    fragment: str,
) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=2)
    kwargs: dict[str, Any] = {"params": params}
    if body is not None:
        kwargs["json"] = body
    got, response = await api.call(method, path, **kwargs)
    assert got == status
    assert fragment in _message(response)


async def test_traffic_is_conserved(api: Api, emu: Emulator) -> None:
    await _buy(api, product="Standart Residential Proxy", quantity=20)
    users = [(await _create(api, f"u{n}", n + 1))["user_id"] for n in range(4)]
    await _move(api, users[0], "add", 3)
    await _move(api, users[1], "subtract", 1)
    await api.call("DELETE", f"{SUB}/{users[2]}")
    pool = emu.account.pools["standart"]
    held = sum(sub.data_remain for sub in pool.sub_users.values())
    assert pool.data_remain + held == 20 * GB
