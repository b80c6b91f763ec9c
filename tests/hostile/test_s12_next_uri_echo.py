"""Scenario 12 (cont.): a ``next`` URI that echoes the API key is refused without showing it.

The refusal (``PaginationError``) quotes the URI, which is the server's text: the key in it,
verbatim or percent-encoded, is masked like in every other error built from an answer.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from aiohttp import web

from proxyorders_async import PaginationError, ProxyOrdersClient

from ._support import FAST, loopback_server, record

TOKEN = "sk_live_Zq9/abcdefghijklmnopqrstuvwxyz0123456789"

NEXTS = {
    "foreign": f"http://198.51.100.7/user/api/orders?key={TOKEN}",
    "credentials": f"http://user:{quote(TOKEN, safe='')}@127.0.0.1/user/api/orders",
    "repeat": f"/user/api/orders?status=all&offset=0&limit=20&k={quote(TOKEN, safe='')}",
}


@pytest.mark.parametrize("kind", sorted(NEXTS))
async def test_a_refused_next_never_shows_the_key(kind: str) -> None:
    async def orders(request: web.Request) -> web.Response:
        return web.json_response({"success": True, "orders": [], "count": 0, "next": NEXTS[kind]})

    routes = {("GET", "/user/api/orders"): orders}
    async with (
        loopback_server(routes) as server,
        ProxyOrdersClient(TOKEN, base_url=server.url, retry_policy=FAST) as client,
    ):
        with pytest.raises(PaginationError) as caught:
            async for _ in client.orders.pages("all", start=NEXTS["repeat"]):
                pass
    exc = caught.value
    texts = [str(exc), repr(exc), exc.message, exc.url]
    for run in range(len(TOKEN) - 7):
        piece = TOKEN[run : run + 8]
        assert not any(piece in t or quote(piece, safe="") in t for t in texts), (kind, texts)
    record("S12", **{f"next_{kind}_texts": len(texts)})
