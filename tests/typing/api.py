"""Type-checked by mypy --strict, never run: the public API's types as users see them.

Lines ending in ``# type: ignore[code]`` must fail type checking: ``warn_unused_ignores`` turns
an ignore that is no longer needed (a check that regressed) into an error.
"""

from __future__ import annotations

from typing_extensions import assert_type

from proxyorders_async import (
    Account,
    ActiveProxyList,
    BillingCycleChange,
    DatacenterIspPurchase,
    OperationResult,
    Order,
    OrderDetail,
    OrderIterator,
    OrderPage,
    OrderStatus,
    OrderStatusName,
    PageIterator,
    PriceQuote,
    Product,
    ProxyOrdersClient,
    ProxyOrdersError,
    PurchaseResult,
    QuoteRequest,
    StockLevel,
)
from proxyorders_async.emulator import Emulator, FaultOptions, FaultSpec


async def usage() -> None:
    async with ProxyOrdersClient(token="t", base_url="http://127.0.0.1:1") as client:
        assert_type(await client.account.me(), Account)
        assert_type(await client.catalog.products(), tuple[Product, ...])
        assert_type(await client.catalog.available_count(), tuple[StockLevel, ...])
        assert_type(await client.proxies.active(1), ActiveProxyList)
        assert_type(await client.orders.calculate("Datacenter Proxy", location="DE"), PriceQuote)
        bought = await client.orders.purchase(
            DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
        )
        assert_type(bought, PurchaseResult)
        assert_type(bought.order_id, int)
        change = await client.orders.change_billing_cycle(bought.order_id, cycle="monthly")
        assert_type(change, BillingCycleChange)
        assert_type(await client.orders.edit_auto_renewal(1, auto_renewal=True), OperationResult)
        assert_type(await client.orders.list(OrderStatus.ACTIVE, limit=50), OrderPage)
        assert_type(await client.orders.get(1), OrderDetail)
        assert_type(await client.orders.renew(1), OperationResult)
        assert_type(await client.orders.set_tag(1, "x"), OperationResult)
        pages = client.orders.pages("all", page_size=100, concurrency=4)
        assert_type(pages, PageIterator)
        async for page in pages:
            assert_type(page, OrderPage)
        orders = client.orders.iter("all", dedupe=True)
        assert_type(orders, OrderIterator)
        async for order in orders:
            assert_type(order, Order)
        assert_type(orders.resume_uri, str | None)
        quotes = await client.orders.calculate_many([QuoteRequest(product="ISP Proxy")])
        assert_type(quotes, list[PriceQuote | ProxyOrdersError])
        strict = await client.orders.calculate_many(
            [QuoteRequest(product="ISP Proxy")], return_exceptions=False
        )
        assert_type(strict, list[PriceQuote])
        fast = client.with_options(timeout=5, max_retries=0, deadline=10)
        assert_type(fast, ProxyOrdersClient)


async def calculate_many_with_a_bool_variable(client: ProxyOrdersClient, flag: bool) -> None:
    requests = [QuoteRequest(product="ISP Proxy")]
    either = await client.orders.calculate_many(requests, return_exceptions=flag)
    assert_type(either, list[PriceQuote | ProxyOrdersError])


async def statuses(client: ProxyOrdersClient, from_config: str) -> None:
    name: OrderStatusName = "on-hold"
    assert_type(await client.orders.list(name), OrderPage)
    assert_type(await client.orders.list("cancelled"), OrderPage)
    assert_type(client.orders.pages(OrderStatus.ALL), PageIterator)
    await client.orders.list("actve")  # type: ignore[arg-type]
    client.orders.pages("Active")  # type: ignore[arg-type]
    client.orders.iter("expired")  # type: ignore[arg-type]
    await client.orders.list(from_config)  # type: ignore[arg-type]


async def quote_totals(client: ProxyOrdersClient) -> None:
    # Every total is optional in the API's schema: None when the server omits it.
    quote = await client.orders.calculate("Datacenter Proxy", location="DE")
    assert_type(quote.final_price, int | None)
    assert_type(quote.total_with_addons, int | None)


def fault_options(emu: Emulator) -> None:
    assert_type(emu.faults.set("orders.list", error_rate=0.1, retry_after=None), FaultSpec)
    emu.faults.update("*", latency_ms=200, fail_with="reset_before")
    options: FaultOptions = {"truncate_rate": 0.5}
    emu.faults.set("orders.get", **options)
    with emu.faults.applied("orders.purchase", reset_after_rate=1.0):
        pass
    emu.faults.set("orders.list", latency=0.2)  # type: ignore[call-arg]
    emu.faults.update("*", latency_ms="fast")  # type: ignore[arg-type]
    emu.faults.set("*", fail_with="reset")  # type: ignore[arg-type]
    emu.faults.applied("*", error_body="xml")  # type: ignore[arg-type]
