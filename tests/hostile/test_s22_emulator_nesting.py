"""Scenario 22: the emulator survives JSON nested past the interpreter's recursion limit.

``[`` x 100,000 as the body of purchase, tag, change-billing-cycle (and of a route that does
not exist), and ``[`` x 5,000 as calculate's ``addons_json`` (the most a request line of
8,190 bytes holds; deeper than Python's recursion limit all the same), sent raw with aiohttp:
each is a 400 with the API's error shape, and every request is in the journal.
"""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from proxyorders_async.emulator import Emulator

from ._support import record

BOMB = "[" * 100_000
QUERY_BOMB = "[" * 5_000

BODY_ROUTES = [
    ("orders.purchase", "/user/api/orders/purchase"),
    ("orders.tag", "/user/api/orders/{oid}/tag"),
    ("orders.change_billing_cycle", "/user/api/orders/change-billing-cycle/{oid}"),
    ("unknown", "/user/api/no-such-route"),
]


async def _post(session: aiohttp.ClientSession, url: str, token: str) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with session.post(url, data=BOMB.encode(), headers=headers) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize(("route", "path"), BODY_ROUTES, ids=[r for r, _ in BODY_ROUTES])
async def test_a_nesting_bomb_body_is_a_400_in_the_api_error_shape_and_journaled(
    route: str, path: str
) -> None:
    async with Emulator(orders=1, seed=2201) as emu, aiohttp.ClientSession() as session:
        oid = next(iter(emu.account.orders))
        status, body = await _post(session, emu.url + path.format(oid=oid), emu.token)
        entries = list(emu.journal)
    expected = 404 if route == "unknown" else 400
    assert status == expected
    assert isinstance(body, dict)
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert "Traceback" not in body["message"]
    assert "RecursionError" not in body["message"]
    assert [(e.route, e.status) for e in entries] == [(route, expected)]
    assert entries[0].body is None  # not decodable, so not recorded as data
    record("S22", **{f"{route}_status": status, f"{route}_journaled": len(entries)})


async def test_a_nesting_bomb_in_addons_json_is_a_400_and_journaled() -> None:
    async with Emulator(seed=2202) as emu, aiohttp.ClientSession() as session:
        url = (
            f"{emu.url}/user/api/orders/calculate?product=ISP%20Proxy&location=US"
            f"&cycle=monthly&addons_json={QUERY_BOMB}"
        )
        headers = {"Authorization": f"Bearer {emu.token}"}
        # encoded=True: sent as raw brackets, 5,000 of them fit in a request line.
        async with session.get(URL(url, encoded=True), headers=headers) as response:
            status, body = response.status, await response.json()
        entries = list(emu.journal)
    assert status == 400
    # On Python 3.13 the decoder's own depth guard is deeper than 5,000 brackets (all that fit
    # in a request line), so the bomb there is plain invalid JSON: a 400 either way.
    assert body["success"] is False
    assert body["message"] in (
        "addons_json is nested too deeply to be valid JSON",
        "addons_json must be a JSON array",
    )
    assert [(e.route, e.status) for e in entries] == [("orders.calculate", 400)]
    record("S22", calculate_status=status, calculate_journaled=len(entries))


async def test_the_emulator_keeps_serving_after_the_bombs() -> None:
    async with Emulator(orders=3, seed=2203) as emu, aiohttp.ClientSession() as session:
        for _ in range(20):
            status, _body = await _post(session, emu.url + BODY_ROUTES[0][1], emu.token)
            assert status == 400
        headers = {"Authorization": f"Bearer {emu.token}"}
        async with session.get(emu.url + "/user/api/me", headers=headers) as response:
            assert response.status == 200
        assert len(emu.journal) == 21
    record("S22", bombs_then_ok=20)
