"""Reading a body within a budget: inflated bytes are counted, reading stops at the cap."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from unittest import mock

import aiohttp
import pytest

from proxyorders_async._inflate import ACCEPT_ENCODING, UndecodableBodyError, read_capped


def _stream(data: bytes) -> aiohttp.StreamReader:
    protocol = mock.Mock(_reading_paused=False)
    stream = aiohttp.StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())
    stream.feed_data(data)
    stream.feed_eof()
    return stream


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


PAYLOAD = b'{"orders": [' + b'{"order_id": 1},' * 5000 + b"{}]}"
ENCODED = {
    "gzip": gzip.compress(PAYLOAD),
    "x-gzip": gzip.compress(PAYLOAD),
    "deflate": _deflate(PAYLOAD, 15),
    "Deflate": _deflate(PAYLOAD, -15),  # without the zlib header, as some servers send it
    "identity": PAYLOAD,
    "": PAYLOAD,
}


@pytest.mark.parametrize("coding", ENCODED)
async def test_a_body_within_the_cap_is_inflated_whole(coding: str) -> None:
    body, more = await read_capped(_stream(ENCODED[coding]), coding, len(PAYLOAD))
    assert (body, more) == (PAYLOAD, False)


@pytest.mark.parametrize("coding", ENCODED)
async def test_a_body_past_the_cap_stops_at_the_cap(coding: str) -> None:
    body, more = await read_capped(_stream(ENCODED[coding]), coding, 1000)
    assert (body, more) == (PAYLOAD[:1000], True)


async def test_a_bomb_is_read_only_up_to_the_cap() -> None:
    bomb = _deflate(b"\0" * 200_000_000, 31)  # 200 MB in about 200 KB
    assert len(bomb) < 300_000
    body, more = await read_capped(_stream(bomb), "gzip", 1_000_000)
    assert more and len(body) == 1_000_000


async def test_the_wire_size_counts_too() -> None:
    noise = bytes(range(256)) * 400  # does not compress: the wire is bigger than the cap
    body, more = await read_capped(_stream(gzip.compress(noise, 0)), "gzip", 50_000)
    assert more and len(body) <= 50_000


async def test_concatenated_gzip_members_are_read_and_bounded() -> None:
    two = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    assert await read_capped(_stream(two), "gzip", 100) == (b'{"a": 1}', False)
    many = gzip.compress(b"") * 100
    with pytest.raises(UndecodableBodyError, match="gzip members"):
        await read_capped(_stream(many), "gzip", 100)


@pytest.mark.parametrize(
    ("coding", "data", "match"),
    [
        ("gzip", b"not gzip at all", "corrupt gzip"),
        ("compress", b"x", "cannot decode Content-Encoding 'compress'"),
        ("gzip, br", b"x", "cannot decode"),
        ("zstd", b"x", "cannot decode Content-Encoding 'zstd'"),
    ],
)
async def test_a_coding_not_asked_for_or_a_corrupt_stream_is_refused(
    coding: str, data: bytes, match: str
) -> None:
    with pytest.raises(UndecodableBodyError, match=match):
        await read_capped(_stream(data), coding, 100)


def test_only_bounded_decoders_are_advertised() -> None:
    assert ACCEPT_ENCODING.startswith("gzip, deflate")
    assert "zstd" not in ACCEPT_ENCODING
