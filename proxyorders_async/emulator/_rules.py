"""Request parsing and the catalog rules shared by purchase and calculate.

Strict on purpose (lenient client, strict emulator): unknown JSON keys, wrong types and values
outside the catalog are 400s, so an SDK bug shows up in our tests instead of at the provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ._catalog import (
    ADDONS,
    CYCLES,
    LIFETIME,
    PROMO_CODES,
    AddonPrice,
    Cycle,
    Product,
    ProductKind,
    PromoCode,
)
from ._catalog import PRODUCTS as _PRODUCTS
from ._errors import ApiError

__all__ = [
    "MAX_QUANTITY",
    "OrderRequest",
    "Quote",
    "addon_price",
    "charge",
    "loads_request_json",
    "parse_calculate_query",
    "parse_int_param",
    "parse_json_object",
    "parse_purchase_body",
    "price",
    "promo_for",
    "reject_unknown",
]

#: Largest quantity accepted; keeps prices within the int64 range a real backend would use.
MAX_QUANTITY = 100_000
_PURCHASE_KEYS = frozenset(
    {"product", "location", "cycle", "quantity", "promo_code", "auto_renewal", "addons"}
)
_CALCULATE_KEYS = frozenset(
    {"product", "location", "cycle", "quantity", "promo_code", "addons_json"}
)
_ADDON_KEYS = frozenset({"addon_key", "qty"})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated purchase or quote: everything needed to price and create an order."""

    product: Product
    cycle: Cycle
    location: str | None
    quantity: int
    promo: PromoCode | None
    auto_renewal: bool
    addons: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """Prices in cents, as ``GET /user/api/orders/calculate`` reports them."""

    original_price: int
    final_price: int
    discount_percent: int
    addons_price: int

    @property
    def total(self) -> int:
        """What the wallet is charged: the discounted price plus add-ons."""
        return self.final_price + self.addons_price

    def as_json(self) -> dict[str, int]:
        """The calculate response body."""
        return {
            "original_price": self.original_price,
            "final_price": self.final_price,
            "discount_percent": self.discount_percent,
            "addons_price": self.addons_price,
            "total_with_addons": self.total,
        }


def price(
    product: Product,
    cycle: Cycle,
    quantity: int,
    promo: PromoCode | None,
    addons: tuple[tuple[str, int], ...] = (),
) -> Quote:
    """Price ``quantity`` units; the discount is rounded half up to whole cents."""
    original = product.prices[cycle.name] * quantity
    percent = promo.percent if promo is not None else 0
    final = original - (original * percent + 50) // 100
    addons_price = sum(addon_price(key, product, cycle).unit_price * qty for key, qty in addons)
    return Quote(original, final, percent, addons_price)


def addon_price(key: str, product: Product, cycle: Cycle) -> AddonPrice:
    """The catalog entry of add-on ``key`` for ``product`` on ``cycle``, or a 400."""
    entry = ADDONS[key].price_for(product.name, cycle.name)
    if entry is None:
        raise ApiError.bad_request(
            f"Add-on '{key}' is not available for product '{product.name}' "
            f"with cycle '{cycle.name}'"
        )
    return entry


class _Wallet(Protocol):
    balance: int


def charge(wallet: _Wallet, amount: int) -> None:
    """Take ``amount`` cents from the wallet, or a 400 when it holds less."""
    if wallet.balance < amount:
        raise ApiError.bad_request(
            f"Insufficient balance: the order costs {amount} cents, "
            f"the wallet holds {wallet.balance} cents"
        )
    wallet.balance -= amount


def reject_unknown(keys: Any, allowed: frozenset[str], what: str) -> None:
    """400 when ``keys`` holds names outside ``allowed`` (typos must not pass silently)."""
    unknown = sorted(set(keys) - allowed)
    if unknown:
        raise ApiError.bad_request(f"Unknown {what}: {', '.join(unknown)}")


def loads_request_json(raw: bytes | str, what: str, invalid: str | None = None) -> Any:
    """Decode JSON sent by a client (a body, a query value): the one place the emulator does.

    Anything undecodable is a 400 (``invalid``, or one naming ``what``), never a 500: that
    includes nesting deeper than the interpreter's recursion limit (``[`` x 100,000), which
    serde-based servers also refuse with a 400.
    """
    try:
        return json.loads(raw)
    except RecursionError:
        raise ApiError.bad_request(f"{what} is nested too deeply to be valid JSON") from None
    except ValueError:  # UnicodeDecodeError included
        raise ApiError.bad_request(invalid or f"{what} is not valid JSON") from None


def parse_json_object(body: bytes, content_type: str) -> dict[str, Any]:
    """Decode a JSON object body the way a typed JSON extractor would, or raise 400."""
    if content_type != "application/json":
        raise ApiError.bad_request("Content-Type must be application/json")
    value = loads_request_json(body, "Request body")
    if not isinstance(value, dict):
        raise ApiError.bad_request("Request body must be a JSON object")
    return value


def parse_int_param(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    """Parse a decimal query parameter; ``int()`` alone would accept ``" 1_0"``."""
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit()):
        raise ApiError.bad_request(f"{name} must be an integer, got {raw!r}")
    # Bound the length first: int() of a huge digit string is quadratic.
    value = int(raw) if len(digits) <= 20 else maximum + 1
    if not minimum <= value <= maximum:
        raise ApiError.bad_request(f"{name} must be between {minimum} and {maximum}, got {raw}")
    return value


def _optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError.bad_request(f"{key} must be a string or null")
    return value


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError.bad_request("quantity must be an integer")
    if not 1 <= value <= MAX_QUANTITY:
        raise ApiError.bad_request(f"quantity must be between 1 and {MAX_QUANTITY}, got {value}")
    return value


def _addons(value: Any) -> tuple[tuple[str, int], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ApiError.bad_request("addons must be an array or null")
    seen: dict[str, int] = {}
    for item in value:
        if not isinstance(item, dict):
            raise ApiError.bad_request("each addon must be an object")
        reject_unknown(item, _ADDON_KEYS, "addon field(s)")
        key, qty = item.get("addon_key"), item.get("qty")
        if not isinstance(key, str) or key not in ADDONS:
            raise ApiError.bad_request(f"Unknown addon_key: {key!r} (known: {', '.join(ADDONS)})")
        addon = ADDONS[key]
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= addon.max_qty:
            raise ApiError.bad_request(f"addon qty must be an integer 1..{addon.max_qty}")
        if key in seen:
            raise ApiError.bad_request(f"Duplicate addon_key: {key}")
        seen[key] = qty
    return tuple(seen.items())


def _cycle(product: Product, name: str | None) -> Cycle:
    if product.kind is ProductKind.RESIDENTIAL_GB:
        if name is not None:
            raise ApiError.bad_request(
                f"Product '{product.name}' has no billing cycle (lifetime); omit cycle"
            )
        return CYCLES[LIFETIME]
    if name is None:
        raise ApiError.bad_request(f"cycle is required for product '{product.name}'")
    if name not in product.prices:
        raise ApiError.bad_request(
            f"Cycle '{name}' is not available for product '{product.name}' "
            f"(available: {', '.join(product.prices)})"
        )
    return CYCLES[name]


def _location(product: Product, location: str | None) -> str | None:
    if not product.locations:
        if location is not None:
            raise ApiError.bad_request(f"location is not supported for product '{product.name}'")
        return None
    if location is None:
        if product.kind is ProductKind.DC_ISP:
            raise ApiError.bad_request(f"location is required for product '{product.name}'")
        return None  # generic products with locations: the server picks one at purchase
    if location not in product.locations:
        raise ApiError.bad_request(
            f"Location '{location}' is not available for product '{product.name}' "
            f"(available: {', '.join(product.locations)})"
        )
    return location


def promo_for(code: str | None, product: Product, cycle: Cycle) -> PromoCode | None:
    """The promo code ``code`` if it exists and applies to ``product`` on ``cycle``, else 400."""
    if code is None:
        return None
    promo = PROMO_CODES.get(code)
    if promo is None:
        raise ApiError.bad_request(f"Unknown promo code: '{code}'")
    if not promo.applies_to(product.name, cycle.name):
        raise ApiError.bad_request(
            f"Promo code '{code}' does not apply to product '{product.name}' "
            f"with cycle '{cycle.name}'"
        )
    return promo


def build_request(
    *,
    product: str,
    location: str | None,
    cycle: str | None,
    quantity: int,
    promo_code: str | None,
    auto_renewal: bool,
    addons: tuple[tuple[str, int], ...],
) -> OrderRequest:
    """Apply the catalog rules shared by purchase and calculate."""
    found = _PRODUCTS.get(product)
    if found is None:
        raise ApiError.bad_request(f"Unknown product: '{product}' (known: {', '.join(_PRODUCTS)})")
    the_cycle = _cycle(found, cycle)
    the_location = _location(found, location)
    promo = promo_for(promo_code, found, the_cycle)
    if auto_renewal and not found.renewable:
        raise ApiError.bad_request(f"auto_renewal is not supported for product '{found.name}'")
    return OrderRequest(found, the_cycle, the_location, quantity, promo, auto_renewal, addons)


def parse_purchase_body(body: dict[str, Any]) -> OrderRequest:
    """Validate a ``POST /user/api/orders/purchase`` JSON object."""
    reject_unknown(body, _PURCHASE_KEYS, "field(s)")
    product = body.get("product")
    if not isinstance(product, str):
        raise ApiError.bad_request("product is required and must be a string")
    auto_renewal = body.get("auto_renewal", False)
    if not isinstance(auto_renewal, bool):
        raise ApiError.bad_request("auto_renewal must be a boolean")
    return build_request(
        product=product,
        location=_optional_str(body, "location"),
        cycle=_optional_str(body, "cycle"),
        quantity=_quantity(body.get("quantity", 1)),
        promo_code=_optional_str(body, "promo_code"),
        auto_renewal=auto_renewal,
        addons=_addons(body.get("addons")),
    )


def parse_calculate_query(query: Mapping[str, str]) -> OrderRequest:
    """Validate the ``GET /user/api/orders/calculate`` query.

    An empty value is treated as absent: it is how many clients serialize ``null`` in a query.
    """
    reject_unknown(query, _CALCULATE_KEYS, "query parameter(s)")
    product = query.get("product")
    if not product:
        raise ApiError.bad_request("product is required")
    raw_quantity = query.get("quantity")
    quantity = (
        parse_int_param("quantity", raw_quantity, minimum=1, maximum=MAX_QUANTITY)
        if raw_quantity
        else 1
    )
    raw_addons = query.get("addons_json")
    addons: tuple[tuple[str, int], ...] = ()
    if raw_addons:
        addons = _addons(
            loads_request_json(raw_addons, "addons_json", "addons_json must be a JSON array")
        )
    return build_request(
        product=product,
        location=query.get("location") or None,
        cycle=query.get("cycle") or None,
        quantity=quantity,
        promo_code=query.get("promo_code") or None,
        auto_renewal=False,
        addons=addons,
    )
