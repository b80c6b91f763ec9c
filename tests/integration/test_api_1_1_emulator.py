"""A quick pass over each API 1.1.0 namespace against the emulator (the user stories are in
their own module); plus the safety of unsafe writes under the emulator's faults."""

from __future__ import annotations

import pytest

from proxyorders_async import (
    NotFoundError,
    OutcomeUnknownError,
    ProxyOrdersClient,
    ProxyType,
    PurchaseOutcomeUnknownError,
    Signature,
)
from proxyorders_async.emulator import Emulator

GB = 2**30
SEEDED = pytest.mark.proxyorders_emulator(
    traffic_gb={"standart": 20, "premium": 5}, sub_users=3, p0f_orders=1
)


async def _orders(client: ProxyOrdersClient) -> dict[str, int]:
    return {o.product_name: o.order_id async for o in client.orders.iter("all")}


@SEEDED
async def test_health_probes_send_no_key(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    assert await proxyorders_client.health.check() is True
    assert await proxyorders_client.health.live() is True
    probes = proxyorders_emulator.journal_for("health") + proxyorders_emulator.journal_for(
        "health.live"
    )
    assert len(probes) == 2 and not any(entry.auth_sent for entry in probes)


@SEEDED
async def test_addons_and_per_ip_settings(proxyorders_client: ProxyOrdersClient) -> None:
    client = proxyorders_client
    order_id = (await _orders(client))["Datacenter Proxy"]
    quote = await client.addons.calculate(order_id, "p0f_slots", 2)
    assert (quote.current_qty, quote.new_qty, quote.add_total) == (3, 5, 60)
    bought = await client.addons.purchase(order_id, "p0f_slots", 2)
    assert bought.addons and bought.addons[0].qty == 5
    scheduled = await client.addons.schedule_downgrade(order_id, "p0f_slots", 4, current_qty=5)
    assert scheduled.addons and scheduled.addons[0].pending is not None
    assert (await client.orders.get(order_id)).p0f_slots_next == 4
    await client.addons.cancel_downgrade(order_id, "p0f_slots")
    assert (await client.orders.get(order_id)).p0f_slots_next == 5

    ips = [proxy.ip for proxy in await client.proxies.active(order_id)]
    updated = await client.orders.set_signatures(order_id, {ips[1]: Signature.MACOS})
    assert updated == 1
    signed = {p.ip: p.signature for p in await client.proxies.active(order_id)}
    assert signed[ips[1]] == "macos"
    await client.orders.set_ip_deletion(order_id, {ips[-1]: True})
    assert (await client.orders.get(order_id)).quantity == len(ips) - 1


@SEEDED
async def test_residential_traffic_and_sub_users(proxyorders_client: ProxyOrdersClient) -> None:
    client = proxyorders_client
    before = await client.residential.profile(ProxyType.STANDARD)
    assert before.data == (20 - 3) * GB  # the three seeded sub-users drew 1 GB each
    assert "***" in repr(before) and before.proxy_password not in repr(before)
    await client.orders.add_bandwidth((await _orders(client))["Standart Residential Proxy"], 2)
    assert (await client.residential.profile("standart")).data == before.data + 2 * GB

    page = await client.sub_users.list("standart", limit=2)
    assert page.count == 3 and len(page) == 2
    assert len([u async for u in client.sub_users.iter("standart", page_size=2)]) == 3

    user = await client.sub_users.create("standart", "team-a", 2)
    assert user.data == 2 * GB
    await client.sub_users.add_traffic(user.user_id, "standart", 3)
    await client.sub_users.subtract_traffic(user.user_id, "standart", 1)
    await client.sub_users.rename(user.user_id, "standart", "team-b")
    old_password = user.proxy_password
    await client.sub_users.reset_password(user.user_id, "standart")
    fetched = await client.sub_users.get(user.user_id, "standart")
    assert (fetched.name, fetched.data) == ("team-b", 4 * GB)
    assert fetched.proxy_password != old_password
    await client.sub_users.delete(user.user_id)
    with pytest.raises(NotFoundError):
        await client.sub_users.get(user.user_id, "standart")


@SEEDED
async def test_geo_lists_walk_down_the_hierarchy(proxyorders_client: ProxyOrdersClient) -> None:
    client = proxyorders_client
    countries = await client.geo.countries("premium")
    country = countries.results[0]
    regions = await client.geo.regions("premium", country.code)
    assert all(r.country == country for r in regions)
    cities = await client.geo.cities("premium", country.code, regions.results[0].code)
    assert len(cities) == cities.count > 0
    isps = await client.geo.isps(country.code, regions.results[0].code, cities.results[0].code)
    assert isps.count == len(isps)


@SEEDED
async def test_a_sub_user_create_is_never_repeated_after_a_reset(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    proxyorders_emulator.faults.set("proxies.sub_user.create", reset_after_rate=1.0)
    with pytest.raises(OutcomeUnknownError) as info:
        await proxyorders_client.sub_users.create("standart", "once", 1)
    assert not isinstance(info.value, PurchaseOutcomeUnknownError)
    assert len(proxyorders_emulator.journal_for("proxies.sub_user.create")) == 1
    proxyorders_emulator.faults.clear()
    names = [u.name async for u in proxyorders_client.sub_users.iter("standart")]
    assert names.count("once") == 1  # it happened, once: what the advice says to check


@SEEDED
async def test_traffic_moves_and_add_ons_are_never_repeated_after_a_500(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client, emulator = proxyorders_client, proxyorders_emulator
    user = (await client.sub_users.list("standart")).users[0]
    emulator.faults.set("proxies.sub_user.data_add", fail_first=1, fail_with=500)
    with pytest.raises(OutcomeUnknownError):
        await client.sub_users.add_traffic(user.user_id, "standart", 1)
    assert len(emulator.journal_for("proxies.sub_user.data_add")) == 1
    emulator.faults.set("orders.addons_purchase", fail_first=1, fail_with=502)
    order_id = (await _orders(client))["Datacenter Proxy"]
    with pytest.raises(PurchaseOutcomeUnknownError):
        await client.addons.purchase(order_id, "p0f_slots", 1)
    assert len(emulator.journal_for("orders.addons_purchase")) == 1
    emulator.faults.set("proxies.profile", fail_first=2, fail_with=503)
    assert (await client.residential.profile("standart")).data_remain >= 0
    assert len(emulator.journal_for("proxies.profile")) == 3
