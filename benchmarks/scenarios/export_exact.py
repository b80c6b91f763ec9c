"""6. Exact export: the overlapping walk (``exact=True``) against the plain one, nothing changing.

The exact walk asks for pages that overlap by one order and checks the overlap; over a list
that does not change it costs one more page per 100 (at ``page_size=100``). Targets: the exact
walk within 5% of the plain walk at the same concurrency, and ``concurrency=8`` at least 6x
faster than sequential raw aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from yarl import URL

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    PEER,
    RAW,
    SDK,
    EmulatorProcess,
    Impl,
    Job,
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

CONCURRENCY = 8
EXACT_C, PLAIN_C = f"{SDK} exact c={CONCURRENCY}", f"{SDK} plain c={CONCURRENCY}"
EXACT_1, PLAIN_1 = f"{SDK} exact sequential", f"{SDK} plain sequential"
RAW_C = f"{RAW} c={CONCURRENCY} (known offsets)"


async def _export(server: EmulatorProcess, sizes: Sizes, notes: list[str]) -> dict[str, Samples]:
    page_size = sizes.page_size

    def sdk(concurrency: int, exact: bool) -> SdkJob:
        async def job(client: ProxyOrdersClient) -> int:
            seen = 0
            walk = client.orders.iter(
                "all", page_size=page_size, concurrency=concurrency, exact=exact
            )
            async for _order in walk:
                seen += 1
            if exact and not walk.exact:
                raise RuntimeError("the exact walk lost its guarantee over a still list")
            return seen

        return job

    async def raw(http: aiohttp.ClientSession) -> int:
        return await peer_aiohttp.export(http, server.url, page_size)

    async def unused(_module: Any, _http: Any) -> int:
        raise AssertionError("not measured here")

    variants = {
        EXACT_C: sdk(CONCURRENCY, True),
        PLAIN_C: sdk(CONCURRENCY, False),
        EXACT_1: sdk(1, True),
        PLAIN_1: sdk(1, False),
    }
    impls = contenders(server, notes, sdk=variants, raw=raw, peer=unused)
    impls.pop(PEER, None)  # the export scenario compares the peers; this one the SDK's walks
    impls[RAW_C] = _raw_concurrent(server, sizes)
    return await measure(impls, sizes, sizes.export_orders)


def _raw_concurrent(server: EmulatorProcess, sizes: Sizes) -> Impl:
    """The ceiling: raw aiohttp fetching every offset page, ``CONCURRENCY`` at a time."""

    async def job(http: aiohttp.ClientSession) -> int:
        url = URL(server.url).with_path("/user/api/orders")
        gate = asyncio.Semaphore(CONCURRENCY)

        async def page(offset: int) -> int:
            query = {"status": "all", "offset": offset, "limit": sizes.page_size}
            async with gate, http.get(url.with_query(query)) as response:
                response.raise_for_status()
                return len((await response.json())["orders"])

        offsets = range(0, sizes.export_orders, sizes.page_size)
        return sum(await asyncio.gather(*map(page, offsets)))

    @contextlib.asynccontextmanager
    async def impl() -> AsyncIterator[Job]:
        async with peer_aiohttp.session(server.token) as http:
            yield functools.partial(job, http)

    return impl


def scenario_export_exact(sizes: Sizes) -> Result:
    notes: list[str] = []
    with EmulatorProcess(orders=sizes.export_orders, latency_ms=sizes.export_latency_ms) as server:
        samples = asyncio.run(_export(server, sizes, notes))
    headers, rows = timing_rows(samples, RAW, sizes.export_orders, "µs/order")
    median = {name: s.median for name, s in samples.items()}
    verdicts = [
        Verdict(
            f"SDK exact / plain, concurrency={CONCURRENCY}", median[EXACT_C] / median[PLAIN_C], 1.05
        ),
        Verdict("SDK exact / plain, sequential", median[EXACT_1] / median[PLAIN_1], 1.05),
        Verdict(
            f"raw aiohttp sequential / SDK exact concurrency={CONCURRENCY} (speed-up)",
            median[RAW] / median[EXACT_C],
            6.0,
            at_most=False,
        ),
        Verdict(
            f"raw aiohttp sequential / SDK plain concurrency={CONCURRENCY} (speed-up)",
            median[RAW] / median[PLAIN_C],
            6.0,
            at_most=False,
        ),
    ]
    pages = -(-sizes.export_orders // sizes.page_size)
    exact_pages = 1 + -(-max(sizes.export_orders - sizes.page_size, 0) // (sizes.page_size - 1))
    notes.append(
        f"{RAW_C} fetches every page {CONCURRENCY} at a time without following next: the "
        f"ceiling of this machine and emulator ({median[RAW] / median[RAW_C]:.2f}x raw "
        "sequential)"
    )
    notes.append(
        f"nothing changes during the walks; the exact walk reads {exact_pages} pages where the "
        f"plain one reads {pages} (pages overlap by one order)"
    )
    return Result(
        "export_exact",
        f"{sizes.export_orders:,} orders, page size {sizes.page_size}, "
        f"{sizes.export_latency_ms:g} ms server latency, exact vs plain walk",
        headers,
        rows,
        verdicts,
        notes,
    )
