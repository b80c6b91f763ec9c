"""Asyncio SDK for the ProxyShard User API.

from proxyorders_async import ProxyOrdersClient

async with ProxyOrdersClient(token="...") as client:
    async for order in client.orders.iter("active", page_size=100):
        print(order.order_id, order.product_name)
"""

from __future__ import annotations

from ._client import ProxyOrdersClient
from ._converters import make_converter
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    EventLoopMismatchError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    NotFoundError,
    OutcomeUnknownError,
    OutOfStockError,
    PaginationError,
    PermissionDeniedError,
    ProxyOrdersError,
    PurchaseOutcomeUnknownError,
    RateLimitError,
)
from ._logging import setup_logging as _setup_logging
from ._models import (
    Account,
    ActiveProxy,
    ActiveProxyList,
    Addon,
    BillingCycleChange,
    DatacenterIspPurchase,
    GenericPurchase,
    OperationResult,
    Order,
    OrderDetail,
    OrderPage,
    PremiumResidentialPurchase,
    PriceQuote,
    Product,
    PurchaseRequest,
    PurchaseResult,
    QuoteRequest,
    StandardResidentialPurchase,
    StockLevel,
    UnmeteredResidentialPurchase,
)
from ._models_addons import (
    AddonLine,
    AddonPending,
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    SignatureUpdate,
)
from ._models_geo import City, Country, GeoList, Isp, Region, RegionRef
from ._models_residential import ResidentialProfile, SubUser, SubUserPage
from ._pagination import OrderIterator, PageIterator, SubUserIterator
from ._raw import RawResponse, RawResponseClient
from ._retry import RetryPolicy, Safety
from ._validation import OrderStatus, OrderStatusName
from ._validation_more import ProxyType, Signature
from ._version import __version__
from .resources import (
    AccountResource,
    AddonsResource,
    CatalogResource,
    GeoResource,
    HealthResource,
    OrdersResource,
    ProxiesResource,
    ResidentialResource,
    SubUsersResource,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AccountResource",
    "ActiveProxy",
    "ActiveProxyList",
    "Addon",
    "AddonLine",
    "AddonPending",
    "AddonPurchase",
    "AddonQuote",
    "AddonSchedule",
    "AddonsResource",
    "AuthenticationError",
    "BadRequestError",
    "BillingCycleChange",
    "CatalogResource",
    "City",
    "ClientClosedError",
    "ConfigurationError",
    "Country",
    "DatacenterIspPurchase",
    "EventLoopMismatchError",
    "GenericPurchase",
    "GeoList",
    "GeoResource",
    "HealthResource",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "Isp",
    "NotFoundError",
    "OperationResult",
    "Order",
    "OrderDetail",
    "OrderIterator",
    "OrderPage",
    "OrderStatus",
    "OrderStatusName",
    "OrdersResource",
    "OutOfStockError",
    "OutcomeUnknownError",
    "PageIterator",
    "PaginationError",
    "PermissionDeniedError",
    "PremiumResidentialPurchase",
    "PriceQuote",
    "Product",
    "ProxiesResource",
    "ProxyOrdersClient",
    "ProxyOrdersError",
    "ProxyType",
    "PurchaseOutcomeUnknownError",
    "PurchaseRequest",
    "PurchaseResult",
    "QuoteRequest",
    "RateLimitError",
    "RawResponse",
    "RawResponseClient",
    "Region",
    "RegionRef",
    "ResidentialProfile",
    "ResidentialResource",
    "RetryPolicy",
    "Safety",
    "Signature",
    "SignatureUpdate",
    "StandardResidentialPurchase",
    "StockLevel",
    "SubUser",
    "SubUserIterator",
    "SubUserPage",
    "SubUsersResource",
    "UnmeteredResidentialPurchase",
    "__version__",
    "make_converter",
]

_setup_logging()  # PROXYORDERS_LOG=debug|info; once per process
