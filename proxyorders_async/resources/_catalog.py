"""``client.catalog``: products and stock."""

from __future__ import annotations

from .._endpoints import AVAILABLE_COUNT, PRODUCTS
from .._models import Product, StockLevel
from ._base import Resource


class CatalogResource(Resource):
    """Products and stock (``client.catalog``)."""

    __slots__ = ()

    async def products(self) -> tuple[Product, ...]:
        """Every product with the billing-cycle names it accepts."""
        return await self._transport.send(PRODUCTS.request())

    async def available_count(self) -> tuple[StockLevel, ...]:
        """Stock per product and country."""
        return await self._transport.send(AVAILABLE_COUNT.request())
