"""Strict parsing of the 1.1.0 operations' queries and bodies (400 on anything unexpected)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._catalog import ADDONS, PROXY_TYPES
from ._errors import ApiError
from ._rules import MAX_QUANTITY, reject_unknown

__all__ = [
    "SIGNATURES",
    "addon_key",
    "flag",
    "int_field",
    "ip_items",
    "proxy_type",
    "required_query",
    "signature",
    "text_field",
]

#: OS signatures the API accepts for p0f spoofing.
SIGNATURES = frozenset({"ios", "macos", "android", "linux", "win10", "win11"})
_MAX_NAME = 255
_MAX_ITEMS = 10_000
_T = TypeVar("_T")


def required_query(query: Mapping[str, str], name: str) -> str:
    """A required, non-empty query parameter."""
    value = query.get(name)
    if not value:
        raise ApiError.bad_request(f"{name} is required")
    return value


def proxy_type(query: Mapping[str, str]) -> str:
    """The ``proxy_type`` query parameter: ``standart`` (sic) or ``premium``."""
    value = required_query(query, "proxy_type")
    if value not in PROXY_TYPES:
        raise ApiError.bad_request(
            f"Invalid proxy_type '{value}' (expected one of: {', '.join(PROXY_TYPES)})"
        )
    return value


def int_field(body: Mapping[str, Any], key: str, *, minimum: int = 1) -> int:
    """A required JSON integer (booleans are not integers) within ``minimum..MAX_QUANTITY``."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError.bad_request(f"{key} is required and must be an integer")
    if not minimum <= value <= MAX_QUANTITY:
        raise ApiError.bad_request(
            f"{key} must be between {minimum} and {MAX_QUANTITY}, got {value}"
        )
    return value


def text_field(body: Mapping[str, Any], key: str) -> str:
    """A required, non-empty JSON string of at most 255 characters."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME:
        raise ApiError.bad_request(
            f"{key} is required and must be a non-empty string <= {_MAX_NAME}"
        )
    return value


def addon_key(value: Any) -> str:
    """A known add-on key."""
    if not isinstance(value, str) or value not in ADDONS:
        raise ApiError.bad_request(f"Unknown addon_key: {value!r} (known: {', '.join(ADDONS)})")
    return value


def ip_items(
    body: Mapping[str, Any], value_key: str, check: Callable[[Any], _T]
) -> list[tuple[str, _T]]:
    """``{"items": [{"ip": str, value_key: ...}, ...]}`` as ``(ip, value)`` pairs (non-empty)."""
    reject_unknown(body, frozenset({"items"}), "field(s)")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise ApiError.bad_request("items is required and must be a non-empty array")
    if len(items) > _MAX_ITEMS:
        raise ApiError.bad_request(f"items must hold at most {_MAX_ITEMS} entries")
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError.bad_request("each item must be an object")
        reject_unknown(item, frozenset({"ip", value_key}), "item field(s)")
        ip = item.get("ip")
        if not isinstance(ip, str):
            raise ApiError.bad_request("each item needs an ip string")
        pairs.append((ip, check(item.get(value_key))))
    return pairs


def signature(value: Any) -> str:
    """A p0f signature name."""
    if not isinstance(value, str) or value not in SIGNATURES:
        raise ApiError.bad_request(
            f"Invalid signature {value!r} (expected one of: {', '.join(sorted(SIGNATURES))})"
        )
    return value


def flag(value: Any) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise ApiError.bad_request("value must be a boolean")
    return value
