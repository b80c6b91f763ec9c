"""2. Export: walk every order, the SDK sequentially and fetching ahead."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import aiohttp

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    RAW,
    SDK,
    EmulatorProcess,
    Result,
    Samples,
    SdkJob,
    Sizes,
    Verdict,
    contenders,
    measure,
    timing_rows,
)
from proxyorders_async import ProxyOrdersClient


async def _export(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    page_size = sizes.page_size

    def sdk(concurrency: int) -> SdkJob:
        async def job(client: ProxyOrdersClient) -> int:
            seen = 0
            walk = client.orders.iter("all", page_size=page_size, concurrency=concurrency)
            async for _order in walk:
                seen += 1
            return seen

        return job

    async def raw(http: aiohttp.ClientSession) -> int:
        return await peer_aiohttp.export(http, server.url, page_size)

    async def peer(module: ModuleType, http: Any) -> int:
        return int(await module.export(http, page_size))

    variants = {
        f"{SDK} concurrency={sizes.export_concurrency}": sdk(sizes.export_concurrency),
        f"{SDK} sequential": sdk(1),
    }
    impls = contenders(server, notes, sdk=variants, raw=raw, peer=peer)
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
