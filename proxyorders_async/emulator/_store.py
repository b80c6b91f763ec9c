"""In-memory state: accounts, their orders, per-status indices, stock and the clock.

Every list page is a slice of a per-status list of order ids kept sorted at all times, so a page
costs O(limit) however many orders an account holds. Times are integer epoch seconds; the clock
is frozen (``Store.now``) so seeded data and tests are deterministic; tests advance it by hand.
"""

from __future__ import annotations

import bisect
import hashlib
import ipaddress
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._catalog import (
    ADDONS,
    CYCLES,
    DATACENTER,
    DEFAULT_STOCK,
    LIFETIME,
    P0F_SLOTS,
    PRODUCTS,
    PROMO_CODES,
    PROXY_TYPES,
    Cycle,
    Product,
    ProductKind,
)
from ._dcisp import DcIspState
from ._errors import ApiError
from ._lines import AddonLine, new_lines
from ._residential import Pool, ResidentialState
from ._rules import OrderRequest, Quote, addon_price, charge, price, promo_for

__all__ = [
    "DEFAULT_NOW",
    "LISTABLE_STATUSES",
    "STATUSES",
    "Account",
    "Order",
    "Store",
]

#: 2025-01-01T00:00:00Z: the frozen "now" of a fresh store.
DEFAULT_NOW = 1_735_689_600
STATUSES = ("active", "on-hold", "cancelled")
LISTABLE_STATUSES = frozenset((*STATUSES, "all"))
_DAY = 86_400
_ON_HOLD_GRACE = 3 * _DAY  # an unpaid on-hold order is cancelled 3 days after expiry
# Orders normally get ids from _FIRST_ID upwards; the "insert at the front" fault takes ids
# counting down from _FIRST_ID - 1 so that those orders sort before every existing one.
_FIRST_ID = 100_001
_TAGS = ("scraping", "seo", "ads", "team-a", "team-b", "monitoring")
_PROXY_NET = int(ipaddress.IPv4Address("100.64.0.0"))  # shared address space: never routable
_NET_SIZE = 1 << 22
_PROXY_TYPE_OF = {product: proxy_type for proxy_type, product in PROXY_TYPES.items()}


def _iso(ts: int | None) -> str | None:
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@dataclass(slots=True, eq=False)
class Order:
    """One order. Mutated in place by renew, tag, cycle and auto-renewal changes."""

    order_id: int
    product: Product
    cycle: Cycle
    location: str | None
    quantity: int
    status: str
    created_at: int
    expires_at: int | None
    price_paid: int
    addons_price_paid: int = 0
    addons: list[AddonLine] = field(default_factory=list)
    promo_code: str | None = None
    auto_renewal: bool | None = None
    tag: str | None = None
    # Per-IP state of orders with IPs. An IP is an index into the order's address block, so its
    # address and ports never change; None means "every index below quantity" (not materialized,
    # which keeps seeding 100k orders cheap).
    ip_slots: list[int] | None = field(default=None, repr=False)
    dropping: set[int] = field(default_factory=set, repr=False)  # del-np: gone at renewal
    signatures: dict[int, str] = field(default_factory=dict, repr=False)
    p0f_used: int = 0  # slots taken by first signatures; never given back

    def line(self, key: str) -> AddonLine | None:
        """The add-on line of ``key``, if any."""
        return next((line for line in self.addons if line.addon_key == key), None)

    def addon_quantities(self, *, upcoming: bool = False) -> tuple[tuple[str, int], ...]:
        """``(key, qty)`` of each line now, or after the next renewal when ``upcoming``."""
        pairs = ((line.addon_key, line.qty_next if upcoming else line.qty) for line in self.addons)
        return tuple((key, qty) for key, qty in pairs if qty > 0)

    def slots(self) -> list[int]:
        """Indices of the order's IPs (materialized on first use)."""
        if self.ip_slots is None:
            self.ip_slots = list(range(self.quantity))
        return self.ip_slots

    def ip(self, index: int) -> str:
        """The address of IP ``index`` (in the shared address space, never routable)."""
        base = (self.order_id * 1024) % _NET_SIZE
        return str(ipaddress.IPv4Address(_PROXY_NET + (base + index) % _NET_SIZE))

    def index_of(self, ip: str, members: set[int]) -> int | None:
        """The index of ``ip`` if it is in ``members`` (a set of this order's indices)."""
        try:
            value = int(ipaddress.IPv4Address(ip))
        except ValueError:
            return None
        base = (self.order_id * 1024) % _NET_SIZE
        index = (value - _PROXY_NET - base) % _NET_SIZE
        return index if index in members else None

    def roll_over(self, addon_prices: dict[str, tuple[int, int]]) -> None:
        """Start a new period: apply pending add-on changes and drop IPs marked for deletion.

        ``addon_prices`` maps each surviving add-on to its ``(catalog_id, unit price)`` now.
        """
        lines = []
        for line in self.addons:
            qty = line.qty_next
            if qty > 0:
                line.catalog_id, line.price_per_unit = addon_prices[line.addon_key]
                line.qty, line.pending, line.next_qty = qty, None, 0
                lines.append(line)
        self.addons = lines
        if self.dropping:
            self.ip_slots = [i for i in self.slots() if i not in self.dropping]
            for index in self.dropping:
                self.signatures.pop(index, None)
            self.dropping = set()

    def _p0f_qty(self, *, upcoming: bool) -> int:
        line = self.line(P0F_SLOTS)
        if line is None:
            return 0
        return line.qty_next if upcoming else line.qty

    def list_item(self) -> dict[str, Any]:
        """The item of ``GET /user/api/orders``; ``status``/``location``/``quantity`` are extra
        keys the spec does not list, there so that clients prove they tolerate unknown fields."""
        return {
            "order_id": self.order_id,
            "product_id": self.product.product_id,
            "product_name": self.product.name,
            "cycle_id": self.cycle.cycle_id,
            "cycle_name": self.cycle.name,
            "expires_at": _iso(self.expires_at),
            "auto_renewal": self.auto_renewal,
            "tag": self.tag,
            "status": self.status,
            "location": self.location,
            "quantity": self.quantity,
        }

    def detail(self) -> dict[str, Any]:
        """The ``order`` object of ``GET /user/api/orders/{id}``."""
        return {
            "order_id": self.order_id,
            "product_id": self.product.product_id,
            "product_name": self.product.name,
            "cycle_id": self.cycle.cycle_id,
            "cycle_name": self.cycle.name,
            "location": self.location,
            "quantity": self.quantity,
            "price_paid": self.price_paid,
            "addons_price_paid": self.addons_price_paid,
            "addons": [line.as_json() for line in self.addons],
            "p0f_slots_available": self._p0f_qty(upcoming=False),
            "p0f_slots_used": self.p0f_used,
            "p0f_slots_next": self._p0f_qty(upcoming=True),
            "status": self.status,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "promo_code": self.promo_code,
            "auto_renewal": self.auto_renewal,
            "tag": self.tag,
        }


@dataclass(eq=False)
class Account:
    """An API account: bearer token, wallet (cents), e-mail and its own orders."""

    token: str = field(repr=False)
    email: str
    balance: int
    restricted_cycles: frozenset[str] = frozenset()
    orders: dict[int, Order] = field(default_factory=dict, repr=False)
    pools: dict[str, Pool] = field(default_factory=dict, repr=False)
    """Residential traffic by ``proxy_type`` (``standart``/``premium``)."""
    # status -> ascending order ids; "all" holds every id. Kept sorted by every mutation.
    _index: dict[str, list[int]] = field(
        default_factory=lambda: {s: [] for s in LISTABLE_STATUSES}, repr=False
    )

    @property
    def active_orders(self) -> int:
        """How many orders are ``active`` (``GET /user/api/me``)."""
        return len(self._index["active"])

    def order_ids(self, status: str = "all") -> list[int]:
        """Ascending ids of the orders in ``status`` (a live view: do not mutate it)."""
        return self._index[status]

    def page(
        self, status: str, offset: int, limit: int, *, descending: bool = False
    ) -> list[Order]:
        """One page of orders in ``status``, ascending by id (descending: newest first)."""
        orders, ids = self.orders, self._index[status]
        if descending:
            end = max(len(ids) - offset, 0)
            return [orders[i] for i in reversed(ids[max(end - limit, 0) : end])]
        return [orders[i] for i in ids[offset : offset + limit]]

    def get(self, order_id: int) -> Order:
        """The order, or a 404 if it does not exist or belongs to another account."""
        order = self.orders.get(order_id)
        if order is None:
            raise ApiError.not_found(f"Order {order_id} not found")
        return order

    def add(self, order: Order) -> None:
        """Add an order to the account and its indices."""
        self.orders[order.order_id] = order
        _insert(self._index["all"], order.order_id)
        _insert(self._index[order.status], order.order_id)

    def remove(self, order_id: int) -> Order:
        """Delete an order entirely (as if purged by the provider)."""
        order = self.orders.pop(order_id)
        _remove(self._index["all"], order_id)
        _remove(self._index[order.status], order_id)
        return order

    def set_status(self, order_id: int, status: str) -> Order:
        """Move an order to ``status`` (``active``, ``on-hold`` or ``cancelled``)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        order = self.get(order_id)
        if order.status != status:
            _remove(self._index[order.status], order_id)
            _insert(self._index[status], order_id)
            order.status = status
        return order

    def __iter__(self) -> Iterator[Order]:
        """Orders in ascending id order."""
        orders = self.orders
        return (orders[i] for i in self._index["all"])


def _insert(ids: list[int], order_id: int) -> None:
    # Appending is the common case (new orders get the highest id): skip the bisect.
    if not ids or ids[-1] < order_id:
        ids.append(order_id)
    else:
        bisect.insort(ids, order_id)


def _remove(ids: list[int], order_id: int) -> None:
    i = bisect.bisect_left(ids, order_id)
    if i < len(ids) and ids[i] == order_id:
        del ids[i]


class Store(DcIspState, ResidentialState):
    """All mutable emulator state. Reach it as ``Emulator.store`` to inspect or arrange tests."""

    def __init__(
        self, *, now: int = DEFAULT_NOW, stock: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.now = now
        self.accounts: dict[str, Account] = {}
        self.stock: dict[tuple[str, str], int] = dict(DEFAULT_STOCK)
        if stock:
            for key, amount in stock.items():
                self.set_stock(key[0], key[1], amount)
        self._next_id = _FIRST_ID
        self._next_front_id = _FIRST_ID - 1

    # -- accounts -------------------------------------------------------------------------

    def add_account(
        self,
        token: str,
        *,
        email: str,
        balance: int,
        restricted_cycles: frozenset[str] = frozenset(),
    ) -> Account:
        """Create an account; its token must be new."""
        if not token or token in self.accounts:
            raise ValueError("token must be a non-empty string not used by another account")
        account = Account(token, email, balance, frozenset(restricted_cycles))
        self.accounts[token] = account
        return account

    def account(self, token: str) -> Account:
        """The account of ``token`` (KeyError if unknown)."""
        return self.accounts[token]

    def set_stock(self, product: str, location: str, amount: int) -> None:
        """Set the stock of a product in a location (it must be a stocked pair)."""
        found = PRODUCTS.get(product)
        if found is None or location not in found.locations:
            raise ValueError(f"{product!r} is not stocked in {location!r}")
        self.stock[(product, location)] = amount

    # -- order creation -------------------------------------------------------------------

    def _new_id(self) -> int:
        order_id = self._next_id
        self._next_id += 1
        return order_id

    def _pick_location(self, req: OrderRequest) -> str | None:
        # Generic products with locations may omit it: take the best-stocked one.
        if req.location is not None or not req.product.locations:
            return req.location
        return max(
            req.product.locations, key=lambda loc: self.stock.get((req.product.name, loc), 0)
        )

    def purchase(self, account: Account, req: OrderRequest) -> Order:
        """Check stock then balance, charge the wallet, draw stock and create an active order."""
        quote = price(req.product, req.cycle, req.quantity, req.promo, req.addons)
        location = self._pick_location(req)
        key = (req.product.name, location or "")
        if req.product.tracks_stock:
            available = self.stock.get(key, 0)
            if available < req.quantity:
                raise ApiError.bad_request(
                    f"Insufficient stock: {available} available for '{req.product.name}' "
                    f"in {location}, {req.quantity} requested"
                )
        charge(account, quote.total)
        if req.product.tracks_stock:
            self.stock[key] -= req.quantity
        order = Order(
            order_id=self._new_id(),
            product=req.product,
            cycle=req.cycle,
            location=location,
            quantity=req.quantity,
            status="active",
            created_at=self.now,
            expires_at=None if req.cycle.days is None else self.now + req.cycle.days * _DAY,
            price_paid=quote.final_price,
            addons_price_paid=quote.addons_price,
            addons=new_lines(req.product, req.cycle, req.addons),
            promo_code=req.promo.code if req.promo else None,
            auto_renewal=req.auto_renewal if req.product.renewable else None,
        )
        account.add(order)
        proxy_type = _PROXY_TYPE_OF.get(req.product.name)
        if proxy_type is not None:
            self.feed_pool(account, proxy_type, req.quantity)
        return order

    # -- order operations -----------------------------------------------------------------

    def change_cycle(self, account: Account, order_id: int, cycle: str) -> tuple[Order, Quote]:
        """Switch a DC/ISP order to ``cycle`` from its next period; no charge now.

        The promo code is silently dropped when it does not apply to the new cycle.
        """
        order = _dc_isp_order(account, order_id, "Billing cycle changes")
        if cycle not in order.product.prices:
            raise ApiError.bad_request(
                f"Cycle '{cycle}' is not available for product '{order.product.name}' "
                f"(available: {', '.join(order.product.prices)})"
            )
        if cycle in account.restricted_cycles:
            raise ApiError(403, f"Cycle '{cycle}' is not available for this account")
        new_cycle = CYCLES[cycle]
        promo = PROMO_CODES.get(order.promo_code) if order.promo_code else None
        if promo is not None and not promo.applies_to(order.product.name, cycle):
            promo = None
        order.cycle = new_cycle
        order.promo_code = promo.code if promo else None
        for line in order.addons:
            # An add-on the new cycle cannot carry (p0f on a weekly DC order) ends at renewal.
            available = ADDONS[line.addon_key].price_for(order.product.name, cycle) is not None
            if not available:
                line.pending, line.next_qty = "cancel", 0
            elif line.pending == "cancel":
                line.pending = None
        return order, price(order.product, new_cycle, order.quantity, promo)

    def set_auto_renewal(self, account: Account, order_id: int, enabled: bool) -> Order:
        """Switch auto-renewal of a DC/ISP order."""
        order = _dc_isp_order(account, order_id, "Auto-renewal changes")
        order.auto_renewal = enabled
        return order

    def renew(self, account: Account, order_id: int) -> Order:
        """Pay for the next period of an ``on-hold`` order and make it active."""
        order = account.get(order_id)
        if order.status != "on-hold" or order.cycle.days is None:
            raise ApiError.bad_request(
                f"Only on-hold orders can be renewed; order {order_id} is {order.status}"
            )
        promo = PROMO_CODES.get(order.promo_code) if order.promo_code else None
        upcoming = order.addon_quantities(upcoming=True)
        quote = price(order.product, order.cycle, order.quantity, promo, upcoming)
        charge(account, quote.total)
        entries = {key: addon_price(key, order.product, order.cycle) for key, _ in upcoming}
        order.roll_over({k: (e.catalog_id, e.unit_price) for k, e in entries.items()})
        start = max(order.expires_at or self.now, self.now)
        order.expires_at = start + order.cycle.days * _DAY
        account.set_status(order_id, "active")
        return order

    def add_bandwidth(
        self, account: Account, order_id: int, gb: int, promo_code: str | None
    ) -> Order:
        """Charge ``gb`` GB at the order's per-GB price (promo applied) and feed the pool."""
        order = account.get(order_id)
        proxy_type = _PROXY_TYPE_OF.get(order.product.name)
        if proxy_type is None:
            raise ApiError.bad_request(
                f"Traffic can only be added to Standart or Premium Residential orders; "
                f"order {order_id} is '{order.product.name}'"
            )
        promo = promo_for(promo_code, order.product, order.cycle)
        cost = price(order.product, order.cycle, gb, promo).final_price
        charge(account, cost)
        order.quantity += gb
        order.price_paid += cost
        self.feed_pool(account, proxy_type, gb)
        return order

    def set_tag(self, account: Account, order_id: int, tag: str) -> Order:
        """Set an order's tag."""
        order = account.get(order_id)
        order.tag = tag
        return order

    # -- page-shifting faults -------------------------------------------------------------

    def insert_front(
        self, account: Account, count: int, status: str, *, descending: bool = False
    ) -> None:
        """Create ``count`` orders listed before every existing one (shifts offset pages).

        Ascending lists get ids below every other; descending ones get new highest ids.
        """
        dc = PRODUCTS["Datacenter Proxy"]
        monthly = CYCLES["monthly"]
        new_status = "active" if status == "all" else status
        for _ in range(count):
            order_id = self._next_id if descending else self._next_front_id
            if descending:
                self._next_id += 1
            else:
                self._next_front_id -= 1
            account.add(
                Order(
                    order_id,
                    dc,
                    monthly,
                    "DE",
                    1,
                    new_status,
                    self.now,
                    self.now + monthly.days * _DAY if monthly.days else None,
                    120,
                )
            )

    def delete_front(
        self,
        account: Account,
        count: int,
        status: str,
        descending: bool = False,
        *,
        rng: random.Random | None = None,
    ) -> None:
        """Delete the ``count`` orders of ``status`` listed first (shifts offset pages back).

        With ``rng``, the orders are drawn at random from the whole list instead.
        """
        ids = account.order_ids(status)
        if rng is not None:
            doomed = rng.sample(ids, min(count, len(ids)))
        else:
            doomed = ids[len(ids) - count :] if descending else ids[:count]
        for order_id in list(doomed):
            account.remove(order_id)

    # -- seeding --------------------------------------------------------------------------

    def seed_orders(self, account: Account, count: int, seed: int) -> None:
        """Add ``count`` historical orders derived only from ``seed`` and ``now``."""
        _Seeder(self, random.Random(seed)).run(account, count)

    def seed_residential(
        self, account: Account, traffic_gb: Mapping[str, int], sub_users: int = 0
    ) -> list[Order]:
        """Give ``account`` one paid residential order of ``traffic_gb[proxy_type]`` GB per type,
        and ``sub_users`` sub-users of 1 GB each per type (named ``<type>-user-<n>``).

        Nothing is charged; ids, names and passwords depend only on the order of calls.
        """
        orders = []
        for proxy_type, gb in traffic_gb.items():
            product = PRODUCTS[PROXY_TYPES[proxy_type]]
            cycle = CYCLES[LIFETIME]
            cost = price(product, cycle, gb, None).final_price
            order = Order(self._new_id(), product, cycle, None, gb, "active", self.now, None, cost)
            account.add(order)
            self.feed_pool(account, proxy_type, gb)
            for n in range(1, sub_users + 1):
                self.create_sub_user(account, proxy_type, f"{proxy_type}-user-{n}", 1)
            orders.append(order)
        return orders

    def seed_p0f_orders(
        self, account: Account, count: int, *, quantity: int = 5, slots: int = 3, signed: int = 1
    ) -> list[Order]:
        """Add ``count`` active monthly Datacenter orders (DE, ``quantity`` IPs) carrying
        ``slots`` p0f slots, their first ``signed`` IPs signed ``win10``. Nothing is charged."""
        product, cycle = PRODUCTS[DATACENTER], CYCLES["monthly"]
        assert cycle.days is not None
        orders = []
        for _ in range(count):
            quote = price(product, cycle, quantity, None, ((P0F_SLOTS, slots),))
            order = Order(
                self._new_id(), product, cycle, "DE", quantity, "active", self.now,
                self.now + cycle.days * _DAY, quote.final_price, quote.addons_price,
                new_lines(product, cycle, ((P0F_SLOTS, slots),)), auto_renewal=False,
            )  # fmt: skip
            order.signatures = dict.fromkeys(range(min(signed, slots, quantity)), "win10")
            order.p0f_used = len(order.signatures)
            account.add(order)
            orders.append(order)
        return orders

    def proxies(self, order: Order, secret: str) -> list[dict[str, Any]]:
        """The proxy list of an active order with IPs, derived from its id (stable).

        IPs marked for deletion stay listed until the renewal drops them.
        """
        digest = hashlib.blake2b(f"{secret}:{order.order_id}".encode(), digest_size=16).hexdigest()
        until = _iso(order.expires_at)
        signatures = order.signatures
        return [
            {
                "ip": order.ip(i),
                "username": f"u{order.order_id}",
                "password": digest[:16],
                "http_port": 10_000 + i,
                "socks_port": 20_000 + i,
                "until": until,
                "status": "active",
                "signature": signatures.get(i),
            }
            for i in order.slots()
        ]


def _dc_isp_order(account: Account, order_id: int, what: str) -> Order:
    order = account.get(order_id)
    if order.product.kind is not ProductKind.DC_ISP:
        raise ApiError.bad_request(
            f"{what} are only available for Datacenter and ISP orders; "
            f"order {order_id} is '{order.product.name}'"
        )
    if order.status == "cancelled":
        raise ApiError.bad_request(f"Order {order_id} is cancelled")
    return order


# Relative popularity of products in seeded history; spread evenly over cycles and locations.
_PRODUCT_WEIGHTS = {
    "Datacenter Proxy": 45,
    "ISP Proxy": 15,
    "Standart Residential Proxy": 10,
    "Premium Residential Proxy": 6,
    "Unmetered Residential proxy": 8,
    "Residential Proxy NEW": 6,
    "Mobile Proxy Basic": 6,
    "Mobile Proxy Pro": 4,
}
_QUANTITIES = (1, 2, 3, 5, 10, 20, 50)
_QUANTITY_WEIGHTS = (30, 15, 10, 15, 15, 10, 5)


class _Seeder:
    """Generates seeded history compactly: bulk ``choices`` draws, then one tight loop."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        variants: list[tuple[Product, Cycle, str | None]] = []
        weights: list[float] = []
        for product in PRODUCTS.values():
            locations: tuple[str | None, ...] = product.locations or (None,)
            combos = [(product, CYCLES[c], loc) for c in product.prices for loc in locations]
            variants += combos
            weights += [_PRODUCT_WEIGHTS[product.name] / len(combos)] * len(combos)
        self.variants = variants
        self.weights = weights
        self.save10 = PROMO_CODES["SAVE10"]

    def run(self, account: Account, count: int) -> None:
        rng, store = self.rng, self.store
        # Bulk draws are far cheaper than per-order calls; the loop then only builds objects.
        variants = rng.choices(self.variants, self.weights, k=count)
        statuses = rng.choices(STATUSES, (50, 15, 35), k=count)
        quantities = rng.choices(_QUANTITIES, _QUANTITY_WEIGHTS, k=count)
        first = store._next_id
        store._next_id += count
        orders, index = account.orders, account._index
        for i in range(count):
            order = self._order(first + i, variants[i], statuses[i], quantities[i])
            orders[order.order_id] = order
            # Ids grow with i, so appending keeps every index sorted.
            index["all"].append(order.order_id)
            index[order.status].append(order.order_id)
            proxy_type = _PROXY_TYPE_OF.get(order.product.name)
            if proxy_type is not None:  # residential history feeds the traffic pools
                store.feed_pool(account, proxy_type, order.quantity)

    def _order(
        self, order_id: int, variant: tuple[Product, Cycle, str | None], status: str, quantity: int
    ) -> Order:
        product, cycle, location = variant
        rand, now = self.rng.random, self.store.now
        r1, r2, r3 = rand(), rand(), rand()
        created = now - 3600 - int(r1 * 720 * _DAY)
        promo = (
            self.save10 if r3 > 0.9 and self.save10.applies_to(product.name, cycle.name) else None
        )
        addons: tuple[tuple[str, int], ...] = ()
        p0f = ADDONS[P0F_SLOTS].price_for(product.name, cycle.name)
        if cycle.days is None:
            expires, auto_renewal = None, None
            if status == "on-hold":  # lifetime orders never wait for payment
                status = "active"
        else:
            length = cycle.days * _DAY
            if status == "active":
                expires = now + 1 + int(r2 * length)
            elif status == "on-hold":
                expires = now - 1 - int(r2 * _ON_HOLD_GRACE)
            else:
                expires = now - _ON_HOLD_GRACE - int(r2 * 365 * _DAY)
            created = min(created, expires - length)  # bought before the current period began
            auto_renewal = r3 < 0.4
            if p0f is not None and r3 < 0.1:
                addons = ((P0F_SLOTS, 1 + int(r2 * 20)),)
        quote = price(product, cycle, quantity, promo, addons)
        return Order(
            order_id,
            product,
            cycle,
            location,
            quantity,
            status,
            created,
            expires,
            quote.final_price,
            quote.addons_price,
            new_lines(product, cycle, addons),
            promo.code if promo else None,
            auto_renewal,
            _TAGS[int(r1 * 1000) % len(_TAGS)] if r2 < 0.25 else None,
        )
