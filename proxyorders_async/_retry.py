"""The retry policy as data, and the pure functions that apply it.

Nothing here touches the network, so every decision is unit-testable. The transport asks
:func:`classify` what a failed attempt means, then :meth:`RetryPolicy.delay` how long to wait.

| failure                                  | IDEMPOTENT        | NOT_IDEMPOTENT  | CHARGES         |
|------------------------------------------|-------------------|-----------------|-----------------|
| connection never established (refused,   | retry             | retry: nothing  | retry: nothing  |
| DNS failure, connect timeout)            |                   | was sent        | was sent        |
| 429 Too Many Requests                    | retry after       | retry after     | retry after     |
|                                          | Retry-After       | Retry-After     | Retry-After     |
| 408, 5xx (500, 502, 503, 504, 520, ...)  | retry             | outcome unknown | outcome unknown |
| reset or timeout after sending           | retry             | outcome unknown | outcome unknown |
| unreadable 2xx body (truncated JSON)     | retry             | outcome unknown | outcome unknown |
| wrong-shaped 2xx body, 1xx or 3xx        | raise             | outcome unknown | outcome unknown |
| other 4xx, success=false in 2xx          | raise             | raise           | raise           |

IDEMPOTENT: reads and set-a-value writes. NOT_IDEMPOTENT: writes unsafe to repeat that charge
nothing. CHARGES: purchase, renew and anything else that takes money from the wallet.
"Outcome unknown" never retries: it raises ``OutcomeUnknownError`` with the endpoint's advice,
or its subclass ``PurchaseOutcomeUnknownError`` for requests that charge the wallet.
"""

from __future__ import annotations

import enum
import math
import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import attrs

from ._exceptions import ConfigurationError

__all__ = ["RetryPolicy"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class Safety(enum.Enum):
    """Whether an endpoint may be repeated without changing the outcome."""

    #: Reads, and writes that set a value (cycle, auto-renewal, tag): repeating is harmless.
    IDEMPOTENT = "idempotent"
    #: Writes that must not happen twice but charge nothing (e.g. creating a sub-user, moving
    #: traffic): never resent once they may have reached the server.
    NOT_IDEMPOTENT = "not idempotent"
    #: Purchase and renew charge the wallet and the API has no idempotency key: like
    #: ``NOT_IDEMPOTENT``, and an unknown outcome is a ``PurchaseOutcomeUnknownError``.
    CHARGES = "charges"


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    NOT_SENT = "not sent"  # the connection was never established: the server saw nothing
    REJECTED = "rejected"  # 429: the server refused without acting
    SERVER = "server"  # 408/5xx: the server may or may not have acted
    LOST = "lost"  # reset, timeout or unreadable body after the request went out
    INVALID = "invalid"  # no usable answer (wrong-shaped 2xx, 1xx, 3xx): a retry won't give one
    FINAL = "final"  # an answer that retrying cannot change


class Decision(enum.Enum):
    """What the transport does after a failed attempt."""

    RETRY = "retry"
    RAISE = "raise"
    UNKNOWN_OUTCOME = "unknown outcome"


def classify_status(status: int) -> Failure:
    """Map an error status to a :class:`Failure`."""
    if status == 429:
        return Failure.REJECTED
    if status in RETRYABLE_STATUSES or 500 <= status <= 599:
        # Every 5xx (gateway 520-524 included) may come after the server acted.
        return Failure.SERVER
    return Failure.FINAL


def decide(failure: Failure, safety: Safety, *, attempt: int, max_retries: int) -> Decision:
    """Decide what to do after attempt number ``attempt`` (1-based) failed with ``failure``."""
    if failure is Failure.FINAL:
        return Decision.RAISE
    if safety is not Safety.IDEMPOTENT and failure in (
        Failure.SERVER,
        Failure.LOST,
        Failure.INVALID,
    ):
        # It may have happened: retrying could do it (or buy) twice.
        return Decision.UNKNOWN_OUTCOME
    if failure is Failure.INVALID:
        return Decision.RAISE
    if attempt > max_retries:
        return Decision.RAISE
    return Decision.RETRY


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed attempts are retried: exponential backoff with full jitter.

    The wait before retry ``n`` (1-based) is uniform in ``[0, min(max_backoff, base_backoff *
    2 ** (n - 1))]``; a server's ``Retry-After`` raises it to at least that many seconds, capped
    at ``max_retry_after``. ``max_retries`` is the default number of retries per call.
    """

    max_retries: int = 2
    base_backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 60.0

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ConfigurationError("max_retries must be an int")
        if self.max_retries < 0:
            raise ConfigurationError("max_retries must be >= 0")
        for name in ("base_backoff", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigurationError(
                    f"{name} must be a number of seconds, got {type(value).__name__}"
                )
            # NaN would pass "< 0" and reach asyncio.sleep(); a float infinity never wakes.
            if value < 0 or (isinstance(value, float) and not math.isfinite(value)):
                raise ConfigurationError(f"{name} must be a finite number >= 0, got {value}")

    def delay(
        self, retry_number: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** (retry_number - 1))
        jittered = (rng or random).uniform(0.0, ceiling)
        if retry_after is None:
            return jittered
        return max(jittered, min(retry_after, self.max_retry_after))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent
    or unreadable (an unreadable hint falls back to plain backoff rather than failing)."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds == float("inf"):  # NaN or infinity
        return None
    return max(0.0, seconds)
