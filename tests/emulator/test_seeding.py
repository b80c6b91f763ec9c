"""Deterministic seeding, the catalog table, and the package's public surface."""

from __future__ import annotations

import aiohttp
import pytest

import proxyorders_async.emulator as emulator_module
from proxyorders_async.emulator import (
    ADDONS,
    BYTES_PER_GB,
    CYCLES,
    DEFAULT_BALANCE,
    DEFAULT_NOW,
    LIFETIME,
    P0F_SLOTS,
    PRODUCTS,
    PROMO_CODES,
    PROXY_TYPES,
    ROUTE_NAMES,
    Emulator,
    price,
)
from proxyorders_async.emulator._app import _ROUTE_TABLE
from proxyorders_async.emulator._launch import build_parser as _parser


def _snapshot(emu: Emulator) -> list[dict[str, object]]:
    return [o.detail() for o in emu.account]


def test_same_seed_same_data() -> None:
    a, b = Emulator(orders=2000, seed=42), Emulator(orders=2000, seed=42)
    assert a.token == b.token
    assert _snapshot(a) == _snapshot(b)
    c = Emulator(orders=2000, seed=43)
    assert c.token != a.token
    assert _snapshot(c) != _snapshot(a)


def test_seeded_history_covers_statuses_and_products() -> None:
    emu = Emulator(orders=2000, seed=1)
    orders = list(emu.account)
    assert len(orders) == 2000
    assert {o.status for o in orders} == {"active", "on-hold", "cancelled"}
    assert {o.product.name for o in orders} == set(PRODUCTS)
    assert sum(len(emu.account.order_ids(s)) for s in ("active", "on-hold", "cancelled")) == 2000
    assert emu.account.order_ids() == sorted(o.order_id for o in orders)


def test_seeded_orders_are_consistent() -> None:
    emu = Emulator(orders=3000, seed=9)
    now = DEFAULT_NOW
    for order in emu.account:
        assert order.created_at < now
        if order.cycle.name == LIFETIME:
            assert order.status != "on-hold"
            assert order.expires_at is None
            assert order.auto_renewal is None
        else:
            assert order.expires_at is not None
            assert order.created_at <= order.expires_at
            if order.status == "active":
                assert order.expires_at > now
            elif order.status == "on-hold":
                assert now - 3 * 86_400 <= order.expires_at < now
            else:
                assert order.expires_at <= now - 3 * 86_400
        promo = PROMO_CODES[order.promo_code] if order.promo_code else None
        quote = price(order.product, order.cycle, order.quantity, promo, order.addon_quantities())
        assert (order.price_paid, order.addons_price_paid) == (
            quote.final_price,
            quote.addons_price,
        )
        if order.location is not None:
            assert order.location in order.product.locations


async def test_a_100k_account_serves_its_last_page(session: aiohttp.ClientSession) -> None:
    async with Emulator(orders=100_000, seed=3) as emu:
        assert len(emu.account.orders) == 100_000
        headers = {"Authorization": f"Bearer {emu.token}"}
        url = emu.url + "/user/api/orders?status=all&offset=99990&limit=100"
        async with session.get(url, headers=headers) as response:
            body = await response.json()
        assert body["count"] == 10
        assert body["next"] is None
        assert body["orders"][-1]["order_id"] == emu.account.order_ids()[-1]


def test_additional_accounts_are_seeded_independently() -> None:
    emu = Emulator(orders=10, seed=5)
    other = emu.add_account(orders=10)
    again = Emulator(orders=10, seed=5).add_account(orders=10)
    assert other.token == again.token
    assert [o.detail() for o in other] == [o.detail() for o in again]
    assert not set(other.orders) & set(emu.account.orders)


def test_catalog_matches_the_domain_facts() -> None:
    dc = PRODUCTS["Datacenter Proxy"]
    assert dict(dc.prices) == {"3days": 30, "weekly": 40, "half-month": 70, "monthly": 120}
    assert dc.locations == ("DE", "FR", "GB", "MD", "NL", "PL", "UA", "ES")
    isp = PRODUCTS["ISP Proxy"]
    assert (dict(isp.prices), isp.locations) == ({"monthly": 200}, ("US", "UA"))
    assert dict(PRODUCTS["Standart Residential Proxy"].prices) == {LIFETIME: 200}
    assert dict(PRODUCTS["Premium Residential Proxy"].prices) == {LIFETIME: 300}
    assert dict(PRODUCTS["Unmetered Residential proxy"].prices) == {
        "day": 3000, "weekly": 19900, "half-month": 39900, "monthly": 69900
    }  # fmt: skip
    assert PRODUCTS["Mobile Proxy Basic"].prices["day"] == 400
    assert PRODUCTS["Mobile Proxy Basic"].prices["monthly"] == 5500
    for product in PRODUCTS.values():
        assert set(product.prices) <= set(CYCLES)  # one table of cycle names
    assert len({c.cycle_id for c in CYCLES.values()}) == len(CYCLES)
    assert len({p.product_id for p in PRODUCTS.values()}) == len(PRODUCTS)


def test_route_names_match_the_route_table() -> None:
    assert {name for _, _, name, _ in _ROUTE_TABLE} | {"unknown"} == ROUTE_NAMES


def test_public_surface_is_sorted_and_exported() -> None:
    names = emulator_module.__all__
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(emulator_module, name) for name in names)
    assert {"Emulator", "FaultSpec", "Faults", "JournalEntry", "create_app"} <= set(names)


def _residential_snapshot(emu: Emulator) -> list[object]:
    return [
        (
            t,
            p.data,
            p.password,
            [(u.user_id, u.first_name, u.password, u.data) for u in p.sub_users.values()],
        )
        for t, p in emu.account.pools.items()
    ]


def test_residential_and_p0f_seeding_is_deterministic() -> None:
    def make() -> Emulator:
        return Emulator(
            seed=4, traffic_gb={"standart": 10, "premium": 3}, sub_users=2, p0f_orders=2
        )

    a, b = make(), make()
    assert _residential_snapshot(a) == _residential_snapshot(b)
    assert _snapshot(a) == _snapshot(b)
    assert a.account.balance == DEFAULT_BALANCE  # seeding charges nothing
    standard = a.account.pools["standart"]
    # The owner holds what the sub-users were not given: 10 GB bought, 2 x 1 GB handed out.
    assert (standard.data, standard.data_remain) == (8 * BYTES_PER_GB, 8 * BYTES_PER_GB)
    assert [u.first_name for u in standard.sub_users.values()] == [
        "standart-user-1",
        "standart-user-2",
    ]
    residential = [o for o in a.account if o.product.name.endswith("Residential Proxy")]
    assert [(o.product.name, o.quantity) for o in residential] == [
        ("Standart Residential Proxy", 10),
        ("Premium Residential Proxy", 3),
    ]
    p0f = [o.detail() for o in a.account if o.addons]
    assert len(p0f) == 2
    for order in p0f:
        assert (order["product_name"], order["cycle_name"], order["quantity"]) == (
            "Datacenter Proxy",
            "monthly",
            5,
        )
        assert (order["p0f_slots_available"], order["p0f_slots_used"]) == (3, 1)
        assert order["addons_price_paid"] == 3 * 30


def test_seeded_history_feeds_pools_and_prices_add_ons_from_the_catalog() -> None:
    emu = Emulator(orders=3000, seed=9)
    for proxy_type, product in PROXY_TYPES.items():
        bought = sum(o.quantity for o in emu.account if o.product.name == product)
        assert bought > 0
        assert emu.account.pools[proxy_type].data == bought * BYTES_PER_GB
    with_addons = [o for o in emu.account if o.addons]
    assert with_addons
    for order in with_addons:
        assert ADDONS[P0F_SLOTS].price_for(order.product.name, order.cycle.name) is not None
        (line,) = order.addons
        assert line.pending is None


def test_the_command_line_seeds_traffic_and_p0f_orders(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--traffic", "standart=5", "--traffic", "premium=2", "--sub-users", "3"]
    args = _parser().parse_args([*argv, "--p0f-orders", "1"])
    assert (dict(args.traffic), args.sub_users, args.p0f_orders) == (
        {"standart": 5, "premium": 2},
        3,
        1,
    )
    with pytest.raises(SystemExit):
        _parser().parse_args(["--traffic", "unmetered=5"])
    assert "expected TYPE=GB" in capsys.readouterr().err
