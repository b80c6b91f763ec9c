#!/usr/bin/env python3
"""proxyorders_async against raw aiohttp and httpx + pydantic, side by side in one run.

The emulator serves from a separate process on 127.0.0.1 (``python -m
proxyorders_async.emulator --port 0``), so the client's CPU is measured without the server
sharing its event loop. Every scenario runs its implementations in interleaved rounds (the
order rotates each round, after one unrecorded warm-up round) and compares medians::

    python benchmarks/run.py                      # everything, full sizes (~3 minutes)
    python benchmarks/run.py --quick              # smaller sizes, a smoke run
    python benchmarks/run.py --scenario export    # one scenario (repeatable)
    python benchmarks/run.py --markdown out.md    # also write the tables as Markdown

Scenarios: ``overhead`` (sequential quotes), ``export`` (walk every order), ``fanout``
(concurrent quotes), ``memory`` (peak RSS while streaming), ``decode`` (µs per order). Targets
are stated for the full sizes; with ``--quick`` the verdicts are indicative only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(_ROOT))

import aiohttp  # noqa: E402

from benchmarks import peer_aiohttp  # noqa: E402
from proxyorders_async import ProxyOrdersClient, QuoteRequest  # noqa: E402
from proxyorders_async._converters import decode_page, loads_json  # noqa: E402

SCENARIOS = ("overhead", "export", "fanout", "memory", "decode")
SDK, RAW, PEER = "proxyorders_async", "raw aiohttp", "httpx + pydantic"
HOST = "127.0.0.1"


class BenchmarkError(RuntimeError):
    """A benchmark could not run, or an implementation returned a wrong result."""


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How big each scenario is; the targets are stated for :data:`FULL`."""

    label: str
    rounds: int
    warmup: bool
    calls: int
    export_orders: int
    page_size: int
    export_concurrency: int
    export_latency_ms: float
    fan_out: int
    fan_concurrency: int
    fan_latency_ms: float
    memory_small: int
    memory_large: int
    memory_rounds: int
    decode_loops: int


FULL = Sizes(
    label="full",
    rounds=7,
    warmup=True,
    calls=2_000,
    export_orders=20_000,
    page_size=100,
    export_concurrency=4,
    export_latency_ms=5.0,
    fan_out=1_000,
    fan_concurrency=50,
    fan_latency_ms=10.0,
    memory_small=10_000,
    memory_large=100_000,
    memory_rounds=3,
    decode_loops=1_000,
)
QUICK = dataclasses.replace(
    FULL,
    label="quick",
    rounds=3,
    calls=300,
    export_orders=2_000,
    fan_out=200,
    memory_small=2_000,
    memory_large=20_000,
    memory_rounds=1,
    decode_loops=200,
)
# The smallest sizes that still exercise every code path (used by the test suite).
SMOKE = dataclasses.replace(
    QUICK,
    label="smoke",
    rounds=1,
    warmup=False,
    calls=5,
    export_orders=250,
    fan_out=20,
    fan_concurrency=5,
    memory_small=100,
    memory_large=300,
    decode_loops=3,
)
SIZES = {s.label: s for s in (FULL, QUICK, SMOKE)}


# ---------------------------------------------------------------------------------------------
# Results and tables


@dataclasses.dataclass
class Verdict:
    """One target: the measured ratio and whether it is within the limit."""

    target: str
    value: float
    limit: float
    at_most: bool = True  # value <= limit when True, value >= limit when False

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    @property
    def wanted(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.limit:.2f}"


@dataclasses.dataclass
class Result:
    """A scenario's table, verdicts and notes."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    verdicts: list[Verdict]
    notes: list[str] = dataclasses.field(default_factory=list)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([fmt(headers), line, *(fmt(r) for r in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def verdict_rows(verdicts: Sequence[Verdict]) -> list[list[str]]:
    return [[v.target, f"{v.value:.2f}", v.wanted, "met" if v.met else "MISSED"] for v in verdicts]


VERDICT_HEADERS = ["target", "measured", "wanted", "verdict"]


def print_result(result: Result, sizes: Sizes) -> None:
    print(f"\n== {result.name}: {result.title}")
    print(text_table(result.headers, result.rows))
    for note in result.notes:
        print(f"  note: {note}")
    print()
    print(text_table(VERDICT_HEADERS, verdict_rows(result.verdicts)))
    if sizes is not FULL:
        print(f"  ({sizes.label} sizes: the targets are stated for the full sizes)")
    sys.stdout.flush()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# ---------------------------------------------------------------------------------------------
# The emulator in its own process


class EmulatorProcess:
    """``python -m proxyorders_async.emulator`` on a free 127.0.0.1 port, as a context manager."""

    def __init__(self, *, orders: int = 0, latency_ms: float = 0.0) -> None:
        self.orders = orders
        self.latency_ms = latency_ms
        self.url = ""
        self.token = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "proxyorders_async.emulator",
            "--host",
            HOST,
            "--port",
            "0",
            "--seed",
            "1",
            "--orders",
            str(self.orders),
            "--latency-ms",
            str(self.latency_ms),
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self._process = process
        assert process.stdout is not None
        try:
            for _ in range(3):
                line = process.stdout.readline()
                if not line:
                    raise BenchmarkError(f"the emulator exited early: {' '.join(command)}")
                key, _, value = line.partition(": ")
                if key == "url":
                    self.url = value.strip()
                elif key == "token":
                    self.token = value.strip()
            if not self.url.startswith(f"http://{HOST}:") or not self.token:
                raise BenchmarkError(f"unexpected emulator banner (url={self.url!r})")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# ---------------------------------------------------------------------------------------------
# Timing

Job = Callable[[], Awaitable[int]]
Impl = Callable[[], contextlib.AbstractAsyncContextManager[Job]]


@dataclasses.dataclass
class Samples:
    wall: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def rotations(names: Sequence[str], rounds: int) -> Iterator[list[str]]:
    """Each round's order: rotated, so no implementation always runs first or last."""
    names = list(names)
    for r in range(rounds):
        k = r % len(names)
        yield names[k:] + names[:k]


async def measure(impls: dict[str, Impl], sizes: Sizes, expect: int) -> dict[str, Samples]:
    """Wall and client-CPU time of each job, in interleaved rounds after a warm-up round."""
    samples = {name: Samples() for name in impls}
    rounds = list(rotations(list(impls), sizes.rounds + (1 if sizes.warmup else 0)))
    for index, order in enumerate(rounds):
        for name in order:
            async with impls[name]() as job:
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                count = await job()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if count != expect:
                raise BenchmarkError(f"{name} returned {count} results instead of {expect}")
            if sizes.warmup and index == 0:
                continue
            samples[name].wall.append(wall)
            samples[name].cpu.append(cpu)
    return samples


@functools.cache
def _import_peer() -> ModuleType | str:
    # Imported only when used, so a memory walk of another client never loads httpx/pydantic.
    try:
        return importlib.import_module("benchmarks.peer_httpx")
    except ImportError as exc:  # the ``bench`` extra is not installed
        return f"httpx + pydantic not installed ({exc}); pip install -e '.[bench]'"


def load_peer(notes: list[str]) -> ModuleType | None:
    """The httpx + pydantic peer, or None (with a note saying why) when it is not installed."""
    peer = _import_peer()
    if isinstance(peer, str):
        notes.append(peer)
        return None
    return peer


def sdk_client(server: EmulatorProcess, **kwargs: Any) -> ProxyOrdersClient:
    return ProxyOrdersClient(server.token, base_url=server.url, **kwargs)


# ---------------------------------------------------------------------------------------------
# 1. Per-call overhead

QUOTE_LOCATIONS = ("DE", "FR", "GB", "MD", "NL", "PL", "UA", "ES")


def quote_kwargs(n: int) -> list[dict[str, Any]]:
    """``n`` distinct quotes (distinct so that nothing can be shared between them)."""
    return [
        {
            "product": "Datacenter Proxy",
            "location": QUOTE_LOCATIONS[i % len(QUOTE_LOCATIONS)],
            "cycle": "monthly",
            "quantity": i + 1,
        }
        for i in range(n)
    ]


def wire_params(kwargs: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in kwargs.items()}


def timing_rows(
    samples: dict[str, Samples], baseline: str, per: int, per_label: str
) -> tuple[list[str], list[list[str]]]:
    headers = ["implementation", "median ms", "min ms", "max ms", per_label, "CPU ms", "x raw"]
    base = samples[baseline].median
    rows = [
        [
            name,
            ms(s.median),
            ms(min(s.wall)),
            ms(max(s.wall)),
            f"{s.median / per * 1e6:.1f}",
            ms(s.cpu_median),
            f"{s.median / base:.2f}",
        ]
        for name, s in samples.items()
    ]
    return headers, rows


async def _overhead(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    calls = quote_kwargs(sizes.calls)
    params = [wire_params(c) for c in calls]

    @contextlib.asynccontextmanager
    async def sdk() -> AsyncIterator[Job]:
        async with sdk_client(server) as client:
            await client.orders.calculate(**calls[0])

            async def job() -> int:
                calculate = client.orders.calculate
                return len([await calculate(**c) for c in calls])

            yield job

    @contextlib.asynccontextmanager
    async def raw() -> AsyncIterator[Job]:
        async with peer_aiohttp.session(server.token) as http:
            await peer_aiohttp.quote(http, server.url, params[0])

            async def job() -> int:
                return len(await peer_aiohttp.quotes_sequential(http, server.url, params))

            yield job

    impls: dict[str, Impl] = {SDK: sdk, RAW: raw}
    peer = load_peer(notes)
    if peer is not None:

        @contextlib.asynccontextmanager
        async def httpx_pydantic() -> AsyncIterator[Job]:
            async with peer.client(server.url, server.token) as http:
                await peer.quote(http, params[0])

                async def job() -> int:
                    return len(await peer.quotes_sequential(http, params))

                yield job

        impls[PEER] = httpx_pydantic
    return await measure(impls, sizes, sizes.calls)


def scenario_overhead(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess() as server:
        samples = asyncio.run(_overhead(server, sizes, notes))
    headers, rows = timing_rows(samples, RAW, sizes.calls, "µs/call")
    sdk, raw = samples[SDK].median, samples[RAW].median
    verdicts = [Verdict("SDK time / raw aiohttp", sdk / raw, 1.15)]
    if PEER in samples:
        faster = Verdict("SDK time / httpx + pydantic (faster)", sdk / samples[PEER].median, 1.0)
        verdicts.append(faster)
    notes.append(
        "wall time includes the server's share of every round trip (same for all); "
        "CPU ms is the client process only"
    )
    return Result(
        "overhead",
        f"{sizes.calls:,} sequential calculate calls, 0 ms server latency",
        headers,
        rows,
        verdicts,
        notes,
    )


# ---------------------------------------------------------------------------------------------
# 2. Export


async def _export(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    page_size, warm = sizes.page_size, quote_kwargs(1)[0]

    def sdk(concurrency: int) -> Impl:
        @contextlib.asynccontextmanager
        async def impl() -> AsyncIterator[Job]:
            async with sdk_client(server) as client:
                await client.orders.calculate(**warm)

                async def job() -> int:
                    seen = 0
                    walk = client.orders.iter("all", page_size=page_size, concurrency=concurrency)
                    async for _order in walk:
                        seen += 1
                    return seen

                yield job

        return impl

    @contextlib.asynccontextmanager
    async def raw() -> AsyncIterator[Job]:
        async with peer_aiohttp.session(server.token) as http:
            await peer_aiohttp.quote(http, server.url, wire_params(warm))

            async def job() -> int:
                return await peer_aiohttp.export(http, server.url, page_size)

            yield job

    impls: dict[str, Impl] = {
        f"{SDK} concurrency={sizes.export_concurrency}": sdk(sizes.export_concurrency),
        f"{SDK} sequential": sdk(1),
        RAW: raw,
    }
    peer = load_peer(notes)
    if peer is not None:

        @contextlib.asynccontextmanager
        async def httpx_pydantic() -> AsyncIterator[Job]:
            async with peer.client(server.url, server.token) as http:
                await peer.quote(http, wire_params(warm))

                async def job() -> int:
                    return int(await peer.export(http, page_size))

                yield job

        impls[PEER] = httpx_pydantic
    return await measure(impls, sizes, sizes.export_orders)


def scenario_export(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess(orders=sizes.export_orders, latency_ms=sizes.export_latency_ms) as server:
        samples = asyncio.run(_export(server, sizes, notes))
    headers, rows = timing_rows(samples, RAW, sizes.export_orders, "µs/order")
    concurrent, sequential = (samples[name].median for name in list(samples)[:2])
    raw = samples[RAW].median
    verdicts = [
        Verdict(
            f"raw aiohttp / SDK concurrency={sizes.export_concurrency} (speed-up)",
            raw / concurrent,
            3.0,
            at_most=False,
        ),
        Verdict("SDK sequential / raw aiohttp", sequential / raw, 1.10),
    ]
    notes.append(
        "raw aiohttp and httpx + pydantic walk sequentially (follow next); the SDK's "
        "sequential walk prefetches one page"
    )
    pages = -(-sizes.export_orders // sizes.page_size)
    return Result(
        "export",
        f"{sizes.export_orders:,} orders, page size {sizes.page_size} ({pages} pages), "
        f"{sizes.export_latency_ms:g} ms server latency",
        headers,
        rows,
        verdicts,
        notes,
    )


# ---------------------------------------------------------------------------------------------
# 3. Fan-out


async def _fanout(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    calls = quote_kwargs(sizes.fan_out)
    requests = [QuoteRequest(**c) for c in calls]
    params = [wire_params(c) for c in calls]
    concurrency = sizes.fan_concurrency

    @contextlib.asynccontextmanager
    async def sdk() -> AsyncIterator[Job]:
        async with sdk_client(server) as client:
            await client.orders.calculate(**calls[0])

            async def job() -> int:
                quotes = await client.orders.calculate_many(requests, concurrency=concurrency)
                failed = [q for q in quotes if isinstance(q, Exception)]
                if failed:
                    raise BenchmarkError(f"{len(failed)} quotes failed, e.g. {failed[0]!r}")
                return len(quotes)

            yield job

    @contextlib.asynccontextmanager
    async def raw() -> AsyncIterator[Job]:
        async with peer_aiohttp.session(server.token) as http:
            await peer_aiohttp.quote(http, server.url, params[0])

            async def job() -> int:
                quotes = await peer_aiohttp.quotes_fan_out(http, server.url, params, concurrency)
                return len(quotes)

            yield job

    impls: dict[str, Impl] = {SDK: sdk, RAW: raw}
    peer = load_peer(notes)
    if peer is not None:

        @contextlib.asynccontextmanager
        async def httpx_pydantic() -> AsyncIterator[Job]:
            async with peer.client(server.url, server.token) as http:
                await peer.quote(http, params[0])

                async def job() -> int:
                    return len(await peer.quotes_fan_out(http, params, concurrency))

                yield job

        impls[PEER] = httpx_pydantic
    return await measure(impls, sizes, sizes.fan_out)


def scenario_fanout(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess(latency_ms=sizes.fan_latency_ms) as server:
        samples = asyncio.run(_fanout(server, sizes, notes))
    headers, rows = timing_rows(samples, RAW, sizes.fan_out, "µs/quote")
    ideal = sizes.fan_out / sizes.fan_concurrency * sizes.fan_latency_ms / 1000
    headers.append("x ideal")
    for row, s in zip(rows, samples.values(), strict=True):
        row.append(f"{s.median / ideal:.2f}")
    sdk = samples[SDK].median
    verdicts = [
        Verdict(f"SDK wall / ideal ({ideal * 1000:.0f} ms)", sdk / ideal, 1.3),
        Verdict("SDK wall / raw aiohttp + semaphore (no slower)", sdk / samples[RAW].median, 1.0),
    ]
    notes.append(
        f"ideal = {sizes.fan_out:,} / {sizes.fan_concurrency} * {sizes.fan_latency_ms:g} ms; "
        "every quote is distinct, so the SDK's coalescing shares nothing"
    )
    return Result(
        "fanout",
        f"{sizes.fan_out:,} quotes, concurrency {sizes.fan_concurrency}, "
        f"{sizes.fan_latency_ms:g} ms server latency",
        headers,
        rows,
        verdicts,
        notes,
    )


# ---------------------------------------------------------------------------------------------
# 4. Memory (each walk in a fresh process)

MEMORY_IMPLS = ("sdk", "sdk-c4", "aiohttp", "httpx")
MEMORY_LABELS = {
    "sdk": f"{SDK} (default)",
    "sdk-c4": f"{SDK} concurrency=4",
    "aiohttp": RAW,
    "httpx": PEER,
}


async def _memory_walk(impl: str, url: str, token: str, page_size: int) -> int:
    if impl in ("sdk", "sdk-c4"):
        seen = 0
        async with ProxyOrdersClient(token, base_url=url) as client:
            walk = client.orders.iter(
                "all", page_size=page_size, concurrency=4 if impl == "sdk-c4" else 1
            )
            async for _order in walk:
                seen += 1
        return seen
    if impl == "aiohttp":
        async with peer_aiohttp.session(token) as http:
            return await peer_aiohttp.export(http, url, page_size)
    peer = load_peer([]) if impl == "httpx" else None
    if peer is not None:
        async with peer.client(url, token) as http:
            return int(await peer.export(http, page_size))
    raise BenchmarkError(f"unknown or unavailable implementation {impl!r}")


def peak_rss_kib() -> int:
    """This process's peak RSS in KiB.

    On Linux, ``getrusage().ru_maxrss`` survives ``execve``: a child started by this (60 MiB)
    runner reports at least the runner's peak, whatever it uses itself. ``VmHWM`` belongs to
    the process's own address space, so it is read instead when ``/proc`` has it.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource  # Unix only, like the memory scenario

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def memory_child(impl: str, url: str, token: str, page_size: int) -> int:
    """Entry point of the per-walk process: walk, then print one JSON line."""
    if impl == "httpx":
        load_peer([])  # imported before the baseline, like the other clients
    before = peak_rss_kib()  # after the imports
    started = time.perf_counter()
    seen = asyncio.run(_memory_walk(impl, url, token, page_size))
    elapsed = time.perf_counter() - started
    report = {"orders": seen, "before_kib": before, "peak_rss_kib": peak_rss_kib()}
    print(json.dumps({**report, "seconds": elapsed}))
    return 0


def run_memory_child(impl: str, server: EmulatorProcess, page_size: int) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-child",
        impl,
        "--url",
        server.url,
        "--page-size",
        str(page_size),
    ]
    # The token travels in the environment, not on the command line.
    env = {**os.environ, "PROXYORDERS_TOKEN": server.token}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise BenchmarkError(f"memory walk {impl} failed:\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def scenario_memory(sizes: Sizes) -> Result:
    notes: list[str] = []
    impls = [i for i in MEMORY_IMPLS if i != "httpx" or load_peer(notes) is not None]
    small, large = sizes.memory_small, sizes.memory_large
    peaks: dict[tuple[str, int], list[int]] = {(i, n): [] for i in impls for n in (small, large)}
    grown: dict[tuple[str, int], list[int]] = {key: [] for key in peaks}
    seconds: dict[tuple[str, int], list[float]] = {key: [] for key in peaks}
    with EmulatorProcess(orders=small) as few, EmulatorProcess(orders=large) as many:
        servers = {small: few, large: many}
        for order in rotations(impls, sizes.memory_rounds):
            for impl in order:
                for n, server in servers.items():
                    report = run_memory_child(impl, server, sizes.page_size)
                    if report["orders"] != n:
                        raise BenchmarkError(f"{impl} streamed {report['orders']} of {n} orders")
                    peaks[impl, n].append(report["peak_rss_kib"])
                    grown[impl, n].append(report["peak_rss_kib"] - report["before_kib"])
                    seconds[impl, n].append(report["seconds"])
    headers = [
        "implementation",
        f"peak RSS {small:,} (MiB)",
        f"peak RSS {large:,} (MiB)",
        "ratio",
        f"walk {small:,} adds (MiB)",
        f"walk {large:,} adds (MiB)",
        f"walk {large:,} (s)",
    ]
    rows, verdicts = [], []
    for impl in impls:
        low = statistics.median(peaks[impl, small])
        high = statistics.median(peaks[impl, large])
        rows.append(
            [
                MEMORY_LABELS[impl],
                f"{low / 1024:.1f}",
                f"{high / 1024:.1f}",
                f"{high / low:.3f}",
                f"{statistics.median(grown[impl, small]) / 1024:.1f}",
                f"{statistics.median(grown[impl, large]) / 1024:.1f}",
                f"{statistics.median(seconds[impl, large]):.2f}",
            ]
        )
        if impl.startswith("sdk"):
            verdicts.append(
                Verdict(f"{MEMORY_LABELS[impl]}: peak RSS {large:,} / {small:,}", high / low, 1.15)
            )
    notes.append(
        "peak RSS of the client process (VmHWM; getrusage where /proc is missing) in a fresh "
        "process per walk, "
        f"median of {sizes.memory_rounds}; 'adds' is the peak minus the peak before the walk "
        "(after the imports); the server runs in its own process"
    )
    return Result(
        "memory",
        f"peak RSS streaming {large:,} vs {small:,} orders (page size {sizes.page_size})",
        headers,
        rows,
        verdicts,
        notes,
    )


# ---------------------------------------------------------------------------------------------
# 5. Decoding


async def _fetch_page(server: EmulatorProcess, page_size: int) -> tuple[bytes, str]:
    url = f"{server.url}/user/api/orders?status=all&offset=0&limit={page_size}"
    async with (
        peer_aiohttp.session(server.token) as http,
        http.get(url) as response,
    ):
        response.raise_for_status()
        return await response.read(), url


def time_loop(fn: Callable[[], object], loops: int) -> float:
    started = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - started) / loops


SDK_PARSED = "SDK decode_page (parsed JSON)"
SDK_BYTES = "SDK decode_page (bytes, incl. parsing)"
PYDANTIC_PYTHON = "pydantic TypeAdapter.validate_python"
PYDANTIC_JSON = "pydantic TypeAdapter.validate_json"


def scenario_decode(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess(orders=sizes.page_size) as server:
        raw, url = asyncio.run(_fetch_page(server, sizes.page_size))
    data = json.loads(raw)
    per = len(data["orders"])
    candidates: dict[str, Callable[[], object]] = {
        SDK_PARSED: lambda: decode_page(data, url),
        SDK_BYTES: lambda: decode_page(loads_json(raw), url),
    }
    expected = [o.order_id for o in decode_page(data, url).orders]
    peer = load_peer(notes)
    if peer is not None:
        adapter = peer.PAGE_ADAPTER
        if [o.order_id for o in adapter.validate_json(raw).orders] != expected:
            raise BenchmarkError("pydantic decoded another page than the SDK")
        candidates[PYDANTIC_PYTHON] = lambda: adapter.validate_python(data)
        candidates[PYDANTIC_JSON] = lambda: adapter.validate_json(raw)
    # Parsing alone, to show what the JSON library costs.
    candidates["parse only: json.loads"] = lambda: json.loads(raw)
    try:
        import orjson  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        notes.append("orjson is not installed: the SDK parses with the stdlib json module")
    else:
        candidates["parse only: orjson.loads"] = lambda: orjson.loads(raw)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for index, order in enumerate(rotations(list(candidates), sizes.rounds + 1)):
        for name in order:
            gc.collect()
            seconds = time_loop(candidates[name], sizes.decode_loops)
            if index:
                times[name].append(seconds / per * 1e6)
    medians = {name: statistics.median(values) for name, values in times.items()}
    rows = [
        [name, f"{value:.3f}", f"{min(times[name]):.3f}", f"{value * per:.1f}"]
        for name, value in medians.items()
    ]
    verdicts = [
        Verdict(f"SDK / pydantic, from {source}", medians[sdk] / medians[pydantic], 1.0)
        for source, sdk, pydantic in (
            ("parsed JSON", SDK_PARSED, PYDANTIC_PYTHON),
            ("bytes", SDK_BYTES, PYDANTIC_JSON),
        )
        if pydantic in medians
    ]
    notes.append(
        f"a {per}-order page of the emulator ({len(raw):,} bytes), "
        f"{sizes.decode_loops:,} decodes per round, median of {sizes.rounds} rounds"
    )
    return Result(
        "decode",
        f"µs per order, {per}-order page",
        ["decoder", "µs/order", "min µs/order", "µs/page"],
        rows,
        verdicts,
        notes,
    )


# ---------------------------------------------------------------------------------------------
# Driver

RUNNERS: dict[str, Callable[[Sizes], Result]] = {
    "overhead": scenario_overhead,
    "export": scenario_export,
    "fanout": scenario_fanout,
    "memory": scenario_memory,
    "decode": scenario_decode,
}


def machine_note() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"aiohttp {aiohttp.__version__}, {platform.system()} {platform.release()}"
    )


def to_markdown(results: Sequence[Result], sizes: Sizes, command: str) -> str:
    parts = [
        f"Command: `{command}` ({sizes.label} sizes)  ",
        f"Machine: {machine_note()}  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
    ]
    for result in results:
        parts += ["", f"### {result.name}: {result.title}", ""]
        parts.append(markdown_table(result.headers, result.rows))
        if result.verdicts:
            parts += ["", markdown_table(VERDICT_HEADERS, verdict_rows(result.verdicts))]
        parts += [""] + [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Benchmark proxyorders_async against raw aiohttp and httpx + pydantic.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a smoke run")
    parser.add_argument("--sizes", choices=sorted(SIZES), help="size preset (default: full)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--rounds", type=int, help="override the number of measured rounds")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    # Internal: one memory walk in a fresh process.
    parser.add_argument("--memory-child", choices=MEMORY_IMPLS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--page-size", type=int, default=100, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        return memory_child(
            args.memory_child, args.url, os.environ["PROXYORDERS_TOKEN"], args.page_size
        )
    sizes = SIZES[args.sizes or ("quick" if args.quick else "full")]
    if args.rounds:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    names = args.scenario or list(SCENARIOS)
    print(f"proxyorders_async benchmarks ({sizes.label} sizes): {machine_note()}")
    missing: list[str] = []
    if load_peer(missing) is None:
        print(f"warning: {missing[0]}")
    results = []
    for name in SCENARIOS:
        if name in names:
            result = RUNNERS[name](sizes)
            print_result(result, sizes)
            results.append(result)
    verdicts = [v for r in results for v in r.verdicts]
    missed = [v for v in verdicts if not v.met]
    print(f"\n{len(verdicts) - len(missed)} of {len(verdicts)} targets met ({sizes.label} sizes)")
    for v in missed:
        print(f"  MISSED: {v.target}: {v.value:.2f} (wanted {v.wanted})")
    if args.markdown:
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        args.markdown.write_text(to_markdown(results, sizes, command.strip()), encoding="utf-8")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
