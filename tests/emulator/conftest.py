"""Fixtures for the emulator's own tests: a running emulator and a plain aiohttp session.

These tests never import the SDK client: they speak HTTP to the emulator directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from proxyorders_async.emulator import Emulator


class Api:
    """A thin JSON helper over ``aiohttp.ClientSession`` bound to an emulator."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator) -> None:
        self.session = session
        self.emu = emu

    async def call(
        self, method: str, path: str, *, token: str | None = "default", **kwargs: Any
    ) -> tuple[int, Any]:
        """Send a request to a path of the emulator (or an absolute URL); return the status and
        the decoded JSON body (None if not JSON)."""
        headers = dict(kwargs.pop("headers", {}))
        if token == "default":
            token = self.emu.token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.emu.url + path
        async with self.session.request(method, url, headers=headers, **kwargs) as response:
            raw = await response.read()
            try:
                body = await response.json(content_type=None) if raw else None
            except ValueError:
                body = None
            return response.status, body

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """GET ``path``."""
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        """POST ``path`` (pass ``json=`` for a body)."""
        return await self.call("POST", path, **kwargs)

    async def purchase(self, **body: Any) -> tuple[int, Any]:
        """POST a purchase with ``body`` as its JSON object."""
        return await self.post("/user/api/orders/purchase", json=body)

    async def orders(self, *, token: str | None = "default", **query: Any) -> tuple[int, Any]:
        """GET the order list with ``query``."""
        params = {k: str(v) for k, v in query.items()}
        return await self.get("/user/api/orders", params=params, token=token)


DC_MONTHLY = {"product": "Datacenter Proxy", "location": "DE", "cycle": "monthly"}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A running emulator with 50 seeded orders."""
    async with Emulator(orders=50, seed=7) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client session, one connection per request so tests never share sockets.

    Note: aiohttp itself retries an idempotent request (GET) once when the connection is reset
    before the response headers arrive; fault tests on GET routes account for that.
    """
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s:
        yield s


@pytest.fixture
def api(session: aiohttp.ClientSession, emu: Emulator) -> Api:
    """JSON helper bound to ``emu``."""
    return Api(session, emu)
