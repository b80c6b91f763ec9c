"""The long soak (``make soak`` / ``pytest -m soak``): scenario 1 and 4 at 5-10x the scale.

Excluded from the default run by the ``soak`` marker.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from proxyorders_async import (
    PurchaseOutcomeUnknownError,
    RetryPolicy,
    StandardResidentialPurchase,
)
from proxyorders_async.emulator import Emulator

from ._support import client_for, record, settled

pytestmark = [pytest.mark.soak, pytest.mark.timeout(900)]

EXPORT_ORDERS = 100_000
PURCHASES = 2_000
GB_CENTS = 200  # Standart Residential Proxy, per GB


@pytest.mark.parametrize("concurrency", [4])
async def test_soak_export_of_100000_orders_under_faults(concurrency: int) -> None:
    async with Emulator(orders=EXPORT_ORDERS, seed=9001) as emu:
        emu.faults.set(
            "orders.list",
            error_rate=0.10,
            error_statuses=(500, 502, 503),
            rate_limit_rate=0.02,
            retry_after="0.02",
            reset_before_rate=0.005,
            reset_after_rate=0.005,
            truncate_rate=0.01,
            jitter_ms=2,
        )
        policy = RetryPolicy(base_backoff=0.001, max_backoff=0.01, max_retry_after=1.0)
        async with client_for(emu, retry_policy=policy, max_retries=8) as client:
            it = client.orders.iter("all", page_size=100, concurrency=concurrency)
            ids = [order.order_id async for order in it]
        assert len(ids) == EXPORT_ORDERS
        assert len(set(ids)) == EXPORT_ORDERS
        assert set(ids) == set(emu.account.order_ids("all"))
        journal = emu.journal_for("orders.list")
        kinds = Counter(e.faults[0].split(":")[0] for e in journal if e.faults)
        record(
            "SOAK",
            export_orders=len(ids),
            export_distinct=len(set(ids)),
            export_requests=len(journal),
            export_faults=sum(kinds.values()),
            export_429=kinds["rate_limit"],
        )


async def test_soak_2000_concurrent_purchases_under_faults_never_charge_twice() -> None:
    async with Emulator(seed=9002, balance=10**10) as emu:
        account = emu.account
        balance_before = account.balance
        emu.faults.set(
            "orders.purchase",
            error_rate=0.05,
            reset_before_rate=0.03,
            reset_after_rate=0.05,
            truncate_rate=0.03,
            rate_limit_rate=0.02,
            retry_after=0,
            jitter_ms=400,  # with a 0.3 s timeout, some time out before being handled
        )
        outcome: dict[int, str] = {}
        queue = iter(range(1, PURCHASES + 1))

        async def worker() -> None:
            for quantity in queue:  # each purchase is unique by its quantity
                try:
                    await client.orders.purchase(StandardResidentialPurchase(quantity=quantity))
                    outcome[quantity] = "ok"
                except PurchaseOutcomeUnknownError:
                    outcome[quantity] = "unknown"

        async with client_for(emu, timeout=0.3, max_retries=3) as client:
            await asyncio.gather(*(worker() for _ in range(64)))
        await settled(emu)

        entries = emu.journal_for("orders.purchase")
        bodies = Counter(e.body["quantity"] for e in entries if e.status != 429 and e.body)
        created = Counter(order.quantity for order in account)
        assert len(outcome) == PURCHASES
        assert max(bodies.values()) == 1, "an ambiguous purchase was sent again"
        assert max(created.values()) == 1, "a purchase created two orders"
        ok = {q for q, result in outcome.items() if result == "ok"}
        unknown = {q for q, result in outcome.items() if result == "unknown"}
        assert ok <= set(created), "a purchase reported success but created nothing"
        assert set(created) <= ok | unknown
        charged = sum(GB_CENTS * q for q in created)
        assert balance_before - account.balance == charged
        figures: dict[str, Any] = {
            "purchases": PURCHASES,
            "purchase_requests": len(entries),
            "purchase_ok": len(ok),
            "purchase_unknown": len(unknown),
            "purchase_unknown_carried_out": len(unknown & set(created)),
            "max_receipts": max(bodies.values()),
            "wallet_exact": balance_before - account.balance == charged,
        }
        record("SOAK", **figures)


async def test_soak_export_of_100000_orders_while_orders_are_inserted() -> None:
    async with Emulator(orders=EXPORT_ORDERS, seed=9003) as emu:
        original = set(emu.account.order_ids("all"))
        emu.faults.set("orders.list", shift_insert=2, error_rate=0.05, error_statuses=(503,))
        async with client_for(emu, max_retries=8) as client:
            it = client.orders.iter("all", page_size=100, dedupe=True, concurrency=4)
            ids = [order.order_id async for order in it]
        assert len(ids) == len(set(ids))
        assert original <= set(ids)
        assert it.duplicates_skipped > 0
        record(
            "SOAK",
            shifting_yielded=len(ids),
            shifting_duplicates_skipped=it.duplicates_skipped,
            shifting_original_missing=len(original - set(ids)),
        )
