"""Every API operation as data: method, path template, decoder and retry safety.

The transport needs nothing else to perform an operation, so each resource method is a line
or two around one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import attrs

from ._converters import CONVERTER, decode_page
from ._models import (
    Account,
    ActiveProxyList,
    BillingCycleChange,
    OperationResult,
    OrderDetail,
    OrderPage,
    PriceQuote,
    Product,
    PurchaseResult,
    StockLevel,
)
from ._retry import Safety

T = TypeVar("T")


@attrs.frozen
class Endpoint(Generic[T]):
    """One API operation."""

    name: str
    method: str
    path: str
    decode: Callable[[Any], T]
    safety: Safety = Safety.IDEMPOTENT


def _model(cls: type[T]) -> Callable[[Any], T]:
    hook = CONVERTER.get_structure_hook(cls)
    return lambda data: hook(data, cls)  # type: ignore[no-any-return,unused-ignore]


def _member(key: str, cls: Any) -> Callable[[Any], Any]:
    hook = CONVERTER.get_structure_hook(cls)
    return lambda data: hook(data[key], cls)


PURCHASE = Endpoint(
    "orders.purchase", "POST", "/user/api/orders/purchase", _model(PurchaseResult), Safety.CHARGES
)
CALCULATE = Endpoint("orders.calculate", "GET", "/user/api/orders/calculate", _model(PriceQuote))
CHANGE_BILLING_CYCLE = Endpoint(
    "orders.change_billing_cycle",
    "POST",
    "/user/api/orders/change-billing-cycle/{order_id}",
    _model(BillingCycleChange),
)
EDIT_AUTO_RENEWAL = Endpoint(
    "orders.edit_auto_renewal",
    "POST",
    "/user/api/orders/edit-auto-renewal/{order_id}",
    _model(OperationResult),
)
# The walk's fetch passes the page URL: ``_send(LIST_ORDERS, url=url, decode=decode_page)``.
LIST_ORDERS: Endpoint[OrderPage] = Endpoint("orders.list", "GET", "/user/api/orders", decode_page)
GET_ORDER = Endpoint(
    "orders.get", "GET", "/user/api/orders/{order_id}", _member("order", OrderDetail)
)
RENEW = Endpoint(
    "orders.renew",
    "POST",
    "/user/api/orders/{order_id}/renew",
    _model(OperationResult),
    Safety.CHARGES,
)
SET_TAG = Endpoint(
    "orders.set_tag", "POST", "/user/api/orders/{order_id}/tag", _model(OperationResult)
)
PRODUCTS: Endpoint[tuple[Product, ...]] = Endpoint(
    "catalog.products",
    "GET",
    "/user/api/proxies/products",
    _member("products", tuple[Product, ...]),
)
AVAILABLE_COUNT: Endpoint[tuple[StockLevel, ...]] = Endpoint(
    "catalog.available_count",
    "GET",
    "/user/api/proxies/available-count",
    _model(tuple[StockLevel, ...]),  # type: ignore[arg-type,unused-ignore]
)
ME = Endpoint("account.me", "GET", "/user/api/me", _model(Account))
ACTIVE_PROXIES = Endpoint(
    "proxies.active", "GET", "/user/api/proxies/active", _model(ActiveProxyList)
)
