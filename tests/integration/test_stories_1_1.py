"""The user stories of API 1.1.0, end to end: the SDK against the emulator over loopback sockets.

Each test is one customer's job (p0f slots on a Datacenter order, residential traffic shared
with sub-users, geo targeting, health probes), checked against the emulator's state and journal;
the last ones prove the three retry safety classes with injected faults.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from proxyorders_async import (
    Addon,
    BadRequestError,
    DatacenterIspPurchase,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    ProxyOrdersClient,
    ProxyType,
    PurchaseOutcomeUnknownError,
    RetryPolicy,
    Signature,
    StandardResidentialPurchase,
    SubUser,
)
from proxyorders_async.emulator import BYTES_PER_GB, Emulator

Factory = Callable[..., Awaitable[Emulator]]

DC_MONTHLY = DatacenterIspPurchase(
    product="Datacenter Proxy", location="DE", cycle="monthly", quantity=5
)
P0F = "p0f_slots"
GB = BYTES_PER_GB
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005, max_retry_after=0.01)


def client_for(emulator: Emulator) -> ProxyOrdersClient:
    return ProxyOrdersClient(token=emulator.token, base_url=emulator.url, retry_policy=FAST)


async def wallet(client: ProxyOrdersClient) -> int:
    return (await client.account.me()).wallet_balance


async def ips_of(client: ProxyOrdersClient, order_id: int) -> list[str]:
    return [proxy.ip for proxy in await client.proxies.active(order_id)]


# -- p0f slots on a Datacenter order --------------------------------------------------------------


async def test_p0f_slots_bought_with_the_order_are_charged_as_quoted(
    proxyorders_client: ProxyOrdersClient,
) -> None:
    client = proxyorders_client
    request = DatacenterIspPurchase(
        product="Datacenter Proxy",
        location="DE",
        cycle="monthly",
        quantity=5,
        addons=(Addon("p0f_slots", 3),),
    )
    quote = await client.orders.quote(request.to_quote())
    assert (quote.final_price, quote.addons_price, quote.total_with_addons) == (600, 90, 690)

    before = await wallet(client)
    bought = await client.orders.purchase(request)
    assert before - await wallet(client) == quote.total_with_addons

    detail = await client.orders.get(bought.order_id)
    assert (detail.price_paid, detail.addons_price_paid) == (600, 90)
    assert (detail.p0f_slots_available, detail.p0f_slots_used, detail.p0f_slots_next) == (3, 0, 3)
    assert detail.addons is not None
    [line] = detail.addons
    assert (line.addon_key, line.qty, line.price_per_unit, line.pending) == (P0F, 3, 30, None)


async def test_p0f_story_buy_sign_downgrade_renew(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client, emulator = proxyorders_client, proxyorders_emulator
    order_id = (await client.orders.purchase(DC_MONTHLY)).order_id

    # The quote and the purchase agree, and the wallet moves by exactly the quoted cents.
    quote = await client.addons.calculate(order_id, P0F, 3)
    assert (quote.current_qty, quote.add_qty, quote.new_qty) == (0, 3, 3)
    assert (quote.price_per_unit, quote.add_total) == (30, 90)
    before = await wallet(client)
    bought = await client.addons.purchase(order_id, P0F, 3)
    assert before - await wallet(client) == quote.add_total
    assert bought.addons_price_paid == 90
    assert bought.addons is not None
    assert [(line.addon_key, line.qty) for line in bought.addons] == [(P0F, 3)]

    # Three IPs get an OS fingerprint; each takes one slot, and the list shows them.
    ips = await ips_of(client, order_id)
    assert len(ips) == 5
    chosen = {ips[0]: Signature.WIN10, ips[1]: Signature.MACOS, ips[2]: "android"}
    assert await client.orders.set_signatures(order_id, chosen) == 3
    detail = await client.orders.get(order_id)
    assert (detail.p0f_slots_available, detail.p0f_slots_used) == (3, 3)
    signed = {p.ip: p.signature for p in await client.proxies.active(order_id)}
    assert [signed[ip] for ip in ips] == ["win10", "macos", "android", None, None]

    # Changing the OS of a signed IP takes no slot; a fourth IP finds none left.
    assert await client.orders.set_signatures(order_id, {ips[0]: Signature.LINUX}) == 1
    with pytest.raises(BadRequestError) as refused:
        await client.orders.set_signatures(order_id, {ips[3]: Signature.IOS})
    assert refused.value.status == 400
    assert emulator.journal_for("orders.signature_set")[-1].status == 400
    assert (await client.orders.get(order_id)).p0f_slots_used == 3

    # A downgrade waits for the renewal, and the renewal charges what it will keep.
    scheduled = await client.addons.schedule_downgrade(order_id, P0F, 2)
    assert scheduled.addons is not None
    [line] = scheduled.addons
    assert line.pending is not None
    assert (line.qty, line.pending.action, line.pending.next_qty) == (3, "downgrade", 2)
    detail = await client.orders.get(order_id)
    assert (detail.p0f_slots_available, detail.p0f_slots_next) == (3, 2)

    renewal = await client.orders.calculate(
        "Datacenter Proxy", location="DE", cycle="monthly", quantity=5, addons=[Addon(P0F, 2)]
    )
    emulator.account.set_status(order_id, "on-hold")  # the period ran out
    before = await wallet(client)
    await client.orders.renew(order_id)
    assert before - await wallet(client) == renewal.total_with_addons == 660
    detail = await client.orders.get(order_id)
    assert detail.status == "active"
    # Slots are never given back: three IPs stay signed on two slots.
    assert (detail.p0f_slots_available, detail.p0f_slots_used, detail.p0f_slots_next) == (2, 3, 2)
    assert detail.addons is not None
    assert [(a.qty, a.pending) for a in detail.addons] == [(2, None)]


async def test_a_cancelled_downgrade_keeps_the_slots(proxyorders_client: ProxyOrdersClient) -> None:
    client = proxyorders_client
    order_id = (await client.orders.purchase(DC_MONTHLY)).order_id
    await client.addons.purchase(order_id, P0F, 4)
    await client.addons.schedule_downgrade(order_id, P0F, 1)
    assert (await client.orders.get(order_id)).p0f_slots_next == 1
    cancelled = await client.addons.cancel_downgrade(order_id, P0F)
    assert cancelled.addons is not None
    assert [(a.qty, a.pending) for a in cancelled.addons] == [(4, None)]
    assert (await client.orders.get(order_id)).p0f_slots_next == 4


async def test_bad_add_on_arguments_are_refused_before_sending(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client = proxyorders_client
    order_id = (await client.orders.purchase(DC_MONTHLY)).order_id
    ip = (await ips_of(client, order_id))[0]
    proxyorders_emulator.clear_journal()
    with pytest.raises(InvalidArgumentError):
        await client.addons.purchase(order_id, P0F, 0)
    with pytest.raises(InvalidArgumentError):
        await client.addons.calculate(order_id, P0F, -1)
    with pytest.raises(InvalidArgumentError):
        await client.orders.set_signatures(order_id, {ip: "windows95"})
    with pytest.raises(InvalidArgumentError):
        await client.orders.set_signatures(order_id, {"300.1.2.3": Signature.IOS})
    with pytest.raises(InvalidArgumentError):
        await client.orders.set_signatures(order_id, {})
    with pytest.raises(InvalidArgumentError):
        await client.orders.set_ip_deletion(order_id, {})
    assert len(proxyorders_emulator.journal) == 0


async def test_per_ip_deletion_recalculates_and_keeps_the_last_ip(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client = proxyorders_client
    order_id = (await client.orders.purchase(DC_MONTHLY)).order_id
    ips = await ips_of(client, order_id)

    await client.orders.set_ip_deletion(order_id, {ips[4]: True, ips[3]: True})
    detail = await client.orders.get(order_id)
    assert (detail.quantity, detail.price_paid) == (3, 3 * 120)
    await client.orders.set_ip_deletion(order_id, {ips[3]: False})
    detail = await client.orders.get(order_id)
    assert (detail.quantity, detail.price_paid) == (4, 4 * 120)

    # Down to one IP; dropping that last one is refused and changes nothing.
    await client.orders.set_ip_deletion(order_id, dict.fromkeys(ips[1:4], True))
    detail = await client.orders.get(order_id)
    assert (detail.quantity, detail.price_paid) == (1, 120)
    with pytest.raises(BadRequestError) as refused:
        await client.orders.set_ip_deletion(order_id, {ips[0]: True})
    assert "keep" in refused.value.message
    assert (await client.orders.get(order_id)).quantity == 1
    await client.orders.set_ip_deletion(order_id, dict.fromkeys(ips[1:4], False))
    assert (await client.orders.get(order_id)).quantity == 4

    # The marked IP stays usable until the renewal drops it.
    assert await ips_of(client, order_id) == ips
    proxyorders_emulator.account.set_status(order_id, "on-hold")
    await client.orders.renew(order_id)
    assert await ips_of(client, order_id) == ips[:4]


# -- residential traffic and sub-users ------------------------------------------------------------


async def holdings(client: ProxyOrdersClient) -> tuple[int, dict[str, int]]:
    """(the owner's bytes, {sub-user id: bytes}) of the standard package."""
    profile = await client.residential.profile(ProxyType.STANDARD)
    subs = {sub.user_id: sub.data async for sub in client.sub_users.iter(ProxyType.STANDARD)}
    return profile.data, subs


async def test_residential_story_traffic_sub_users_and_passwords(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client = proxyorders_client
    before = await wallet(client)
    order_id = (await client.orders.purchase(StandardResidentialPurchase(quantity=10))).order_id
    # Added traffic costs the product's GB price (200 cents) with the promo code's 20 % off,
    # exactly what a quote of the same GB with the same code says.
    quote = await client.orders.calculate(
        "Standart Residential Proxy", quantity=5, promo_code="RESI20"
    )
    await client.orders.add_bandwidth(order_id, 5, promo_code="RESI20")
    assert before - await wallet(client) == 10 * 200 + quote.final_price == 2000 + 5 * 160
    assert (await client.orders.get(order_id)).quantity == 15

    profile = await client.residential.profile("standart")
    assert (profile.data, profile.data_spent, profile.data_remain) == (15 * GB, 0, 15 * GB)
    assert profile.proxy_password not in repr(profile)

    alice = await client.sub_users.create(ProxyType.STANDARD, "alice", 4)
    bob = await client.sub_users.create(ProxyType.STANDARD, "bob", 2)
    assert isinstance(alice, SubUser) and alice.user_id != bob.user_id
    assert (alice.name, alice.data, bob.data) == ("alice", 4 * GB, 2 * GB)
    assert await holdings(client) == (9 * GB, {alice.user_id: 4 * GB, bob.user_id: 2 * GB})

    # Traffic moves between the pool and the sub-users, and no byte is created or lost.
    await client.sub_users.add_traffic(bob.user_id, ProxyType.STANDARD, 3)
    await client.sub_users.subtract_traffic(alice.user_id, ProxyType.STANDARD, 1)
    owner, subs = await holdings(client)
    assert subs == {alice.user_id: 3 * GB, bob.user_id: 5 * GB}
    assert owner + sum(subs.values()) == 15 * GB
    with pytest.raises(BadRequestError):  # bob holds 5 GB, not 6
        await client.sub_users.subtract_traffic(bob.user_id, ProxyType.STANDARD, 6)

    # A new password differs from the old one and is read back with get.
    old = (await client.sub_users.get(alice.user_id, ProxyType.STANDARD)).proxy_password
    await client.sub_users.reset_password(alice.user_id, ProxyType.STANDARD)
    fresh = await client.sub_users.get(alice.user_id, ProxyType.STANDARD)
    assert fresh.proxy_password != old and fresh.user_id == alice.user_id
    assert fresh.proxy_password not in repr(fresh)

    await client.sub_users.rename(bob.user_id, ProxyType.STANDARD, "robert")
    assert (await client.sub_users.get(bob.user_id, "standart")).name == "robert"

    # Deleting bob returns his traffic to the owner; he is gone afterwards.
    await client.sub_users.delete(bob.user_id)
    assert await holdings(client) == (12 * GB, {alice.user_id: 3 * GB})
    with pytest.raises(NotFoundError):
        await client.sub_users.get(bob.user_id, ProxyType.STANDARD)
    assert proxyorders_emulator.count(route="proxies.sub_user.delete") == 1


async def test_sub_users_list_pages_and_iter_walks_every_page(
    proxyorders_emulator_factory: Factory,
) -> None:
    emulator = await proxyorders_emulator_factory(traffic_gb={"standart": 60}, sub_users=45)
    async with client_for(emulator) as client:
        first = await client.sub_users.list(ProxyType.STANDARD)
        assert (first.count, len(first)) == (45, 20)
        last = await client.sub_users.list(ProxyType.STANDARD, offset=40, limit=20)
        assert [u.name for u in last] == [f"standart-user-{n}" for n in range(41, 46)]

        emulator.clear_journal()
        names = [u.name async for u in client.sub_users.iter(ProxyType.STANDARD, page_size=20)]
        assert names == [f"standart-user-{n}" for n in range(1, 46)]
        offsets = [e.query.get("offset", "0") for e in emulator.journal_for("proxies.sub_users")]
        assert offsets == ["0", "20", "40"]


async def test_sub_users_need_traffic_of_that_type(proxyorders_client: ProxyOrdersClient) -> None:
    # The account never bought premium traffic: the API refuses rather than inventing a pool.
    with pytest.raises(BadRequestError):
        await proxyorders_client.sub_users.create(ProxyType.PREMIUM, "carol", 1)


# -- geo targeting and health -------------------------------------------------------------------


async def test_geo_countries_regions_cities_isps(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    geo = proxyorders_client.geo
    standard = {c.code for c in await geo.countries(ProxyType.STANDARD)}
    premium = {c.code for c in await geo.countries(ProxyType.PREMIUM)}
    assert standard == {"US", "DE", "GB"} and premium == standard | {"UA"}

    regions = await geo.regions(ProxyType.PREMIUM, "US")
    assert [r.code for r in regions] == ["CA", "NY", "TX"]
    assert {r.country.code for r in regions} == {"US"}
    cities = await geo.cities(ProxyType.PREMIUM, "US", "CA")
    assert cities.count == 2 and [c.code for c in cities] == ["los-angeles", "san-diego"]
    isps = await geo.isps("US", "CA", "los-angeles")
    assert [i.name for i in isps] == ["AT&T", "Spectrum"]
    assert isps.results[0].region is not None and isps.results[0].region.code == "CA"
    assert len(await geo.isps("US", "CA", "san-diego")) == 0

    sent = len(proxyorders_emulator.journal)
    with pytest.raises(InvalidArgumentError):
        await geo.isps("US", "CA", "los-angeles", proxy_type=ProxyType.STANDARD)
    assert len(proxyorders_emulator.journal) == sent


async def test_health_probes_send_no_api_key(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    assert await proxyorders_client.health.check() is True
    assert await proxyorders_client.health.live() is True
    probes = proxyorders_emulator.journal_for("health") + proxyorders_emulator.journal_for(
        "health.live"
    )
    assert [(e.path, e.status, e.auth_sent) for e in probes] == [
        ("/health", 200, False),
        ("/health/live", 200, False),
    ]


# -- the three safety classes, with injected faults ---------------------------------------------


async def test_sub_user_create_reset_after_processing_is_an_unknown_outcome(
    proxyorders_emulator_factory: Factory,
) -> None:
    emulator = await proxyorders_emulator_factory(traffic_gb={"standart": 10})
    emulator.faults.set("proxies.sub_user.create", reset_after_rate=1.0)
    async with client_for(emulator) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.sub_users.create(ProxyType.STANDARD, "dave", 2)
        assert not isinstance(caught.value, PurchaseOutcomeUnknownError)
        assert "client.sub_users.list(proxy_type)" in caught.value.advice
        assert caught.value.request == {"name": "dave", "data": 2}
        # It was received once and carried out: the sub-user exists and holds the traffic.
        assert len(emulator.journal_for("proxies.sub_user.create")) == 1
        page = await client.sub_users.list(ProxyType.STANDARD)
        assert [(u.name, u.data) for u in page] == [("dave", 2 * GB)]


async def test_add_on_purchase_hit_by_503_is_never_resent(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client, emulator = proxyorders_client, proxyorders_emulator
    order_id = (await client.orders.purchase(DC_MONTHLY)).order_id
    emulator.faults.set("orders.addons_purchase", fail_first=1, fail_with=503)
    before = await wallet(client)
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.addons.purchase(order_id, P0F, 2)
    assert caught.value.status == 503
    assert caught.value.request == {"addon_key": P0F, "add_qty": 2}
    assert "client.account.me()" in caught.value.advice
    # This 503 came before processing, so checking as the advice says finds nothing bought.
    assert await wallet(client) == before
    assert (await client.orders.get(order_id)).p0f_slots_available == 0
    [entry] = emulator.journal_for("orders.addons_purchase")
    assert entry.faults == ("fail_first:503",)


async def test_signature_set_hit_by_503_is_retried(
    proxyorders_emulator_factory: Factory,
) -> None:
    emulator = await proxyorders_emulator_factory(p0f_orders=1)
    [order] = emulator.account
    emulator.faults.set("orders.signature_set", fail_first=1, fail_with=503)
    async with client_for(emulator) as client:
        ips = await ips_of(client, order.order_id)
        assert await client.orders.set_signatures(order.order_id, {ips[1]: Signature.WIN11}) == 1
        assert [e.status for e in emulator.journal_for("orders.signature_set")] == [503, 200]
        assert (await client.orders.get(order.order_id)).p0f_slots_used == 2


@pytest.mark.parametrize("fault", [{"fail_first": 1, "fail_with": 503}, {"reset_after_rate": 1.0}])
async def test_traffic_moves_and_add_bandwidth_are_sent_once(
    proxyorders_emulator_factory: Factory, fault: dict[str, object]
) -> None:
    emulator = await proxyorders_emulator_factory(traffic_gb={"standart": 10}, sub_users=1)
    [order] = emulator.account
    [user_id] = emulator.account.pools["standart"].sub_users
    for route in ("proxies.sub_user.data_add", "proxies.sub_user.data_subtract"):
        emulator.faults.set(route, **fault)
    emulator.faults.set("orders.add_bandwidth", **fault)
    async with client_for(emulator) as client:
        for move in (client.sub_users.add_traffic, client.sub_users.subtract_traffic):
            with pytest.raises(OutcomeUnknownError) as moved:
                await move(user_id, ProxyType.STANDARD, 1)
            assert not isinstance(moved.value, PurchaseOutcomeUnknownError)
            assert "client.sub_users.get(user_id, proxy_type)" in moved.value.advice
        with pytest.raises(PurchaseOutcomeUnknownError):
            await client.orders.add_bandwidth(order.order_id, 1)
    for route in (
        "proxies.sub_user.data_add",
        "proxies.sub_user.data_subtract",
        "orders.add_bandwidth",
    ):
        assert len(emulator.journal_for(route)) == 1
