"""Scenario 1: a 20,000-order export under 503s, 429s, resets and truncated JSON loses nothing,
repeats nothing, and every wait after a 429 honoured its Retry-After."""

from __future__ import annotations

from collections import Counter

import pytest

from proxyorders_async import RateLimitError, RetryPolicy
from proxyorders_async.emulator import Emulator

from ._support import capture_logs, client_for, record, spy_sleeps

ORDERS = 20_000
PAGE = 100
RETRY_AFTER = 0.02  # seconds, sent as "Retry-After: 0.02" to keep 20,000 orders fast
# 10% 503, 2% 429, 1% resets (half before, half after the response started), 1% truncated.
FAULTS = {
    "error_rate": 0.10,
    "error_statuses": (503,),
    "rate_limit_rate": 0.02,
    "retry_after": str(RETRY_AFTER),
    "reset_before_rate": 0.005,
    "reset_after_rate": 0.005,
    "truncate_rate": 0.01,
}


def _kind(faults: tuple[str, ...]) -> str:
    return faults[0].split(":")[0] if faults else "clean"


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_export_of_20000_orders_under_faults(concurrency: int) -> None:
    async with Emulator(orders=ORDERS, seed=106) as emu:
        emu.faults.set("orders.list", **FAULTS)
        policy = RetryPolicy(base_backoff=0.001, max_backoff=0.004, max_retry_after=1.0)
        with capture_logs() as logs, spy_sleeps() as spy:
            async with client_for(emu, retry_policy=policy, max_retries=6) as client:
                it = client.orders.iter("all", page_size=PAGE, concurrency=concurrency)
                ids = [order.order_id async for order in it]

        expected = emu.account.order_ids("all")
        assert len(expected) == ORDERS
        assert len(ids) == ORDERS, "an order is missing or was yielded twice"
        assert len(set(ids)) == ORDERS, "an order was yielded twice"
        assert set(ids) == set(expected), "the export is not the account's orders"
        assert ids == sorted(ids), "pages came back out of order"
        assert it.pages_fetched == ORDERS // PAGE
        assert it.resume_uri is None

        journal = emu.journal_for("orders.list")
        kinds = Counter(_kind(entry.faults) for entry in journal)
        clean = Counter(int(e.query["offset"]) for e in journal if not e.faults)
        beyond = sum(n for offset, n in clean.items() if offset >= ORDERS)
        # Every page was served cleanly exactly once: no page was fetched twice after success.
        # Fetching ahead may also ask for a few pages past the end, which the walk discards.
        assert clean - Counter({o: n for o, n in clean.items() if o >= ORDERS}) == Counter(
            range(0, ORDERS, PAGE)
        )
        assert beyond <= concurrency - 1
        assert kinds["rate_limit"] > 0 and kinds["error"] > 0 and kinds["truncate"] > 0
        assert kinds["reset_before"] + kinds["reset_after"] > 0

        # Retry-After: every retry after a 429 waited at least that long, and the waits the
        # transport actually slept are exactly the ones it decided.
        retries = logs.retries()
        delays = [float(r.args[2]) for r in retries]  # type: ignore[index,arg-type]
        after_429 = [
            float(r.args[2])  # type: ignore[index,arg-type]
            for r in retries
            if r.args[-1] == "Too many requests"  # type: ignore[index]
        ]
        assert spy.sleeps == delays
        assert len(after_429) == kinds["rate_limit"]
        assert all(delay >= RETRY_AFTER for delay in after_429)
        # Each faulted attempt cost one retry, except resets-before-headers on a reused
        # keep-alive connection, which aiohttp itself re-sends for GETs (never for POSTs).
        faulted = len(journal) - sum(clean.values())
        assert faulted - kinds["reset_before"] <= len(retries) <= faulted

        record(
            "S1",
            **{
                f"c{concurrency}_orders": len(ids),
                f"c{concurrency}_distinct": len(set(ids)),
                f"c{concurrency}_pages": it.pages_fetched,
                f"c{concurrency}_requests": len(journal),
                f"c{concurrency}_503": kinds["error"],
                f"c{concurrency}_429": kinds["rate_limit"],
                f"c{concurrency}_resets": kinds["reset_before"] + kinds["reset_after"],
                f"c{concurrency}_truncated": kinds["truncate"],
                f"c{concurrency}_retries": len(retries),
                f"c{concurrency}_speculative_past_end": beyond,
                f"c{concurrency}_min_wait_after_429": min(after_429),
            },
        )


async def test_retry_after_of_one_second_is_really_waited() -> None:
    async with Emulator(seed=102) as emu:
        emu.faults.set("me", fail_first=1, fail_with=429, retry_after=1)
        with spy_sleeps() as spy:
            async with client_for(emu) as client:
                me = await client.account.me()
        assert me.email
        assert len(spy.sleeps) == 1
        assert spy.sleeps[0] >= 1.0
        assert [e.status for e in emu.journal_for("me")] == [429, 200]
        record("S1", real_retry_after_s=1, real_wait_s=round(spy.sleeps[0], 3))


async def test_retry_after_beyond_the_deadline_raises_instead_of_sleeping() -> None:
    async with Emulator(seed=103) as emu:
        emu.faults.set("me", fail_first=1, fail_with=429, retry_after=3600)
        with spy_sleeps() as spy:
            async with client_for(emu, deadline=2.0) as client:
                with pytest.raises(RateLimitError) as caught:
                    await client.account.me()
        assert caught.value.retry_after == 3600
        assert caught.value.status == 429
        assert spy.sleeps == []
        assert len(emu.journal_for("me")) == 1


async def test_retry_after_is_capped_by_max_retry_after() -> None:
    async with Emulator(seed=104) as emu:
        emu.faults.set("me", fail_first=2, fail_with=429, retry_after=3600)
        policy = RetryPolicy(base_backoff=0.001, max_backoff=0.004, max_retry_after=0.05)
        with spy_sleeps() as spy:
            async with client_for(emu, retry_policy=policy) as client:
                await client.account.me()
        assert spy.sleeps == [0.05, 0.05]


async def test_http_date_retry_after_in_the_past_means_now() -> None:
    async with Emulator(seed=105) as emu:
        emu.faults.set(
            "me", fail_first=1, fail_with=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"
        )
        with spy_sleeps() as spy:
            async with client_for(emu) as client:
                await client.account.me()
        assert len(spy.sleeps) == 1
        assert spy.sleeps[0] <= FAST_CEILING


FAST_CEILING = 0.004  # the FAST policy's largest jittered backoff
