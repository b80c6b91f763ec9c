"""Fault injection: what can go wrong on a route, configured per route and changeable at runtime.

A :class:`FaultSpec` describes the faults of one route; :class:`Faults` maps routes to specs and
draws every random decision from one seeded :class:`random.Random`, so a run with the same seed
and the same request order injects the same faults.

Route keys, most specific first (the first match wins; specs are never merged):

1. a route name such as ``"orders.list"`` (see :data:`ROUTE_NAMES`);
2. a path pattern containing ``/``, with ``*`` wildcards, e.g. ``"/user/api/orders/*/renew"``;
3. ``"*"``: every route.

When a request is processed relative to the faults (the ``reset_*`` pair exists to let tests prove
a client never buys twice):

- before processing (nothing happened on the server): ``fail_first``, ``rate_limit_rate`` (429 with
  ``Retry-After``), ``error_rate`` (500/502/503), ``reset_before_rate`` (the connection is reset
  after the request was read; for a purchase, **no order is created**);
- after processing (the state change happened): ``reset_after_rate`` (headers and half the body
  are sent, then the connection is reset; for a purchase, **the order was created and paid**),
  ``truncate_rate`` (a complete HTTP response whose JSON body is cut in half), ``stall_ms`` (wait
  before sending the headers), ``trickle_chunk_bytes``/``trickle_delay_ms`` (a slow body);
- on ``orders.list`` only: ``next_origin``, ``next_loop``, ``shift_insert``, ``shift_delete``,
  ``shift_delete_random`` (orders are inserted and deleted at the front of the list as the
  emulator sorts it: ``Emulator(order_sort="asc"|"desc")``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import http
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, TypedDict

if TYPE_CHECKING:  # Unpack is in typing from 3.11 only; annotations are never evaluated here.
    from typing_extensions import Unpack

__all__ = [
    "ROUTE_NAMES",
    "Decision",
    "FailWith",
    "FaultOptions",
    "FaultSpec",
    "Faults",
]

#: Names of the emulator's routes, usable as fault keys and in the journal.
ROUTE_NAMES = frozenset(
    {
        "health",
        "health.live",
        "me",
        "orders.add_bandwidth",
        "orders.addons_calculate",
        "orders.addons_purchase",
        "orders.addons_schedule",
        "orders.addons_schedule_cancel",
        "orders.calculate",
        "orders.change_billing_cycle",
        "orders.del_np_set",
        "orders.edit_auto_renewal",
        "orders.get",
        "orders.list",
        "orders.purchase",
        "orders.renew",
        "orders.signature_set",
        "orders.tag",
        "proxies.active",
        "proxies.available_count",
        "proxies.cities",
        "proxies.countries",
        "proxies.isps",
        "proxies.products",
        "proxies.profile",
        "proxies.regions",
        "proxies.sub_user.create",
        "proxies.sub_user.data_add",
        "proxies.sub_user.data_subtract",
        "proxies.sub_user.delete",
        "proxies.sub_user.edit",
        "proxies.sub_user.get",
        "proxies.sub_user.password",
        "proxies.sub_users",
        "unknown",  # no route matched: 404 or 405
    }
)

#: What ``fail_first`` does: answer with this HTTP status (429 carries ``Retry-After``) or
#: apply the named connection fault.
FailWith: TypeAlias = int | Literal["reset_before", "reset_after", "truncate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSpec:
    """The faults of one route. Rates are fractions of requests in ``0.0..1.0``."""

    latency_ms: float = 0.0
    """Added delay before the request is handled."""
    jitter_ms: float = 0.0
    """Extra delay drawn uniformly from ``0..jitter_ms``."""
    error_rate: float = 0.0
    """Fraction answered with a status drawn from ``error_statuses`` without processing."""
    error_statuses: tuple[int, ...] = (500, 502, 503)
    error_body: Literal["json", "html"] = "json"
    """``"html"`` answers errors with a gateway-style HTML page, as proxies in front do."""
    rate_limit_rate: float = 0.0
    """Fraction answered 429 without processing."""
    retry_after: int | str | None = 1
    """``Retry-After`` of 429s: seconds, a verbatim string (an HTTP date), or None to omit."""
    reset_before_rate: float = 0.0
    """Fraction whose connection is reset after reading the request, before processing it."""
    reset_after_rate: float = 0.0
    """Fraction processed, then reset after the headers and half of the body were sent."""
    truncate_rate: float = 0.0
    """Fraction processed, then answered with the first half of the JSON body only."""
    stall_ms: float = 0.0
    """Delay between processing and sending the response headers."""
    trickle_chunk_bytes: int = 0
    """When > 0, the body is sent in chunks of this size, ``trickle_delay_ms`` apart."""
    trickle_delay_ms: float = 0.0
    fail_first: int = 0
    """The first ``fail_first`` requests matching this spec fail with ``fail_with``."""
    fail_with: FailWith = 503
    next_origin: str | None = None
    """``orders.list``: ``next``/``prev`` point to this origin (e.g. ``"http://evil.test"``)."""
    next_loop: bool = False
    """``orders.list``: ``next`` of every page after the first points back to offset 0."""
    shift_insert: int = 0
    """``orders.list``: after each page, this many orders are inserted before all others."""
    shift_delete: int = 0
    """``orders.list``: after each page, this many of the orders listed first are deleted."""
    shift_delete_random: bool = False
    """``orders.list``: ``shift_delete`` draws the deleted orders at random from the whole list."""

    def __post_init__(self) -> None:
        for name in (
            "error_rate",
            "rate_limit_rate",
            "reset_before_rate",
            "reset_after_rate",
            "truncate_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0.0..1.0, got {value}")
        for name in ("latency_ms", "jitter_ms", "stall_ms", "trickle_delay_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        for name in ("trickle_chunk_bytes", "fail_first", "shift_insert", "shift_delete"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.error_rate and not self.error_statuses:
            raise ValueError("error_statuses must not be empty when error_rate > 0")
        for status in self.error_statuses:
            _check_status("error_statuses", status)
        if isinstance(self.fail_with, int):
            _check_status("fail_with", self.fail_with)
        elif self.fail_with not in ("reset_before", "reset_after", "truncate"):
            raise ValueError(
                f"fail_with must be a status or a connection fault, not {self.fail_with!r}"
            )


class FaultOptions(TypedDict, total=False):
    """The fields of :class:`FaultSpec` as keyword arguments of :meth:`Faults.set` and friends.

    Typed so that a misspelt option (``latency=0.2`` for ``latency_ms=200``) fails type
    checking; :class:`FaultSpec` refuses it at run time too. A test keeps the two in step.
    """

    latency_ms: float
    jitter_ms: float
    error_rate: float
    error_statuses: tuple[int, ...]
    error_body: Literal["json", "html"]
    rate_limit_rate: float
    retry_after: int | str | None
    reset_before_rate: float
    reset_after_rate: float
    truncate_rate: float
    stall_ms: float
    trickle_chunk_bytes: int
    trickle_delay_ms: float
    fail_first: int
    fail_with: FailWith
    next_origin: str | None
    next_loop: bool
    shift_insert: int
    shift_delete: int
    shift_delete_random: bool


def _check_status(name: str, status: int) -> None:
    if not 400 <= status <= 599 or status not in _KNOWN_STATUSES:
        raise ValueError(f"{name} must hold known 4xx/5xx statuses, got {status}")


@dataclass(frozen=True, slots=True)
class Decision:
    """The faults drawn for one request."""

    delay: float = 0.0  # seconds
    status: int | None = None  # answer this instead of processing
    reset_before: bool = False
    reset_after: bool = False
    truncate: bool = False
    stall: float = 0.0  # seconds
    spec: FaultSpec | None = None
    names: tuple[str, ...] = ()


_NO_FAULT = Decision()
_KNOWN_STATUSES = frozenset(s.value for s in http.HTTPStatus)


class Faults:
    """Route -> :class:`FaultSpec` registry, safe to change while the emulator serves.

    Changes apply to the next request. ``set`` resets the ``fail_first`` counter of its key.
    """

    def __init__(self, specs: Mapping[str, FaultSpec] | None = None, *, seed: int = 0) -> None:
        self._by_name: dict[str, FaultSpec] = {}
        self._patterns: list[tuple[str, re.Pattern[str], FaultSpec]] = []
        self._default: FaultSpec | None = None
        self._seen: dict[str, int] = {}
        self.rng = random.Random(seed)
        for route, spec in (specs or {}).items():
            self.set(route, spec)

    def __bool__(self) -> bool:
        """True when any spec is configured (the per-request fast path checks this)."""
        return bool(self._by_name or self._patterns or self._default)

    def set(
        self, route: str, spec: FaultSpec | None = None, **fields: Unpack[FaultOptions]
    ) -> FaultSpec:
        """Set the spec of ``route``: pass a :class:`FaultSpec` or its fields as keywords."""
        if spec is None:
            spec = FaultSpec(**fields)
        elif fields:
            spec = dataclasses.replace(spec, **fields)
        self._store(route, spec)
        self._seen[route] = 0
        return spec

    def update(self, route: str, **fields: Unpack[FaultOptions]) -> FaultSpec:
        """Change some fields of the spec of ``route`` (starting from no faults)."""
        return self.set(route, dataclasses.replace(self.get(route) or FaultSpec(), **fields))

    def get(self, route: str) -> FaultSpec | None:
        """The spec registered under exactly this key, if any."""
        if route == "*":
            return self._default
        if "/" in route:
            return next((s for key, _, s in self._patterns if key == route), None)
        return self._by_name.get(route)

    def clear(self, route: str | None = None) -> None:
        """Remove the spec of ``route``, or every spec when ``route`` is None."""
        if route is None:
            self._by_name.clear()
            self._patterns.clear()
            self._default = None
            self._seen.clear()
            return
        self._seen.pop(route, None)
        if route == "*":
            self._default = None
        elif "/" in route:
            self._patterns = [p for p in self._patterns if p[0] != route]
        else:
            self._by_name.pop(route, None)

    def reseed(self, seed: int) -> None:
        """Restart the random sequence."""
        self.rng.seed(seed)

    @contextlib.contextmanager
    def applied(
        self, route: str, spec: FaultSpec | None = None, **fields: Unpack[FaultOptions]
    ) -> Iterator[FaultSpec]:
        """Apply a spec for the duration of a ``with`` block, then restore the previous one."""
        previous = self.get(route)
        try:
            yield self.set(route, spec, **fields)
        finally:
            if previous is None:
                self.clear(route)
            else:
                self.set(route, previous)

    def _store(self, route: str, spec: FaultSpec) -> None:
        if route == "*":
            self._default = spec
        elif "/" in route:
            # Compiled once here so that matching a request never compiles anything.
            regex = re.compile(fnmatch.translate(route))
            self._patterns = [p for p in self._patterns if p[0] != route]
            self._patterns.append((route, regex, spec))
        elif route in ROUTE_NAMES:
            self._by_name[route] = spec
        else:
            raise ValueError(
                f"unknown route {route!r}: use one of {sorted(ROUTE_NAMES)}, "
                "a path pattern containing '/', or '*'"
            )

    def _resolve(self, route: str, path: str) -> tuple[str, FaultSpec] | None:
        spec = self._by_name.get(route)
        if spec is not None:
            return route, spec
        for key, regex, pattern_spec in self._patterns:
            if regex.match(path):
                return key, pattern_spec
        if self._default is not None:
            return "*", self._default
        return None

    def decide(self, route: str, path: str) -> Decision:
        """Draw the faults of one request."""
        if not self:
            return _NO_FAULT
        found = self._resolve(route, path)
        if found is None:
            return _NO_FAULT
        key, spec = found
        rand = self.rng.random
        delay = spec.latency_ms / 1000
        if spec.jitter_ms:
            delay += rand() * spec.jitter_ms / 1000
        stall = spec.stall_ms / 1000
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        if seen < spec.fail_first:
            return _forced(spec, delay, stall)
        if spec.rate_limit_rate and rand() < spec.rate_limit_rate:
            return Decision(delay, 429, stall=stall, spec=spec, names=("rate_limit",))
        if spec.error_rate and rand() < spec.error_rate:
            status = spec.error_statuses[int(rand() * len(spec.error_statuses))]
            return Decision(delay, status, stall=stall, spec=spec, names=(f"error:{status}",))
        if spec.reset_before_rate and rand() < spec.reset_before_rate:
            return Decision(delay, reset_before=True, spec=spec, names=("reset_before",))
        reset_after = bool(spec.reset_after_rate) and rand() < spec.reset_after_rate
        truncate = not reset_after and bool(spec.truncate_rate) and rand() < spec.truncate_rate
        names = ("reset_after",) if reset_after else ("truncate",) if truncate else ()
        return Decision(
            delay,
            reset_after=reset_after,
            truncate=truncate,
            stall=stall,
            spec=spec,
            names=names,
        )


def _forced(spec: FaultSpec, delay: float, stall: float) -> Decision:
    kind = spec.fail_with
    names = (f"fail_first:{kind}",)
    if kind == "reset_before":
        return Decision(delay, reset_before=True, spec=spec, names=names)
    if kind == "reset_after":
        return Decision(delay, reset_after=True, stall=stall, spec=spec, names=names)
    if kind == "truncate":
        return Decision(delay, truncate=True, stall=stall, spec=spec, names=names)
    return Decision(delay, kind, stall=stall, spec=spec, names=names)
