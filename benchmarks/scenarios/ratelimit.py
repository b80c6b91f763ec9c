"""6. Rate limit: a quote fan-out against an emulator limited to R requests per second.

The emulator (its own process) runs a token bucket per account: R requests per second with
bursts of R (one second's worth), answering 429 with a truthful ``Retry-After`` (whole seconds).
Three clients make the same distinct quotes at concurrency 50:

- the SDK as it comes: one 429 closes the client-wide gate for the ``Retry-After`` and
  ``calculate_many`` lowers its concurrency (AIMD);
- the SDK with ``rate_limit=R``: requests spaced evenly at R per second;
- raw aiohttp with a semaphore and a retry-on-429 loop that sleeps ``Retry-After`` per request.

Requests and 429s are counted on the wire (aiohttp trace hooks), every quote is checked against
the emulator's own price rule, and the bucket is refilled (untimed) before each run. Rounds are
interleaved like the other scenarios'; the figures are medians.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
import attrs

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    BenchmarkError,
    EmulatorProcess,
    Result,
    Sizes,
    Verdict,
    ms,
    quote_kwargs,
    rotations,
    sdk_client,
    wire_params,
)
from proxyorders_async import PriceQuote, QuoteRequest
from proxyorders_async.emulator import CYCLES, PRODUCTS, price

ADAPTIVE, PACED, RAW_RETRY = "proxyorders_async", "proxyorders_async rate_limit=R", "raw aiohttp"
CONCURRENCY = 50
# A nearby API and a remote one (where concurrency sets the request rate).
LATENCIES_MS = (10.0, 50.0)


@dataclasses.dataclass
class Run:
    """One timed run: wall seconds, requests that got an answer, and how many were 429."""

    wall: float
    sent: int
    refused: int

    @property
    def share(self) -> float:
        return self.refused / self.sent if self.sent else 0.0


class WireCount:
    """Counts answered requests and 429s through aiohttp's trace hooks."""

    def __init__(self) -> None:
        self.statuses: collections.Counter[int] = collections.Counter()
        self.config = aiohttp.TraceConfig()
        self.config.on_request_end.append(self._ended)

    async def _ended(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self.statuses[params.response.status] += 1

    def reset(self) -> None:
        self.statuses.clear()


def expected_quote(kwargs: dict[str, Any]) -> dict[str, int]:
    """The emulator's price for a quote (its rule, not the SDK's decoding)."""
    product, cycle = PRODUCTS[kwargs["product"]], CYCLES[kwargs["cycle"]]
    return price(product, cycle, kwargs["quantity"], None).as_json()


async def raw_quote(http: aiohttp.ClientSession, base: str, params: dict[str, str]) -> Any:
    """A quote with raw aiohttp, sleeping ``Retry-After`` after each 429 (this request only)."""
    while True:
        async with http.get(base + peer_aiohttp.QUOTE_PATH, params=params) as response:
            if response.status != 429:
                response.raise_for_status()
                return await response.json()
            delay = float(response.headers.get("Retry-After", "1"))
            await response.read()
        await asyncio.sleep(delay)


Job = Callable[[], Awaitable[list[dict[str, int]]]]


async def _runs(server: EmulatorProcess, sizes: Sizes) -> dict[str, list[Run]]:
    calls = quote_kwargs(sizes.rate_quotes)
    expected = [expected_quote(c) for c in calls]
    requests = [QuoteRequest(**c) for c in calls]
    params = [wire_params(c) for c in calls]
    rate, refill = sizes.rate_limit, 1.0 + 0.2  # the bucket holds one second's worth

    async def run_sdk(wire: WireCount, **options: Any) -> tuple[float, list[dict[str, int]]]:
        async with sdk_client(server, trace_configs=[wire.config], **options) as client:
            await client.orders.calculate(**calls[0])  # connect outside the timing
            await asyncio.sleep(refill)
            wire.reset()
            started = time.perf_counter()
            quotes = await client.orders.calculate_many(requests, concurrency=CONCURRENCY)
            wall = time.perf_counter() - started
        failed = [q for q in quotes if not isinstance(q, PriceQuote)]
        if failed:
            raise BenchmarkError(f"{len(failed)} quotes failed, e.g. {failed[0]!r}")
        return wall, [attrs.asdict(q) for q in quotes if isinstance(q, PriceQuote)]

    async def run_raw(wire: WireCount) -> tuple[float, list[dict[str, int]]]:
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {server.token}", "Accept": "application/json"},
            connector=aiohttp.TCPConnector(limit=100),
            trace_configs=[wire.config],
        ) as http:
            await raw_quote(http, server.url, params[0])
            await asyncio.sleep(refill)
            wire.reset()
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def one(p: dict[str, str]) -> Any:
                async with semaphore:
                    return await raw_quote(http, server.url, p)

            started = time.perf_counter()
            quotes = await asyncio.gather(*(one(p) for p in params))
            wall = time.perf_counter() - started
        return wall, list(quotes)

    jobs: dict[str, Callable[[WireCount], Awaitable[tuple[float, list[dict[str, int]]]]]] = {
        ADAPTIVE: run_sdk,
        PACED: lambda wire: run_sdk(wire, rate_limit=rate),
        RAW_RETRY: run_raw,
    }
    runs: dict[str, list[Run]] = {name: [] for name in jobs}
    for order in rotations(list(jobs), sizes.rate_rounds):
        for name in order:
            wire = WireCount()
            wall, quotes = await jobs[name](wire)
            if quotes != expected:
                raise BenchmarkError(f"{name}: quotes differ from the emulator's prices")
            sent = sum(wire.statuses.values())
            runs[name].append(Run(wall, sent, wire.statuses[429]))
    return runs


def _median(runs: Sequence[Run], field: Callable[[Run], float]) -> float:
    return statistics.median(field(r) for r in runs)


def _row(name: str, latency: float, found: Sequence[Run], ideal: float) -> list[str]:
    wall = _median(found, lambda r: r.wall)
    return [
        name,
        f"{latency:g}",
        ms(wall),
        ms(min(r.wall for r in found)),
        ms(max(r.wall for r in found)),
        f"{wall / ideal:.2f}",
        f"{_median(found, lambda r: r.sent):.0f}",
        f"{_median(found, lambda r: r.refused):.0f}",
        f"{_median(found, _share_pct):.1f}%",
    ]


def _verdicts(runs: dict[str, list[Run]], latency: float, ideal: float) -> list[Verdict]:
    adaptive, paced = runs[ADAPTIVE], runs[PACED]
    at = f" ({latency:g} ms)"
    return [
        Verdict(f"SDK: 429 answers / requests sent, %{at}", _median(adaptive, _share_pct), 5.0),
        Verdict(
            f"SDK: wall / (quotes / R = {ideal * 1000:.0f} ms){at}",
            _median(adaptive, lambda r: r.wall) / ideal,
            1.2,
        ),
        Verdict(
            f"SDK rate_limit=R: 429 answers / requests sent, %{at}",
            _median(paced, _share_pct),
            1.0,
        ),
    ]


def scenario_ratelimit(sizes: Sizes) -> Result:
    rate = sizes.rate_limit
    ideal = sizes.rate_quotes / rate
    headers = ["implementation", "latency ms", "median ms", "min ms", "max ms"]
    headers += ["x (quotes / R)", "requests", "429s", "429 share"]
    rows: list[list[str]] = []
    verdicts: list[Verdict] = []
    for latency in LATENCIES_MS:
        args = ["--rate-limit", f"{rate:g}"]
        with EmulatorProcess(latency_ms=latency, extra_args=args) as server:
            runs = asyncio.run(_runs(server, sizes))
        rows += [_row(name, latency, found, ideal) for name, found in runs.items()]
        verdicts += _verdicts(runs, latency, ideal)
    notes = [
        f"emulator: token bucket of R = {rate:g} requests/s per account, burst R (one second's "
        f"worth), 429 with a truthful whole-second Retry-After; {sizes.rate_quotes:,} distinct "
        f"quotes at concurrency {CONCURRENCY}; the bucket is refilled before each run; every "
        "quote is checked against the emulator's price rule",
        "raw aiohttp: a semaphore of 50 and a loop that sleeps Retry-After after each 429 "
        "(per request: the other workers keep sending)",
        "requests and 429s are counted on the client's wire with aiohttp trace hooks; "
        "x (quotes / R) below 1 comes from the bucket's initial burst",
    ]
    return Result(
        "ratelimit",
        f"{sizes.rate_quotes:,} quotes, concurrency {CONCURRENCY}, server limited to "
        f"{rate:g} requests/s",
        headers,
        rows,
        verdicts,
        notes,
    )


def _share_pct(run: Run) -> float:
    return run.share * 100
