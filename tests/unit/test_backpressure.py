"""The backpressure pieces on their own: AIMD, the adaptive limit, the gate and the bucket."""

from __future__ import annotations

import asyncio

import pytest

from proxyorders_async import ConfigurationError, ProxyOrdersClient, RetryPolicy
from proxyorders_async._backpressure import AdaptiveLimit, Aimd, Backpressure, check_rate_limit
from proxyorders_async._slots import Woken

# ---------------------------------------------------------------------------------------------
# Aimd (pure)


def test_aimd_starts_at_the_ceiling_and_halves_on_a_refusal() -> None:
    aimd = Aimd(50)
    assert aimd.limit == 50
    assert aimd.refused(sent_at=1.0, now=2.0)
    assert aimd.limit == 25


def test_aimd_decreases_once_per_window() -> None:
    aimd = Aimd(50)
    aimd.refused(sent_at=1.0, now=2.0)
    # Sent before the decrease: refused under the old limit, so nothing new is learnt.
    assert not aimd.refused(sent_at=1.5, now=2.1)
    assert aimd.limit == 25
    # Sent after it and still refused: the new limit is too high as well.
    assert aimd.refused(sent_at=2.0, now=3.0)
    assert aimd.limit == 12


def test_aimd_never_goes_below_its_floor() -> None:
    aimd = Aimd(8, floor=2)
    for step in range(10):
        aimd.refused(sent_at=float(step), now=float(step))
    assert aimd.limit == 2
    assert Aimd(1).refused(0.0, 0.0) and Aimd(1).limit == 1


def test_aimd_adds_one_per_ceiling_successes_up_to_the_ceiling() -> None:
    aimd = Aimd(10)
    aimd.refused(0.0, 0.0)
    assert aimd.limit == 5
    grew = [aimd.succeeded() for _ in range(10)]
    assert grew == [False] * 9 + [True]  # ten successes (the ceiling): +1
    assert aimd.limit == 6
    for _ in range(1000):
        aimd.succeeded()
    assert aimd.limit == 10
    assert not aimd.succeeded()


def test_a_refusal_forgets_the_credit_towards_the_next_increase() -> None:
    aimd = Aimd(10)
    aimd.refused(0.0, 0.0)
    for _ in range(9):
        aimd.succeeded()
    aimd.refused(1.0, 1.0)
    assert aimd.limit == 2
    assert [aimd.succeeded() for _ in range(10)] == [False] * 9 + [True]


@pytest.mark.parametrize(
    "kwargs", [{"ceiling": 0}, {"ceiling": 4, "floor": 5}, {"ceiling": 4, "factor": 1.0}]
)
def test_aimd_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Aimd(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# AdaptiveLimit


async def test_adaptive_limit_admits_up_to_its_limit_and_lowers_it_on_a_refusal() -> None:
    pressure = Backpressure(None)
    limit = AdaptiveLimit(4, pressure)
    for _ in range(4):
        await limit.acquire()
    fifth = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    assert not fifth.done()
    pressure.refused(None, sent_at=0.0, now=1.0)  # any refusal of the client counts
    assert limit.limit == 2
    for _ in range(2):
        limit.release(succeeded=False)
    await asyncio.sleep(0)
    assert not fifth.done()  # 2 held, limit 2: the lowered limit holds new requests back
    limit.release(succeeded=False)
    await fifth
    assert limit.held == 2
    for _ in range(4):
        limit.release(succeeded=True)  # four successes (the ceiling): the limit grows by one
        await limit.acquire()
    assert limit.limit == 3


async def test_a_cancelled_waiter_passes_its_permit_on() -> None:
    limit = AdaptiveLimit(1, Backpressure(None))
    await limit.acquire()
    first = asyncio.ensure_future(limit.acquire())
    second = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    limit.release(succeeded=False)  # hands the permit to ``first`` ...
    first.cancel()  # ... which is cancelled in the same step
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert limit.held == 1


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    limit = AdaptiveLimit(1, Backpressure(None))
    await limit.acquire()
    waiter = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    limit.release(succeeded=True)
    await asyncio.wait_for(limit.acquire(), 5)  # not stuck behind the cancelled one
    assert limit.held == 1


async def test_the_client_forgets_a_limit_nobody_holds() -> None:
    pressure = Backpressure(None)
    AdaptiveLimit(3, pressure)
    assert len(pressure._limits) == 0


# ---------------------------------------------------------------------------------------------
# Backpressure: the gate and the bucket


async def test_the_gate_holds_until_the_retry_after_has_passed() -> None:
    pressure = Backpressure(None)
    loop = asyncio.get_running_loop()
    assert not pressure.active
    pressure.refused(0.05, sent_at=loop.time(), now=loop.time())
    until = pressure.closed_until
    assert pressure.active and pressure.refusals == 1
    assert await pressure.admit(None) is Woken.READY
    assert loop.time() >= until
    assert await pressure.admit(None) is Woken.READY
    assert not pressure.active  # open again: back to the one-check path


async def test_a_refusal_without_retry_after_closes_nothing() -> None:
    pressure = Backpressure(None)
    pressure.refused(None, 0.0, 1.0)
    pressure.refused(0.0, 0.0, 1.0)
    assert not pressure.active and pressure.refusals == 2


async def test_a_later_retry_after_extends_the_gate_an_earlier_one_does_not() -> None:
    pressure = Backpressure(None)
    pressure.refused(10, 0.0, now=100.0)
    pressure.refused(2, 0.0, now=101.0)
    assert pressure.closed_until == 110.0
    pressure.refused(20, 0.0, now=101.0)
    assert pressure.closed_until == 121.0


async def test_a_deadline_before_the_gate_opens_fails_at_once() -> None:
    pressure = Backpressure(None)
    loop = asyncio.get_running_loop()
    pressure.refused(30, 0.0, now=loop.time())
    before = loop.time()
    assert await pressure.admit(before + 5) is Woken.TIMED_OUT
    assert loop.time() < pressure.closed_until  # it did not wait for the gate
    assert not pressure._waiters


async def test_shut_wakes_every_waiter_and_later_calls() -> None:
    pressure = Backpressure(None)
    loop = asyncio.get_running_loop()
    pressure.refused(30, 0.0, now=loop.time())
    waiting = [asyncio.ensure_future(pressure.admit(None)) for _ in range(3)]
    await asyncio.sleep(0)
    pressure.shut()
    assert await asyncio.gather(*waiting) == [Woken.SHUT] * 3
    assert await pressure.admit(None) is Woken.SHUT


async def test_a_cancel_at_the_gate_propagates() -> None:
    pressure = Backpressure(None)
    pressure.refused(30, 0.0, now=asyncio.get_running_loop().time())
    waiter = asyncio.ensure_future(pressure.admit(None))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not pressure._waiters


async def test_the_bucket_spaces_starts_evenly() -> None:
    rate = 200.0
    pressure = Backpressure(rate)
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def one() -> float:
        assert await pressure.admit(None) is Woken.READY
        return loop.time()

    times = sorted(await asyncio.gather(*(one() for _ in range(6))))
    for i, at in enumerate(times):
        assert at - started >= i / rate - 1e-6
    assert pressure.active  # a rate keeps the check on


async def test_the_bucket_refuses_a_turn_past_the_deadline_without_spending_it() -> None:
    pressure = Backpressure(1.0)
    loop = asyncio.get_running_loop()
    assert await pressure.admit(None) is Woken.READY
    turn = pressure._next_start
    assert await pressure.admit(loop.time() + 0.1) is Woken.TIMED_OUT
    assert pressure._next_start == turn


@pytest.mark.parametrize("value", [0.5, 10, 1e6])
def test_check_rate_limit_accepts_positive_rates(value: float) -> None:
    assert check_rate_limit(value) == float(value)
    assert check_rate_limit(None) is None


@pytest.mark.parametrize("bad", [0, -2.0, float("nan"), float("inf"), "5", False, 10**400])
def test_check_rate_limit_refuses(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="rate_limit"):
        check_rate_limit(bad)


async def test_the_client_caps_a_huge_retry_after_at_max_retry_after() -> None:
    client = ProxyOrdersClient(
        token="sk_test_backpressure_unit_0123456789",
        base_url="http://127.0.0.1:9",
        retry_policy=RetryPolicy(max_retry_after=7.0),
    )
    loop = asyncio.get_running_loop()
    before = loop.time()
    client._core.refused(3600.0, sent_at=before)
    assert before + 7.0 <= client._core.pressure.closed_until <= loop.time() + 7.0


async def test_a_cancel_while_waiting_for_the_bucket_propagates() -> None:
    pressure = Backpressure(0.5)  # one start every two seconds
    assert await pressure.admit(None) is Woken.READY
    waiter = asyncio.ensure_future(pressure.admit(None))
    await asyncio.sleep(0)
    assert len(pressure._waiters) == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not pressure._waiters
