"""The emulator's catalog: products, cycles, prices, promo codes and add-ons.

Built from the domain facts in ``shared/reference/API.md``. Every cycle name, product name and
price lives in exactly one table below so the emulator, its tests and the demo cannot drift apart.
Prices are integer cents per unit (IP, GB or plan) per cycle.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "ADDONS",
    "BYTES_PER_GB",
    "CYCLES",
    "DEFAULT_STOCK",
    "IP_PRODUCTS",
    "LIFETIME",
    "P0F_SLOTS",
    "PRODUCTS",
    "PROMO_CODES",
    "PROXY_TYPES",
    "Addon",
    "AddonPrice",
    "Cycle",
    "Product",
    "ProductKind",
    "PromoCode",
]

#: Cycle name shown for products that are bought once and never renewed (residential GB).
LIFETIME = "lifetime"


@dataclass(frozen=True, slots=True)
class Cycle:
    """A billing cycle: the name the API accepts, its numeric id and its length in days."""

    name: str
    cycle_id: int
    days: int | None  # None: lifetime, never expires


class ProductKind(enum.Enum):
    """Which purchase variant of the OpenAPI ``oneOf`` a product follows."""

    DC_ISP = "dc_isp"  # location and cycle required; billing-cycle and auto-renewal edits allowed
    RESIDENTIAL_GB = "residential_gb"  # quantity in GB, lifetime, no cycle, no location
    UNMETERED = "unmetered"  # cycle required, no location
    GENERIC = "generic"  # cycle required, location optional (Residential NEW, mobile plans)


@dataclass(frozen=True, slots=True)
class Product:
    """A product as the API names it, with its per-cycle unit prices and locations."""

    product_id: int
    name: str
    kind: ProductKind
    description: str | None
    prices: Mapping[str, int]  # cycle name -> cents per unit; LIFETIME for residential GB
    locations: tuple[str, ...] = ()

    @property
    def cycles(self) -> tuple[str, ...]:
        """Cycle names a purchase may name (empty for lifetime products, which take none)."""
        if self.kind is ProductKind.RESIDENTIAL_GB:
            return ()
        return tuple(self.prices)

    @property
    def tracks_stock(self) -> bool:
        """Whether purchases draw from per-location stock (products sold per IP or device)."""
        return bool(self.locations)

    @property
    def renewable(self) -> bool:
        """Whether orders of this product expire and can be renewed."""
        return self.kind is not ProductKind.RESIDENTIAL_GB


@dataclass(frozen=True, slots=True)
class PromoCode:
    """A promo code: percent off the base price, limited to some products and cycles."""

    code: str
    percent: int
    products: frozenset[str] | None = None  # None: every product
    cycles: frozenset[str] | None = None  # None: every cycle (and lifetime)

    def applies_to(self, product: str, cycle: str) -> bool:
        """Whether the code may be used for ``product`` bought for ``cycle``."""
        if self.products is not None and product not in self.products:
            return False
        return self.cycles is None or cycle in self.cycles


@dataclass(frozen=True, slots=True)
class AddonPrice:
    """One catalog entry of an add-on: its id and unit price (cents per unit per period)."""

    catalog_id: int
    unit_price: int


@dataclass(frozen=True, slots=True)
class Addon:
    """A purchasable add-on, priced per unit (``qty``), never discounted by promo codes.

    The price depends on the product and the billing cycle; a pair absent from ``prices`` cannot
    carry the add-on (e.g. p0f slots on residential traffic or on a weekly Datacenter order).
    """

    key: str
    prices: Mapping[tuple[str, str], AddonPrice]
    max_qty: int = field(default=100)

    def price_for(self, product: str, cycle: str) -> AddonPrice | None:
        """The catalog entry for ``product`` bought for ``cycle``, or None when unavailable."""
        return self.prices.get((product, cycle))


DATACENTER = "Datacenter Proxy"
ISP = "ISP Proxy"
RESIDENTIAL_STANDARD = "Standart Residential Proxy"  # sic: the API's spelling
RESIDENTIAL_PREMIUM = "Premium Residential Proxy"
UNMETERED = "Unmetered Residential proxy"  # sic: lower-case "p"
RESIDENTIAL_NEW = "Residential Proxy NEW"
MOBILE_BASIC = "Mobile Proxy Basic"
MOBILE_PRO = "Mobile Proxy Pro"

CYCLES: Mapping[str, Cycle] = MappingProxyType(
    {
        c.name: c
        for c in (
            Cycle("3days", 1, 3),
            Cycle("weekly", 2, 7),
            Cycle("half-month", 3, 15),
            Cycle("monthly", 4, 30),
            Cycle("day", 5, 1),
            Cycle(LIFETIME, 6, None),
        )
    }
)

_DC_LOCATIONS = ("DE", "FR", "GB", "MD", "NL", "PL", "UA", "ES")
_MOBILE_LOCATIONS = ("US", "GB", "DE")

PRODUCTS: Mapping[str, Product] = MappingProxyType(
    {
        p.name: p
        for p in (
            Product(
                1,
                DATACENTER,
                ProductKind.DC_ISP,
                "Shared datacenter IPv4, priced per IP",
                {"3days": 30, "weekly": 40, "half-month": 70, "monthly": 120},
                _DC_LOCATIONS,
            ),
            Product(
                2,
                ISP,
                ProductKind.DC_ISP,
                "Static ISP IPv4, priced per IP",
                {"monthly": 200},
                ("US", "UA"),
            ),
            Product(
                3,
                RESIDENTIAL_STANDARD,
                ProductKind.RESIDENTIAL_GB,
                "Rotating residential traffic, priced per GB",
                {LIFETIME: 200},
            ),
            Product(
                4,
                RESIDENTIAL_PREMIUM,
                ProductKind.RESIDENTIAL_GB,
                "Premium residential traffic, priced per GB",
                {LIFETIME: 300},
            ),
            Product(
                5,
                UNMETERED,
                ProductKind.UNMETERED,
                "Unlimited residential traffic for a period",
                {"day": 3000, "weekly": 19900, "half-month": 39900, "monthly": 69900},
            ),
            Product(
                6,
                RESIDENTIAL_NEW,
                ProductKind.GENERIC,
                None,
                {"day": 150, "monthly": 3500},
            ),
            Product(
                7,
                MOBILE_BASIC,
                ProductKind.GENERIC,
                "Mobile 4G/5G proxy, one device",
                {"day": 400, "monthly": 5500},
                _MOBILE_LOCATIONS,
            ),
            Product(
                8,
                MOBILE_PRO,
                ProductKind.GENERIC,
                "Mobile 5G proxy, dedicated device",
                {"day": 650, "monthly": 8900},
                _MOBILE_LOCATIONS,
            ),
        )
    }
)

PROMO_CODES: Mapping[str, PromoCode] = MappingProxyType(
    {
        p.code: p
        for p in (
            # The spec's own example code: monthly DC/ISP only.
            PromoCode("SAVE10", 10, frozenset({DATACENTER, ISP}), frozenset({"monthly"})),
            # Valid only for some cycles of one product: exercises the reset on cycle change.
            PromoCode("WEEKLY15", 15, frozenset({DATACENTER}), frozenset({"weekly", "half-month"})),
            PromoCode("RESI20", 20, frozenset({RESIDENTIAL_STANDARD, RESIDENTIAL_PREMIUM})),
            PromoCode("WELCOME5", 5),
        )
    }
)

#: p0f (OS-fingerprint) slots: Datacenter +30 cents per IP on monthly rentals only, ISP +60 cents
#: per IP per month (the provider's docs); mobile plans' price is not published: 60 a month,
#: 10 a day here. Residential and unmetered products cannot carry them.
_P0F_PRICES = {
    (DATACENTER, "monthly"): AddonPrice(101, 30),
    (ISP, "monthly"): AddonPrice(102, 60),
    (MOBILE_BASIC, "monthly"): AddonPrice(103, 60),
    (MOBILE_BASIC, "day"): AddonPrice(104, 10),
    (MOBILE_PRO, "monthly"): AddonPrice(105, 60),
    (MOBILE_PRO, "day"): AddonPrice(106, 10),
}
P0F_SLOTS = "p0f_slots"

ADDONS: Mapping[str, Addon] = MappingProxyType(
    {P0F_SLOTS: Addon(P0F_SLOTS, MappingProxyType(_P0F_PRICES))}
)

#: Products whose orders have IPs (a proxy list, per-IP signatures).
IP_PRODUCTS = frozenset({DATACENTER, ISP, MOBILE_BASIC, MOBILE_PRO})

#: Residential traffic: the API's ``proxy_type`` values and the product that feeds each pool.
PROXY_TYPES: Mapping[str, str] = MappingProxyType(
    {"standart": RESIDENTIAL_STANDARD, "premium": RESIDENTIAL_PREMIUM}
)
#: Bytes in one GB of traffic (requests speak GB; profiles and sub-users report bytes).
BYTES_PER_GB = 1024**3

#: Initial stock (IPs or devices) per product and location; products without locations are
#: unlimited and absent here.
DEFAULT_STOCK: Mapping[tuple[str, str], int] = MappingProxyType(
    {
        **{(DATACENTER, loc): 5000 for loc in _DC_LOCATIONS},
        (ISP, "US"): 2000,
        (ISP, "UA"): 500,
        **{(MOBILE_BASIC, loc): 200 for loc in _MOBILE_LOCATIONS},
        **{(MOBILE_PRO, loc): 50 for loc in _MOBILE_LOCATIONS},
    }
)
