"""1. Per-call overhead: sequential price quotes, 0 ms server latency."""

from __future__ import annotations

import asyncio
import dataclasses
from types import ModuleType
from typing import Any

import aiohttp

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    PEER,
    RAW,
    SDK,
    EmulatorProcess,
    Result,
    Samples,
    Sizes,
    Verdict,
    contenders,
    measure,
    quote_kwargs,
    timing_rows,
    wire_params,
)
from proxyorders_async import ProxyOrdersClient


async def _overhead(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    calls = quote_kwargs(sizes.calls)
    params = [wire_params(c) for c in calls]

    async def sdk(client: ProxyOrdersClient) -> int:
        calculate = client.orders.calculate
        return len([await calculate(**c) for c in calls])

    async def raw(http: aiohttp.ClientSession) -> int:
        return len(await peer_aiohttp.quotes_sequential(http, server.url, params))

    async def peer(module: ModuleType, http: Any) -> int:
        return len(await module.quotes_sequential(http, params))

    impls = contenders(server, notes, sdk={SDK: sdk}, raw=raw, peer=peer)
    return await measure(
        impls, dataclasses.replace(sizes, rounds=sizes.overhead_rounds), sizes.calls
    )


def scenario_overhead(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess() as server:
        samples = asyncio.run(_overhead(server, sizes, notes))
    headers, rows = timing_rows(samples, RAW, sizes.calls, "µs/call")
    sdk, raw = samples[SDK].median, samples[RAW].median
    verdicts = [Verdict("SDK time / raw aiohttp", sdk / raw, 1.05)]  # issue 12 (was 1.15)
    if PEER in samples:
        faster = Verdict("SDK time / httpx + pydantic (faster)", sdk / samples[PEER].median, 1.0)
        verdicts.append(faster)
    notes.append(
        "wall time includes the server's share of every round trip (same for all); "
        "CPU ms is the client process only"
    )
    return Result(
        "overhead",
        f"{sizes.calls:,} sequential calculate calls, 0 ms server latency, "
        f"median of {sizes.overhead_rounds} rounds",
        headers,
        rows,
        verdicts,
        notes,
    )
