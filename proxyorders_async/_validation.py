"""Argument checks shared by request models and resource methods.

Every check raises before any request is sent and names the argument it rejects.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Literal, TypeAlias

from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError

MAX_PAGE_SIZE = 100
MAX_WIRE_INT = 2**63 - 1
"""The largest integer sent: what a 64-bit server field holds (and far below the 4,300 digits
past which Python refuses to print an int, which would break the request)."""


class OrderStatus(str, enum.Enum):
    """Order statuses accepted by ``GET /user/api/orders``; plain strings work too."""

    ACTIVE = "active"
    ON_HOLD = "on-hold"
    CANCELLED = "cancelled"
    ALL = "all"

    def __str__(self) -> str:
        return self.value


OrderStatusName: TypeAlias = Literal["active", "on-hold", "cancelled", "all"]
"""The values of :class:`OrderStatus` as plain strings: a type checker refuses ``"actve"``."""

_STATUS_VALUES = frozenset(s.value for s in OrderStatus)


def _type_name(value: object) -> str:
    return type(value).__name__


# One limit under two names (both imported elsewhere): see MAX_WIRE_INT.
WIRE_INT_MAX = MAX_WIRE_INT


def plain_int(value: int) -> int:
    """An ``int`` subclass as a plain ``int`` of the same value (its own ``__str__``,
    ``__format__`` or ``__int__`` never run), so only the value reaches a path or a body."""
    return value if type(value) is int else int.__index__(value)


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as a plain int if it is an int (not a bool) within ``minimum..maximum``
    and the 64-bit range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(name, f"expected an int, got {_type_name(value)}")
    number = plain_int(value)
    if not -WIRE_INT_MAX <= number <= WIRE_INT_MAX:
        # Not formatted: a number of more than 4,300 digits cannot be.
        raise InvalidArgumentError(
            name,
            f"is out of range: {'-' if number < 0 else ''}a {number.bit_length()}-bit integer "
            "(at most 63 bits)",
        )
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise InvalidArgumentError(name, f"must be {bounds}, got {number}")
    return number


def show_int(value: int) -> str:
    """``value`` for an error message; huge ints are described, as printing them would fail."""
    # str() of an int over 4,300 digits raises ValueError (CVE-2020-10735 limit).
    bits = value.bit_length()
    return str(value) if bits <= 256 else f"{'-' if value < 0 else ''}a {bits}-bit integer"


def check_order_id(value: object, name: str = "order_id") -> int:
    """Order ids are positive integers."""
    return check_int(name, value, minimum=1)


def check_bool(name: str, value: object) -> bool:
    """Only real bools: ``"false"`` is truthy and would flip a setting by accident."""
    if not isinstance(value, bool):
        raise InvalidArgumentTypeError(name, f"expected a bool, got {_type_name(value)}")
    return value


def check_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    """A string, non-blank unless ``allow_empty``."""
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(name, f"expected a str, got {_type_name(value)}")
    if not allow_empty and not value.strip():
        raise InvalidArgumentError(name, "must not be empty")
    check_unicode(name, value)
    return value


def check_unicode(name: str, value: str) -> None:
    """Refuse a lone surrogate: it cannot be encoded, and URL quoting silently drops it
    (``"P\\ud800"`` would be sent as ``P``)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            name, f"contains a lone surrogate ({value[exc.start]!r} at index {exc.start})"
        ) from None


def check_optional_str(name: str, value: object) -> str | None:
    """``None`` or a non-blank string."""
    return None if value is None else check_str(name, value)


def check_status(value: object) -> str:
    """Return the wire value of an order status given as :class:`OrderStatus` or string."""
    if isinstance(value, OrderStatus):
        return value.value
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(
            "status", f"expected OrderStatus or str, got {_type_name(value)}"
        )
    if value not in _STATUS_VALUES:
        allowed = ", ".join(sorted(_STATUS_VALUES))
        raise InvalidArgumentError("status", f"must be one of {allowed}; got {value!r}")
    return OrderStatus(value).value  # the plain constant, not a str subclass


def check_page_size(name: str, value: object) -> int:
    """Page sizes the server accepts: 1..100."""
    return check_int(name, value, minimum=1, maximum=MAX_PAGE_SIZE)


def check_instances(name: str, values: Iterable[Any], cls: type[Any]) -> tuple[Any, ...]:
    """A tuple of ``cls`` instances from any iterable (a lone instance or string is refused)."""
    if isinstance(values, (str, bytes, cls)) or not isinstance(values, Iterable):
        raise InvalidArgumentTypeError(
            name, f"expected a sequence of {cls.__name__}, got {_type_name(values)}"
        )
    items = tuple(values)
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise InvalidArgumentTypeError(
                f"{name}[{index}]", f"expected {cls.__name__}, got {_type_name(item)}"
            )
    return items
