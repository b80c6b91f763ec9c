"""The benchmark harness: sizes, results and tables, the emulator in its own process, timing
in interleaved rounds, and the three contenders every scenario compares.

Scenarios live in ``benchmarks/scenarios/``; ``benchmarks/run.py`` drives them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import importlib
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp

from benchmarks import peer_aiohttp
from proxyorders_async import ProxyOrdersClient

SDK, RAW, PEER = "proxyorders_async", "raw aiohttp", "httpx + pydantic"
HOST = "127.0.0.1"
# The driver; the memory scenario starts it again for each walk, in a fresh process.
RUN_SCRIPT = Path(__file__).resolve().parent / "run.py"


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
    # The per-call overhead target is a 5% bound, and one round of it spreads by +-25% on a
    # shared machine: its median needs more rounds than the other scenarios' (--rounds sets both).
    overhead_rounds: int
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
    rate_quotes: int
    rate_limit: float
    rate_rounds: int


FULL = Sizes(
    label="full",
    rounds=7,
    warmup=True,
    calls=2_000,
    overhead_rounds=31,
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
    rate_quotes=2_000,
    rate_limit=500.0,
    rate_rounds=3,
)
QUICK = dataclasses.replace(
    FULL,
    label="quick",
    rounds=3,
    calls=300,
    overhead_rounds=3,
    export_orders=2_000,
    fan_out=200,
    memory_small=2_000,
    memory_large=20_000,
    memory_rounds=1,
    decode_loops=200,
    rate_quotes=600,
    rate_limit=200.0,
    rate_rounds=1,
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
    rate_quotes=30,
    rate_limit=100.0,
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

    def __init__(
        self, *, orders: int = 0, latency_ms: float = 0.0, extra_args: Sequence[str] = ()
    ) -> None:
        self.orders = orders
        self.latency_ms = latency_ms
        self.extra_args = tuple(extra_args)
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
            *self.extra_args,
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
# Shared by the scenarios

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


SdkJob = Callable[[ProxyOrdersClient], Awaitable[int]]
RawJob = Callable[[aiohttp.ClientSession], Awaitable[int]]
PeerJob = Callable[[ModuleType, Any], Awaitable[int]]


def contenders(
    server: EmulatorProcess,
    notes: list[str],
    *,
    sdk: dict[str, SdkJob],
    raw: RawJob,
    peer: PeerJob,
) -> dict[str, Impl]:
    """The implementations a scenario compares, in order: the SDK variants, raw aiohttp and
    (when installed) httpx + pydantic. Each opens its client, warms it with one quote (so
    connection set-up is not measured), then runs its job."""
    warm = quote_kwargs(1)[0]
    params = wire_params(warm)

    def with_sdk(job: SdkJob) -> Impl:
        @contextlib.asynccontextmanager
        async def impl() -> AsyncIterator[Job]:
            async with sdk_client(server) as client:
                await client.orders.calculate(**warm)
                yield functools.partial(job, client)

        return impl

    @contextlib.asynccontextmanager
    async def with_raw() -> AsyncIterator[Job]:
        async with peer_aiohttp.session(server.token) as http:
            await peer_aiohttp.quote(http, server.url, params)
            yield functools.partial(raw, http)

    impls: dict[str, Impl] = {name: with_sdk(job) for name, job in sdk.items()}
    impls[RAW] = with_raw
    module = load_peer(notes)
    if module is not None:

        @contextlib.asynccontextmanager
        async def with_peer() -> AsyncIterator[Job]:
            async with module.client(server.url, server.token) as http:
                await module.quote(http, params)
                yield functools.partial(peer, module, http)

        impls[PEER] = with_peer
    return impls
