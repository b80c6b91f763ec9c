"""3. Fan-out: many distinct quotes at bounded concurrency, with server latency."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import aiohttp

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    RAW,
    SDK,
    BenchmarkError,
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
from proxyorders_async import ProxyOrdersClient, QuoteRequest


async def _fanout(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    calls = quote_kwargs(sizes.fan_out)
    requests = [QuoteRequest(**c) for c in calls]
    params = [wire_params(c) for c in calls]
    concurrency = sizes.fan_concurrency

    async def sdk(client: ProxyOrdersClient) -> int:
        quotes = await client.orders.calculate_many(requests, concurrency=concurrency)
        failed = [q for q in quotes if isinstance(q, Exception)]
        if failed:
            raise BenchmarkError(f"{len(failed)} quotes failed, e.g. {failed[0]!r}")
        return len(quotes)

    async def raw(http: aiohttp.ClientSession) -> int:
        return len(await peer_aiohttp.quotes_fan_out(http, server.url, params, concurrency))

    async def peer(module: ModuleType, http: Any) -> int:
        return len(await module.quotes_fan_out(http, params, concurrency))

    impls = contenders(server, notes, sdk={SDK: sdk}, raw=raw, peer=peer)
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
