"""An embedded emulator of the ProxyShard User API, for tests, demos and benchmarks.

Standalone aiohttp.web application serving all 34 operations of API 1.1.0 with real state
(accounts, wallets, orders, stock, promo codes, add-on lines and p0f slots, per-IP settings,
residential traffic pools and sub-users), deterministic seeding, fault injection and a request
journal. It never imports the SDK client: the two must be able to disagree, which is how tests
catch a wrong wire format.

::

    from proxyorders_async.emulator import Emulator, FaultSpec

    async with Emulator(orders=5000, seed=1) as emu:
        emu.faults.set("orders.purchase", reset_after_rate=1.0)
        ...  # call emu.url with "Authorization: Bearer <emu.token>"
        assert len(emu.journal_for("orders.purchase")) == 1

Run it as a process with ``python -m proxyorders_async.emulator --port 8765 --orders 5000``.
Deliberate differences from the provider are listed in ``DEVIATIONS.md`` beside this file.
"""

from ._app import Settings, create_app
from ._catalog import (
    ADDONS,
    BYTES_PER_GB,
    CYCLES,
    DEFAULT_STOCK,
    IP_PRODUCTS,
    LIFETIME,
    P0F_SLOTS,
    PRODUCTS,
    PROMO_CODES,
    PROXY_TYPES,
    Addon,
    AddonPrice,
    Cycle,
    Product,
    ProductKind,
    PromoCode,
)
from ._errors import ApiError
from ._faults import ROUTE_NAMES, FailWith, FaultOptions, Faults, FaultSpec
from ._journal import Journal, JournalEntry
from ._limiter import RateLimiter
from ._lines import AddonLine
from ._params import SIGNATURES
from ._residential import Pool, SubUser
from ._rules import MAX_QUANTITY, Quote, price
from ._server import DEFAULT_BALANCE, Emulator
from ._store import DEFAULT_NOW, Account, Order, Store

__all__ = [
    "ADDONS",
    "BYTES_PER_GB",
    "CYCLES",
    "DEFAULT_BALANCE",
    "DEFAULT_NOW",
    "DEFAULT_STOCK",
    "IP_PRODUCTS",
    "LIFETIME",
    "MAX_QUANTITY",
    "P0F_SLOTS",
    "PRODUCTS",
    "PROMO_CODES",
    "PROXY_TYPES",
    "ROUTE_NAMES",
    "SIGNATURES",
    "Account",
    "Addon",
    "AddonLine",
    "AddonPrice",
    "ApiError",
    "Cycle",
    "Emulator",
    "FailWith",
    "FaultOptions",
    "FaultSpec",
    "Faults",
    "Journal",
    "JournalEntry",
    "Order",
    "Pool",
    "Product",
    "ProductKind",
    "PromoCode",
    "Quote",
    "RateLimiter",
    "Settings",
    "Store",
    "SubUser",
    "create_app",
    "price",
]
