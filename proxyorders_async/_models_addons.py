"""Response models of the add-on and per-IP operations of API 1.1.0.

As in :mod:`._models`: frozen, slotted, the API's field names, money in integer cents, unknown
keys ignored. The 1.1.0 schemas mark none of these fields required, so every field is optional
(``None`` when the server leaves it out).
"""

from __future__ import annotations

import attrs

__all__ = [
    "AddonLine",
    "AddonPending",
    "AddonPurchase",
    "AddonQuote",
    "AddonSchedule",
    "SignatureUpdate",
]


@attrs.frozen(kw_only=True)
class AddonPending:
    """A change scheduled for an add-on line at the next renewal.

    ``action`` is ``"downgrade"`` (to ``next_qty`` units) or ``"cancel"``; other values the API
    may add later are kept as sent.
    """

    action: str | None = None
    next_qty: int | None = None


@attrs.frozen(kw_only=True)
class AddonLine:
    """One add-on on an order, e.g. ``p0f_slots`` (OS-fingerprint slots).

    ``qty`` is the units active in the current period, ``price_per_unit`` the unit price in
    cents at purchase time, ``pending`` the change the next renewal applies (or ``None``).
    """

    addon_key: str | None = None
    catalog_id: int | None = None
    qty: int | None = None
    price_per_unit: int | None = None
    pending: AddonPending | None = None


@attrs.frozen(kw_only=True)
class AddonQuote:
    """The price of adding ``add_qty`` units of an add-on to an order, in cents.

    ``add_total`` is what a purchase of the same units would charge now; ``new_qty`` is
    ``current_qty + add_qty``.
    """

    addon_key: str | None = None
    catalog_id: int | None = None
    price_per_unit: int | None = None
    current_qty: int | None = None
    add_qty: int | None = None
    new_qty: int | None = None
    add_total: int | None = None
    success: bool = True


@attrs.frozen(kw_only=True)
class AddonPurchase:
    """The answer to an add-on purchase: the order's add-on lines after it.

    ``addons_price_paid`` is the order's cumulative add-on cost in cents, not this purchase's.
    """

    addons_price_paid: int | None = None
    addons: tuple[AddonLine, ...] | None = None
    success: bool = True
    message: str | None = None


@attrs.frozen(kw_only=True)
class AddonSchedule:
    """The answer to scheduling or cancelling an add-on downgrade: the order's add-on lines."""

    addons: tuple[AddonLine, ...] | None = None
    success: bool = True
    message: str | None = None


@attrs.frozen(kw_only=True)
class SignatureUpdate:
    """The answer to setting p0f signatures: ``updated`` is how many IPs were changed."""

    updated: int | None = None
    success: bool = True
    message: str | None = None
