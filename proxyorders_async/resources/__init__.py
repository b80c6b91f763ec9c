"""Resource namespaces: ``client.orders``, ``client.catalog``, ``client.account``,
``client.proxies``.

One module per namespace; each method validates its arguments, then sends one endpoint request
(see ``_endpoints``) through the client's :class:`~proxyorders_async._transport.Transport`.
"""

from __future__ import annotations

from ._account import AccountResource
from ._base import Resource
from ._catalog import CatalogResource
from ._orders import OrdersResource
from ._proxies import ProxiesResource

__all__ = ["AccountResource", "CatalogResource", "OrdersResource", "ProxiesResource", "Resource"]
