"""Scenario 7: 10,000 concurrent calls through one client complete, the pool limit holds, and
after ``close()`` no socket, file descriptor or "Unclosed client session" is left behind.

Server-side connections are counted exactly by wrapping aiohttp's server protocol
(``RequestHandler.connection_made``/``connection_lost``); only the emulator runs a server here.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections import Counter
from typing import Any

import pytest
from aiohttp import web_protocol

from proxyorders_async import ClientClosedError, ProxyOrdersClient, QuoteRequest, RetryPolicy
from proxyorders_async.emulator import Emulator

from ._support import has_proc_fds, open_fds, record

CALLS = 10_000
MAX_CONNECTIONS = 16
# Far shorter than the time the burst needs to drain through 16 connections: waiting for a
# pooled connection must not count against an attempt's timeout.
TIMEOUT = 0.5


class ConnectionGauge:
    def __init__(self) -> None:
        self.open = 0
        self.peak = 0
        self.total = 0


@pytest.fixture
def gauge(monkeypatch: pytest.MonkeyPatch) -> ConnectionGauge:
    gauge = ConnectionGauge()
    made = web_protocol.RequestHandler.connection_made
    lost = web_protocol.RequestHandler.connection_lost

    def connection_made(self: Any, transport: Any) -> None:
        gauge.open += 1
        gauge.total += 1
        gauge.peak = max(gauge.peak, gauge.open)
        made(self, transport)

    def connection_lost(self: Any, exc: BaseException | None) -> None:
        gauge.open -= 1
        lost(self, exc)

    monkeypatch.setattr(web_protocol.RequestHandler, "connection_made", connection_made)
    monkeypatch.setattr(web_protocol.RequestHandler, "connection_lost", connection_lost)
    return gauge


def _calls(client: ProxyOrdersClient, order_ids: list[int]) -> list[Any]:
    calls: list[Any] = []
    for n in range(CALLS):
        kind = n % 4
        if kind == 0:
            calls.append(client.account.me())
        elif kind == 1:
            calls.append(client.orders.get(order_ids[n % len(order_ids)]))
        elif kind == 2:
            calls.append(client.orders.list("all", offset=n % 400, limit=5))
        else:  # distinct quantities: no two quotes share a request
            calls.append(
                client.orders.quote(
                    QuoteRequest(product="Standart Residential Proxy", quantity=n + 1)
                )
            )
    return calls


async def _drain_fds(target: int) -> int:
    # Transports close on the loop's next turns after close(): give them a bounded few.
    for _ in range(50):
        gc.collect()
        now = open_fds()
        if now <= target:
            return now
        await asyncio.sleep(0.01)
    return open_fds()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("faults", [False, True], ids=["clean", "faults"])
async def test_10000_concurrent_calls_complete_within_the_pool_limit(
    gauge: ConnectionGauge, faults: bool
) -> None:
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    gc.collect()  # garbage of earlier tests must not be blamed on this one
    await asyncio.sleep(0)
    fds_before = open_fds() if has_proc_fds() else 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with Emulator(orders=500, seed=701) as emu:
            if faults:
                for route in ("me", "orders.get", "orders.list", "orders.calculate"):
                    emu.faults.set(
                        route, error_rate=0.05, reset_after_rate=0.01, reset_before_rate=0.01
                    )
            order_ids = emu.account.order_ids("all")
            client = ProxyOrdersClient(
                token=emu.token,
                base_url=emu.url,
                max_connections=MAX_CONNECTIONS,
                timeout=TIMEOUT,
                max_retries=8,
                retry_policy=RetryPolicy(base_backoff=0.001, max_backoff=0.01),
            )
            results = await asyncio.gather(*_calls(client, order_ids), return_exceptions=True)
            in_use = gauge.open
            await client.close()
            assert client.is_closed
            requests = len(emu.journal)
            injected = Counter(e.faults[0].split(":")[0] for e in emu.journal if e.faults)
        gc.collect()
        fds_after = await _drain_fds(fds_before) if has_proc_fds() else 0
        gc.collect()

    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    assert len(results) == CALLS
    assert requests >= CALLS
    assert gauge.peak <= MAX_CONNECTIONS, "the connection pool limit was exceeded"
    assert in_use <= MAX_CONNECTIONS
    assert gauge.open == 0
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not unclosed, [f"{w.filename}:{w.lineno}: {w.message}" for w in unclosed]
    assert not loop_errors, loop_errors[:3]
    if has_proc_fds():
        assert fds_after <= fds_before, f"{fds_after - fds_before} descriptors left open"
    record(
        "S7",
        **{
            f"{'faults' if faults else 'clean'}_calls": CALLS,
            f"{'faults' if faults else 'clean'}_failed": len(failures),
            f"{'faults' if faults else 'clean'}_requests": requests,
            f"{'faults' if faults else 'clean'}_injected": sum(injected.values()),
            f"{'faults' if faults else 'clean'}_peak_connections": gauge.peak,
            f"{'faults' if faults else 'clean'}_connections_opened": gauge.total,
            f"{'faults' if faults else 'clean'}_fds_left": max(fds_after - fds_before, 0),
        },
        max_connections=MAX_CONNECTIONS,
        timeout_s=TIMEOUT,
    )


async def test_closed_client_refuses_work_and_close_is_idempotent() -> None:
    async with Emulator(seed=702) as emu:
        client = ProxyOrdersClient(token=emu.token, base_url=emu.url)
        await client.account.me()
        await client.close()
        await client.close()
        with pytest.raises(ClientClosedError):
            await client.account.me()
        assert len(emu.journal) == 1


async def test_the_unclosed_detectors_do_fire() -> None:
    """Control: a client dropped without close() is reported, so the checks above can fail."""
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = ProxyOrdersClient(token="t0ken-0123456789", base_url="http://127.0.0.1:9")
        client._core.session_for_request()  # the session exists, no connection was made
        del client
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert any("ProxyOrdersClient was not closed" in m for m in messages)
    assert any("Unclosed client session" in str(c.get("message")) for c in loop_errors)
