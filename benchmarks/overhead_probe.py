"""Where the per-call overhead goes: the SDK's own code, hot and cold.

Two measurements, against the emulator in its own process on 127.0.0.1:

1. **Own code around each request.** Both the SDK and raw aiohttp send 2,000 sequential quotes
   through a session whose ``request``/``get`` is wrapped to time what happens inside aiohttp's
   context manager (sending, waiting, reading). The rest of each call is the caller's own code:
   for raw aiohttp, a dict and a ``json()``; for the SDK, validation, quote sharing, the URL,
   the retry loop, decoding.
2. **The same SDK code, hot and cold.** The SDK runs against a session that answers at once
   (no network), in a tight loop, and then once after each real request of raw aiohttp: the
   same code, with the CPU's caches warm and then cold from the network wait.

Usage: ``.venv/bin/python benchmarks/overhead_probe.py [--rounds N]``. Figures are medians of
the rounds, in µs per call; compare them within one run (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(_ROOT))

from benchmarks import peer_aiohttp  # noqa: E402
from benchmarks.harness import EmulatorProcess, quote_kwargs, sdk_client, wire_params  # noqa: E402
from proxyorders_async import ProxyOrdersClient  # noqa: E402

CALLS = 2_000
_clock = time.perf_counter
_QUOTE = json.dumps(
    {
        "original_price": 360,
        "final_price": 360,
        "discount_percent": 0,
        "addons_price": 0,
        "total_with_addons": 360,
    }
).encode()


class _Timed:
    """Wraps aiohttp's request context manager and adds the time spent inside it to ``spent``."""

    def __init__(self, manager: Any, spent: list[float]) -> None:
        self._manager, self._spent = manager, spent

    async def __aenter__(self) -> Any:
        started = _clock()
        try:
            return await self._manager.__aenter__()
        finally:
            self._spent[0] += _clock() - started

    async def __aexit__(self, *exc: Any) -> Any:
        started = _clock()
        try:
            return await self._manager.__aexit__(*exc)
        finally:
            self._spent[0] += _clock() - started


def _time_inside(session: aiohttp.ClientSession, spent: list[float]) -> None:
    request, get = session.request, session.get
    session.request = lambda *a, **k: _Timed(request(*a, **k), spent)  # type: ignore[method-assign]
    session.get = lambda *a, **k: _Timed(get(*a, **k), spent)  # type: ignore[method-assign]


class _Answer:
    status, reason = 200, "OK"

    def __init__(self) -> None:
        self.headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
        self.content_length = len(_QUOTE)

    async def read(self) -> bytes:
        return _QUOTE


class _AnswerAtOnce:
    async def __aenter__(self) -> _Answer:
        return _Answer()

    async def __aexit__(self, *exc: Any) -> None:
        return None


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # subclassing ClientSession

    class _InstantSession(aiohttp.ClientSession):
        """A session whose every request is answered at once with a quote (no network)."""

        def request(self, *_args: Any, **_kwargs: Any) -> Any:  # type: ignore[override]
            return _AnswerAtOnce()


async def _own_code(server: EmulatorProcess, rounds: int) -> dict[str, tuple[float, float]]:
    calls = quote_kwargs(CALLS)
    params = [wire_params(c) for c in calls]
    spent = [0.0]
    results: dict[str, list[tuple[float, float]]] = {"SDK": [], "raw aiohttp": []}
    async with sdk_client(server) as client, peer_aiohttp.session(server.token) as http:
        await client.orders.calculate(**calls[0])
        await peer_aiohttp.quote(http, server.url, params[0])
        assert client._core.session is not None
        _time_inside(client._core.session, spent)
        _time_inside(http, spent)
        calculate = client.orders.calculate
        for index in range(rounds * 2):
            name = "SDK" if index % 2 == 0 else "raw aiohttp"
            spent[0] = 0.0
            started = _clock()
            if name == "SDK":
                for kwargs in calls:
                    await calculate(**kwargs)
            else:
                await peer_aiohttp.quotes_sequential(http, server.url, params)
            total = _clock() - started
            results[name].append((total / CALLS * 1e6, (total - spent[0]) / CALLS * 1e6))
    return {
        name: (statistics.median(t for t, _ in rows), statistics.median(o for _, o in rows))
        for name, rows in results.items()
    }


async def _hot_and_cold(server: EmulatorProcess, rounds: int) -> tuple[float, float]:
    calls = quote_kwargs(CALLS)
    params = [wire_params(c) for c in calls]
    session = _InstantSession()
    instant = ProxyOrdersClient(server.token, base_url=server.url, session=session)
    hot, cold = [], []
    try:
        async with peer_aiohttp.session(server.token) as http:
            await instant.orders.calculate(**calls[0])
            await peer_aiohttp.quote(http, server.url, params[0])
            for _ in range(rounds):
                started = _clock()
                for kwargs in calls:
                    await instant.orders.calculate(**kwargs)
                hot.append((_clock() - started) / CALLS * 1e6)
                total = 0.0
                for kwargs, query in zip(calls, params, strict=True):
                    await peer_aiohttp.quote(http, server.url, query)
                    started = _clock()
                    await instant.orders.calculate(**kwargs)
                    total += _clock() - started
                cold.append(total / CALLS * 1e6)
    finally:
        await session.close()
    return statistics.median(hot), statistics.median(cold)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement")
    args = parser.parse_args(argv)
    with EmulatorProcess() as server:
        own = asyncio.run(_own_code(server, args.rounds))
        hot, cold = asyncio.run(_hot_and_cold(server, args.rounds))
    print(f"{CALLS:,} sequential quotes, medians of {args.rounds} rounds, µs per call")
    for name, (total, outside) in own.items():
        print(f"  {name:12s} per call {total:6.1f}   own code (outside aiohttp) {outside:5.1f}")
    sdk, raw = own["SDK"][1], own["raw aiohttp"][1]
    print(f"  the SDK's own code costs {sdk - raw:.1f} µs more per call than raw aiohttp's")
    print(f"  the SDK's code with no network: {hot:.1f} hot (a tight loop), ", end="")
    print(f"{cold:.1f} right after a real request ({cold / hot:.1f}x)")


if __name__ == "__main__":
    main()
