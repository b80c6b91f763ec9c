"""Add-on lines stored on an order (``AddonLine`` in the 1.1.0 spec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ._catalog import Cycle, Product
from ._rules import addon_price

__all__ = ["AddonLine", "new_lines"]


@dataclass(slots=True, eq=False)
class AddonLine:
    """Units of one add-on on one order, and the change scheduled for the next renewal.

    ``pending`` is ``"downgrade"`` (to ``next_qty``), ``"cancel"`` (the line goes at renewal,
    e.g. after a Datacenter order left the monthly cycle) or None.
    """

    addon_key: str
    catalog_id: int
    qty: int
    price_per_unit: int
    pending: Literal["cancel", "downgrade"] | None = None
    next_qty: int = 0

    @property
    def qty_next(self) -> int:
        """Units after the next renewal."""
        if self.pending == "cancel":
            return 0
        if self.pending == "downgrade":
            return self.next_qty
        return self.qty

    def as_json(self) -> dict[str, Any]:
        """The ``AddonLine`` object of the API."""
        pending = (
            None if self.pending is None else {"action": self.pending, "next_qty": self.qty_next}
        )
        return {
            "addon_key": self.addon_key,
            "catalog_id": self.catalog_id,
            "qty": self.qty,
            "price_per_unit": self.price_per_unit,
            "pending": pending,
        }


def new_lines(
    product: Product, cycle: Cycle, addons: tuple[tuple[str, int], ...]
) -> list[AddonLine]:
    """The lines of a new order bought with ``addons`` (``(key, qty)`` pairs, already priced)."""
    lines = []
    for key, qty in addons:
        entry = addon_price(key, product, cycle)
        lines.append(AddonLine(key, entry.catalog_id, qty, entry.unit_price))
    return lines
