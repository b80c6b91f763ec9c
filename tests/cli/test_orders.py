"""``orders list|get|cycle|auto-renewal|renew|tag``, with and without ``--json``."""

from __future__ import annotations

import pytest

from proxyorders_async.emulator import Emulator, ProductKind
from proxyorders_async.emulator import Order as EmulatedOrder

from .conftest import Run


def _dc_order(emu: Emulator, status: str = "active") -> EmulatedOrder:
    return next(
        order
        for order in emu.account
        if order.product.kind is ProductKind.DC_ISP
        and order.status == status
        and order.product.name == "Datacenter Proxy"
    )


async def test_list_table_shows_the_page_and_the_next_offset(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "list", "all", "--offset", "5", "--limit", "3")
    assert result.code == 0, result.err
    ids = emu.account.order_ids("all")[5:8]
    for order_id in ids:
        assert str(order_id) in result.out
    assert str(emu.account.order_ids("all")[8]) not in result.out
    assert "proxyorders orders list all --offset 8" in result.err


async def test_list_json(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "list", "active", "--limit", "4", "--json")
    assert result.code == 0, result.err
    page = result.json()
    assert [o["order_id"] for o in page["orders"]] == emu.account.order_ids("active")[:4]
    assert page["count"] == 4
    assert page["next"].endswith("offset=4&limit=4")
    first = page["orders"][0]
    assert set(first) == {
        "order_id",
        "product_id",
        "product_name",
        "cycle_id",
        "cycle_name",
        "expires_at",
        "auto_renewal",
        "tag",
    }
    assert first["expires_at"] is None or first["expires_at"].endswith("+00:00")


async def test_get_table_and_json(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu)
    table = await cli("orders", "get", str(order.order_id))
    assert table.code == 0, table.err
    assert f"Order {order.order_id}" in table.out
    cents = order.price_paid
    assert f"${cents // 100:,}.{cents % 100:02d}" in table.out
    data = (await cli("orders", "get", str(order.order_id), "--json")).json()
    assert data["order_id"] == order.order_id
    assert data["price_paid"] == order.price_paid
    assert data["status"] == "active"


async def test_cycle(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu)
    result = await cli("orders", "cycle", str(order.order_id), "weekly")
    assert result.code == 0, result.err
    assert f"Order {order.order_id} now bills weekly at $" in result.out
    assert order.cycle.name == "weekly"
    data = (await cli("orders", "cycle", str(order.order_id), "monthly", "--json")).json()
    assert data["order_id"] == order.order_id
    assert isinstance(data["final_price"], int)
    assert order.cycle.name == "monthly"


async def test_cycle_forbidden_exits_1(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "cycle", str(_dc_order(emu).order_id), "3days")
    assert result.code == 1
    assert "HTTP 403" in result.err


@pytest.mark.parametrize(("state", "flag"), [("on", True), ("off", False)])
async def test_auto_renewal(cli: Run, emu: Emulator, state: str, flag: bool) -> None:
    order = _dc_order(emu)
    order.auto_renewal = not flag
    result = await cli("orders", "auto-renewal", str(order.order_id), state)
    assert result.code == 0, result.err
    assert f"Auto-renewal of order {order.order_id} is {state}" in result.out
    assert order.auto_renewal is flag
    data = (await cli("orders", "auto-renewal", str(order.order_id), state, "--json")).json()
    assert data == {"order_id": order.order_id, "success": True, "message": data["message"]}


async def test_renew_requires_yes_without_a_terminal(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu, "on-hold")
    result = await cli("orders", "renew", str(order.order_id))
    assert result.code == 2
    assert "refusing to renew" in result.err
    assert len(emu.journal) == 0
    assert order.status == "on-hold"


async def test_renew(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu, "on-hold")
    result = await cli("orders", "renew", str(order.order_id), "--yes")
    assert result.code == 0, result.err
    assert f"Renewed order {order.order_id}" in result.out
    assert order.status == "active"
    assert len(emu.journal_for("orders.renew")) == 1


async def test_renew_json(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu, "on-hold")
    result = await cli("orders", "renew", str(order.order_id), "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["success"] is True
    assert order.status == "active"


async def test_renew_unknown_outcome_exits_4(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu, "on-hold")
    emu.faults.set("orders.renew", error_rate=1.0, error_statuses=(502,))
    result = await cli("orders", "renew", str(order.order_id), "--yes")
    assert result.code == 4
    assert "renewal of order" in result.err
    assert f"proxyorders orders get {order.order_id}" in result.err
    assert len(emu.journal_for("orders.renew")) == 1


async def test_tag_is_shown_literally(cli: Run, emu: Emulator) -> None:
    order = _dc_order(emu)
    result = await cli("orders", "tag", str(order.order_id), "[bold]team-x[/bold]")
    assert result.code == 0, result.err
    assert order.tag == "[bold]team-x[/bold]"
    shown = await cli("orders", "get", str(order.order_id))
    assert "[bold]team-x[/bold]" in shown.out  # not swallowed as rich markup
    data = (await cli("orders", "tag", str(order.order_id), "", "--json")).json()
    assert data["tag"] == ""
    assert order.tag == ""
