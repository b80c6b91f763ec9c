"""The owned session's transport settings over real loopback sockets: ``proxy``, ``proxy_auth``,
``trust_env``, ``ssl`` and ``trace_configs``.

The proxy is a small forward proxy on 127.0.0.1 that records every request head it receives;
the TLS server uses a self-signed certificate for 127.0.0.1 kept in ``data/`` (test-only key).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from proxyorders_async import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    ProxyOrdersClient,
    RetryPolicy,
)
from proxyorders_async.emulator import Emulator

FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005, max_retry_after=0.01)
PASSWORD = "pr0xy-S3CRET-pass"
TLS_TOKEN = "tok-tls-0123456789abcdef"
DATA = Path(__file__).parent / "data"
CERT, KEY = DATA / "loopback-cert.pem", DATA / "loopback-key.pem"


class LoopbackProxy:
    """A plain-HTTP forward proxy on 127.0.0.1 that records the request heads it receives.

    It forwards absolute-form requests to their (loopback) origin with ``Connection: close``,
    answers ``CONNECT`` with 407 (no tunnel is ever opened) and, when ``require`` is set,
    answers 407 to a request without that ``Proxy-Authorization``.
    """

    def __init__(self, require: str | None = None) -> None:
        self.require = require
        self.seen: list[tuple[str, str, CIMultiDict[str]]] = []
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> LoopbackProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.split("\r\n")
            method, target, _ = request_line.split(" ")
            headers = CIMultiDict(line.split(": ", 1) for line in lines if line)
            self.seen.append((method, target, headers.copy()))
            refused = (
                self.require is not None and headers.get("Proxy-Authorization") != self.require
            )
            if method == "CONNECT" or refused:
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
            body = await reader.readexactly(int(headers.get("Content-Length", "0")))
            writer.write(await self._forward(method, URL(target), headers, body))
        finally:
            await writer.drain()
            writer.close()

    @staticmethod
    async def _forward(method: str, url: URL, headers: CIMultiDict[str], body: bytes) -> bytes:
        assert url.host == "127.0.0.1", url  # this proxy never leaves the machine
        for hop in ("Proxy-Authorization", "Proxy-Connection", "Connection"):
            headers.popall(hop, None)
        headers["Connection"] = "close"
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
        up_writer.write(f"{method} {url.raw_path_qs} HTTP/1.1\r\n{lines}\r\n".encode() + body)
        response = await up_reader.read()
        up_writer.close()
        return response


@pytest.fixture
async def emulator(proxyorders_emulator: Emulator) -> Emulator:
    return proxyorders_emulator


@pytest.fixture
async def proxy() -> AsyncIterator[LoopbackProxy]:
    async with LoopbackProxy() as running:
        yield running


def client_for(emulator: Emulator, **kwargs: Any) -> ProxyOrdersClient:
    return ProxyOrdersClient(
        token=emulator.token, base_url=emulator.url, retry_policy=FAST, **kwargs
    )


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


# ---------------------------------------------------------------------------------------------
# proxy and proxy_auth


async def test_requests_go_through_the_proxy(emulator: Emulator, proxy: LoopbackProxy) -> None:
    async with client_for(emulator, proxy=proxy.url) as client:
        me = await client.account.me()
        await client.orders.set_tag(*await _some_order(client), "via-proxy")

    assert me.email
    targets = [(method, target) for method, target, _ in proxy.seen]
    assert targets[0] == ("GET", f"{emulator.url}/user/api/me")
    assert targets[-1][0] == "POST" and targets[-1][1].endswith("/tag")
    assert all("Proxy-Authorization" not in headers for _, _, headers in proxy.seen)


async def _some_order(client: ProxyOrdersClient) -> tuple[int]:
    page = await client.orders.list("all", limit=1)
    if page.orders:
        return (page.orders[0].order_id,)
    from proxyorders_async import DatacenterIspPurchase

    bought = await client.orders.purchase(
        DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
    )
    return (bought.order_id,)


@pytest.mark.parametrize("how", ["proxy_auth", "in the URL"])
async def test_proxy_credentials_are_sent_and_never_logged(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.DEBUG)
    async with LoopbackProxy(require=basic("alice", PASSWORD)) as proxy:
        if how == "proxy_auth":
            options: dict[str, Any] = {
                "proxy": proxy.url,
                "proxy_auth": ("alice", PASSWORD),
            }
        else:
            options = {"proxy": str(URL(proxy.url).with_user("alice").with_password(PASSWORD))}
        async with client_for(emulator, **options) as client:
            await client.account.me()
            shown = repr(client)

    (_, _, headers) = proxy.seen[0]
    assert headers["Proxy-Authorization"] == basic("alice", PASSWORD)
    assert caplog.records, "the request was logged"
    assert PASSWORD not in caplog.text and PASSWORD not in shown


async def test_a_proxy_refusing_the_credentials_fails_without_showing_them(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    proxy = LoopbackProxy(require=basic("alice", "the-right-one"))
    async with proxy, client_for(emulator, proxy=proxy.url, proxy_auth=("alice", PASSWORD)) as c:
        with pytest.raises(APIStatusError) as caught:
            await c.account.me()

    assert caught.value.status == 407
    assert caught.value.headers.get("Proxy-Authorization") is None
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert PASSWORD not in text


async def test_an_https_api_is_reached_through_connect_and_a_refusal_sends_nothing(
    proxy: LoopbackProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = ProxyOrdersClient(
        token="tok-never-leaves",
        retry_policy=FAST,
        max_retries=1,
        proxy=proxy.url,
        proxy_auth=("alice", PASSWORD),
    )
    async with client:
        # A charging call: the proxy refused the tunnel, so nothing reached the API and the
        # error is a plain connection error, not "outcome unknown".
        with pytest.raises(APIConnectionError) as caught:
            await client.orders.renew(7)

    assert type(caught.value) is APIConnectionError
    assert "407" in str(caught.value)
    assert [(m, t) for m, t, _ in proxy.seen] == [("CONNECT", "user-api.proxyshard.com:443")] * 2
    assert proxy.seen[0][2]["Proxy-Authorization"] == basic("alice", PASSWORD)
    # The tunnel request carries the proxy's credentials only, never the API key.
    assert all("tok-never-leaves" not in str(headers) for _, _, headers in proxy.seen)
    assert PASSWORD not in str(caught.value) and PASSWORD not in caplog.text


# ---------------------------------------------------------------------------------------------
# trust_env


@pytest.fixture
def env_proxy(monkeypatch: pytest.MonkeyPatch, proxy: LoopbackProxy) -> LoopbackProxy:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    return proxy


async def test_trust_env_uses_http_proxy(emulator: Emulator, env_proxy: LoopbackProxy) -> None:
    async with client_for(emulator) as client:
        await client.account.me()
    assert env_proxy.seen == []  # ignored by default

    async with client_for(emulator, trust_env=True) as client:
        await client.account.me()
    assert [(m, t) for m, t, _ in env_proxy.seen] == [("GET", f"{emulator.url}/user/api/me")]


async def test_trust_env_proxy_credentials_are_sent_and_never_logged(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with LoopbackProxy(require=basic("bob", PASSWORD)) as proxy:
        monkeypatch.setenv(
            "HTTP_PROXY", str(URL(proxy.url).with_user("bob").with_password(PASSWORD))
        )
        async with client_for(emulator, trust_env=True) as client:
            await client.account.me()
    assert proxy.seen[0][2]["Proxy-Authorization"] == basic("bob", PASSWORD)
    assert PASSWORD not in caplog.text


# ---------------------------------------------------------------------------------------------
# ssl


@pytest.fixture
async def tls_api() -> AsyncIterator[str]:
    async def me(_: web.Request) -> web.Response:
        return web.json_response(
            {"email": "tls@example.com", "active_orders": 0, "wallet_balance": 0}
        )

    app = web.Application()
    app.router.add_get("/user/api/me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}"
    await runner.cleanup()


async def test_certificates_are_verified_by_default(tls_api: str) -> None:
    async with ProxyOrdersClient(token=TLS_TOKEN, base_url=tls_api, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
            await client.account.me()


@pytest.mark.parametrize("kind", ["context", "off"])
async def test_ssl_takes_a_context_or_false(tls_api: str, kind: str) -> None:
    setting: ssl.SSLContext | bool = False
    if kind == "context":
        setting = ssl.create_default_context(cafile=str(CERT))
    async with ProxyOrdersClient(token=TLS_TOKEN, base_url=tls_api, ssl=setting) as client:
        me = await client.account.me()
    assert me.email == "tls@example.com"


# ---------------------------------------------------------------------------------------------
# trace_configs


async def test_trace_configs_see_every_request(emulator: Emulator) -> None:
    seen: list[tuple[str, str, int]] = []

    async def on_end(_: Any, __: Any, params: aiohttp.TraceRequestEndParams) -> None:
        seen.append((params.method, params.url.path, params.response.status))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with client_for(emulator, trace_configs=[trace]) as client:
        await client.account.me()
        await client.catalog.products()

    assert seen == [("GET", "/user/api/me", 200), ("GET", "/user/api/proxies/products", 200)]


# ---------------------------------------------------------------------------------------------
# Settings checked up front


async def test_a_borrowed_session_refuses_session_settings() -> None:
    async with aiohttp.ClientSession() as session:
        for options in (
            {"proxy": "http://127.0.0.1:3128"},
            {"ssl": False},
            {"trust_env": True},
            {"trace_configs": [aiohttp.TraceConfig()]},
        ):
            with pytest.raises(ConfigurationError, match=r"own aiohttp\.ClientSession"):
                ProxyOrdersClient(token="t0ken-0123456789", session=session, **options)


@pytest.mark.parametrize(
    "options",
    [
        {"proxy": "ftp://127.0.0.1:21"},
        {"proxy": "http://"},
        {"proxy": 3128},
        {"proxy": "http://127.0.0.1:3128/?x=1"},
        {"proxy_auth": ("a", "b")},
        {"proxy": "http://127.0.0.1:3128", "proxy_auth": "a:b"},
        {"proxy": "http://127.0.0.1:3128", "proxy_auth": ("a", "b", "c")},
        {"proxy": "http://a:b@127.0.0.1:3128", "proxy_auth": ("a", "b")},
        {"ssl": "yes"},
        {"ssl": True, "trust_env": 1},
        {"trace_configs": [object()]},
        {"trace_configs": aiohttp.TraceConfig()},
        # The token would cross the network in clear text to the proxy.
        {"base_url": "http://127.0.0.1:8080", "proxy": "http://proxy.example:3128"},
    ],
)
def test_bad_session_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ProxyOrdersClient(token="t0ken-0123456789", **options)
    assert PASSWORD not in str(caught.value) and "b@" not in str(caught.value)


def test_plain_http_through_a_remote_env_proxy_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    base = "http://127.0.0.1:8080"
    with pytest.raises(ConfigurationError, match="HTTP_PROXY"):
        ProxyOrdersClient(token="t0ken-0123456789", base_url=base, trust_env=True)
    ProxyOrdersClient(
        token="t0ken-0123456789", base_url=base
    )  # the environment is not read without trust_env
    ProxyOrdersClient(token="t0ken-0123456789", base_url=base, trust_env=True, allow_http=True)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    ProxyOrdersClient(token="t0ken-0123456789", base_url=base, trust_env=True)


async def test_proxy_auth_also_takes_an_aiohttp_basic_auth(emulator: Emulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # aiohttp >= 3.14 deprecates it
        auth = aiohttp.BasicAuth("carol", PASSWORD)
    proxy = LoopbackProxy(require=basic("carol", PASSWORD))
    async with proxy, client_for(emulator, proxy=proxy.url, proxy_auth=auth) as client:
        await client.account.me()
    assert proxy.seen[0][2]["Proxy-Authorization"] == basic("carol", PASSWORD)


def test_plain_http_through_a_remote_proxy_needs_allow_http() -> None:
    client = ProxyOrdersClient(
        token="t0ken-0123456789",
        base_url="http://127.0.0.1:8080",
        proxy="http://proxy.example:3128",
        allow_http=True,
    )
    assert client.base_url == "http://127.0.0.1:8080/"
