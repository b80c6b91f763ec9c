"""Scenario 6: stalled headers, trickled bodies, silent servers and hanging connects raise
``APITimeoutError`` within the configured timeout (plus retries) and never hang.

pytest-timeout guards every test; nothing here asserts on durations.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
from collections.abc import AsyncIterator

import pytest

from proxyorders_async import (
    APITimeoutError,
    DatacenterIspPurchase,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, client_for, record, settled

pytestmark = pytest.mark.timeout(30)

TIMEOUT = 0.2
RETRIES = 2
DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
STALL = {"stall_ms": 10_000, "trickle_chunk_bytes": 1 << 20}  # headers after 10 s
TRICKLE = {"trickle_chunk_bytes": 16, "trickle_delay_ms": 100}  # 160 B/s


async def test_stalled_headers_time_out_every_attempt() -> None:
    async with Emulator(seed=601) as emu:
        emu.faults.set("me", **STALL)
        async with client_for(emu, timeout=TIMEOUT, max_retries=RETRIES) as client:
            with pytest.raises(APITimeoutError) as caught:
                await client.account.me()
        assert caught.value.attempts == RETRIES + 1
        await settled(emu)
        assert len(emu.journal_for("me")) == RETRIES + 1
        assert "no complete response" in caught.value.message
        record("S6", stalled_headers_attempts=caught.value.attempts)


async def test_trickled_body_times_out() -> None:
    async with Emulator(orders=200, seed=602) as emu:
        emu.faults.set("orders.list", **TRICKLE)
        async with client_for(emu, timeout=TIMEOUT, max_retries=RETRIES) as client:
            with pytest.raises(APITimeoutError) as caught:
                await client.orders.list("all", limit=100)
            it = client.orders.iter("all", page_size=100)
            with pytest.raises(APITimeoutError):
                await it.__anext__()
        assert caught.value.attempts == RETRIES + 1
        record("S6", trickled_body_attempts=caught.value.attempts)


async def test_deadline_bounds_the_whole_call() -> None:
    async with Emulator(seed=603) as emu:
        emu.faults.set("me", **STALL)
        async with client_for(emu, timeout=60, max_retries=5, deadline=0.3) as client:
            with pytest.raises(APITimeoutError) as caught:
                await client.account.me()
        assert caught.value.attempts >= 1
        record("S6", deadline_attempts=caught.value.attempts)


async def test_stalled_purchase_is_an_unknown_outcome_caused_by_a_timeout() -> None:
    async with Emulator(seed=604) as emu:
        emu.faults.set("orders.purchase", **STALL)
        async with client_for(emu, timeout=TIMEOUT, max_retries=RETRIES) as client:
            with pytest.raises(PurchaseOutcomeUnknownError) as caught:
                await client.orders.purchase(DC)
        assert isinstance(caught.value.__cause__, APITimeoutError)
        await settled(emu)
        assert len(emu.journal_for("orders.purchase")) == 1  # never re-sent
        record("S6", stalled_purchase_sent=1)


@contextlib.asynccontextmanager
async def _silent_server(send: bytes) -> AsyncIterator[str]:
    """Accepts, reads the request, writes ``send`` (maybe nothing), then says nothing more."""
    handlers: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        writers.append(writer)
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(send)
            await writer.drain()
            await reader.read()  # until the client gives up and closes

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for writer in writers:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await server.wait_closed()


@pytest.mark.parametrize(
    "send",
    [
        b"",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 90\r\n\r\n{",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
    ],
    ids=["nothing", "status-line-only", "short-body", "chunked-stall"],
)
async def test_silent_servers_time_out(send: bytes) -> None:
    async with _silent_server(send) as url:
        client = ProxyOrdersClient(
            token="t0ken-0123456789",
            base_url=url,
            timeout=TIMEOUT,
            retry_policy=FAST,
            max_retries=1,
        )
        async with client:
            with pytest.raises(APITimeoutError) as caught:
                await client.account.me()
            with pytest.raises(PurchaseOutcomeUnknownError) as unknown:
                await client.orders.purchase(DC)
        assert caught.value.attempts == 2
        assert isinstance(unknown.value.__cause__, APITimeoutError)
    record("S6", silent_server_kinds=4)


@contextlib.contextmanager
def _full_backlog() -> socket.socket:  # type: ignore[misc]
    """A loopback listener whose accept queue is full: new connections hang in SYN-SENT."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield listener
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def _until_queue_full(listener: socket.socket) -> None:
    """Wait (bounded) until a filler's handshake completed: the queue of listen(0) is full."""
    probe = socket.socket()
    probe.setblocking(False)
    try:
        for _ in range(200):
            # A fresh connect that does not complete at once means SYNs are being dropped.
            with contextlib.suppress(BlockingIOError):
                probe.connect(listener.getsockname())
            if not select.select([], [probe], [], 0.01)[1]:
                return
            probe.close()
            probe = socket.socket()
            probe.setblocking(False)
            await asyncio.sleep(0.01)
    finally:
        probe.close()


@pytest.mark.parametrize("connect_timeout", [10.0, 0.1], ids=["timeout<connect", "connect<timeout"])
async def test_hanging_connect_is_a_timeout_and_a_purchase_is_known_unsent(
    connect_timeout: float,
) -> None:
    with _full_backlog() as listener:
        await _until_queue_full(listener)
        port = listener.getsockname()[1]
        client = ProxyOrdersClient(
            token="t0ken-0123456789",
            base_url=f"http://127.0.0.1:{port}",
            timeout=TIMEOUT,
            connect_timeout=connect_timeout,
            retry_policy=FAST,
            max_retries=1,
        )
        async with client:
            with pytest.raises(APITimeoutError) as read:
                await client.account.me()
            # Nothing left the process: a purchase is retried and ends as a plain timeout,
            # never as "sent, outcome unknown".
            with pytest.raises(APITimeoutError) as bought:
                await client.orders.purchase(DC)
        assert not isinstance(bought.value, PurchaseOutcomeUnknownError)
        assert bought.value.attempts == 2
        assert "connecting" in bought.value.message
        assert read.value.attempts == 2
    record("S6", hanging_connect_purchase="APITimeoutError (not sent), retried")
