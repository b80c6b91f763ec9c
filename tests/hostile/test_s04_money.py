"""Scenario 4: purchases and renewals under 5xx, resets and timeouts never charge twice.

Every call is made once, in a fixed order (so the seeded faults fall on the same calls every
run); each purchase is unique (location, quantity), each renewal a distinct on-hold order, so
the journal and the store tell exactly which request arrived and which one was carried out.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from proxyorders_async import (
    APITimeoutError,
    DatacenterIspPurchase,
    PurchaseOutcomeUnknownError,
    PurchaseResult,
)
from proxyorders_async.emulator import PROMO_CODES, Emulator, JournalEntry, price

from ._support import busy, client_for, record, settled

LOCATIONS = ("DE", "FR", "GB", "MD", "NL", "PL", "UA", "ES")
PURCHASES = 150
RENEWALS = 100
DC_MONTHLY_CENTS = 120
TIMEOUT = 0.25
# Rates per request; stalls and slow starts are switched on for every 40th call (see below).
FAULTS: dict[str, Any] = {
    "error_rate": 0.08,
    "error_statuses": (500, 502, 503),
    "reset_before_rate": 0.05,
    "reset_after_rate": 0.07,
    "truncate_rate": 0.04,
}
NOT_CARRIED_OUT = ("error:", "reset_before")


def _purchase(i: int) -> DatacenterIspPurchase:
    return DatacenterIspPurchase(
        product="Datacenter Proxy",
        location=LOCATIONS[i % len(LOCATIONS)],
        cycle="monthly",
        quantity=i // len(LOCATIONS) + 1,
    )


def _key(entry: JournalEntry) -> tuple[str, Any] | None:
    """The call an entry belongs to; None for a purchase cut off before its body was read."""
    if entry.route == "orders.renew":
        return "renew", int(entry.path.split("/")[-2])
    if entry.body is None:
        return None
    return "purchase", (entry.body["location"], entry.body["quantity"])


@pytest.mark.timeout(90)
async def test_purchases_and_renewals_under_faults_never_charge_twice() -> None:
    async with Emulator(orders=3000, seed=401, balance=10**9) as emu:
        account = emu.account
        on_hold = [o for o in account if o.status == "on-hold" and o.cycle.days is not None]
        on_hold = on_hold[:RENEWALS]
        assert len(on_hold) == RENEWALS
        renew_cost = {
            o.order_id: price(
                o.product,
                o.cycle,
                o.quantity,
                PROMO_CODES[o.promo_code] if o.promo_code else None,
                o.addon_quantities(upcoming=True),
            ).total
            for o in on_hold
        }
        ids_before = set(account.order_ids("all"))
        balance_before = account.balance
        emu.faults.set("orders.purchase", **FAULTS)
        emu.faults.set("orders.renew", **FAULTS)

        calls: list[tuple[str, Any]] = [("purchase", i) for i in range(PURCHASES)]
        for n, order in enumerate(on_hold):  # interleave renewals among the purchases
            calls.insert(n * 2 + 1, ("renew", order.order_id))
        outcome: dict[tuple[str, Any], tuple[str, Any]] = {}
        slow: dict[tuple[str, Any], str] = {}

        async with client_for(emu, timeout=TIMEOUT, max_retries=3) as client:
            for n, (kind, arg) in enumerate(calls):
                route = "orders.purchase" if kind == "purchase" else "orders.renew"
                key = (
                    ("purchase", (_purchase(arg).location, _purchase(arg).quantity))
                    if kind == "purchase"
                    else ("renew", arg)
                )
                # Every 40th call the server answers only after the client's timeout: once
                # after carrying the request out (stall), once before starting (latency).
                if n % 40 == 13:
                    slow[key] = "stall"
                    emu.faults.update(route, stall_ms=5000, trickle_chunk_bytes=1 << 20)
                elif n % 40 == 33:
                    slow[key] = "latency"
                    emu.faults.update(route, latency_ms=5000)
                try:
                    if kind == "purchase":
                        result: Any = await client.orders.purchase(_purchase(arg))
                    else:
                        result = await client.orders.renew(arg)
                    outcome[key] = ("ok", result)
                except PurchaseOutcomeUnknownError as exc:
                    outcome[key] = ("unknown", exc)
                finally:
                    if key in slow:
                        emu.faults.update(route, stall_ms=0, latency_ms=0, trickle_chunk_bytes=0)
        await settled(emu)

        entries = emu.journal_for("orders.purchase") + emu.journal_for("orders.renew")
        entries.sort(key=lambda e: e.seq)
        assert len(calls) >= 200
        # 1. Each request reached the server at most once: nothing ambiguous was re-sent. The
        # calls were sequential, so arrival order pairs every entry with its call. On a loaded
        # machine the client's 0.25 s timeout can fire before the in-process server has read a
        # request: such a call has no entry, and must be an unknown outcome never carried out.
        pending = list(entries)
        by_key: dict[tuple[str, Any], JournalEntry] = {}
        unreceived: list[tuple[str, Any]] = []
        for key in outcome:
            if pending and _key(pending[0]) in (key, None):
                by_key[key] = pending.pop(0)
            else:
                unreceived.append(key)
        assert pending == [], "a journal entry matches no call"
        for key in unreceived:
            status, value = outcome[key]
            assert status == "unknown", (key, value)
            assert isinstance(value.__cause__, APITimeoutError), (key, value)
        received = Counter(_key(e) or k for k, e in by_key.items())
        assert max(received.values()) == 1

        # 2. Ground truth from the store: which purchases and renewals were carried out.
        new_orders = [o for o in account if o.order_id not in ids_before]
        created = Counter(("purchase", (o.location, o.quantity)) for o in new_orders)
        assert max(created.values(), default=0) == 1, "a purchase created two orders"
        renewed = {("renew", o.order_id) for o in on_hold if o.status == "active"}
        carried_out = set(created) | renewed

        # 3. Every clean answer succeeded; every faulted one raised PurchaseOutcomeUnknownError.
        figures: Counter[str] = Counter()
        for key, (status, value) in outcome.items():
            if key in unreceived:
                assert key not in carried_out, key
                figures["unknown"] += 1
                figures["unknown_not_carried_out"] += 1
                continue
            entry = by_key[key]
            faulted = bool(entry.faults) or key in slow
            expect_done = not any(f.startswith(NOT_CARRIED_OUT) for f in entry.faults) and (
                slow.get(key) != "latency"
            )
            if not faulted:
                assert status == "ok", (key, entry)
                assert key in carried_out
                if key[0] == "purchase":
                    assert isinstance(value, PurchaseResult)
                    assert account.orders[value.order_id].quantity == key[1][1]
                figures["succeeded"] += 1
                continue
            assert status == "unknown", (key, entry, value)
            assert value.request == (entry.body if entry.body is not None else value.request)
            assert value.request is not None
            assert value.attempts == 1
            if key in slow and set(entry.faults) <= {"cancelled"}:
                assert isinstance(value.__cause__, APITimeoutError)
            assert (key in carried_out) == expect_done, (key, entry)
            figures["unknown"] += 1
            figures["unknown_carried_out" if expect_done else "unknown_not_carried_out"] += 1
            for fault in entry.faults:
                if fault != "cancelled":  # the client gave up: counted as its slow kind
                    figures[fault.split(":")[0]] += 1
            if key in slow:
                figures[slow[key]] += 1

        # 4. Money: the wallet moved by exactly what was carried out, once each.
        charged = sum(DC_MONTHLY_CENTS * q for (_, (_, q)) in created) + sum(
            renew_cost[order_id] for (_, order_id) in renewed
        )
        assert balance_before - account.balance == charged
        ok = {key for key, (status, _) in outcome.items() if status == "ok"}
        unknown_done = {k for k, (s, _) in outcome.items() if s == "unknown"} & carried_out
        assert carried_out == ok | unknown_done
        record(
            "S4",
            calls=len(calls),
            purchases=PURCHASES,
            renewals=RENEWALS,
            max_receipts_per_request=max(received.values()),
            not_received=len(unreceived),
            charged_cents=charged,
            wallet_delta_cents=balance_before - account.balance,
            **figures,
        )


async def _buy_and_reconcile(emu: Emulator, **fault: Any) -> tuple[bool, bool]:
    """Follow the README's reconciliation recipe; return (recipe says bought, store says so)."""
    request = DatacenterIspPurchase(
        product="Datacenter Proxy", location="NL", cycle="monthly", quantity=7
    )
    async with client_for(emu) as client:
        before = await client.account.me()
        known = {o.order_id async for o in client.orders.iter("active", page_size=100)}
        emu.faults.set("orders.purchase", fail_first=1, **fault)
        orders_before = len(emu.account.orders)
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await client.orders.purchase(request)
        emu.faults.clear("orders.purchase")
        after = await client.account.me()
        new = [
            o
            async for o in client.orders.iter("active", page_size=100)
            if o.order_id not in known and o.product_name == caught.value.request["product"]
        ]
        recipe_says_bought = bool(new) or after.wallet_balance < before.wallet_balance
    return recipe_says_bought, len(emu.account.orders) > orders_before


@pytest.mark.parametrize(
    ("fault", "carried_out"),
    [
        ({"fail_with": "reset_after"}, True),
        ({"fail_with": "truncate"}, True),
        ({"fail_with": "reset_before"}, False),
        ({"fail_with": 503}, False),
        ({"fail_with": 502, "error_body": "html"}, False),
    ],
    ids=["reset-after", "truncated", "reset-before", "503", "502-html"],
)
async def test_readme_reconciliation_recipe_tells_the_truth(
    fault: dict[str, Any], carried_out: bool
) -> None:
    async with Emulator(orders=200, seed=402) as emu:
        says, truth = await _buy_and_reconcile(emu, **fault)
        assert truth is carried_out
        assert says is truth
        record("S4", **{f"recipe_{next(iter(fault.values()))}": "correct"})


async def test_purchase_waiting_for_a_pooled_connection_is_not_ambiguous() -> None:
    """A purchase that never left the process (queued for a connection) must not be reported
    as "sent, outcome unknown"; with a deadline it is a plain timeout, without it it waits."""
    async with Emulator(seed=403) as emu:
        emu.faults.set("me", stall_ms=1000, trickle_chunk_bytes=1 << 20)
        request = _purchase(3)
        async with client_for(emu, max_connections=1, timeout=0.3, max_retries=0) as client:
            holder = asyncio.ensure_future(client.with_options(timeout=5).account.me())
            await busy(emu)
            with pytest.raises(APITimeoutError) as caught:
                await client.with_options(deadline=0.3).orders.purchase(request)
            assert not isinstance(caught.value, PurchaseOutcomeUnknownError)
            assert emu.journal_for("orders.purchase") == []
            # Without a deadline the purchase waits for the connection, then goes through.
            bought = await client.orders.purchase(request)
            await holder
        assert bought.order_id in emu.account.orders
        assert len(emu.journal_for("orders.purchase")) == 1
        record("S4", pool_wait_false_unknown=0)
