"""``make demo``: the SDK's main jobs against the embedded emulator (no token, no network).

Run with ``python -m proxyorders_async._cli.demo [--orders N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .._client import ProxyOrdersClient
from .._converters import CONVERTER
from .._exceptions import ProxyOrdersError
from .._models import (
    DatacenterIspPurchase,
    PriceQuote,
    Product,
    QuoteRequest,
    StandardResidentialPurchase,
)
from .._validation_more import ProxyType, Signature
from ..emulator import Emulator
from .base import dollars


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | None = None
) -> str:
    """A plain aligned text table."""
    right = right or set()
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 72 - len(text)))


def offers(products: Sequence[Product]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(product, location, cycles) once each: the products endpoint lists a row per location."""
    seen: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for product in products:
        seen.setdefault((product.name, product.location), product.cycles)
    return [(name, location, cycles) for (name, location), cycles in seen.items()]


def quote_requests(products: Sequence[Product]) -> list[QuoteRequest]:
    """Every product x location x cycle the catalog offers, one quote each (10 units)."""
    return [
        QuoteRequest(product=name, location=location, cycle=cycle, quantity=10)
        for name, location, cycles in offers(products)
        for cycle in (cycles or (None,))
    ]


def quote_table(requests: Sequence[QuoteRequest], quotes: Sequence[object]) -> str:
    """Pivot: one row per product and location, one column per billing cycle."""
    cycles: list[str] = []
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for request, quote in zip(requests, quotes, strict=True):
        cycle = request.cycle or "lifetime"
        if cycle not in cycles:
            cycles.append(cycle)
        if isinstance(quote, PriceQuote):
            cell = dollars(quote.final_price)
        else:
            cell = f"error: {getattr(quote, 'message', quote)}"
        rows.setdefault((request.product, request.location or "-"), {})[cycle] = cell
    body = [
        (product, location, *(cells.get(c, "") for c in cycles))
        for (product, location), cells in rows.items()
    ]
    return table(("product", "location", *cycles), body, right=set(range(2, 2 + len(cycles))))


GIB = 2**30  # the API reports traffic in bytes; 1 GB = 2**30 bytes


def gigabytes(size: int) -> str:
    """``5368709120`` -> ``"5 GB"``; fractions keep one decimal."""
    return f"{size / GIB:,.1f} GB".replace(".0 GB", " GB")


async def addon_story(client: ProxyOrdersClient) -> None:
    """p0f slots on a new Datacenter order: quote, buy, sign an IP, schedule a downgrade."""
    heading("Add-ons: p0f OS-fingerprint slots on a Datacenter order")
    purchase = DatacenterIspPurchase(
        product="Datacenter Proxy", location="DE", cycle="monthly", quantity=5
    )
    order_id = (await client.orders.purchase(purchase)).order_id
    quote = await client.addons.calculate(order_id, "p0f_slots", 3)
    before = (await client.account.me()).wallet_balance
    await client.addons.purchase(order_id, "p0f_slots", 3)
    charged = before - (await client.account.me()).wallet_balance
    print(
        f"  order #{order_id}: 3 p0f slots quoted {dollars(quote.add_total)}, "
        f"charged {dollars(charged)}"
    )
    proxies = await client.proxies.active(order_id)
    ip = proxies.data[0].ip
    await client.orders.set_signatures(order_id, {ip: Signature.WIN11})
    await client.addons.schedule_downgrade(order_id, "p0f_slots", 2)
    detail = await client.orders.get(order_id)
    print(
        f"  {ip} now looks like Windows 11; slots used {detail.p0f_slots_used} "
        f"of {detail.p0f_slots_available}"
    )
    print(f"  downgrade scheduled: {detail.p0f_slots_next} slots from the next renewal")


async def sub_user_story(client: ProxyOrdersClient) -> None:
    """Residential traffic shared with two sub-users; passwords are never printed."""
    heading("Residential traffic and sub-users")
    standard = ProxyType.STANDARD
    before = (await client.account.me()).wallet_balance
    bought = await client.orders.purchase(StandardResidentialPurchase(quantity=10))
    await client.orders.add_bandwidth(bought.order_id, 5, promo_code="RESI20")
    spent = before - (await client.account.me()).wallet_balance
    pool = (await client.residential.profile(standard)).data
    print(f"  bought 10 GB, then 5 GB more with RESI20 (20% off): {dollars(spent)} in all")
    alice = await client.sub_users.create(standard, "alice", 4)
    bob = await client.sub_users.create(standard, "bob", 2)
    await client.sub_users.subtract_traffic(alice.user_id, standard, 1)
    await client.sub_users.add_traffic(bob.user_id, standard, 3)
    print("  created alice (4 GB) and bob (2 GB); moved 1 GB from alice and 3 GB to bob")
    owner = (await client.residential.profile(standard)).data
    users = [user async for user in client.sub_users.iter(standard)]
    rows = [("you", "-", gigabytes(owner))]
    rows += [(user.name, user.user_id, gigabytes(user.data)) for user in users]
    print(table(("holder", "sub-user id", "traffic"), rows, right={2}))
    together = owner + sum(user.data for user in users)
    print(f"  together {gigabytes(together)}, as before sharing ({gigabytes(pool)})")
    old = alice.proxy_password
    await client.sub_users.reset_password(alice.user_id, standard)
    fresh = await client.sub_users.get(alice.user_id, standard)
    changed = "a new one" if fresh.proxy_password != old else "UNCHANGED"
    print(f"  alice's proxy password reset: read back {changed} (passwords are not shown)")


class Progress:
    """One self-rewriting line on a terminal; occasional plain lines otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.started = time.perf_counter()
        self.last_print = 0

    def update(self, orders: int, pages: int) -> None:
        elapsed = time.perf_counter() - self.started
        rate = orders / elapsed if elapsed > 0 else 0.0
        text = f"  exported {orders:>7,} orders  {pages:>5,} pages  {rate:>9,.0f} orders/s"
        if self.tty:
            sys.stdout.write("\r" + text)
            sys.stdout.flush()
        elif orders - self.last_print >= 5000:
            self.last_print = orders
            print(text, flush=True)

    def finish(self) -> None:
        if self.tty:
            sys.stdout.write("\n")


async def run(orders: int, out: Path) -> None:
    """Run the whole demo."""
    started = time.perf_counter()
    async with Emulator(orders=orders, seed=1) as emulator:
        print(f"Emulator listening on {emulator.url} with {orders:,} seeded orders")
        async with ProxyOrdersClient(token=emulator.token, base_url=emulator.url) as client:
            heading("Account")
            me = await client.account.me()
            wallet = dollars(me.wallet_balance)
            print(f"  {me.email}: wallet {wallet}, {me.active_orders:,} active orders")

            heading("Catalog")
            products, stock = await asyncio.gather(
                client.catalog.products(), client.catalog.available_count()
            )
            in_stock: dict[str, int] = {}
            for level in stock:
                in_stock[level.product] = in_stock.get(level.product, 0) + level.amount
            locations: dict[str, list[str]] = {}
            cycles: dict[str, tuple[str, ...]] = {}
            for name, location, product_cycles in offers(products):
                locations.setdefault(name, []).extend([location] if location else [])
                cycles[name] = product_cycles
            rows = [
                (
                    name,
                    ", ".join(cycles[name]) or "lifetime",
                    ", ".join(places) or "-",
                    f"{in_stock[name]:,}" if name in in_stock else "not metered",
                )
                for name, places in locations.items()
            ]
            print(table(("product", "cycles", "locations", "in stock"), rows, right={3}))

            heading("Concurrent price quotes: 10 units of everything")
            requests = quote_requests(products)
            t0 = time.perf_counter()
            quotes = await client.orders.calculate_many(requests, concurrency=32)
            quote_ms = (time.perf_counter() - t0) * 1000
            print(quote_table(requests, quotes))
            failed = sum(not isinstance(q, PriceQuote) for q in quotes)
            print(f"  {len(requests)} quotes in {quote_ms:.0f} ms, 32 at a time, {failed} failed")

            heading("Buy, change billing cycle, switch auto-renewal")
            purchase = DatacenterIspPurchase(
                product="Datacenter Proxy", location="DE", cycle="monthly", quantity=5
            )
            quote = await client.orders.quote(purchase.to_quote())
            bought = await client.orders.purchase(purchase)
            print(
                f"  bought order #{bought.order_id}: 5 x Datacenter Proxy DE monthly for "
                f"{dollars(quote.final_price)}"
            )
            change = await client.orders.change_billing_cycle(bought.order_id, cycle="weekly")
            print(
                f"  billing cycle -> weekly: {change.message} (now {dollars(change.final_price)})"
            )
            renewal = await client.orders.edit_auto_renewal(bought.order_id, auto_renewal=True)
            print(f"  auto-renewal -> on: {renewal.message}")
            after = await client.account.me()
            print(f"  wallet {dollars(me.wallet_balance)} -> {dollars(after.wallet_balance)}")

            await addon_story(client)
            await sub_user_story(client)

            heading(f"Streaming export of every order to {out}")
            progress = Progress()
            count = 0
            t0 = time.perf_counter()
            walk = client.orders.iter("all", page_size=100, concurrency=4)
            with out.open("w", encoding="utf-8") as sink:
                async for order in walk:
                    sink.write(json.dumps(CONVERTER.unstructure(order), separators=(",", ":")))
                    sink.write("\n")
                    count += 1
                    if count % 100 == 0:
                        progress.update(count, walk.pages_fetched)
                sink_size = sink.tell()
            progress.update(count, walk.pages_fetched)
            progress.finish()
            export_s = time.perf_counter() - t0
            size_mb = sink_size / 1e6
            print(
                f"  {count:,} orders in {walk.pages_fetched:,} pages, {export_s:.2f} s "
                f"({count / export_s:,.0f} orders/s), {size_mb:.1f} MB written"
            )

    heading("Done")
    print(f"  total {time.perf_counter() - started:.1f} s; no token or network was used.")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m proxyorders_async._cli.demo``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000, help="orders to seed (20,000)")
    parser.add_argument("--out", type=Path, default=Path("demo-export.jsonl"), help="JSONL file")
    args = parser.parse_args(argv)
    try:
        asyncio.run(run(args.orders, args.out))
    except ProxyOrdersError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
