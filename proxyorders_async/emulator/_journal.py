"""The request journal: what reached the emulator, so tests can assert on it.

The bearer token is never recorded; ``auth_sent``/``token_valid`` and the account's e-mail say
enough to tell who called, and let a test prove a token never reached another origin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Journal", "JournalEntry"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the emulator saw it, and what it answered."""

    seq: int
    """0-based arrival number within the journal's lifetime (survives ``clear``)."""
    route: str
    """Route name, e.g. ``"orders.purchase"`` (``"unknown"`` when no route matched)."""
    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    """The parsed JSON body, or None when the body was empty or not JSON."""
    auth_sent: bool
    """Whether an ``Authorization`` header was present."""
    token_valid: bool
    account: str | None
    """E-mail of the account the token belongs to."""
    status: int | None
    """Status sent, or None when no status line was sent (reset before, client gone)."""
    faults: tuple[str, ...]
    """Injected faults, e.g. ``("reset_after",)``, ``("error:503",)``, ``("shift",)``."""
    delay_ms: float
    """Injected latency."""
    received_at: float = 0.0
    """When the request arrived, on the server's clock (``time.monotonic()``, seconds)."""

    @property
    def fault(self) -> str | None:
        """The injected faults joined with ``+``, or None."""
        return "+".join(self.faults) if self.faults else None


class Journal:
    """Append-only list of :class:`JournalEntry`, in arrival order."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._entries: list[JournalEntry] = []
        self._seq = 0
        self.in_flight = 0
        """Requests received whose response has not finished yet (stalled ones included)."""

    def next_seq(self) -> int:
        """Reserve the sequence number of a request that just arrived."""
        seq = self._seq
        self._seq += 1
        return seq

    def record(self, entry: JournalEntry) -> None:
        """Append an entry (a no-op when the journal is disabled, e.g. for soak runs)."""
        if self.enabled:
            self._entries.append(entry)

    @property
    def entries(self) -> list[JournalEntry]:
        """A copy of all entries, ordered by when their response finished."""
        return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        """Iterate over a snapshot of the entries."""
        return iter(list(self._entries))

    def __len__(self) -> int:
        """Number of entries."""
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def for_route(self, route: str) -> list[JournalEntry]:
        """Entries of one route name, e.g. ``"orders.purchase"``."""
        return [e for e in self._entries if e.route == route]

    def count(
        self, method: str | None = None, path: str | None = None, *, route: str | None = None
    ) -> int:
        """How many requests matched every given criterion (method is case-insensitive)."""
        upper = method.upper() if method else None
        return sum(
            1
            for e in self._entries
            if (upper is None or e.method == upper)
            and (path is None or e.path == path)
            and (route is None or e.route == route)
        )
