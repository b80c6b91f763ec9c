"""A server rate limit: a token bucket per account, answering 429 with a truthful Retry-After.

Each account (each unauthenticated caller shares one bucket) may make ``rate`` requests per
second with bursts of up to ``burst``: the bucket holds ``burst`` tokens, gains ``rate`` per
second and a request takes one. A request finding less than one token is refused without being
processed (and takes none); its ``Retry-After`` is the whole number of seconds after which a
token is there for certain, the smallest such number: a client that waits that long is not
refused again unless others spent the token first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable

__all__ = ["RateLimiter"]


class RateLimiter:
    """``rate`` requests per second per account with bursts of ``burst`` (default ``ceil(rate)``).

    Off while ``rate`` is None. :meth:`configure` changes it on a running emulator (the buckets
    start full again). ``clock`` (seconds, default ``time.monotonic``) may be replaced by tests.
    """

    def __init__(
        self,
        rate: float | None = None,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.rate: float | None = None
        self.burst = 0
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, at)
        self.configure(rate, burst)

    def configure(self, rate: float | None, burst: int | None = None) -> None:
        """Set the limit (None turns it off); every bucket starts full."""
        if rate is not None and (not math.isfinite(rate) or rate <= 0):
            raise ValueError(f"rate must be a finite number of requests per second > 0: {rate}")
        if burst is not None and (isinstance(burst, bool) or burst < 1):
            raise ValueError(f"burst must be an int >= 1, got {burst}")
        if rate is None and burst is not None:
            raise ValueError("burst needs a rate")
        self.rate = rate
        self.burst = 0 if rate is None else burst if burst is not None else max(1, math.ceil(rate))
        self._buckets.clear()

    def __bool__(self) -> bool:
        """Whether a limit is set."""
        return self.rate is not None

    def take(self, key: Hashable) -> int | None:
        """Take a token of ``key``'s bucket: None if there was one, else the ``Retry-After``."""
        rate = self.rate
        if rate is None:
            return None
        now = self.clock()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return None
        self._buckets[key] = (tokens, now)
        wait = max(1, math.ceil((1 - tokens) / rate))
        # The same sum take() will make, so rounding cannot make the answer a second off.
        while tokens + wait * rate < 1:
            wait += 1
        while wait > 1 and tokens + (wait - 1) * rate >= 1:
            wait -= 1
        return wait
