"""The other stack users pick: httpx.AsyncClient with pydantic v2 models (the ``bench`` extra).

Written as its documentation suggests: one client, ``raise_for_status``, ``model_validate_json``
on the raw bytes (pydantic-core parses and validates in one pass), ``next`` followed, a
semaphore for fan-out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import httpx
from pydantic import BaseModel, TypeAdapter

QUOTE_PATH = "/user/api/orders/calculate"
ORDERS_PATH = "/user/api/orders"


class PriceQuote(BaseModel):
    original_price: int | None = None
    final_price: int | None = None
    discount_percent: int | None = None
    addons_price: int | None = None
    total_with_addons: int | None = None


class Order(BaseModel):
    order_id: int
    product_id: int
    product_name: str
    cycle_id: int
    cycle_name: str
    expires_at: datetime | None = None
    auto_renewal: bool | None = None
    tag: str | None = None


class OrderPage(BaseModel):
    orders: list[Order]
    count: int | None = None
    next: str | None = None
    prev: str | None = None


PAGE_ADAPTER: TypeAdapter[OrderPage] = TypeAdapter(OrderPage)


def client(base: str, token: str, *, limit: int = 100) -> httpx.AsyncClient:
    """One client for the whole job."""
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
        timeout=30.0,
    )


async def quote(http: httpx.AsyncClient, params: dict[str, str]) -> PriceQuote:
    """One price quote as a model."""
    response = await http.get(QUOTE_PATH, params=params)
    response.raise_for_status()
    return PriceQuote.model_validate_json(response.content)


async def quotes_sequential(
    http: httpx.AsyncClient, params: Sequence[dict[str, str]]
) -> list[PriceQuote]:
    """Quotes one after the other."""
    return [await quote(http, p) for p in params]


async def quotes_fan_out(
    http: httpx.AsyncClient, params: Sequence[dict[str, str]], concurrency: int
) -> list[PriceQuote]:
    """Quotes concurrently, at most ``concurrency`` in flight, results in input order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(p: dict[str, str]) -> PriceQuote:
        async with semaphore:
            return await quote(http, p)

    return await asyncio.gather(*(one(p) for p in params))


async def export(http: httpx.AsyncClient, page_size: int) -> int:
    """Walk every order by following ``next``; returns how many orders were seen."""
    url: str | None = f"{ORDERS_PATH}?status=all&offset=0&limit={page_size}"
    seen = 0
    while url is not None:
        response = await http.get(url)
        response.raise_for_status()
        page = OrderPage.model_validate_json(response.content)
        for _order in page.orders:
            seen += 1
        url = page.next
    return seen
