"""The request journal."""

from __future__ import annotations

from proxyorders_async.emulator import Emulator, Journal

from .conftest import DC_MONTHLY, Api


async def test_a_purchase_is_recorded_once_with_its_body(api: Api, emu: Emulator) -> None:
    status, _ = await api.purchase(**DC_MONTHLY, quantity=2)
    assert status == 200
    assert emu.journal.in_flight == 0
    (entry,) = emu.journal_for("orders.purchase")
    assert entry.method == "POST"
    assert entry.path == "/user/api/orders/purchase"
    assert entry.query == {}
    assert entry.body == {**DC_MONTHLY, "quantity": 2}
    assert entry.auth_sent is True
    assert entry.token_valid is True
    assert entry.account == "demo@proxyshard.test"
    assert entry.status == 200
    assert entry.faults == ()
    assert entry.fault is None
    assert entry.delay_ms == 0
    assert emu.count("POST", "/user/api/orders/purchase") == 1
    assert emu.count("post", "/user/api/orders/purchase") == 1
    assert emu.count(route="orders.purchase") == 1
    assert emu.count("GET") == 0


async def test_query_and_invalid_tokens(api: Api, emu: Emulator) -> None:
    await api.orders(status="active", limit=3, token="not-a-token")
    await api.orders(status="active", limit=3, token=None)
    invalid, missing = emu.journal_for("orders.list")
    assert invalid.query == {"status": "active", "limit": "3"}
    assert (invalid.auth_sent, invalid.token_valid, invalid.account) == (True, False, None)
    assert (missing.auth_sent, missing.token_valid) == (False, False)
    assert invalid.status == missing.status == 401
    assert invalid.body is None


async def test_tokens_are_never_recorded(api: Api, emu: Emulator) -> None:
    await api.get("/user/api/me")
    await api.get("/user/api/me", token="a-wrong-secret-token")
    await api.purchase(**DC_MONTHLY)
    text = repr(emu.journal.entries)
    assert emu.token not in text
    assert "a-wrong-secret-token" not in text


async def test_non_json_bodies_and_unknown_routes(api: Api, emu: Emulator) -> None:
    await api.post("/user/api/orders/purchase", data=b"\xff not json")
    await api.get("/nowhere", token=None)
    purchase, unknown = emu.journal.entries
    assert purchase.body is None
    assert purchase.status == 400
    assert (unknown.route, unknown.status) == ("unknown", 404)


async def test_sequence_clear_and_iteration(api: Api, emu: Emulator) -> None:
    await api.get("/health")
    await api.get("/health/live")
    assert [e.seq for e in emu.journal] == [0, 1]
    assert len(emu.journal) == 2
    emu.clear_journal()
    assert len(emu.journal) == 0
    await api.get("/health")
    assert [e.seq for e in emu.journal] == [2]  # sequence numbers survive a clear
    assert emu.journal_for("health")[0].route == "health"


async def test_journal_can_be_disabled(api: Api) -> None:
    async with Emulator(journal=False) as emu:
        await api.call("GET", emu.url + "/health")
        assert len(emu.journal) == 0


def test_count_filters_combine() -> None:
    journal = Journal()
    assert journal.count() == 0
    assert journal.for_route("me") == []
