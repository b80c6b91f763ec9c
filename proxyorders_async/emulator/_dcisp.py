"""Add-ons (p0f slots), OS signatures and per-IP deletion on orders with IPs.

A mixin of :class:`~proxyorders_async.emulator.Store`. Rules (``shared/reference/API.md``):
add-on purchases charge the full period's unit price now (not prorated) and ``calculate`` quotes
exactly that; a downgrade waits for the renewal; an IP's first signature takes a slot for good;
per-IP deletion recalculates ``quantity`` and ``price_paid`` at once and drops the IPs at renewal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._catalog import IP_PRODUCTS, P0F_SLOTS, PROMO_CODES, ProductKind
from ._errors import ApiError
from ._lines import AddonLine
from ._rules import addon_price, charge, price

if TYPE_CHECKING:
    from ._store import Account, Order

__all__ = ["DcIspState"]


def _ip_order(account: Account, order_id: int, *, active: bool) -> Order:
    order = account.get(order_id)
    if order.product.name not in IP_PRODUCTS:
        raise ApiError.bad_request(
            f"Order {order_id} ('{order.product.name}') has no IPs: add-ons and signatures are "
            "only available for Datacenter, ISP and mobile orders"
        )
    allowed = ("active",) if active else ("active", "on-hold")
    if order.status not in allowed:
        raise ApiError.bad_request(f"Order {order_id} is {order.status}")
    return order


def _line(order: Order, key: str) -> AddonLine:
    line = order.line(key)
    if line is None:
        raise ApiError.bad_request(f"Order {order.order_id} has no '{key}' add-on")
    return line


def _indices(order: Order, ips: Sequence[str]) -> list[int]:
    members = set(order.slots())
    indices = []
    for ip in ips:
        index = order.index_of(ip, members)
        if index is None:
            raise ApiError.bad_request(f"IP {ip} does not belong to order {order.order_id}")
        indices.append(index)
    return indices


class DcIspState:
    """Add-on, signature and per-IP operations (state lives on each :class:`Order`)."""

    def quote_addon(
        self, account: Account, order_id: int, key: str, add_qty: int
    ) -> dict[str, Any]:
        """The body of ``addons/calculate``: exactly what ``addons/purchase`` would charge."""
        order = _ip_order(account, order_id, active=True)
        entry = addon_price(key, order.product, order.cycle)
        line = order.line(key)
        current = 0 if line is None else line.qty
        return {
            "success": True,
            "addon_key": key,
            "catalog_id": entry.catalog_id,
            "price_per_unit": entry.unit_price,
            "current_qty": current,
            "add_qty": add_qty,
            "new_qty": current + add_qty,
            "add_total": entry.unit_price * add_qty,
        }

    def buy_addon(self, account: Account, order_id: int, key: str, add_qty: int) -> Order:
        """Charge the wallet and add ``add_qty`` units now (a pending downgrade is kept)."""
        quote = self.quote_addon(account, order_id, key, add_qty)
        order = account.get(order_id)
        charge(account, quote["add_total"])
        line = order.line(key)
        if line is None:
            line = AddonLine(key, quote["catalog_id"], 0, quote["price_per_unit"])
            order.addons.append(line)
        line.qty += add_qty
        line.catalog_id, line.price_per_unit = quote["catalog_id"], quote["price_per_unit"]
        order.addons_price_paid += quote["add_total"]
        return order

    def schedule_downgrade(self, account: Account, order_id: int, key: str, next_qty: int) -> Order:
        """Make the next renewal keep only ``next_qty`` units (fewer than now); no charge."""
        order = _ip_order(account, order_id, active=False)
        line = _line(order, key)
        if line.pending == "cancel":
            raise ApiError.bad_request(
                f"The '{key}' add-on ends at the next renewal (not available on the order's cycle)"
            )
        if next_qty >= line.qty:
            raise ApiError.bad_request(
                f"next_qty must be less than the current quantity {line.qty}, got {next_qty}"
            )
        line.pending, line.next_qty = "downgrade", next_qty
        return order

    def cancel_downgrade(self, account: Account, order_id: int, key: str) -> Order:
        """Drop a scheduled downgrade (a no-op when there is none)."""
        order = _ip_order(account, order_id, active=False)
        line = _line(order, key)
        if line.pending == "downgrade":
            line.pending, line.next_qty = None, 0
        return order

    def set_signatures(
        self, account: Account, order_id: int, items: Sequence[tuple[str, str]]
    ) -> int:
        """Set OS signatures; each IP's first one takes a p0f slot for good. Returns IPs updated."""
        order = _ip_order(account, order_id, active=True)
        line = order.line(P0F_SLOTS)
        if line is None or line.qty == 0:
            raise ApiError.bad_request(f"Order {order_id} has no active p0f_slots add-on")
        indices = _indices(order, [ip for ip, _ in items])
        new = {i for i in indices if i not in order.signatures}
        free = line.qty - order.p0f_used
        if new and len(new) > free:
            raise ApiError.bad_request(
                f"Not enough p0f slots: {max(free, 0)} free, {len(new)} needed"
            )
        for index, (_, signature) in zip(indices, items, strict=True):
            order.signatures[index] = signature
        order.p0f_used += len(new)
        return len(set(indices))

    def set_ip_deletion(
        self, account: Account, order_id: int, items: Sequence[tuple[str, bool]]
    ) -> Order:
        """Mark IPs to drop (True) or keep (False) at renewal; reprice the kept ones now."""
        order = account.get(order_id)
        if order.product.kind is not ProductKind.DC_ISP:
            raise ApiError.bad_request(
                f"Per-IP deletion is only available for Datacenter and ISP orders; "
                f"order {order_id} is '{order.product.name}'"
            )
        order = _ip_order(account, order_id, active=False)
        dropping = set(order.dropping)
        for index, (_, value) in zip(_indices(order, [ip for ip, _ in items]), items, strict=True):
            (dropping.add if value else dropping.discard)(index)
        kept = len(order.slots()) - len(dropping)
        if kept == 0:
            raise ApiError.bad_request("keep=0: an order must keep at least one IP")
        promo = PROMO_CODES.get(order.promo_code) if order.promo_code else None
        order.dropping = dropping
        order.quantity = kept
        order.price_paid = price(order.product, order.cycle, kept, promo).final_price
        return order
