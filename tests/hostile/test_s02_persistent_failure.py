"""Scenario 2: when the retry budget is spent the error says what failed and after how many
attempts, and the saved resume URI continues the export without repeating or skipping."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from proxyorders_async import (
    APIConnectionError,
    InternalServerError,
    OrderIterator,
    ProxyOrdersClient,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, client_for, record

ORDERS = 2_000
PAGE = 100
MAX_RETRIES = 3


async def _export(
    it: OrderIterator, sink: list[int], at: int, then: Callable[[], Awaitable[None]]
) -> None:
    """Collect order ids into ``sink``; once ``at`` are collected, break the world."""
    async for order in it:
        sink.append(order.order_id)
        if len(sink) == at:
            await then()


async def _ids(it: OrderIterator) -> list[int]:
    return [order.order_id async for order in it]


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_spent_retry_budget_names_the_failure_and_resume_continues(
    concurrency: int,
) -> None:
    async with Emulator(orders=ORDERS, seed=201) as emu:

        async def server_goes_down() -> None:
            emu.faults.set("orders.list", error_rate=1.0, error_statuses=(503,))

        first: list[int] = []
        async with client_for(emu, max_retries=MAX_RETRIES) as client:
            it = client.orders.iter("all", page_size=PAGE, concurrency=concurrency)
            with pytest.raises(InternalServerError) as caught:  # down in the middle of page 8
                await _export(it, first, 7 * PAGE + 30, server_goes_down)
            saved = it.resume_uri

        exc = caught.value
        assert exc.status == 503
        assert exc.attempts == MAX_RETRIES + 1
        assert exc.method == "GET"
        assert "/user/api/orders?" in exc.url and "offset=" in exc.url
        text = str(exc)
        assert "HTTP 503" in text
        assert f"after {MAX_RETRIES + 1} attempts" in text
        assert "Service Unavailable" in text  # the server's own message
        assert saved is not None
        assert len(first) % PAGE == 0, "the failure surfaced mid-page"

        emu.faults.clear()
        async with client_for(emu) as client:
            rest = await _ids(client.orders.iter("all", page_size=PAGE, start=saved))

        assert not set(first) & set(rest), "the resumed walk repeated orders"
        assert sorted(first + rest) == emu.account.order_ids("all"), "orders were skipped"
        record(
            "S2",
            **{
                f"c{concurrency}_before_failure": len(first),
                f"c{concurrency}_after_resume": len(rest),
                f"c{concurrency}_attempts": exc.attempts,
                f"c{concurrency}_overlap": len(set(first) & set(rest)),
                f"c{concurrency}_missing": ORDERS - len(set(first) | set(rest)),
            },
            message=text.replace(emu.url, "http://127.0.0.1:PORT"),
        )


async def test_server_gone_names_the_connection_failure_and_resume_after_restart() -> None:
    emu = Emulator(orders=ORDERS, seed=202)
    await emu.start()
    try:
        first: list[int] = []
        client = ProxyOrdersClient(
            token=emu.token, base_url=emu.url, retry_policy=FAST, max_retries=MAX_RETRIES
        )
        async with client:
            it = client.orders.iter("all", page_size=PAGE)
            with pytest.raises(APIConnectionError) as caught:  # refused from page 4 on
                await _export(it, first, 3 * PAGE, emu.stop)
            saved = it.resume_uri

        exc = caught.value
        assert exc.attempts >= MAX_RETRIES  # aiohttp may absorb one reset of a reused socket
        assert "connect" in exc.message.lower()
        assert saved is not None and saved.startswith("/user/api/orders?")

        await emu.start()  # a new port: the relative resume URI still applies
        async with client_for(emu) as client:
            rest = await _ids(client.orders.iter("all", page_size=PAGE, start=saved))
        assert not set(first) & set(rest)
        assert sorted(first + rest) == emu.account.order_ids("all")
        shown = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", exc.message)
        record("S2", refused_attempts=exc.attempts, refused_message=shown)
    finally:
        await emu.stop()
