"""Request and response models: frozen, slotted attrs classes.

Request classes validate on construction, so a bad purchase never leaves the process. Response
classes keep the API's JSON field names, money as integer cents, and ISO 8601 strings as aware
datetimes; unknown extra fields in responses are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from types import MemberDescriptorType
from typing import Any, Literal

import attr
import attrs

from ._exceptions import InvalidArgumentError
from ._models_addons import AddonLine
from ._validation import (
    WIRE_INT_MAX,
    check_bool,
    check_instances,
    check_int,
    check_optional_str,
    check_str,
    plain_int,
)

__all__ = [
    "Account",
    "ActiveProxy",
    "ActiveProxyList",
    "Addon",
    "BillingCycleChange",
    "DatacenterIspPurchase",
    "GenericPurchase",
    "OperationResult",
    "Order",
    "OrderDetail",
    "OrderPage",
    "PremiumResidentialPurchase",
    "PriceQuote",
    "Product",
    "PurchaseRequest",
    "PurchaseResult",
    "QuoteRequest",
    "StandardResidentialPurchase",
    "StockLevel",
    "UnmeteredResidentialPurchase",
]

DATACENTER_PROXY = "Datacenter Proxy"
ISP_PROXY = "ISP Proxy"
# The provider's spellings, typos included: the server matches them exactly.
STANDARD_RESIDENTIAL = "Standart Residential Proxy"
PREMIUM_RESIDENTIAL = "Premium Residential Proxy"
UNMETERED_RESIDENTIAL = "Unmetered Residential proxy"


def _check(
    check: Callable[..., Any], **kwargs: Any
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Adapt a ``check_*(name, value)`` function to an attrs validator."""

    def validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check(attribute.name, value, **kwargs)

    return validator


def _optional_quantity(name: str, value: object) -> None:
    if value is not None:
        check_int(name, value, minimum=1)


def _int(value: int) -> int:
    # Converted before validation: an int subclass's own __str__/__format__ must never build a
    # body or a query. Anything else passes through for the validator to refuse.
    return plain_int(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _optional_int(value: int | None) -> int | None:
    return value if value is None or type(value) is int else _int(value)


def _addons_converter(value: Iterable[Addon] | None) -> tuple[Addon, ...] | None:
    return None if value is None else check_instances("addons", value, Addon)


def _product_in(*allowed: str) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def validator(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        check_str(attribute.name, value)
        if value not in allowed:
            choices = " or ".join(repr(a) for a in allowed)
            raise InvalidArgumentError(attribute.name, f"must be {choices}; got {value!r}")

    return validator


def _plain_text(value: str) -> bool:
    """A non-blank ASCII str: what every text field accepts without a closer look."""
    return value.isascii() and bool(value) and not value.isspace()


# The checks every request model runs, with the common case decided inline: a quote builds one
# model per call. Anything else goes to the full check, which accepts or names the problem.
def _non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    # An ASCII str (a flag check) cannot hold a lone surrogate; only blank ones are refused.
    if type(value) is not str or not _plain_text(value):
        check_str(attribute.name, value)


def _optional_str(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not str or not _plain_text(value)):
        check_optional_str(attribute.name, value)


def _optional_qty(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not int or not 1 <= value <= WIRE_INT_MAX):
        _optional_quantity(attribute.name, value)


_bool = _check(check_bool)
_quantity = _check(check_int, minimum=1)


# ---------------------------------------------------------------------------------------------
# Requests


@attrs.frozen
class Addon:
    """An add-on bought with an order, e.g. ``Addon("p0f_slots", 5)``."""

    addon_key: str = attrs.field(validator=_non_empty)
    qty: int = attrs.field(converter=_int, validator=_quantity)


def _wire_dict(obj: Any) -> dict[str, Any]:
    """JSON body of a request model: every field that is not ``None``."""
    # attr.asdict (not attrs.asdict) turns the addons tuple into a list, as JSON has it.
    return attr.asdict(
        obj, filter=lambda _attr, value: value is not None, retain_collection_types=False
    )


@attrs.frozen(kw_only=True)
class _PurchaseBase:
    """Fields and wire encoding shared by every purchase variant."""

    def to_json(self) -> dict[str, Any]:
        """The request body as sent to ``POST /user/api/orders/purchase``."""
        return _wire_dict(self)

    def to_quote(self) -> QuoteRequest:
        """The price quote for exactly this purchase (same product, cycle, quantity, promo)."""
        return QuoteRequest(
            product=getattr(self, "product"),  # noqa: B009 - every subclass defines it
            location=getattr(self, "location", None),
            cycle=getattr(self, "cycle", None),
            quantity=getattr(self, "quantity", None),
            promo_code=getattr(self, "promo_code", None),
            addons=getattr(self, "addons", None),
        )


@attrs.frozen(kw_only=True)
class DatacenterIspPurchase(_PurchaseBase):
    """Buy Datacenter or ISP proxies: ``location`` and ``cycle`` are required."""

    product: Literal["Datacenter Proxy", "ISP Proxy"] = attrs.field(
        validator=_product_in(DATACENTER_PROXY, ISP_PROXY)
    )
    location: str = attrs.field(validator=_non_empty)
    cycle: str = attrs.field(validator=_non_empty)
    quantity: int = attrs.field(default=1, converter=_int, validator=_quantity)
    promo_code: str | None = attrs.field(default=None, validator=_optional_str)
    auto_renewal: bool = attrs.field(default=False, validator=_bool)
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)


@attrs.frozen(kw_only=True)
class StandardResidentialPurchase(_PurchaseBase):
    """Buy standard residential traffic; ``quantity`` is in GB, no cycle (lifetime)."""

    product: Literal["Standart Residential Proxy"] = attrs.field(
        default=STANDARD_RESIDENTIAL, validator=_product_in(STANDARD_RESIDENTIAL)
    )
    quantity: int = attrs.field(default=1, converter=_int, validator=_quantity)
    promo_code: str | None = attrs.field(default=None, validator=_optional_str)
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)


@attrs.frozen(kw_only=True)
class PremiumResidentialPurchase(_PurchaseBase):
    """Buy premium residential traffic; ``quantity`` is in GB, no cycle (lifetime)."""

    product: Literal["Premium Residential Proxy"] = attrs.field(
        default=PREMIUM_RESIDENTIAL, validator=_product_in(PREMIUM_RESIDENTIAL)
    )
    quantity: int = attrs.field(default=1, converter=_int, validator=_quantity)
    promo_code: str | None = attrs.field(default=None, validator=_optional_str)
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)


@attrs.frozen(kw_only=True)
class UnmeteredResidentialPurchase(_PurchaseBase):
    """Buy an unmetered residential plan: ``cycle`` is required, no quantity."""

    cycle: str = attrs.field(validator=_non_empty)
    product: Literal["Unmetered Residential proxy"] = attrs.field(
        default=UNMETERED_RESIDENTIAL, validator=_product_in(UNMETERED_RESIDENTIAL)
    )
    promo_code: str | None = attrs.field(default=None, validator=_optional_str)
    auto_renewal: bool = attrs.field(default=False, validator=_bool)
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)


@attrs.frozen(kw_only=True)
class GenericPurchase(_PurchaseBase):
    """Buy any other plan (``Residential Proxy NEW``, mobile plans): ``cycle`` is required."""

    product: str = attrs.field(validator=_non_empty)
    cycle: str = attrs.field(validator=_non_empty)
    location: str | None = attrs.field(default=None, validator=_optional_str)
    quantity: int | None = attrs.field(
        default=None, converter=_optional_int, validator=_optional_qty
    )
    promo_code: str | None = attrs.field(default=None, validator=_optional_str)
    auto_renewal: bool = attrs.field(default=False, validator=_bool)
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)


PurchaseRequest = (
    DatacenterIspPurchase
    | StandardResidentialPurchase
    | PremiumResidentialPurchase
    | UnmeteredResidentialPurchase
    | GenericPurchase
)
"""Any purchase variant accepted by ``client.orders.purchase``."""

PURCHASE_TYPES: tuple[type[_PurchaseBase], ...] = (
    DatacenterIspPurchase,
    StandardResidentialPurchase,
    PremiumResidentialPurchase,
    UnmeteredResidentialPurchase,
    GenericPurchase,
)


def _plainly_valid(
    product: object, location: object, cycle: object, quantity: object, promo: object
) -> bool:
    """Whether a quote's fields are valid without a doubt (the common case, decided inline);
    False sends them to the full checks, which accept them or name the first problem."""
    return bool(
        type(product) is str
        and product.isascii()
        and product
        and not product.isspace()
        and (
            location is None
            or (
                type(location) is str and location.isascii() and location and not location.isspace()
            )
        )
        and (
            cycle is None
            or (type(cycle) is str and cycle.isascii() and cycle and not cycle.isspace())
        )
        and (quantity is None or (type(quantity) is int and 1 <= quantity <= WIRE_INT_MAX))
        and (promo is None or (type(promo) is str and _plain_text(promo)))
    )


@attrs.frozen(kw_only=True, cache_hash=True)  # hashed on every quote, to share identical ones
class QuoteRequest:
    """The parameters of one price quote (``GET /user/api/orders/calculate``).

    Hashable, so identical quotes can be recognised and shared.
    """

    product: str
    location: str | None = None
    cycle: str | None = None
    quantity: int | None = attrs.field(default=None, converter=_optional_int)
    promo_code: str | None = None
    addons: tuple[Addon, ...] | None = attrs.field(default=None, converter=_addons_converter)

    def __attrs_post_init__(self) -> None:
        # The fields' checks in one place, the common case decided at once: a quote builds one
        # model per call (one function instead of five validators). Anything else runs the
        # fields' full checks in field order, which accept it or name the first problem.
        if not _plainly_valid(
            self.product, self.location, self.cycle, self.quantity, self.promo_code
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        fields = attrs.fields(QuoteRequest)
        _non_empty(self, fields.product, self.product)
        _optional_str(self, fields.location, self.location)
        _optional_str(self, fields.cycle, self.cycle)
        _optional_qty(self, fields.quantity, self.quantity)
        _optional_str(self, fields.promo_code, self.promo_code)

    def to_params(self) -> dict[str, str]:
        """Query parameters as sent on the wire; ``addons`` become ``addons_json``."""
        params: dict[str, str] = {"product": self.product}
        # Written out, not looped over names: one quote is encoded per call.
        if self.location is not None:
            params["location"] = self.location
        if self.cycle is not None:
            params["cycle"] = self.cycle
        if self.promo_code is not None:
            params["promo_code"] = self.promo_code
        if self.quantity is not None:
            params["quantity"] = str(self.quantity)
        if self.addons is not None:
            params["addons_json"] = json.dumps(
                [attrs.asdict(addon) for addon in self.addons], separators=(",", ":")
            )
        return params


# ---------------------------------------------------------------------------------------------
# Responses


def _new_order_id(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
    # A purchase "succeeded" with order 0, -1 or 1.5 names no order: the caller could not find
    # what was bought, so the transport reports the outcome as unknown instead.
    if type(value) is not int or not 1 <= value <= WIRE_INT_MAX:
        huge = type(value) is int and value.bit_length() > 64  # too long to format, maybe
        shown = f"a {value.bit_length()}-bit integer" if huge else repr(value)[:100]
        raise ValueError(f"order_id must be a positive 64-bit integer, got {shown}")


@attrs.frozen(kw_only=True)
class PurchaseResult:
    """The answer to a successful purchase: the new order's id (a positive integer)."""

    order_id: int = attrs.field(validator=_new_order_id)
    success: bool = True
    message: str | None = None


def slot_setters(
    cls: type, names: tuple[str, ...]
) -> tuple[Callable[[Any, Any], None], ...] | None:
    """The setters of ``cls``'s slots ``names``, which bypass a frozen ``__setattr__`` as attrs'
    own ``__init__`` does; None if any of them is not a plain slot (the class then decides)."""
    slots = [vars(cls).get(name) for name in names]
    if not all(isinstance(slot, MemberDescriptorType) for slot in slots):
        return None
    return tuple(slot.__set__ for slot in slots)  # type: ignore[union-attr]


_QUOTE_FIELDS = ("product", "location", "cycle", "quantity", "promo_code", "addons")
# The slots QuoteRequest's attrs-made __init__ sets, in its order, its hash cache last; None
# (and the class is called) if it ever has other fields or keeps them otherwise.
QUOTE_REQUEST_SETTERS = (
    slot_setters(QuoteRequest, (*_QUOTE_FIELDS, "_attrs_cached_hash"))
    if tuple(field.name for field in attrs.fields(QuoteRequest)) == _QUOTE_FIELDS
    else None
)
"""Whether :func:`quote_request` builds requests slot by slot (it does unless the class changed)."""


def quote_request(
    product: Any,
    location: Any = None,
    cycle: Any = None,
    quantity: Any = None,
    promo_code: Any = None,
    addons: Any = None,
) -> QuoteRequest:
    """``QuoteRequest(product=..., ...)``: the same object with the same errors, built slot by
    slot (bypassing the frozen ``__setattr__`` as attrs does) when the fields are plainly
    valid, at half the cost of the class call: ``calculate()`` builds one per call."""
    setters = QUOTE_REQUEST_SETTERS
    if (
        setters is None
        or addons is not None
        or not _plainly_valid(product, location, cycle, quantity, promo_code)
    ):
        return QuoteRequest(
            product=product,
            location=location,
            cycle=cycle,
            quantity=quantity,
            promo_code=promo_code,
            addons=addons,
        )
    set_product, set_location, set_cycle, set_quantity, set_promo, set_addons, set_hash = setters
    request = _new_object(QuoteRequest)
    set_product(request, product)
    set_location(request, location)
    set_cycle(request, cycle)
    set_quantity(request, quantity)
    set_promo(request, promo_code)
    set_addons(request, None)
    set_hash(request, None)
    return request


_new_object = object.__new__


@attrs.frozen(kw_only=True)
class PriceQuote:
    """A price quote in integer cents; fields the server omits are ``None``."""

    original_price: int | None = None
    final_price: int | None = None
    discount_percent: int | None = None
    addons_price: int | None = None
    total_with_addons: int | None = None


@attrs.frozen(kw_only=True)
class BillingCycleChange:
    """The answer to a billing-cycle change.

    API 1.1.0 answers with ``order_id`` and the new prices; 1.0.0 with a nested ``order``
    object. Both shapes are accepted; absent fields are ``None``.
    """

    success: bool = True
    message: str | None = None
    order_id: int | None = None
    original_price: int | None = None
    final_price: int | None = None
    discount_percent: int | None = None
    order: dict[str, Any] | None = None


@attrs.frozen(kw_only=True)
class OperationResult:
    """The ``{"success", "message"}`` answer of auto-renewal, renew and tag operations."""

    success: bool = True
    message: str | None = None


@attrs.frozen(kw_only=True)
class Order:
    """One order as listed by ``GET /user/api/orders``."""

    order_id: int
    product_id: int
    product_name: str
    cycle_id: int
    cycle_name: str
    expires_at: datetime | None = None
    auto_renewal: bool | None = None
    tag: str | None = None


@attrs.frozen(kw_only=True)
class OrderPage:
    """One page of orders.

    ``count`` is the number of orders in this page (not a total). ``next``/``prev`` are the
    server's page URIs, exactly as sent. ``url`` is the absolute URI this page was fetched from:
    save ``next`` (or ``url``) to resume an interrupted export.
    """

    orders: tuple[Order, ...]
    count: int
    next: str | None = None
    prev: str | None = None
    url: str = ""

    @property
    def has_next(self) -> bool:
        """Whether the server announced a following page."""
        return self.next is not None

    def __len__(self) -> int:
        return len(self.orders)


@attrs.frozen(kw_only=True)
class OrderDetail:
    """Full information about one order (``GET /user/api/orders/{id}``).

    API 1.1.0 marks no field required, so each is ``None`` when the server leaves it out.
    ``price_paid`` is the base price and ``addons_price_paid`` the add-ons' total, in cents;
    ``addons`` are the order's add-on lines. ``p0f_slots_available`` counts the active
    OS-fingerprint slots, ``p0f_slots_used`` those taken by signed IPs and ``p0f_slots_next``
    those the next renewal keeps (after a scheduled downgrade).
    """

    order_id: int | None = None
    product_name: str | None = None
    cycle_name: str | None = None
    status: str | None = None
    quantity: int | None = None
    price_paid: int | None = None
    addons_price_paid: int | None = None
    addons: tuple[AddonLine, ...] | None = None
    p0f_slots_available: int | None = None
    p0f_slots_used: int | None = None
    p0f_slots_next: int | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    promo_code: str | None = None
    auto_renewal: bool | None = None
    tag: str | None = None


@attrs.frozen(kw_only=True)
class Product:
    """A product and the billing-cycle names it accepts."""

    name: str
    cycles: tuple[str, ...] = ()
    description: str | None = None
    location: str | None = None


@attrs.frozen(kw_only=True)
class StockLevel:
    """How many proxies of a product are available in a country."""

    country: str
    product: str
    amount: int


@attrs.frozen(kw_only=True)
class Account:
    """The account behind the API key; ``wallet_balance`` is in cents."""

    email: str
    active_orders: int
    wallet_balance: int


def _hidden(_value: object) -> str:
    return "'***'"


@attrs.frozen(kw_only=True)
class ActiveProxy:
    """Credentials of one active proxy. ``password`` is hidden from ``repr``."""

    ip: str
    username: str
    password: str = attrs.field(repr=_hidden)
    http_port: int
    socks_port: int
    until: str
    status: str
    signature: str | None = None


@attrs.frozen(kw_only=True)
class ActiveProxyList:
    """The active proxies of an order (``data``) and the order's tag."""

    data: tuple[ActiveProxy, ...]
    order_tag: str | None = None
    success: bool = True

    def __iter__(self) -> Any:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
