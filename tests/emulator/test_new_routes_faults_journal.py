"""Faults and the journal on the 1.1.0 routes; the journal holds no token and no password."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from proxyorders_async.emulator import ROUTE_NAMES, Emulator, create_app
from proxyorders_async.emulator._store import Store

from .conftest import Api

SUB = "/user/api/proxies/sub-user"
STD = {"proxy_type": "standart"}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Seeded with traffic, two sub-users per package and a p0f order."""
    async with Emulator(
        seed=3, traffic_gb={"standart": 10, "premium": 5}, sub_users=2, p0f_orders=1
    ) as emulator:
        yield emulator


async def _entries(emu: Emulator, route: str, count: int = 1) -> list[Any]:
    # The server journals a request when it finishes, which can follow a reset on the client.
    for _ in range(500):
        entries = emu.journal_for(route)
        if len(entries) >= count:
            return entries
        await asyncio.sleep(0.01)
    raise AssertionError(f"{route} was not journaled")


def test_every_served_route_has_a_fault_name() -> None:
    app = create_app(Store())
    served = {route.name for route in app.router.routes() if route.name}
    assert served | {"unknown"} == set(ROUTE_NAMES)
    assert len(served) == 34


async def test_an_injected_error_creates_no_sub_user(api: Api, emu: Emulator) -> None:
    emu.faults.set("proxies.sub_user.create", error_rate=1.0, error_statuses=(503,))
    status, body = await api.post(SUB, params=STD, json={"name": "x", "data": 1})
    assert status == 503
    assert body["success"] is False
    assert len(emu.account.pools["standart"].sub_users) == 2
    (entry,) = emu.journal_for("proxies.sub_user.create")
    assert entry.faults == ("error:503",)


async def test_reset_after_an_add_on_purchase_has_charged(api: Api, emu: Emulator) -> None:
    (order_id,) = [o.order_id for o in emu.account if o.addons]
    emu.faults.set("orders.addons_purchase", reset_after_rate=1.0)
    before = emu.account.balance
    with pytest.raises(aiohttp.ClientError):
        await api.post(
            f"/user/api/orders/{order_id}/addons/purchase",
            json={"addon_key": "p0f_slots", "add_qty": 2},
        )
    (entry,) = await _entries(emu, "orders.addons_purchase")
    assert (entry.status, entry.faults) == (200, ("reset_after",))
    assert emu.account.balance == before - 60
    assert emu.account.get(order_id).addons[0].qty == 5


async def test_reset_before_add_bandwidth_charges_nothing(api: Api, emu: Emulator) -> None:
    (order_id,) = [o.order_id for o in emu.account if o.product.name.startswith("Standart")]
    emu.faults.set("/user/api/orders/*/add-bandwidth", reset_before_rate=1.0)
    before = emu.account.balance
    with pytest.raises(aiohttp.ClientError):
        await api.post(f"/user/api/orders/{order_id}/add-bandwidth", json={"amount": 1})
    (entry,) = await _entries(emu, "orders.add_bandwidth")
    assert (entry.status, entry.faults) == (None, ("reset_before",))
    assert emu.account.balance == before


async def test_path_patterns_reach_sub_user_routes(api: Api, emu: Emulator) -> None:
    user_id = next(iter(emu.account.pools["standart"].sub_users))
    emu.faults.set(f"{SUB}/*/data/add", fail_first=1, fail_with=429)
    path = f"{SUB}/{user_id}/data/add"
    assert (await api.post(path, params=STD, json={"data": 1}))[0] == 429
    assert (await api.post(path, params=STD, json={"data": 1}))[0] == 200
    assert emu.account.pools["standart"].sub_users[user_id].data == 2 * 1024**3


async def test_the_journal_never_holds_tokens_or_passwords(api: Api, emu: Emulator) -> None:
    user_id = next(iter(emu.account.pools["premium"].sub_users))
    (p0f,) = [o for o in emu.account if o.addons]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/user/api/proxies/profile", {"params": {"proxy_type": "premium"}}),
        ("GET", "/user/api/proxies/sub-users", {"params": {"proxy_type": "premium"}}),
        ("GET", f"{SUB}/{user_id}", {"params": {"proxy_type": "premium"}}),
        ("POST", f"{SUB}/{user_id}/password", {"params": {"proxy_type": "premium"}, "json": {}}),
        ("POST", SUB, {"params": {"proxy_type": "premium"}, "json": {"name": "n", "data": 1}}),
        ("GET", "/user/api/proxies/active", {"params": {"order_id": str(p0f.order_id)}}),
    ]
    seen: list[str] = []
    for method, path, kwargs in calls:
        status, body = await api.call(method, path, **kwargs)
        assert status == 200, body
        seen += _passwords(body)
    assert len(seen) >= 5
    journal = repr(emu.journal.entries)
    for secret in [emu.token, *seen]:
        assert secret not in journal
    routes = [e.route for e in emu.journal.entries]
    assert routes == [
        "proxies.profile",
        "proxies.sub_users",
        "proxies.sub_user.get",
        "proxies.sub_user.password",
        "proxies.sub_user.create",
        "proxies.active",
    ]


def _passwords(body: Any) -> list[str]:
    if isinstance(body, dict):
        found = [v for k, v in body.items() if k in ("password", "proxy_password")]
        return found + [p for v in body.values() for p in _passwords(v)]
    if isinstance(body, list):
        return [p for item in body for p in _passwords(item)]
    return []
