"""``proxies``, ``addons``, ``orders signatures|ip-deletion|add-traffic`` against the emulator."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxyorders_async._cli import commands
from proxyorders_async.emulator import DEFAULT_BALANCE, Emulator

from .conftest import Run

SLOT_CENTS = 30  # one p0f slot on a monthly Datacenter order
STANDART_GB_CENTS = 200


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """One monthly Datacenter order (5 IPs, 3 p0f slots, first IP signed win10) and one
    Standart Residential order of 50 GB; nothing else."""
    async with Emulator(seed=11, traffic_gb={"standart": 50}, p0f_orders=1) as emulator:
        yield emulator


def _order(emu: Emulator, product: str) -> Any:
    return next(order for order in emu.account if order.product.name == product)


def _dc(emu: Emulator) -> Any:
    return _order(emu, "Datacenter Proxy")


def _dc_id(emu: Emulator) -> str:
    return str(_dc(emu).order_id)


def _ip(emu: Emulator, index: int) -> str:
    return str(_dc(emu).ip(index))


def _resi_id(emu: Emulator) -> str:
    return str(_order(emu, "Standart Residential Proxy").order_id)


def _p0f_qty(emu: Emulator) -> int:
    (line,) = _dc(emu).addons
    return int(line.qty)


def _terminal(monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    monkeypatch.setattr(commands, "stdin_is_interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))


# ---------------------------------------------------------------------------------------------
# proxies


async def test_proxies_table_hides_passwords_and_shows_signatures(cli: Run, emu: Emulator) -> None:
    shown = (await cli("proxies", _dc_id(emu), "--json", "--show-passwords")).json()
    secret = shown["data"][0]["password"]
    assert len(secret) == 16
    result = await cli("proxies", _dc_id(emu))
    assert result.code == 0, result.err
    assert _ip(emu, 0) in result.out
    assert "win10" in result.out  # the seeded signature
    assert "***" in result.out
    assert secret not in result.out + result.err
    assert "--show-passwords" in result.err
    result = await cli("proxies", _dc_id(emu), "--show-passwords")
    assert secret in result.out


async def test_proxies_json_shape_masks_passwords(cli: Run, emu: Emulator) -> None:
    result = await cli("proxies", _dc_id(emu), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["order_id"] == int(_dc_id(emu))
    assert len(data["data"]) == 5
    first = data["data"][0]
    assert first == {
        "ip": _ip(emu, 0),
        "username": first["username"],
        "password": "***",
        "http_port": 10_000,
        "socks_port": 20_000,
        "until": first["until"],
        "status": "active",
        "signature": "win10",
    }
    assert data["data"][1]["signature"] is None


async def test_proxies_of_an_unknown_order_exits_1(cli: Run) -> None:
    result = await cli("proxies", "999999")
    assert result.code == 1
    assert "HTTP 404" in result.err


# ---------------------------------------------------------------------------------------------
# addons


async def test_addon_quote_table_and_json(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "quote", _dc_id(emu), "p0f_slots", "2")
    assert result.code == 0, result.err
    assert "$0.60" in result.out
    data = (await cli("addons", "quote", _dc_id(emu), "p0f_slots", "2", "--json")).json()
    assert data["order_id"] == int(_dc_id(emu))
    assert (data["current_qty"], data["add_qty"], data["new_qty"]) == (3, 2, 5)
    assert data["add_total"] == 2 * SLOT_CENTS
    assert emu.account.balance == DEFAULT_BALANCE
    assert len(emu.journal_for("orders.addons_purchase")) == 0


async def test_addon_buy_refused_without_a_terminal(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "buy", _dc_id(emu), "p0f_slots", "2")
    assert result.code == 2
    assert "refusing to buy without confirmation" in result.err
    assert "--yes" in result.err
    assert len(emu.journal) == 0  # not even the quote


async def test_addon_buy_with_yes_quotes_then_buys_once(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "buy", _dc_id(emu), "p0f_slots", "2", "--yes")
    assert result.code == 0, result.err
    assert [e.route for e in emu.journal] == [
        "orders.addons_calculate",
        "me",
        "orders.addons_purchase",
    ]
    assert emu.account.balance == DEFAULT_BALANCE - 2 * SLOT_CENTS
    assert _p0f_qty(emu) == 5
    assert "Bought 2 p0f_slots" in result.out
    assert "$9,999.40" in result.out  # balance after


async def test_addon_buy_json(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "buy", _dc_id(emu), "p0f_slots", "1", "-y", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["order_id"] == int(_dc_id(emu))
    assert data["quote"]["add_total"] == SLOT_CENTS
    assert data["purchase"]["success"] is True
    assert data["purchase"]["addons"][0]["qty"] == 4
    assert isinstance(data["purchase"]["addons_price_paid"], int)


@pytest.mark.parametrize(("answer", "bought"), [("y\n", 1), ("no\n", 0), ("", 0)])
async def test_addon_buy_asks_on_a_terminal(
    cli: Run, emu: Emulator, monkeypatch: pytest.MonkeyPatch, answer: str, bought: int
) -> None:
    _terminal(monkeypatch, answer)
    result = await cli("addons", "buy", _dc_id(emu), "p0f_slots", "2")
    assert f"Buy 2 p0f_slots for order {_dc_id(emu)} for $0.60? [y/N]" in result.err
    assert len(emu.journal_for("orders.addons_purchase")) == bought
    assert result.code == (0 if bought else 1)
    if not bought:
        assert "aborted: nothing was bought" in result.err
        assert emu.account.balance == DEFAULT_BALANCE


async def test_addon_buy_unknown_outcome_exits_4_and_is_not_resent(cli: Run, emu: Emulator) -> None:
    emu.faults.set("orders.addons_purchase", reset_after_rate=1.0)  # bought, then the reset
    result = await cli("addons", "buy", _dc_id(emu), "p0f_slots", "2", "--yes")
    assert result.code == 4
    first, *hints = result.err.splitlines()
    assert "outcome is unknown" in first
    assert "NOT retried" in first
    assert any(f"proxyorders orders get {_dc_id(emu)}" in hint for hint in hints)
    assert any("$10,000.00" in hint for hint in hints)
    assert len(emu.journal_for("orders.addons_purchase")) == 1
    assert _p0f_qty(emu) == 5  # it did go through


async def test_addon_downgrade_then_cancel(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "downgrade", _dc_id(emu), "p0f_slots", "2")
    assert result.code == 0, result.err
    assert "downgrade to 2 at the next renewal" in result.out
    (line,) = _dc(emu).addons
    assert line.pending is not None
    data = (await cli("addons", "cancel-downgrade", _dc_id(emu), "p0f_slots", "--json")).json()
    assert data["order_id"] == int(_dc_id(emu))
    assert data["addons"][0]["pending"] is None
    assert data["addons"][0]["qty"] == 3


async def test_addon_downgrade_not_below_the_quantity_exits_1(cli: Run, emu: Emulator) -> None:
    result = await cli("addons", "downgrade", _dc_id(emu), "p0f_slots", "3")
    assert result.code == 1
    assert "HTTP 400" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["quote", "1", "p0f_slots", "0"],
        ["buy", "1", "p0f_slots", "-2", "--yes"],
        ["quote", "1", "p0f slots", "1"],
        ["downgrade", "0", "p0f_slots", "1"],
        ["cancel-downgrade", "1"],
    ],
)
async def test_addon_usage_errors_send_nothing(cli: Run, emu: Emulator, argv: list[str]) -> None:
    result = await cli("addons", *argv)
    assert result.code == 2
    assert len(emu.journal) == 0


# ---------------------------------------------------------------------------------------------
# orders signatures / ip-deletion


async def test_signatures_set_and_json(cli: Run, emu: Emulator) -> None:
    order_id = _dc_id(emu)
    result = await cli(
        "orders", "signatures", order_id, f"{_ip(emu, 1)}=win11", f"{_ip(emu, 2)}=macos"
    )
    assert result.code == 0, result.err
    assert "2 of 2 IPs updated" in result.out
    assert "2-3 minutes" in result.err
    assert _dc(emu).signatures == {0: "win10", 1: "win11", 2: "macos"}
    data = (await cli("orders", "signatures", order_id, f"{_ip(emu, 0)}=linux", "--json")).json()
    assert data == {
        "order_id": int(order_id),
        "signatures": {_ip(emu, 0): "linux"},
        "updated": 1,
    }


async def test_signatures_beyond_the_slots_exit_1(cli: Run, emu: Emulator) -> None:
    items = [f"{_ip(emu, i)}=ios" for i in range(1, 5)]  # 4 new IPs, 2 slots left
    result = await cli("orders", "signatures", _dc_id(emu), *items)
    assert result.code == 1
    assert "HTTP 400" in result.err


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("203.0.113.7=win12", "unknown OS 'win12'"),
        ("203.0.113.7", "expected IP=OS"),
        ("203.0.113.300=win11", "IPv4 or IPv6"),
        ("=win11", "expected IP=OS"),
        ("203.0.113.7=", "expected IP=OS"),
    ],
)
async def test_signature_usage_errors_send_nothing(
    cli: Run, emu: Emulator, item: str, message: str
) -> None:
    result = await cli("orders", "signatures", _dc_id(emu), item)
    assert result.code == 2
    assert message in result.err
    assert len(emu.journal) == 0


async def test_one_ip_with_two_signatures_is_a_usage_error(cli: Run, emu: Emulator) -> None:
    # Two spellings of one IPv6 address: normalized, then refused as a conflict.
    result = await cli("orders", "signatures", "1", "2001:DB8::1=ios", "2001:db8::0001=linux")
    assert result.code == 2
    assert "2001:db8::1 is given twice" in result.err
    assert len(emu.journal) == 0


async def test_ip_deletion_marks_and_keeps(cli: Run, emu: Emulator) -> None:
    order_id = _dc_id(emu)
    result = await cli("orders", "ip-deletion", order_id, f"{_ip(emu, 4)}=on", f"{_ip(emu, 3)}=off")
    assert result.code == 0, result.err
    assert f"to drop: {_ip(emu, 4)}; kept: {_ip(emu, 3)}" in result.out
    assert _dc(emu).dropping == {4}
    assert _dc(emu).quantity == 4
    data = (await cli("orders", "ip-deletion", order_id, f"{_ip(emu, 4)}=off", "--json")).json()
    assert data == {
        "order_id": int(order_id),
        "items": {_ip(emu, 4): False},
        "success": True,
        "message": "IP deletion settings updated",
    }
    assert emu.journal_for("orders.del_np_set")[-1].body == {
        "items": [{"ip": _ip(emu, 4), "value": False}]
    }


async def test_ip_deletion_of_every_ip_exits_1(cli: Run, emu: Emulator) -> None:
    items = [f"{_ip(emu, i)}=on" for i in range(5)]
    result = await cli("orders", "ip-deletion", _dc_id(emu), *items)
    assert result.code == 1
    assert "HTTP 400" in result.err


@pytest.mark.parametrize(
    ("item", "message"),
    [("203.0.113.7=maybe", "expected on or off"), ("host=on", "IPv4 or IPv6"), ("on", "IP=on")],
)
async def test_ip_deletion_usage_errors_send_nothing(
    cli: Run, emu: Emulator, item: str, message: str
) -> None:
    result = await cli("orders", "ip-deletion", _dc_id(emu), item)
    assert result.code == 2
    assert message in result.err
    assert len(emu.journal) == 0


# ---------------------------------------------------------------------------------------------
# orders add-traffic


async def test_add_traffic_refused_without_a_terminal(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "add-traffic", _resi_id(emu), "5")
    assert result.code == 2
    assert "refusing to buy without confirmation" in result.err
    assert len(emu.journal) == 0


async def test_add_traffic_with_yes_charges_the_estimate(cli: Run, emu: Emulator) -> None:
    before = emu.account.pools["standart"].data
    result = await cli("orders", "add-traffic", _resi_id(emu), "5", "--yes")
    assert result.code == 0, result.err
    assert "$10.00" in result.out  # the estimate: 5 GB at $2
    assert f"Added 5 GB of traffic to order {_resi_id(emu)}" in result.out
    assert emu.account.balance == DEFAULT_BALANCE - 5 * STANDART_GB_CENTS
    assert emu.account.pools["standart"].data == before + 5 * 2**30
    assert len(emu.journal_for("orders.add_bandwidth")) == 1


async def test_add_traffic_json_with_a_promo_code(cli: Run, emu: Emulator) -> None:
    result = await cli(
        "orders", "add-traffic", _resi_id(emu), "5", "--promo-code", "RESI20", "-y", "--json"
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["order_id"] == int(_resi_id(emu))
    assert (data["gb"], data["promo_code"], data["estimated_price"]) == (5, "RESI20", 800)
    assert data["success"] is True
    assert emu.journal_for("orders.add_bandwidth")[0].body == {"amount": 5, "promo_code": "RESI20"}
    assert emu.account.balance == DEFAULT_BALANCE - 800


@pytest.mark.parametrize(("answer", "bought"), [("yes\n", 1), ("n\n", 0)])
async def test_add_traffic_asks_on_a_terminal(
    cli: Run, emu: Emulator, monkeypatch: pytest.MonkeyPatch, answer: str, bought: int
) -> None:
    _terminal(monkeypatch, answer)
    result = await cli("orders", "add-traffic", _resi_id(emu), "5")
    question = f"Buy 5 GB of traffic for order {_resi_id(emu)} (Standart Residential Proxy)"
    assert f"{question} for about $10.00? [y/N]" in result.err
    assert len(emu.journal_for("orders.add_bandwidth")) == bought
    assert result.code == (0 if bought else 1)


async def test_add_traffic_unknown_outcome_exits_4(cli: Run, emu: Emulator) -> None:
    emu.faults.set("orders.add_bandwidth", reset_after_rate=1.0)
    result = await cli("orders", "add-traffic", _resi_id(emu), "5", "--yes")
    assert result.code == 4
    first, *hints = result.err.splitlines()
    assert first.startswith(f"error: adding 5 GB of traffic to order {_resi_id(emu)} was sent")
    assert any("proxyorders traffic standart" in hint for hint in hints)
    assert len(emu.journal_for("orders.add_bandwidth")) == 1


async def test_add_traffic_to_a_datacenter_order_exits_1(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "add-traffic", _dc_id(emu), "5", "--yes")
    assert result.code == 1
    assert "not sold per GB" in result.err
    assert "HTTP 400" in result.err
    assert emu.account.balance == DEFAULT_BALANCE


async def test_add_traffic_of_zero_gb_sends_nothing(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "add-traffic", _resi_id(emu), "0", "--yes")
    assert result.code == 2
    assert len(emu.journal) == 0
