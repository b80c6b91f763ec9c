"""Scenario 5: the token and proxy passwords leak nowhere, and never leave the API origin.

Everything is captured at DEBUG on the root logger (every logger, aiohttp's and asyncio's
included) while the SDK fails in every way it can, against the emulator and against servers
that echo the Authorization header back in bodies, status lines and headers.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import (
    APIError,
    APIStatusError,
    ConfigurationError,
    DatacenterIspPurchase,
    InvalidArgumentError,
    PaginationError,
    ProxyOrdersClient,
    ProxyOrdersError,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, LogCapture, capture_logs, client_for, loopback_server, record

TOKEN = "sk_live_Hostile7e5t70kenValue"
WRONG = "sk_live_WrongKeyAlsoSecret99"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def _texts(exc: BaseException) -> list[str]:
    """str, repr and the formatted traceback of an error and every error chained to it."""
    texts = ["".join(traceback.format_exception(exc))]
    for link in _chain(exc):
        texts += [str(link), repr(link), *(str(a) for a in link.args)]
        if isinstance(link, APIError):
            texts += [link.message, link.url]
    return texts


async def _drain(pages: AsyncIterator[Any]) -> None:
    async for _ in pages:
        pass


async def _collect(errors: list[BaseException], call: Awaitable[Any]) -> None:
    try:
        await call
    except ProxyOrdersError as exc:
        errors.append(exc)


def _assert_clean(secret: str, logs: LogCapture, errors: list[BaseException], *extra: str) -> int:
    leaks = [line for line in logs.lines if secret in line]
    assert not leaks, leaks[:3]
    for exc in errors:
        for text in _texts(exc):
            assert secret not in text, (type(exc).__name__, text[:300])
    for text in extra:
        assert secret not in text
    return len(logs.lines) + sum(len(_texts(e)) for e in errors) + len(extra)


async def test_token_in_no_repr_str_error_or_log_line_against_the_emulator() -> None:
    errors: list[BaseException] = []
    with capture_logs() as logs:
        async with Emulator(orders=300, seed=501, token=TOKEN) as emu:
            emu.add_account(WRONG.upper(), email="other@proxyshard.test")
            async with client_for(emu, timeout=0.3, max_retries=2) as client:
                view = client.with_options(max_retries=0)
                reprs = [repr(client), str(client), repr(view), str(view)]
                await client.account.me()
                await _collect(errors, client.orders.get(1))  # 404
                emu.faults.set("me", fail_first=3, fail_with=503)
                await _collect(errors, client.account.me())  # 503 x3, retries logged
                emu.faults.set("orders.get", fail_first=3, fail_with="reset_after")
                await _collect(errors, client.orders.get(100_001))
                emu.faults.set("proxies.products", fail_first=3, fail_with="truncate")
                await _collect(errors, client.catalog.products())
                emu.faults.set("orders.calculate", stall_ms=3000, trickle_chunk_bytes=1 << 20)
                await _collect(errors, client.orders.calculate("Datacenter Proxy", cycle="monthly"))
                emu.faults.set("orders.purchase", fail_first=1, fail_with="reset_after")
                await _collect(
                    errors,
                    client.orders.purchase(
                        DatacenterIspPurchase(
                            product="Datacenter Proxy", location="DE", cycle="monthly"
                        )
                    ),
                )
                emu.faults.set("orders.list", next_origin="http://127.0.0.1:9")
                await _collect(errors, _drain(client.orders.pages("all", page_size=10)))
                emu.faults.clear()
                it = client.orders.iter("all", page_size=50)
                await it.__anext__()
                reprs += [repr(it), repr(it._pages), repr(client.orders), repr(client._core)]
                await it.aclose()
            async with ProxyOrdersClient(token=WRONG, base_url=emu.url, retry_policy=FAST) as bad:
                await _collect(errors, bad.account.me())  # 401 for the wrong key
                reprs.append(repr(bad))
            for kwargs in ({"token": f"{TOKEN} x"}, {"token": f"{TOKEN}\x00"}):
                try:
                    ProxyOrdersClient(base_url=emu.url, **kwargs)
                except ConfigurationError as exc:
                    errors.append(exc)
    assert len(errors) >= 10
    checked = _assert_clean(TOKEN, logs, errors, *reprs)
    _assert_clean(WRONG, logs, errors, *reprs)
    _assert_clean(WRONG.upper(), logs, errors)
    record("S5", emulator_errors=len(errors), emulator_log_lines=len(logs.lines), texts=checked)


def _echo(status: int, shape: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        if shape == "html":
            return web.Response(
                text=f"<html><body><pre>Authorization: {auth}</pre></body></html>",
                status=status,
                content_type="text/html",
            )
        if shape == "shape":
            return web.json_response({"email": auth, "active_orders": "x"}, status=status)
        return web.json_response({"success": False, "message": f"bad key {auth}"}, status=status)

    return handler


async def _raw_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A broken HTTP server that echoes the Authorization header in invalid response lines."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    auth = next(ln.split(b":", 1)[1].strip() for ln in lines if ln.lower().startswith(b"author"))
    path = lines[0].split(b" ")[1]
    if path.endswith(b"/me"):
        writer.write(b"HTTP/1.1 2x0 " + auth + b"\r\nContent-Length: 2\r\n\r\n{}")
    else:
        writer.write(b"HTTP/1.1 200 OK\r\n" + auth + b"\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    writer.close()


async def test_token_echoed_by_a_hostile_server_is_redacted() -> None:
    routes = {
        ("GET", "/user/api/me"): _echo(401, "json"),
        ("GET", "/user/api/proxies/products"): _echo(500, "html"),
        ("GET", "/user/api/proxies/available-count"): _echo(200, "json"),
        ("GET", "/user/api/orders/5"): _echo(200, "shape"),
        ("GET", "/user/api/proxies/active"): _echo(400, "json"),
    }
    errors: list[BaseException] = []
    with capture_logs() as logs:
        async with (
            loopback_server(routes) as server,
            ProxyOrdersClient(token=TOKEN, base_url=server.url, retry_policy=FAST) as c,
        ):
            await _collect(errors, c.account.me())
            await _collect(errors, c.catalog.products())
            await _collect(errors, c.catalog.available_count())
            await _collect(errors, c.orders.get(5))
            await _collect(errors, c.proxies.active(5))
        raw = await asyncio.start_server(_raw_echo, "127.0.0.1", 0)
        port = raw.sockets[0].getsockname()[1]
        try:
            async with ProxyOrdersClient(
                token=TOKEN, base_url=f"http://127.0.0.1:{port}", retry_policy=FAST, max_retries=0
            ) as c:
                await _collect(errors, c.account.me())  # token inside a bad status line
                await _collect(errors, c.catalog.products())  # token as a bad header line
        finally:
            raw.close()
            await raw.wait_closed()
    assert len(errors) == 7
    assert all(isinstance(e, APIError) for e in errors)
    _assert_clean(TOKEN, logs, errors)
    bodies = [str(getattr(e, "body", "")) for e in errors]
    assert not [b for b in bodies if TOKEN in b]
    record("S5", echo_errors=len(errors), echo_redacted=len(errors))


def _serving(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return handler


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_origin_is_not_followed(status: int) -> None:
    async with loopback_server() as other, loopback_server() as api:
        location = {"Location": f"{other.url}/user/api/me"}
        api.routes[("GET", "/user/api/me")] = _serving({}, status, location)
        with capture_logs() as logs:
            async with ProxyOrdersClient(token=TOKEN, base_url=api.url) as client:
                with pytest.raises(APIStatusError) as caught:
                    await client.account.me()
        assert caught.value.status == status
        assert len(api.requests) == 1  # neither retried nor followed
        assert other.requests == []
        _assert_clean(TOKEN, logs, [caught.value])
    record("S5", redirects_followed=0, redirect_statuses="301/302/303/307/308")


def _page(next_uri: str | None) -> dict[str, Any]:
    order = {
        "order_id": 1,
        "product_id": 1,
        "product_name": "Datacenter Proxy",
        "cycle_id": 4,
        "cycle_name": "monthly",
    }
    return {"success": True, "orders": [order], "count": 1, "next": next_uri, "prev": None}


async def test_next_uri_to_another_origin_receives_nothing() -> None:
    async with Emulator(orders=300, seed=502, token=TOKEN) as emu, loopback_server() as other:
        emu.faults.set("orders.list", next_origin=other.url)
        async with client_for(emu) as client:
            pages = client.orders.pages("all", page_size=100)
            first = await pages.__anext__()  # the page is good; its next points away
            with pytest.raises(PaginationError) as caught:
                await pages.__anext__()
            assert first.next is not None and first.next.startswith(other.url)
            with pytest.raises(InvalidArgumentError):
                client.orders.pages("all", start=f"{other.url}/user/api/orders?status=all")
        assert "another origin" in caught.value.message
        assert other.requests == []
        assert len(emu.journal_for("orders.list")) == 1

    path = "/user/api/orders?status=all&offset=1&limit=1"
    async with loopback_server() as other, loopback_server() as api:
        uris = [
            other.url + path,  # same host, another port: another origin
            "//" + other.url.split("//", 1)[1] + path,  # scheme-relative
            "https://" + api.url.split("//", 1)[1] + path,  # same host and port, another scheme
            "http://user:pw@" + api.url.split("//", 1)[1] + path,  # credentials
            "http://localhost:" + api.url.rsplit(":", 1)[1] + path,  # another host name
        ]
        for uri in uris:
            api.routes[("GET", "/user/api/orders")] = _serving(_page(uri))
            before = len(api.requests)
            async with ProxyOrdersClient(token=TOKEN, base_url=api.url) as client:
                with pytest.raises(PaginationError):
                    async for _ in client.orders.iter("all"):
                        pass
            assert len(api.requests) == before + 1  # only the first page was fetched
        assert other.requests == []
    record("S5", foreign_next_refused=len(uris) + 1, foreign_requests=0)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://example.com",
        "http://10.0.0.1:8080",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://[2001:db8::1]",
    ],
)
def test_plain_http_to_a_non_loopback_host_is_refused(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="allow_http"):
        ProxyOrdersClient(token=TOKEN, base_url=base_url)
    monkeypatch.setenv("PROXYORDERS_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="allow_http"):
        ProxyOrdersClient(token=TOKEN)
    # The explicit opt-in is honoured (nothing is sent: the client is never used).
    assert ProxyOrdersClient(token=TOKEN, base_url=base_url, allow_http=True).base_url
    record("S5", http_refused_hosts=5)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://127.9.9.9"]
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert ProxyOrdersClient(token=TOKEN, base_url=base_url).base_url.startswith("http://")


async def test_proxy_passwords_never_logged_and_hidden_in_repr() -> None:
    async with Emulator(seed=503, token=TOKEN) as emu:
        with capture_logs() as logs:
            async with client_for(emu) as client:
                bought = await client.orders.purchase(
                    DatacenterIspPurchase(
                        product="Datacenter Proxy", location="DE", cycle="monthly", quantity=5
                    )
                )
                emu.faults.set("proxies.active", fail_first=2, fail_with="truncate")
                proxies = await client.proxies.active(bought.order_id)  # retried twice
        passwords = [p.password for p in proxies]
        assert len(passwords) == 5 and all(passwords)
        shown = [repr(proxies), str(proxies), *(repr(p) for p in proxies), *map(str, proxies)]
        for password in passwords:
            assert not [line for line in logs.lines if password in line]
            assert not [text for text in shown if password in text]
        assert "'***'" in repr(proxies.data[0])
        assert len(logs.retries()) == 2
    record("S5", proxy_passwords_checked=len(passwords), proxy_log_lines=len(logs.lines))


async def test_proxy_passwords_stay_out_of_error_messages() -> None:
    secret = "Pr0xyPassw0rdValue"
    body = {
        "success": True,
        "order_tag": None,
        "data": [
            {
                "ip": "100.64.0.1",
                "username": "u1",
                "password": secret,
                "http_port": "8080",  # wrong type: the body is refused
                "socks_port": 1080,
                "until": "2025-02-01T00:00:00Z",
                "status": "active",
            }
        ],
    }

    async def active(request: web.Request) -> web.Response:
        return web.json_response(body)

    errors: list[BaseException] = []
    with capture_logs() as logs:
        async with (
            loopback_server({("GET", "/user/api/proxies/active"): active}) as server,
            ProxyOrdersClient(token=TOKEN, base_url=server.url) as client,
        ):
            await _collect(errors, client.proxies.active(1))
    assert len(errors) == 1
    assert "http_port" in str(errors[0])
    _assert_clean(secret, logs, errors)
