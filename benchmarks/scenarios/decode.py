"""5. Decoding: microseconds per order for the SDK's page decoder and pydantic."""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from collections.abc import Callable

from benchmarks import peer_aiohttp
from benchmarks.harness import (
    BenchmarkError,
    EmulatorProcess,
    Result,
    Sizes,
    Verdict,
    load_peer,
    rotations,
)
from proxyorders_async._converters import decode_page, loads_json


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
