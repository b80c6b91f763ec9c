"""Scenario 21: money answers that are not definite are reported as not definite.

- A purchase or renew answered with a 3xx (301, 302, 303, 307, 308) or a 101 by a server that
  carried it out: ``PurchaseOutcomeUnknownError``, sent once (a 303 says "done, see elsewhere").
- A 200 whose ``order_id`` is not a positive 64-bit integer (0, -1, 2**63, 1.5, "12", null,
  true, absent): ``PurchaseOutcomeUnknownError``, sent once: the caller could not find what it
  bought, and an ``APIResponseValidationError`` would read as "failed, buy again".
- The retry table's claim, counted on the server: a purchase is retried only when the server
  provably did not act on it (no connection, or a 429 refusal); a 503 or a reset after sending
  is sent once and never retried.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

import proxyorders_async._client as client_module
from proxyorders_async import (
    APIStatusError,
    DatacenterIspPurchase,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, SleepSpy, client_for, loopback_server, record

DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
TOKEN = "s21-token-0123456789"
PURCHASE = ("POST", "/user/api/orders/purchase")
RENEW = ("POST", "/user/api/orders/7/renew")
GET = ("GET", "/user/api/orders/7")


class Acting:
    """A purchase/renew endpoint that carries the request out, then answers ``status``."""

    def __init__(self, status: int, body: Any = None) -> None:
        self.status = status
        self.body = body
        self.carried_out = 0

    async def __call__(self, request: web.Request) -> web.Response:
        await request.read()
        self.carried_out += 1
        headers = {"Location": "/user/api/orders/123"} if 300 <= self.status < 400 else {}
        text = json.dumps(self.body) if self.body is not None else ""
        return web.Response(
            status=self.status, text=text, content_type="application/json", headers=headers
        )


def _client(url: str, **kwargs: Any) -> ProxyOrdersClient:
    return ProxyOrdersClient(token=TOKEN, base_url=url, retry_policy=FAST, **kwargs)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("route", ["purchase", "renew"])
async def test_a_3xx_after_a_charge_is_an_unknown_outcome_sent_once(
    status: int, route: str
) -> None:
    acting = Acting(status)
    key = PURCHASE if route == "purchase" else RENEW
    async with loopback_server({key: acting}) as server, _client(server.url) as client:
        call = client.orders.purchase(DC) if route == "purchase" else client.orders.renew(7)
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await call
    assert caught.value.status == status
    assert caught.value.attempts == 1
    assert isinstance(caught.value.__cause__, APIStatusError)
    assert len(server.requests) == acting.carried_out == 1
    record("S21", **{f"{route}_{status}": "unknown outcome, sent 1"})


async def test_a_3xx_to_a_read_is_still_a_plain_status_error() -> None:
    async with loopback_server({GET: Acting(303)}) as server, _client(server.url) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.orders.get(7)
    assert caught.value.status == 303
    assert len(server.requests) == 1  # a read is not retried after a 3xx either


@pytest.fixture
async def switching_protocols() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A raw server that reads the request, counts it, then answers 101 and closes."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        received.append(head.split(b"\r\n", 1)[0])
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("route", ["purchase", "renew"])
async def test_a_101_after_a_charge_is_an_unknown_outcome_sent_once(
    switching_protocols: tuple[str, list[bytes]], route: str
) -> None:
    url, received = switching_protocols
    async with _client(url) as client:
        call = client.orders.purchase(DC) if route == "purchase" else client.orders.renew(7)
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await call
    assert caught.value.status == 101
    assert len(received) == 1
    record("S21", **{f"{route}_101": "unknown outcome, sent 1"})


ORDER_IDS: list[tuple[str, Any]] = [
    ("zero", 0),
    ("negative", -1),
    ("past_int64", 2**63),
    ("float", 1.5),
    ("string", "12"),
    ("null", None),
    ("true", True),
]


@pytest.mark.parametrize(("name", "order_id"), ORDER_IDS, ids=[n for n, _ in ORDER_IDS])
async def test_a_200_without_a_usable_order_id_is_an_unknown_outcome(
    name: str, order_id: Any
) -> None:
    acting = Acting(200, {"success": True, "message": "paid", "order_id": order_id})
    async with loopback_server({PURCHASE: acting}) as server, _client(server.url) as client:
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await client.orders.purchase(DC)
    assert caught.value.status == 200
    assert len(server.requests) == 1
    record("S21", **{f"order_id_{name}": "unknown outcome, sent 1"})


async def test_a_200_without_an_order_id_is_an_unknown_outcome() -> None:
    acting = Acting(200, {"success": True, "message": "paid"})
    async with loopback_server({PURCHASE: acting}) as server, _client(server.url) as client:
        with pytest.raises(PurchaseOutcomeUnknownError):
            await client.orders.purchase(DC)
    assert len(server.requests) == 1
    record("S21", order_id_absent="unknown outcome, sent 1")


# -- the retry table's claim, counted on the server ----------------------------------------------


def _carried_out(emu: Emulator) -> int:
    return sum(1 for e in emu.journal_for("orders.purchase") if e.status == 200)


async def test_a_429_refusal_is_retried_and_the_purchase_is_carried_out_once() -> None:
    async with Emulator(seed=2101) as emu, client_for(emu) as client:
        emu.faults.set("orders.purchase", fail_first=1, fail_with=429, retry_after=0)
        before = len(emu.account.orders)
        bought = await client.orders.purchase(DC)
    arrived = len(emu.journal_for("orders.purchase"))
    assert [e.status for e in emu.journal_for("orders.purchase")] == [429, 200]
    assert len(emu.account.orders) - before == _carried_out(emu) == 1
    assert emu.account.get(bought.order_id) is not None
    record("S21", after_429_received=arrived, after_429_carried_out=1)


class _StartOnFirstSleep(SleepSpy):
    """The transport's first retry wait starts the emulator on the port that refused."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__()
        self.emu = emu

    async def sleep(self, delay: float, result: Any = None) -> Any:
        if not self.emu.running:
            await self.emu.start()
        return await super().sleep(delay, result)


async def test_a_refused_connection_is_retried_and_the_purchase_is_carried_out_once() -> None:
    with socket.socket() as probe:  # a port nothing listens on (yet)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emu = Emulator(seed=2102, port=port)
    spy = _StartOnFirstSleep(emu)
    saved = client_module.asyncio
    client_module.asyncio = spy  # type: ignore[assignment]
    try:
        url = f"http://127.0.0.1:{port}"
        async with ProxyOrdersClient(token=emu.token, base_url=url, retry_policy=FAST) as client:
            bought = await client.orders.purchase(DC)
    finally:
        client_module.asyncio = saved
        await emu.stop()
    assert len(spy.sleeps) == 1  # one refused attempt, one retry
    assert [e.status for e in emu.journal_for("orders.purchase")] == [200]
    assert emu.account.get(bought.order_id) is not None
    record("S21", after_refused_received=1, after_refused_carried_out=1)


@pytest.mark.parametrize("fault", [503, "reset_before", "reset_after", "truncate"])
async def test_a_failure_after_sending_is_never_retried(fault: int | str) -> None:
    async with Emulator(seed=2103) as emu, client_for(emu, max_retries=5) as client:
        emu.faults.set("orders.purchase", fail_first=1, fail_with=fault)
        before = len(emu.account.orders)
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await client.orders.purchase(DC)
    received = len(emu.journal_for("orders.purchase"))
    carried = len(emu.account.orders) - before
    assert caught.value.attempts == 1
    assert received == 1
    assert carried == (1 if fault in ("reset_after", "truncate") else 0)
    record("S21", **{f"after_{fault}_received": received, f"after_{fault}_carried_out": carried})
