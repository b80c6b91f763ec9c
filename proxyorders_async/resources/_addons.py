"""``client.addons``: add-ons of a Datacenter/ISP/mobile order (today ``p0f_slots``)."""

from __future__ import annotations

from .._endpoints import (
    ADDON_CALCULATE,
    ADDON_CANCEL_DOWNGRADE,
    ADDON_PURCHASE,
    ADDON_SCHEDULE_DOWNGRADE,
)
from .._models_addons import AddonPurchase, AddonQuote, AddonSchedule
from .._validation import check_int, check_order_id
from .._validation_more import check_addon_key, check_next_qty, check_positive
from ._base import Resource

__all__ = ["AddonsResource"]


class AddonsResource(Resource):
    """Add-ons of an order: quote, buy, schedule a downgrade (``client.addons``).

    ``addon_key`` names the add-on; ``"p0f_slots"`` (OS-fingerprint slots, one per signed IP)
    is the only one today. Quantities are whole units, from 1.
    """

    __slots__ = ()

    async def calculate(self, order_id: int, addon_key: str, add_qty: int) -> AddonQuote:
        """Price of adding ``add_qty`` units now, in cents, without buying (``add_total``)."""
        order_id = check_order_id(order_id)
        key = check_addon_key(addon_key)
        qty = check_positive("add_qty", add_qty)
        return await self._transport.send(
            ADDON_CALCULATE.request(order_id=order_id, addon_key=key, add_qty=qty)
        )

    async def purchase(self, order_id: int, addon_key: str, add_qty: int) -> AddonPurchase:
        """Buy ``add_qty`` more units; charges the wallet at once.

        Never resent once it may have reached the server: an ambiguous failure raises
        :class:`PurchaseOutcomeUnknownError` (check ``client.orders.get(order_id)`` and the
        wallet before trying again). Quote it first with :meth:`calculate`.
        """
        order_id = check_order_id(order_id)
        key = check_addon_key(addon_key)
        qty = check_positive("add_qty", add_qty)
        return await self._transport.send(
            ADDON_PURCHASE.request(order_id=order_id, addon_key=key, add_qty=qty)
        )

    async def schedule_downgrade(
        self, order_id: int, addon_key: str, next_qty: int, *, current_qty: int | None = None
    ) -> AddonSchedule:
        """Have the next renewal charge for ``next_qty`` units instead of the current quantity.

        ``next_qty`` must be from 1 and below the current quantity. The client checks the
        latter only when you pass ``current_qty`` (e.g. the line's ``qty`` from
        ``client.orders.get(order_id).addons``); otherwise the server does (HTTP 400). It
        fetches nothing to find out: a check-then-act read could be stale anyway. Repeating
        the call is harmless, so it is retried like a read.
        """
        order_id = check_order_id(order_id)
        key = check_addon_key(addon_key)
        current = None if current_qty is None else check_int("current_qty", current_qty, minimum=1)
        qty = check_next_qty(next_qty, current_qty=current)
        return await self._transport.send(
            ADDON_SCHEDULE_DOWNGRADE.request(order_id=order_id, addon_key=key, next_qty=qty)
        )

    async def cancel_downgrade(self, order_id: int, addon_key: str) -> AddonSchedule:
        """Drop a scheduled downgrade: the next renewal keeps the current quantity."""
        order_id = check_order_id(order_id)
        key = check_addon_key(addon_key)
        return await self._transport.send(
            ADDON_CANCEL_DOWNGRADE.request(order_id=order_id, addon_key=key)
        )
