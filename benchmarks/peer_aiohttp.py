"""The baseline: what a careful user writes with raw aiohttp and no SDK.

One session, plain dicts from ``resp.json()``, status checked, ``next`` followed, a semaphore
for fan-out. No models, no retries, no validation: the cheapest correct client there is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
from yarl import URL

QUOTE_PATH = "/user/api/orders/calculate"
ORDERS_PATH = "/user/api/orders"


def session(token: str, *, limit: int = 100) -> aiohttp.ClientSession:
    """One session for the whole job, as the aiohttp docs recommend."""
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        connector=aiohttp.TCPConnector(limit=limit),
    )


async def quote(http: aiohttp.ClientSession, base: str, params: dict[str, str]) -> Any:
    """One price quote as a dict."""
    async with http.get(base + QUOTE_PATH, params=params) as response:
        response.raise_for_status()
        return await response.json()


async def quotes_sequential(
    http: aiohttp.ClientSession, base: str, params: Sequence[dict[str, str]]
) -> list[Any]:
    """Quotes one after the other."""
    return [await quote(http, base, p) for p in params]


async def quotes_fan_out(
    http: aiohttp.ClientSession, base: str, params: Sequence[dict[str, str]], concurrency: int
) -> list[Any]:
    """Quotes concurrently, at most ``concurrency`` in flight, results in input order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(p: dict[str, str]) -> Any:
        async with semaphore:
            return await quote(http, base, p)

    return await asyncio.gather(*(one(p) for p in params))


async def export(http: aiohttp.ClientSession, base: str, page_size: int) -> int:
    """Walk every order by following ``next``; returns how many orders were seen."""
    root = URL(base)
    url: URL | None = root.with_path(ORDERS_PATH).with_query(
        status="all", offset=0, limit=page_size
    )
    seen = 0
    while url is not None:
        async with http.get(url) as response:
            response.raise_for_status()
            page = await response.json()
        for _order in page["orders"]:
            seen += 1
        url = root.join(URL(page["next"])) if page["next"] else None
    return seen
