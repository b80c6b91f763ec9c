"""Scenario 19: a base URL with a path prefix (an API mounted behind a gateway at ``/gw``).

A loopback gateway forwards ``/gw/...`` to the emulator and answers 404 to anything else,
recording it. The emulator does not know the prefix, so its ``next`` URIs are root-relative
(``/user/api/orders?...``) or absolute without the prefix; a prefix-aware server announces
``/gw/user/api/...``. Every request of every walk must stay under the prefix. A base URL that
already ends in ``/user/api`` is refused at construction with a hint.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Literal

import aiohttp
import pytest
from aiohttp import web

from proxyorders_async import ConfigurationError, DatacenterIspPurchase, ProxyOrdersClient
from proxyorders_async.emulator import Emulator

from ._support import FAST, LoopbackServer, record

PREFIX = "/gw"
ORDERS = 95
PAGE = 20
Mode = Literal["relative", "absolute", "prefixed"]


class Gateway:
    """Forwards ``/gw/<path>`` to the emulator (as ``/<path>``); 404s everything else.

    ``mode="prefixed"`` plays a server that knows its public prefix: it rewrites ``next`` and
    ``prev`` to start with ``/gw``.
    """

    def __init__(self, emu: Emulator, mode: Mode) -> None:
        self.emu = emu
        self.mode = mode
        self.inside: list[str] = []
        self.outside: list[str] = []
        self.server = LoopbackServer({("*", "*"): self.forward})
        self.session: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if not request.path.startswith(PREFIX + "/"):
            self.outside.append(request.path_qs)
            return web.json_response({"success": False, "message": "no such route"}, status=404)
        self.inside.append(request.path_qs)
        assert self.session is not None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type")
        }
        headers["Host"] = request.host  # absolute next URIs name the gateway, as behind nginx
        target = self.emu.url + request.path_qs[len(PREFIX) :]
        async with self.session.request(
            request.method, target, data=await request.read(), headers=headers
        ) as upstream:
            body = await upstream.read()
        if self.mode == "prefixed" and body.startswith(b"{"):
            data = json.loads(body)
            for key in ("next", "prev"):
                if isinstance(data.get(key), str):
                    data[key] = PREFIX + data[key]
            body = json.dumps(data).encode()
        return web.Response(body=body, status=upstream.status, content_type=upstream.content_type)

    async def __aenter__(self) -> Gateway:
        self.session = aiohttp.ClientSession()
        await self.server.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.__aexit__(*exc_info)
        assert self.session is not None
        await self.session.close()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(orders=ORDERS, seed=1901) as emulator:
        yield emulator


def _client(emu: Emulator, gateway: Gateway) -> ProxyOrdersClient:
    return ProxyOrdersClient(
        token=emu.token, base_url=gateway.server.url + PREFIX, retry_policy=FAST, max_retries=0
    )


@pytest.mark.parametrize("mode", ["relative", "absolute", "prefixed"])
@pytest.mark.parametrize("concurrency", [1, 3])
async def test_every_page_of_a_walk_stays_under_the_prefix(
    emu: Emulator, mode: Mode, concurrency: int
) -> None:
    emu.settings.absolute_next = mode == "absolute"
    async with Gateway(emu, mode) as gateway, _client(emu, gateway) as client:
        ids = [
            order.order_id
            async for order in client.orders.iter("all", page_size=PAGE, concurrency=concurrency)
        ]
    assert len(ids) == ORDERS
    assert len(set(ids)) == ORDERS
    assert gateway.outside == []
    # Every page reached the emulator (fetching ahead may ask for a page past the end too).
    pages = -(-ORDERS // PAGE)
    assert emu.count("GET", "/user/api/orders") == len(gateway.inside) >= pages
    record(
        "S19",
        **{
            f"{mode}_c{concurrency}_orders": len(ids),
            f"{mode}_c{concurrency}_requests": len(gateway.inside),
            f"{mode}_c{concurrency}_outside": len(gateway.outside),
        },
    )


async def test_a_walk_resumed_from_a_saved_root_relative_next_stays_under_the_prefix(
    emu: Emulator,
) -> None:
    async with Gateway(emu, "relative") as gateway, _client(emu, gateway) as client:
        first = await client.orders.list("all", limit=PAGE)
        assert first.next is not None
        assert first.next.startswith("/user/api/orders")  # the server does not know /gw
        assert first.url.startswith(gateway.server.url + PREFIX + "/user/api/orders")
        resumed = [o.order_id async for o in client.orders.iter("all", start=first.next)]
    assert len(resumed) == ORDERS - PAGE
    assert gateway.outside == []


async def test_every_endpoint_goes_under_the_prefix(emu: Emulator) -> None:
    async with Gateway(emu, "relative") as gateway, _client(emu, gateway) as client:
        await client.account.me()
        await client.catalog.products()
        await client.orders.calculate("Datacenter Proxy", location="DE", cycle="monthly")
        bought = await client.orders.purchase(
            DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
        )
        await client.orders.get(bought.order_id)
        await client.orders.set_tag(bought.order_id, "gw")
        await client.proxies.active(bought.order_id)
    assert gateway.outside == []
    assert len(gateway.inside) == 7
    assert all(path.startswith(PREFIX + "/user/api/") for path in gateway.inside)
    record("S19", endpoints_under_prefix=len(gateway.inside))


@pytest.mark.parametrize("suffix", ["/user/api", "/user/api/", "/gw/user/api"])
async def test_a_base_url_ending_in_user_api_is_refused_with_a_hint(
    emu: Emulator, suffix: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ProxyOrdersClient(token=emu.token, base_url=emu.url + suffix)
    message = str(caught.value)
    expected = emu.url + suffix.removesuffix("/").removesuffix("/user/api")
    assert f"base_url={expected!r}" in message
    assert "/user/api/user/api/me" in message
    assert len(emu.journal) == 0
    record("S19", hint=message.replace(emu.url, "http://127.0.0.1:PORT"))
