"""The SDK against the embedded emulator over real loopback sockets.

Uses the package's own pytest plugin (``proxyorders_async.testing``), as our users would.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest

from proxyorders_async import (
    Addon,
    AuthenticationError,
    BadRequestError,
    DatacenterIspPurchase,
    InsufficientBalanceError,
    NotFoundError,
    OrderStatus,
    OutOfStockError,
    PaginationError,
    PermissionDeniedError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    QuoteRequest,
    RetryPolicy,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
)
from proxyorders_async.emulator import Emulator

FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005, max_retry_after=0.01)
DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly", quantity=10)


def client_for(emulator: Emulator, **kwargs: object) -> ProxyOrdersClient:
    return ProxyOrdersClient(
        token=emulator.token, base_url=emulator.url, retry_policy=FAST, **kwargs
    )


async def test_account_catalog_and_stock(proxyorders_client: ProxyOrdersClient) -> None:
    me = await proxyorders_client.account.me()
    assert me.email and isinstance(me.wallet_balance, int)
    products = await proxyorders_client.catalog.products()
    names = {p.name for p in products}
    assert {"Datacenter Proxy", "ISP Proxy", "Standart Residential Proxy"} <= names
    datacenter = next(p for p in products if p.name == "Datacenter Proxy")
    assert "monthly" in datacenter.cycles
    stock = await proxyorders_client.catalog.available_count()
    assert any(
        s.product == "Datacenter Proxy" and s.country == "DE" and s.amount > 0 for s in stock
    )


async def test_quote_purchase_and_manage_an_order(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client = proxyorders_client
    before = await client.account.me()
    quote = await client.orders.calculate(
        "Datacenter Proxy", location="DE", cycle="monthly", quantity=10, promo_code="SAVE10"
    )
    assert (quote.original_price, quote.discount_percent, quote.final_price) == (1200, 10, 1080)

    bought = await client.orders.purchase(
        DatacenterIspPurchase(
            product="Datacenter Proxy",
            location="DE",
            cycle="monthly",
            quantity=10,
            promo_code="SAVE10",
        )
    )
    after = await client.account.me()
    assert before.wallet_balance - after.wallet_balance == quote.final_price

    detail = await client.orders.get(bought.order_id)
    assert (detail.order_id, detail.product_name, detail.status) == (
        bought.order_id,
        "Datacenter Proxy",
        "active",
    )
    assert detail.price_paid == 1080
    assert isinstance(detail.created_at, datetime) and detail.created_at.tzinfo is not None

    change = await client.orders.change_billing_cycle(bought.order_id, cycle="weekly")
    assert change.success and change.order_id == bought.order_id
    assert (await client.orders.get(bought.order_id)).cycle_name == "weekly"

    for flag in (True, False):
        result = await client.orders.edit_auto_renewal(bought.order_id, auto_renewal=flag)
        assert result.success
        assert (await client.orders.get(bought.order_id)).auto_renewal is flag
    (edit,) = proxyorders_emulator.journal_for("orders.edit_auto_renewal")[-1:]
    assert edit.query == {"auto_renewal": "false"}
    assert edit.body == {}

    assert (await client.orders.set_tag(bought.order_id, "team-a")).success
    assert (await client.orders.get(bought.order_id)).tag == "team-a"

    proxies = await client.proxies.active(bought.order_id)
    assert len(proxies) == 10
    first = next(iter(proxies))
    assert first.password and first.password not in repr(proxies)


async def test_other_purchase_variants(proxyorders_client: ProxyOrdersClient) -> None:
    gb = await proxyorders_client.orders.purchase(StandardResidentialPurchase(quantity=3))
    plan = await proxyorders_client.orders.purchase(UnmeteredResidentialPurchase(cycle="day"))
    assert gb.order_id != plan.order_id
    addons = await proxyorders_client.orders.calculate(
        "Datacenter Proxy",
        location="DE",
        cycle="monthly",
        quantity=1,
        addons=[Addon("p0f_slots", 2)],
    )
    assert (
        addons.addons_price and addons.total_with_addons == addons.final_price + addons.addons_price
    )


@pytest.mark.proxyorders_emulator(orders=200, seed=2)
async def test_renew_an_on_hold_order(proxyorders_client: ProxyOrdersClient) -> None:
    page = await proxyorders_client.orders.list(OrderStatus.ON_HOLD, limit=100)
    assert page.orders, "the seeded account has on-hold orders"
    order_id = page.orders[0].order_id
    assert (await proxyorders_client.orders.renew(order_id)).success
    assert (await proxyorders_client.orders.get(order_id)).status == "active"
    with pytest.raises(BadRequestError):
        await proxyorders_client.orders.renew(order_id)  # active orders cannot be renewed


@pytest.mark.proxyorders_emulator(orders=1234, seed=3)
async def test_iter_walks_every_order_once(proxyorders_client: ProxyOrdersClient) -> None:
    ids = [order.order_id async for order in proxyorders_client.orders.iter("all", page_size=100)]
    assert len(ids) == len(set(ids)) == 1234
    fast = [
        order.order_id
        async for order in proxyorders_client.orders.iter("all", page_size=100, concurrency=4)
    ]
    assert fast == ids
    statuses = 0
    for status in ("active", "on-hold", "cancelled"):
        statuses += len([o async for o in proxyorders_client.orders.iter(status, page_size=50)])
    assert statuses == 1234


@pytest.mark.proxyorders_emulator(orders=450, seed=5, absolute_next=True)
async def test_pages_follow_absolute_next_and_resume(proxyorders_client: ProxyOrdersClient) -> None:
    pages = proxyorders_client.orders.pages("all", page_size=100)
    first = await pages.__anext__()
    assert first.count == 100 and first.next and first.next.startswith("http://127.0.0.1:")
    saved = pages.resume_uri
    await pages.aclose()
    rest = [p async for p in proxyorders_client.orders.pages("all", start=saved)]
    assert [p.count for p in rest] == [100, 100, 100, 50]
    assert rest[-1].next is None and not rest[-1].has_next
    assert rest[0].url == saved


async def test_error_mapping_against_real_rules(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    client = proxyorders_client
    with pytest.raises(NotFoundError):
        await client.orders.get(999_999_999)
    residential = await client.orders.purchase(StandardResidentialPurchase(quantity=1))
    with pytest.raises(BadRequestError):
        await client.orders.change_billing_cycle(residential.order_id, cycle="monthly")
    dc = await client.orders.purchase(DC)
    with pytest.raises(PermissionDeniedError):
        await client.orders.change_billing_cycle(dc.order_id, cycle="3days")
    with pytest.raises(OutOfStockError):
        await client.orders.purchase(
            DatacenterIspPurchase(
                product="ISP Proxy", location="UA", cycle="monthly", quantity=99_999
            )
        )
    poor = proxyorders_emulator.add_account("poor-token", balance=5)
    assert poor.balance == 5
    async with ProxyOrdersClient(token="poor-token", base_url=proxyorders_emulator.url) as broke:
        with pytest.raises(InsufficientBalanceError) as excinfo:
            await broke.orders.purchase(DC)
    assert excinfo.value.status == 400 and "balance" in excinfo.value.message.lower()
    async with ProxyOrdersClient(
        token="wrong-token-42", base_url=proxyorders_emulator.url
    ) as stranger:
        with pytest.raises(AuthenticationError) as denied:
            await stranger.account.me()
    assert "wrong-token-42" not in str(denied.value)


async def test_quote_fan_out_keeps_order_and_errors(proxyorders_client: ProxyOrdersClient) -> None:
    requests = [
        QuoteRequest(product="Datacenter Proxy", location="DE", cycle="monthly", quantity=n)
        for n in range(1, 41)
    ]
    requests.insert(5, QuoteRequest(product="No Such Product"))
    results = await proxyorders_client.orders.calculate_many(requests, concurrency=8)
    assert isinstance(results[5], BadRequestError)
    prices = [r.final_price for i, r in enumerate(results) if i != 5]  # type: ignore[union-attr]
    assert prices == [120 * n for n in range(1, 41)]


async def test_purchase_is_never_repeated_after_a_reset(proxyorders_emulator: Emulator) -> None:
    proxyorders_emulator.faults.set("orders.purchase", reset_after_rate=1.0)
    async with client_for(proxyorders_emulator) as client:
        with pytest.raises(PurchaseOutcomeUnknownError) as excinfo:
            await client.orders.purchase(DC)
    assert len(proxyorders_emulator.journal_for("orders.purchase")) == 1
    assert excinfo.value.request == DC.to_json()
    assert re.search(r"not retried", str(excinfo.value), re.IGNORECASE)


async def test_reads_are_retried_through_server_errors(proxyorders_emulator: Emulator) -> None:
    proxyorders_emulator.faults.set("me", fail_first=2, fail_with=503)
    async with client_for(proxyorders_emulator) as client:
        me = await client.account.me()
    assert me.email
    assert len(proxyorders_emulator.journal_for("me")) == 3


async def test_foreign_next_is_refused_without_a_request(
    proxyorders_emulator_factory: object,
) -> None:
    factory = proxyorders_emulator_factory
    other = await factory()  # type: ignore[operator]
    emulator = await factory(orders=50)  # type: ignore[operator]
    emulator.faults.set("orders.list", next_origin=other.url)
    async with client_for(emulator) as client:
        with pytest.raises(PaginationError):
            async for _ in client.orders.pages("all", page_size=10):
                pass
    assert other.count() == 0


async def test_a_shared_quote_survives_its_first_caller_being_cancelled(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    proxyorders_emulator.faults.set("orders.calculate", latency_ms=500)
    request = QuoteRequest(product="ISP Proxy", location="US", cycle="monthly", quantity=2)
    first = asyncio.ensure_future(proxyorders_client.orders.quote(request))
    await asyncio.sleep(0.01)  # the first caller is now fetching
    second = asyncio.ensure_future(proxyorders_client.orders.quote(request))
    await asyncio.sleep(0.01)  # the second caller is now waiting on the first
    first.cancel()
    quote = await second
    assert quote.final_price == 400
    with pytest.raises(asyncio.CancelledError):
        await first
