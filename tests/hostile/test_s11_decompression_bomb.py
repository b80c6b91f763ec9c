"""Scenario 11: a compressed body is capped by what it inflates to, not by its wire size.

A loopback server answers with gzip / deflate bombs whose ``Content-Length`` is far under
``max_response_bytes`` but which inflate far past it, sized and chunked, as a 200 and as an
error page; ``br`` too (bombed when Brotli >= 1.2 is importable, else shown to be neither asked
for nor read). The peak RSS while refusing a 1 GB gzip bomb is measured in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import zlib
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from proxyorders_async import (
    APIResponseValidationError,
    DatacenterIspPurchase,
    InternalServerError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
)
from proxyorders_async._inflate import ACCEPT_ENCODING

from ._support import FAST, loopback_server, record

TOKEN = "sk_live_Bomb5cenario0123456789"
CAP = 1_000_000  # the client's max_response_bytes
INFLATED = 64 * 1024 * 1024  # what the in-process bombs inflate to
ERROR_CUT = 64 * 1024  # error pages are read for their message, up to this many bytes
RSS_BOMB = 1_000_000_000  # 1 GB of zeros: about 970 KB of gzip, under CAP on the wire
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

try:
    import brotli
except ImportError:
    brotli = None
HAS_BR = brotli is not None and hasattr(brotli.Decompressor, "can_accept_more_data")


def _compress(coding: str, size: int, prefix: bytes = b"") -> bytes:
    """``prefix`` then zeros up to ``size`` bytes, compressed with ``coding``, streamed."""
    if coding == "br":
        return bytes(brotli.compress(prefix + bytes(size - len(prefix))))
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[coding]
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = [packer.compress(prefix)]
    block = bytes(1 << 20)
    left = size - len(prefix)
    while left > 0:
        parts.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(packer.flush())
    return b"".join(parts)


def _serve(body: bytes, coding: str, *, status: int = 200, chunked: bool = False) -> Handler:
    header = "deflate" if coding == "raw-deflate" else coding

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Encoding": header, "Content-Type": "application/json"}
        if not chunked:
            return web.Response(body=body, status=status, headers=headers)
        response = web.StreamResponse(status=status, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for i in range(0, len(body), 4096):
            await response.write(body[i : i + 4096])
        await response.write_eof()
        return response

    return handler


CODINGS = ["gzip", "deflate", "raw-deflate", *(["br"] if HAS_BR else [])]


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
@pytest.mark.parametrize("coding", CODINGS)
async def test_a_small_body_inflating_past_the_cap_is_refused_at_the_cap(
    coding: str, chunked: bool
) -> None:
    body = _compress(coding, INFLATED, prefix=b'{"data": "')
    assert len(body) < CAP // 4  # the wire size says nothing about the inflated size
    routes = {("GET", "/user/api/proxies/products"): _serve(body, coding, chunked=chunked)}
    async with (
        loopback_server(routes) as server,
        ProxyOrdersClient(
            token=TOKEN, base_url=server.url, max_response_bytes=CAP, retry_policy=FAST
        ) as client,
    ):
        with pytest.raises(APIResponseValidationError) as caught:
            await client.catalog.products()
    error = caught.value
    assert error.status == 200
    assert f"exceeds {CAP} bytes" in error.message
    assert error.attempts == 1  # a body too large is not retried
    assert str(error.body).startswith('{"data": "')  # the excerpt is inflated text
    assert len(server.requests) == 1
    record("S11", **{f"refused_{coding}_{'chunked' if chunked else 'sized'}": len(body)})


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_a_bombed_purchase_answer_is_an_unknown_outcome(coding: str) -> None:
    body = _compress(coding, INFLATED, prefix=b'{"success": true, "order_id": 1, "x": "')
    routes = {("POST", "/user/api/orders/purchase"): _serve(body, coding)}
    request = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
    async with (
        loopback_server(routes) as server,
        ProxyOrdersClient(
            token=TOKEN, base_url=server.url, max_response_bytes=CAP, retry_policy=FAST
        ) as client,
    ):
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await client.orders.purchase(request)
    assert caught.value.status == 200
    assert isinstance(caught.value.__cause__, APIResponseValidationError)
    assert f"exceeds {CAP} bytes" in caught.value.__cause__.message
    assert len(server.requests) == 1  # never resent
    record("S11", purchase_unknown_outcome=True)


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_a_bombed_error_page_is_cut_at_64_kib_of_inflated_text(coding: str) -> None:
    body = _compress(coding, INFLATED, prefix=b"<html><body>503 Service Unavailable ")
    routes = {("GET", "/user/api/me"): _serve(body, coding, status=503)}
    async with (
        loopback_server(routes) as server,
        ProxyOrdersClient(
            token=TOKEN, base_url=server.url, max_response_bytes=CAP, retry_policy=FAST
        ) as client,
    ):
        with pytest.raises(InternalServerError) as caught:
            await client.with_options(max_retries=1).account.me()
    error = caught.value
    assert error.status == 503 and error.attempts == 2  # still a 503: retried as one
    # The body is an excerpt of exactly 64 KiB of inflated text.
    assert isinstance(error.body, str) and error.body.startswith("<html><body>503")
    assert error.body.endswith(f"[{ERROR_CUT - 2000} more characters]")
    record("S11", error_page_cut_chars=ERROR_CUT)


async def test_only_decodable_codings_are_asked_for_and_others_are_refused() -> None:
    seen: list[str] = []

    async def brotli_anyway(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Accept-Encoding", ""))
        payload = _compress("br", 1000) if HAS_BR else b"\x1b\x00\x00\x00 not brotli"
        # Brotli answers on demand only: without a decoder the client must not have asked.
        coding = "br" if HAS_BR else "zstd"
        return web.Response(body=payload, headers={"Content-Encoding": coding})

    routes = {("GET", "/user/api/proxies/products"): brotli_anyway}
    async with (
        loopback_server(routes) as server,
        ProxyOrdersClient(token=TOKEN, base_url=server.url, retry_policy=FAST) as client,
    ):
        with pytest.raises(APIResponseValidationError) as caught:
            await client.with_options(max_retries=1).catalog.products()
    assert seen and all(value == ACCEPT_ENCODING for value in seen)
    assert ("br" in ACCEPT_ENCODING) is HAS_BR and "zstd" not in ACCEPT_ENCODING
    assert caught.value.status == 200
    if HAS_BR:  # decoded: a body of zeros is no JSON
        assert "not valid JSON" in caught.value.message
    else:  # refused like a body cut short: retried for a read
        assert "cannot be decoded" in caught.value.message and caught.value.attempts == 2
    record("S11", brotli="decoded, capped" if HAS_BR else "not installed: not asked for, refused")


# Runs in a fresh interpreter so that its peak RSS (VmHWM, reset just before the bomb) is the
# bomb's alone. The address space is capped too: a client that reads the whole bomb fails
# with MemoryError instead of taking the machine's memory.
_CHILD = r"""
import asyncio, json, resource, sys, zlib
from proxyorders_async import APIResponseValidationError, ProxyOrdersClient

CAP, SIZE, TOKEN = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024


def bomb():
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block, parts, left = bytes(1 << 20), [], SIZE
    while left > 0:
        parts.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    return b"".join([*parts, packer.flush()])


async def main():
    body = bomb()
    me = b'{"email": "a@b.c", "active_orders": 0, "wallet_balance": 1}'

    async def serve(reader, writer):
        line = await reader.readuntil(b"\r\n\r\n")
        payload, coding = (me, b"") if b"/me " in line else (body, b"Content-Encoding: gzip\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + coding
                     + b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = "http://127.0.0.1:%d" % server.sockets[0].getsockname()[1]
    async with ProxyOrdersClient(token=TOKEN, base_url=url, max_response_bytes=CAP,
                                 max_retries=0) as client:
        await client.account.me()  # warm up: imports, session, connection pool
        size = status("VmSize")
        resource.setrlimit(resource.RLIMIT_AS, (size + 768 * 1024 * 1024, resource.RLIM_INFINITY))
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak (VmHWM) restarts from the current RSS
        before = status("VmRSS")
        try:
            await client.catalog.products()
            outcome = "no error"
        except APIResponseValidationError as exc:
            outcome = exc.message
        except MemoryError:
            outcome = "MemoryError"
        peak = status("VmHWM")
    server.close()
    print(json.dumps({"wire": len(body), "before": before, "peak": peak, "outcome": outcome}))


asyncio.run(main())
"""


async def test_peak_rss_refusing_a_1_gb_gzip_bomb_stays_near_the_cap() -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CHILD,
        str(CAP),
        str(RSS_BOMB),
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    out, err = await asyncio.wait_for(child.communicate(), 110)
    assert child.returncode == 0, err.decode()[-2000:]
    result = json.loads(out)
    growth = result["peak"] - result["before"]
    bound = 2 * CAP + 20 * 1024 * 1024
    assert result["wire"] < CAP  # Content-Length under the cap
    assert f"exceeds {CAP} bytes" in result["outcome"], result["outcome"]
    assert growth < bound, f"peak RSS grew {growth / 1e6:.1f} MB (bound {bound / 1e6:.1f} MB)"
    record(
        "S11",
        cap_bytes=CAP,
        bomb_inflated_bytes=RSS_BOMB,
        bomb_wire_bytes=result["wire"],
        rss_growth_mb=round(growth / 1e6, 1),
        rss_bound_mb=round(bound / 1e6, 1),
    )
