"""Asyncio SDK for the ProxyShard User API.

from proxyorders_async import ProxyOrdersClient

async with ProxyOrdersClient(token="...") as client:
    async for order in client.orders.iter("active", page_size=100):
        print(order.order_id, order.product_name)
"""

from __future__ import annotations

from ._client import ProxyOrdersClient
from ._converters import CONVERTER
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
    InsufficientBalanceError,
    InternalServerError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    NotFoundError,
    OutOfStockError,
    PaginationError,
    PermissionDeniedError,
    ProxyOrdersError,
    PurchaseOutcomeUnknownError,
    RateLimitError,
)
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
from ._pagination import OrderIterator, PageIterator
from ._resources import AccountResource, CatalogResource, OrdersResource, ProxiesResource
from ._retry import RetryPolicy
from ._validation import OrderStatus, OrderStatusName
from ._version import __version__

__all__ = [
    "CONVERTER",
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
    "AuthenticationError",
    "BadRequestError",
    "BillingCycleChange",
    "CatalogResource",
    "ClientClosedError",
    "ConfigurationError",
    "DatacenterIspPurchase",
    "GenericPurchase",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
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
    "PageIterator",
    "PaginationError",
    "PermissionDeniedError",
    "PremiumResidentialPurchase",
    "PriceQuote",
    "Product",
    "ProxiesResource",
    "ProxyOrdersClient",
    "ProxyOrdersError",
    "PurchaseOutcomeUnknownError",
    "PurchaseRequest",
    "PurchaseResult",
    "QuoteRequest",
    "RateLimitError",
    "RetryPolicy",
    "StandardResidentialPurchase",
    "StockLevel",
    "UnmeteredResidentialPurchase",
    "__version__",
]
