"""Connection slots and retry waits that a cancel never slips through and ``close()`` ends at once.

``asyncio.wait_for`` around ``Semaphore.acquire`` swallows a cancel that arrives in the same
loop step as the slot (Python 3.10/3.11), after which the request was sent anyway. The pool
below hands slots to waiters in FIFO order through plain futures, so a waiter cancelled after it
was handed a slot passes the slot on and re-raises; and every wait can be ended by
:meth:`SlotPool.shut` (the client closing), which sends nothing. ``shut_signal`` lets other
waits (the pause before a retry) end at the same moment.
"""

from __future__ import annotations

import asyncio
from collections import deque
from enum import Enum

__all__ = ["SlotPool", "Woken"]


class Woken(Enum):
    """Why a wait of :class:`SlotPool` ended."""

    READY = "ready"  # a slot was taken
    TIMED_OUT = "timed out"  # the wait's timeout passed first
    SHUT = "shut"  # the pool was shut: the client is closing


def _settle(waiter: asyncio.Future[Woken], how: Woken) -> None:
    if not waiter.done():
        waiter.set_result(how)


class SlotPool:
    """``size`` slots, taken in FIFO order; :meth:`shut` wakes every waiter at once.

    Bound to the loop it was created in (the client's), like everything the client holds.
    """

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self._free = size
        self._loop = loop
        self._waiters: deque[asyncio.Future[Woken]] = deque()
        #: Done once the pool is shut.
        self.shut_signal: asyncio.Future[None] = loop.create_future()

    def try_acquire(self) -> bool:
        """Take a slot if one is free now (never waits, never queues ahead of a waiter)."""
        if self._free > 0 and not self.shut_signal.done():
            self._free -= 1
            return True
        return False

    async def acquire(self, timeout: float | None) -> Woken:
        """Take a slot (READY), unless ``timeout`` seconds pass (TIMED_OUT) or shut (SHUT)."""
        if self.shut_signal.done():
            return Woken.SHUT
        if self._free > 0:  # then nobody is queued (release() hands slots to waiters first)
            self._free -= 1
            return Woken.READY
        if timeout is not None and timeout <= 0:
            return Woken.TIMED_OUT
        waiter: asyncio.Future[Woken] = self._loop.create_future()
        self._waiters.append(waiter)
        timer = (
            None
            if timeout is None
            else self._loop.call_later(timeout, _settle, waiter, Woken.TIMED_OUT)
        )
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled in the same step a slot was handed over: pass it on, never keep it.
            if not waiter.cancelled() and waiter.result() is Woken.READY:
                self.release()
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def release(self) -> None:
        """Give a slot back: to the first waiter still waiting, else to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # skip those that timed out, were cancelled or shut
                waiter.set_result(Woken.READY)
                return
        self._free += 1

    def shut(self) -> None:
        """Wake every waiter with SHUT and set ``shut_signal``; later waits return SHUT at once."""
        if self.shut_signal.done():
            return
        self.shut_signal.set_result(None)
        waiting, self._waiters = self._waiters, deque()
        for waiter in waiting:
            _settle(waiter, Woken.SHUT)
