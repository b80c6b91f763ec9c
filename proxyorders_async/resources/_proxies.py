"""``client.proxies``: proxy credentials."""

from __future__ import annotations

from .._endpoints import ACTIVE_PROXIES
from .._models import ActiveProxyList
from .._validation import check_order_id
from ._base import Resource


class ProxiesResource(Resource):
    """Proxy credentials (``client.proxies``)."""

    __slots__ = ()

    async def active(self, order_id: int) -> ActiveProxyList:
        """The active proxies of an order, passwords included (hidden from ``repr``)."""
        order_id = check_order_id(order_id)
        return await self._transport.send(ACTIVE_PROXIES.request(order_id=order_id))
