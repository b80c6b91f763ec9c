"""Scenario 12: the API key leaves in no spelling a server can echo it back in.

A raw loopback server echoes the ``Authorization`` header in a reason phrase
(``HTTP/1.1 503 Bearer <token>``), in JSON with ``\\/`` and ``\\uXXXX`` escapes (401, 403,
``success: false`` and a wrong-shaped 200), in over-long status and header lines that aiohttp
quotes cut to 100 bytes (the cut falling anywhere in the token), and in broken status and
header lines with a token holding a backslash and non-ASCII characters. Every text a caller
or a log can see is then searched for every run of 8 characters of the token, in every
spelling: the exceptions (str, repr, message, body, traceback), every log line at DEBUG, and
the CLI's ``--debug`` output.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from collections.abc import Iterator

import pytest

from proxyorders_async import APIError, ProxyOrdersClient, ProxyOrdersError

from ._support import FAST, capture_logs, record

TOKEN = "sk_live_Zq9/abcdefghijklmnopqrstuvwxyz0123456789"
ODD = "sk_live_Zq9\\ab/\u00e9\u20ac_ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # a backslash, non-ASCII
CUTS = (8, 13, 21, 30, 43, 47)  # token characters inside aiohttp's 100-byte excerpt
LONG = 9000  # past aiohttp's 8190-byte line limit


def _json_escaped(token: str, every: bool) -> bytes:
    """The token as JSON text: ``\\/`` for ``/``, or every character as ``\\uXXXX``."""
    if every:
        return "".join(f"\\u{ord(c):04x}" for c in token).encode()
    return json.dumps(token)[1:-1].replace("/", "\\/").encode()


def _answer(path: str, token: bytes) -> bytes:
    """The raw response for ``path``: each order id is one way of echoing the token."""
    text = token.decode()
    case = int(path.rsplit("/", 1)[1]) if path[-1].isdigit() else 0
    if path.endswith("/me"):
        return b"HTTP/1.1 503 Bearer " + token + b"\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
    if 100 < case < 200:  # an over-long reason phrase; the excerpt cuts the token
        pad = b"x" * (100 - (case - 100))
        return b"HTTP/1.1 503 " + pad + token + b"z" * LONG + b"\r\nContent-Length: 0\r\n\r\n"
    if 200 < case < 300:  # an over-long header line
        pad = b"x" * (100 - (case - 200))
        line = b"X-Echo: " + pad + token + b"z" * LONG
        return b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 2\r\n\r\n{}"
    if case == 6:  # a broken status line
        return b"HTTP/1.1 2x0 Bearer " + token + b"\r\nContent-Length: 2\r\n\r\n{}"
    if case == 7:  # a broken header line
        return b"HTTP/1.1 200 OK\r\nBearer " + token + b"\r\nContent-Length: 2\r\n\r\n{}"
    status, body = {
        1: (401, b'{"success": false, "message": "bad key ' + _json_escaped(text, False) + b'"}'),
        2: (403, b'{"success": false, "message": "' + _json_escaped(text, True) + b'"}'),
        3: (200, b'{"success": false, "message": "key ' + _json_escaped(text, False) + b'"}'),
        4: (200, b'{"success": true, "order": {"order_id": "' + _json_escaped(text, True) + b'"}}'),
        5: (200, b'{"message": "' + _json_escaped(text, True) + b'", "order": {'),  # cut short
        8: (500, b"<html><pre>Authorization: Bearer " + token + b"</pre></html>"),
    }[case]
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        auth = next(ln.split(b":", 1)[1].strip() for ln in lines if ln.lower().startswith(b"auth"))
        writer.write(_answer(lines[0].split(b" ")[1].decode(), auth.split(b" ", 1)[1]))
        await writer.drain()
    finally:
        writer.close()


def _spellings(fragment: str) -> set[str]:
    """Every way a text may show ``fragment``: verbatim, JSON, ``\\u``, repr of str or bytes."""
    once = {
        fragment,
        json.dumps(fragment)[1:-1],
        json.dumps(fragment)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in fragment),
        repr(fragment)[1:-1],
        repr(fragment.encode())[2:-1],
        fragment.encode().decode("latin-1"),
    }
    return once | {repr(s)[1:-1] for s in once} | {json.dumps(s)[1:-1] for s in once}


def _needles(token: str) -> set[str]:
    """Every run of 8 characters of ``token``, in every spelling."""
    return {s for i in range(len(token) - 7) for s in _spellings(token[i : i + 8])}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop()
        if link is not None and id(link) not in seen:
            seen.add(id(link))
            yield link
            todo += [link.__cause__, link.__context__]


def _texts(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    for link in _chain(exc):
        texts += [str(link), repr(link), *map(str, link.args)]
        if isinstance(link, APIError):
            texts += [link.message, link.url, str(getattr(link, "body", "")), repr(link.__dict__)]
    return texts


def _leaks(token: str, texts: list[str]) -> int:
    needles = _needles(token)
    return sum(text.count(needle) for text in texts for needle in needles)


async def _server() -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.mark.parametrize("token", [TOKEN, ODD], ids=["ascii", "backslash-non-ascii"])
async def test_no_echo_of_the_token_survives_in_any_text(token: str) -> None:
    server, url = await _server()
    errors: list[BaseException] = []
    cases = [1, 2, 3, 4, 5, 6, 7, 8, *(100 + k for k in CUTS), *(200 + k for k in CUTS)]
    try:
        with capture_logs() as logs:
            async with ProxyOrdersClient(token=token, base_url=url, retry_policy=FAST) as client:
                for call in [client.account.me(), *(client.orders.get(n) for n in cases)]:
                    try:
                        await call
                    except ProxyOrdersError as exc:
                        errors.append(exc)
    finally:
        server.close()
        await server.wait_closed()
    assert len(errors) == 1 + len(cases)  # every echo is an error
    assert len(logs.retries()) >= 2  # the 503's reason phrase went into retry log lines
    texts = [text for exc in errors for text in _texts(exc)] + logs.lines
    leaks = _leaks(token, texts)
    assert leaks == 0, [t[:300] for t in texts if _leaks(token, [t])][:3]
    kind = "ascii" if token == TOKEN else "odd"
    record("S12", **{f"{kind}_texts": len(texts), f"{kind}_occurrences": leaks})


async def test_cli_debug_output_shows_no_echoed_token() -> None:
    server, url = await _server()
    env = {**os.environ, "PROXYORDERS_TOKEN": TOKEN, "PROXYORDERS_BASE_URL": url}
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "proxyorders_async",
            "--debug",
            "me",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await asyncio.wait_for(child.communicate(), 60)
    finally:
        server.close()
        await server.wait_closed()
    stderr = err.decode("utf-8", "replace")
    assert child.returncode == 1, stderr
    assert "Traceback" in stderr and "retrying GET" in stderr  # the traceback and DEBUG lines
    assert "HTTP 503" in stderr
    leaks = _leaks(TOKEN, [stderr, out.decode("utf-8", "replace")])
    assert leaks == 0, stderr[-2000:]
    record("S12", cli_debug_lines=len(stderr.splitlines()), cli_occurrences=leaks)
