"""The connection-slot pool: FIFO hand-over, timeouts, shutting, and cancels never lost."""

from __future__ import annotations

import asyncio

from proxyorders_async._slots import SlotPool, Woken


async def steps(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_free_slots_are_taken_without_waiting_then_waiters_queue_in_order() -> None:
    pool = SlotPool(2, asyncio.get_running_loop())
    assert await pool.acquire(None) is Woken.READY
    assert await pool.acquire(0) is Woken.READY
    order: list[int] = []

    async def wait(n: int) -> None:
        assert await pool.acquire(None) is Woken.READY
        order.append(n)

    waiters = [asyncio.ensure_future(wait(n)) for n in range(3)]
    await steps()
    assert order == []
    pool.release()
    pool.release()
    await steps()
    assert order == [0, 1]
    pool.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2]


async def test_a_wait_that_times_out_takes_no_slot() -> None:
    pool = SlotPool(1, asyncio.get_running_loop())
    assert await pool.acquire(None) is Woken.READY
    assert await pool.acquire(0) is Woken.TIMED_OUT
    assert await pool.acquire(0.01) is Woken.TIMED_OUT
    pool.release()  # nobody is waiting any more: the slot is free again
    assert await pool.acquire(0) is Woken.READY


async def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    pool = SlotPool(1, asyncio.get_running_loop())
    assert await pool.acquire(None) is Woken.READY
    first = asyncio.ensure_future(pool.acquire(5.0))
    second = asyncio.ensure_future(pool.acquire(None))
    await steps()
    pool.release()  # handed to ``first`` ...
    first.cancel()  # ... which is cancelled in the same step
    await steps()
    assert first.cancelled()  # the cancel propagated
    assert second.result() is Woken.READY  # and the slot went on


async def test_shut_wakes_every_waiter_and_refuses_later_waits() -> None:
    pool = SlotPool(1, asyncio.get_running_loop())
    assert await pool.acquire(None) is Woken.READY
    waiters = [asyncio.ensure_future(pool.acquire(None)) for _ in range(3)]
    await steps()
    pool.shut()
    pool.shut()  # idempotent
    assert await asyncio.gather(*waiters) == [Woken.SHUT] * 3
    assert pool.shut_signal.done()
    pool.release()
    assert await pool.acquire(None) is Woken.SHUT
