"""4. Memory: peak RSS while streaming a small and a large order list, each walk in a fresh
process (``run.py --memory-child``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    PEER,
    RAW,
    RUN_SCRIPT,
    SDK,
    BenchmarkError,
    EmulatorProcess,
    Result,
    Sizes,
    Verdict,
    load_peer,
    rotations,
)
from proxyorders_async import ProxyOrdersClient

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
        str(RUN_SCRIPT),
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
