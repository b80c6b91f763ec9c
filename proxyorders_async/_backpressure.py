"""One client backs off as one: the 429 gate, the request-rate bucket and AIMD concurrency.

A 429 with ``Retry-After`` means the account's quota is spent, not that one request was unlucky:
:class:`Backpressure` (one per client, shared by every task and view) then holds every *new*
request of the client until the time passes. Requests already in flight finish. With
``rate_limit=`` it also spaces request starts evenly at that rate (a token bucket holding one
token, so no burst can exceed the quota). Waiting at either sends nothing, so the attempt's
timeout does not run; the caller's deadline bounds the wait, and closing the client ends it.

Fan-outs (``calculate_many``, walks with ``concurrency > 1``) also lower their concurrency when
the client is refused and raise it again slowly: :class:`Aimd` is that rule as a pure class,
:class:`AdaptiveLimit` the semaphore it drives. When the gate is open and no rate is set, the
transport's hot path pays one attribute check (:attr:`Backpressure.active`).
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections import deque

from ._exceptions import ConfigurationError
from ._slots import Woken

__all__ = ["AdaptiveLimit", "Aimd", "Backpressure", "check_rate_limit"]


def check_rate_limit(value: object) -> float | None:
    """``rate_limit=``: None, or a finite number of requests per second > 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(
            f"rate_limit must be a number of requests per second, got {type(value).__name__}"
        )
    try:
        rate = float(value)
    except OverflowError:
        raise ConfigurationError("rate_limit is too large") from None
    if not math.isfinite(rate) or rate <= 0:
        raise ConfigurationError(
            f"rate_limit must be a finite number of requests per second > 0, got {value}"
        )
    return rate


class Aimd:
    """Additive increase, multiplicative decrease of a concurrency limit; no clock, no I/O.

    ``limit`` starts at ``ceiling``. A refusal halves it (``factor``, never below ``floor``),
    at most once per window: a refused request sent before the last decrease was sent under the
    old limit, so it says nothing about the new one. The limit grows by one per ``ceiling``
    successes, never beyond ``ceiling``: slowly, because a quota refills over seconds and
    probing it faster than that only buys the next round of 429s (and of waiting at the gate).
    """

    def __init__(self, ceiling: int, *, floor: int = 1, factor: float = 0.5) -> None:
        if ceiling < 1 or not 1 <= floor <= ceiling or not 0 < factor < 1:
            raise ValueError("need 1 <= floor <= ceiling and 0 < factor < 1")
        self.ceiling, self.floor, self.factor = ceiling, floor, factor
        self.limit = ceiling
        self._credit = 0.0
        self._decreased_at = -math.inf

    def refused(self, sent_at: float, now: float) -> bool:
        """A request sent at ``sent_at`` was refused at ``now``; True if the limit went down."""
        if sent_at < self._decreased_at:
            return False  # same window as the last decrease
        self.limit = max(self.floor, int(self.limit * self.factor))
        self._decreased_at = now
        self._credit = 0.0
        return True

    def succeeded(self) -> bool:
        """A request succeeded; True if the limit went up."""
        if self.limit >= self.ceiling:
            return False
        self._credit += 1
        if self._credit < self.ceiling:
            return False
        self._credit = 0.0
        self.limit += 1
        return True


def _settle(waiter: asyncio.Future[Woken], how: Woken) -> None:
    if not waiter.done():
        waiter.set_result(how)


class Backpressure:
    """The client-wide gate and optional rate bucket; see the module docstring.

    Bound to the client's loop on first use (like its connection slots). :meth:`shut` (the
    client closing) ends every wait with ``Woken.SHUT``; later waits return it at once.
    """

    def __init__(self, rate: float | None) -> None:
        #: False while the gate is open and no rate is set: the transport then skips :meth:`admit`.
        self.active = rate is not None
        self.rate = rate
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._next_start = -math.inf  # the bucket: when the next request may start
        #: The loop time until which the gate holds new requests.
        self.closed_until = -math.inf
        #: 429 answers the client received.
        self.refusals = 0
        self._waiters: set[asyncio.Future[Woken]] = set()
        self._shut = False
        self._limits: weakref.WeakSet[AdaptiveLimit] = weakref.WeakSet()

    def refused(self, retry_after: float | None, sent_at: float, now: float) -> None:
        """A 429 arrived at ``now`` for a request sent at ``sent_at``: close the gate (with
        ``Retry-After``) until ``now + retry_after`` and tell every :class:`AdaptiveLimit`."""
        self.refusals += 1
        if retry_after is not None and retry_after > 0:
            until = now + retry_after
            if until > self.closed_until:
                self.closed_until = until
                self.active = True
        for limit in list(self._limits):
            limit.refused(sent_at, now)

    def follow(self, limit: AdaptiveLimit) -> None:
        """Let ``limit`` hear of every refusal (held weakly: an abandoned walk is forgotten)."""
        self._limits.add(limit)

    async def admit(self, deadline_at: float | None) -> Woken:
        """Wait until the gate is open and, with a rate, this request's turn has come.

        READY: send now. TIMED_OUT: the wait would outlast ``deadline_at`` (nothing was waited
        for, nothing reserved). SHUT: the client is closing. A cancel propagates.
        """
        loop = asyncio.get_running_loop()
        while not self._shut:
            now = loop.time()
            if now < self.closed_until:
                woken = await self._sleep_until(loop, self.closed_until, deadline_at)
                if woken is not Woken.READY:
                    return woken
                continue  # another 429 may have moved the gate meanwhile
            if self.rate is None:
                self.active = False  # the gate is open again: back to the one-check path
                return Woken.READY
            start = max(now, self._next_start)
            if deadline_at is not None and start > deadline_at:
                return Woken.TIMED_OUT
            self._next_start = start + self._interval
            if start <= now:
                return Woken.READY
            woken = await self._sleep_until(loop, start, deadline_at)
            if woken is not Woken.READY or loop.time() >= self.closed_until:
                return woken
            # The gate closed while this request waited for its turn: its turn is spent, so
            # it waits for the gate and then goes without queueing for the bucket again.
            return await self._sleep_until(loop, self.closed_until, deadline_at)
        return Woken.SHUT

    async def _sleep_until(
        self, loop: asyncio.AbstractEventLoop, when: float, deadline_at: float | None
    ) -> Woken:
        if self._shut:
            return Woken.SHUT
        if deadline_at is not None and when > deadline_at:
            return Woken.TIMED_OUT  # it cannot end in time: fail now, having sent nothing
        waiter: asyncio.Future[Woken] = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_at(when, _settle, waiter, Woken.READY)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)

    def shut(self) -> None:
        """End every wait with SHUT: the client is closing."""
        self._shut = True
        self.active = True  # so that a request made now still hears it
        waiting, self._waiters = self._waiters, set()
        for waiter in waiting:
            _settle(waiter, Woken.SHUT)


class AdaptiveLimit:
    """A FIFO semaphore of :attr:`limit` permits, driven by :class:`Aimd`.

    Every refusal the client receives lowers the limit (once per window); every successful
    holder raises it slowly. Holders above a lowered limit finish; new ones wait. A waiter
    cancelled in the step it was handed a permit passes the permit on.
    """

    def __init__(self, ceiling: int, pressure: Backpressure) -> None:
        self.aimd = Aimd(ceiling)
        self.held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        pressure.follow(self)

    @property
    def limit(self) -> int:
        """How many holders are allowed now."""
        return self.aimd.limit

    async def acquire(self) -> None:
        """Wait for a permit."""
        if self.held < self.aimd.limit and not self._waiters:
            self.held += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if not waiter.cancelled():
                self.release(succeeded=False)  # handed over in the same step: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self, *, succeeded: bool) -> None:
        """Give a permit back; ``succeeded`` says whether its request got an answer it used."""
        self.held -= 1
        if succeeded:
            self.aimd.succeeded()
        self._wake()

    def refused(self, sent_at: float, now: float) -> None:
        """The client was refused (429) for a request sent at ``sent_at``."""
        self.aimd.refused(sent_at, now)

    def _wake(self) -> None:
        while self._waiters and self.held < self.aimd.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter leaves the queue in its own time
                self.held += 1
                waiter.set_result(None)
