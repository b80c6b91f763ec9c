"""Type-checked by mypy --strict, never run: the public API's types as users see them.

Lines ending in ``# type: ignore[code]`` must fail type checking: ``warn_unused_ignores`` turns
an ignore that is no longer needed (a check that regressed) into an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import cattrs
from multidict import CIMultiDictProxy
from typing_extensions import assert_type

from proxyorders_async import (
    Account,
    ActiveProxyList,
    AddonLine,
    AddonPending,
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    AddonsResource,
    BillingCycleChange,
    City,
    Country,
    DatacenterIspPurchase,
    ExportCheckpointError,
    ExportError,
    ExportProgress,
    ExportSummary,
    GeoList,
    GeoResource,
    HealthResource,
    Isp,
    NotFoundError,
    OperationResult,
    Order,
    OrderDetail,
    OrderIterator,
    OrderPage,
    OrderStatus,
    OrderStatusName,
    OutcomeUnknownError,
    PageIterator,
    PriceQuote,
    Product,
    ProxyOrdersClient,
    ProxyOrdersError,
    ProxyType,
    PurchaseOutcomeUnknownError,
    PurchaseResult,
    QuoteRequest,
    RawResponse,
    Region,
    RegionRef,
    ResidentialProfile,
    ResidentialResource,
    Safety,
    Signature,
    StockLevel,
    SubUser,
    SubUserIterator,
    SubUserPage,
    SubUsersResource,
    make_converter,
)
from proxyorders_async.emulator import Emulator, FaultOptions, FaultSpec


@attrs.frozen
class Widget:
    code: str


async def escape_hatches(client: ProxyOrdersClient) -> None:
    raw = await client.with_raw_response.orders.get(1)
    assert_type(raw, RawResponse[OrderDetail])
    assert_type(raw.parsed, OrderDetail)
    assert_type(raw.status, int)
    assert_type(raw.headers, CIMultiDictProxy[str])
    assert_type(await client.with_raw_response.account.me(), RawResponse[Account])
    assert_type(await client.with_raw_response.catalog.products(), RawResponse[tuple[Product, ...]])
    assert_type(await client.with_raw_response.proxies.active(1), RawResponse[ActiveProxyList])
    assert_type(await client.with_raw_response.orders.list("all", limit=10), RawResponse[OrderPage])
    assert_type(await client.with_raw_response.orders.renew(1), RawResponse[OperationResult])
    assert_type(await client.request("GET", "/user/api/x"), Any)
    country = await client.request("GET", "/user/api/x", cast_to=Widget)
    assert_type(country, Widget)
    charged = await client.request(
        "POST", "/user/api/x", json={}, safety=Safety.CHARGES, advice="check the wallet"
    )
    assert_type(charged, Any)
    raw_country = await client.with_raw_response.request("GET", "/user/api/x", cast_to=Widget)
    assert_type(raw_country, RawResponse[Widget])
    view = client.with_options(extra_headers={"X-Trace": "1"}, extra_query={"beta": "1"})
    assert_type(view, ProxyOrdersClient)
    try:
        await client.orders.get(1)
    except NotFoundError as exc:
        assert_type(exc.headers, CIMultiDictProxy[str])


async def usage() -> None:
    async with ProxyOrdersClient(token="t0ken-0123456789", base_url="http://127.0.0.1:1") as client:
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
        try:
            await client.orders.renew(1)
        except PurchaseOutcomeUnknownError as exc:
            unknown: OutcomeUnknownError = exc
            assert_type(unknown.advice, str)
    converter = make_converter()
    assert_type(converter, cattrs.Converter)
    assert_type(converter.structure({"email": "a@b.c"}, Account), Account)


def models_1_1(detail: OrderDetail, page: SubUserPage, cities: GeoList[City]) -> None:
    """The API 1.1.0 models: optional detail fields, typed add-on lines, iterable lists."""
    assert_type(detail.order_id, int | None)
    assert_type(detail.p0f_slots_next, int | None)
    for line in detail.addons or ():
        assert_type(line, AddonLine)
        assert_type(line.pending, AddonPending | None)
    for user in page:
        assert_type(user, SubUser)
        assert_type(user.name, str)
        assert_type(user.data_remain, int | None)
    assert_type(page.count, int | None)
    for city in cities:
        assert_type(city, City)
        assert_type(city.region, RegionRef | None)
    assert_type(ProxyType("standart"), ProxyType)
    assert_type(Signature("win11"), Signature)


async def namespaces_1_1(client: ProxyOrdersClient) -> None:
    """The API 1.1.0 namespaces: every method's result type as a caller sees it."""
    assert_type(await client.orders.add_bandwidth(1, 5, promo_code="SPRING"), OperationResult)
    assert_type(await client.orders.set_signatures(1, {"10.0.0.1": Signature.WIN11}), int)
    assert_type(await client.orders.set_signatures(1, {"10.0.0.1": "ios"}), int)
    assert_type(await client.orders.set_ip_deletion(1, {"10.0.0.1": True}), OperationResult)
    assert_type(await client.addons.calculate(1, "p0f_slots", 2), AddonQuote)
    assert_type(await client.addons.purchase(1, "p0f_slots", 2), AddonPurchase)
    downgrade = await client.addons.schedule_downgrade(1, "p0f_slots", 1, current_qty=3)
    assert_type(downgrade, AddonSchedule)
    assert_type(await client.addons.cancel_downgrade(1, "p0f_slots"), AddonSchedule)
    assert_type(await client.residential.profile(ProxyType.STANDARD), ResidentialProfile)
    assert_type(await client.sub_users.list("premium", offset=20, limit=20), SubUserPage)
    users = client.sub_users.iter(ProxyType.PREMIUM, page_size=50)
    assert_type(users, SubUserIterator)
    async for user in users:
        assert_type(user, SubUser)
    assert_type(users.users_yielded, int)
    assert_type(await client.sub_users.get("u1", "standart"), SubUser)
    assert_type(await client.sub_users.create("standart", "alice", 2), SubUser)
    assert_type(await client.sub_users.rename("u1", "standart", "bob"), OperationResult)
    assert_type(await client.sub_users.delete("u1"), OperationResult)
    assert_type(await client.sub_users.add_traffic("u1", "standart", 1), OperationResult)
    assert_type(await client.sub_users.subtract_traffic("u1", "standart", 1), OperationResult)
    assert_type(await client.sub_users.reset_password("u1", "standart"), OperationResult)
    assert_type(await client.geo.countries("premium"), GeoList[Country])
    assert_type(await client.geo.regions("premium", "US"), GeoList[Region])
    assert_type(await client.geo.cities("premium", "US", "CA"), GeoList[City])
    assert_type(await client.geo.isps("US", "CA", "los-angeles"), GeoList[Isp])
    assert_type(await client.health.check(), bool)
    assert_type(await client.health.live(), bool)
    raw = client.with_raw_response
    assert_type(await raw.sub_users.get("u1", "standart"), RawResponse[SubUser])
    assert_type(await raw.orders.set_signatures(1, {"10.0.0.1": "ios"}), RawResponse[int])
    assert_type(await raw.geo.isps("US", "CA", "la"), RawResponse[GeoList[Isp]])
    assert_type(await raw.health.check(), RawResponse[bool])
    namespaces: tuple[
        AddonsResource, ResidentialResource, SubUsersResource, GeoResource, HealthResource
    ] = (client.addons, client.residential, client.sub_users, client.geo, client.health)
    assert namespaces


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


async def resumable_export(client: ProxyOrdersClient, path: Path) -> None:
    """``client.orders.export``: a typed summary, a typed progress callback, typed refusals."""

    def show(progress: ExportProgress) -> None:
        assert_type(progress.rate_this_run, float)

    try:
        summary = await client.orders.export(path, "all", concurrency=4, progress=show)
    except ExportCheckpointError as exc:
        refused: ExportError = exc
        assert_type(refused.advice, str)
        return
    assert_type(summary, ExportSummary)
    assert_type(summary.already_complete, bool)
    assert_type(summary.orders_this_run, int)
    assert_type(summary.path, Path)
    await client.orders.export("o.csv", OrderStatus.ACTIVE, format="csv", resume=False)
    await client.orders.export(path, "all", exact=True, dedupe=None)
    await client.orders.export(path, "all", exact="yes")  # type: ignore[arg-type]
    await client.orders.export(path, "all", format="xml")  # type: ignore[arg-type]
    await client.orders.export(path, "expired")  # type: ignore[arg-type]
    await client.orders.export(path, "all", progress=print_nothing)  # type: ignore[arg-type]


def print_nothing() -> None:
    """Takes no progress: not a valid ``progress`` callback."""
