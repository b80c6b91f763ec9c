"""Resource namespaces: ``client.orders``, ``client.catalog``, ``client.account``,
``client.proxies``, ``client.addons``, ``client.residential``, ``client.sub_users``,
``client.geo`` and ``client.health``.

One module per namespace; each method validates its arguments, then sends one endpoint request
(see ``_endpoints``) through the client's :class:`~proxyorders_async._transport.Transport`.
"""

from __future__ import annotations

from ._account import AccountResource
from ._addons import AddonsResource
from ._base import Resource
from ._catalog import CatalogResource
from ._geo import GeoResource
from ._health import HealthResource
from ._orders import OrdersResource
from ._proxies import ProxiesResource
from ._residential import ResidentialResource
from ._sub_users import SubUsersResource

__all__ = [
    "AccountResource",
    "AddonsResource",
    "CatalogResource",
    "GeoResource",
    "HealthResource",
    "OrdersResource",
    "ProxiesResource",
    "ResidentialResource",
    "Resource",
    "SubUsersResource",
]
