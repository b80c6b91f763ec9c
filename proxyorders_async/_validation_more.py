"""Argument checks and request encoders of the API 1.1.0 operations.

Add-ons, p0f signatures, per-IP deletion, residential traffic, sub-users and geo lists. Every
``check_*`` raises :class:`InvalidArgumentError` or :class:`InvalidArgumentTypeError` naming the
argument, before anything is sent; every ``*_params`` / ``*_body`` function validates its
arguments and returns the exact query or JSON body the 1.1.0 spec defines.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from ._validation import check_int, check_optional_str

SUB_USER_PAGE_SIZE = 20
"""The server's default page size of ``GET /user/api/proxies/sub-users``."""

E = TypeVar("E", bound=enum.Enum)
V = TypeVar("V")

# Control characters and lone surrogates: they corrupt paths, queries and JSON text.
_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SHOWN_CHARS = 40


class ProxyType(str, enum.Enum):
    """Residential packages (``proxy_type``); plain strings work too.

    ``STANDARD`` is spelled ``"standart"``: that is the value the API accepts.
    """

    STANDARD = "standart"
    PREMIUM = "premium"

    def __str__(self) -> str:
        return self.value


class Signature(str, enum.Enum):
    """p0f OS fingerprints an IP of a Datacenter/ISP order can present; plain strings work too."""

    IOS = "ios"
    MACOS = "macos"
    ANDROID = "android"
    LINUX = "linux"
    WIN10 = "win10"
    WIN11 = "win11"

    def __str__(self) -> str:
        return self.value


def _type_name(value: object) -> str:
    return type(value).__name__


def _shown(text: str) -> str:
    """``repr(text)``, shortened: error messages must stay one readable line."""
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return repr(text[:_SHOWN_CHARS]) + f"... ({len(text)} characters)"


def _check_choice(name: str, value: object, kind: type[E], hint: str = "") -> str:
    """The wire value of ``value``, a member of the str enum ``kind`` or one of its values."""
    if isinstance(value, kind):
        return str(value.value)
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(
            name, f"expected {kind.__name__} or str, got {_type_name(value)}"
        )
    allowed = [str(member.value) for member in kind]
    if value not in allowed:
        raise InvalidArgumentError(
            name, f"must be one of {', '.join(allowed)}; got {_shown(value)}{hint}"
        )
    return value


def check_proxy_type(value: object, name: str = "proxy_type") -> str:
    """The wire value of a residential package: ``"standart"`` or ``"premium"``."""
    hint = ""
    if isinstance(value, str) and value.strip().lower() == "standard":
        hint = " (the API spells it 'standart': use ProxyType.STANDARD)"
    return _check_choice(name, value, ProxyType, hint)


def check_isp_proxy_type(value: object, name: str = "proxy_type") -> str:
    """``"premium"``: the only package with an ISP catalogue (the server refuses others)."""
    wire = check_proxy_type(value, name)
    if wire != ProxyType.PREMIUM.value:
        raise InvalidArgumentError(
            name, f"ISP lists exist for the premium package only; got {_shown(wire)}"
        )
    return wire


def check_signature(value: object, name: str = "signature") -> str:
    """The wire value of a p0f signature (``ios``, ``macos``, ``android``, ``linux``, ...)."""
    return _check_choice(name, value, Signature)


def check_text(name: str, value: object) -> str:
    """A non-blank string without control characters or lone surrogates."""
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(name, f"expected a str, got {_type_name(value)}")
    if not value.strip():
        raise InvalidArgumentError(name, "must not be empty")
    if _BAD_CHARS.search(value):
        raise InvalidArgumentError(name, "must not contain control characters or lone surrogates")
    return value


def check_user_id(value: object, name: str = "user_id") -> str:
    """A sub-user id: it becomes a path segment, so it may not contain or be a path step."""
    text = check_text(name, value)
    if "/" in text or "\\" in text or text in (".", ".."):
        # ".." or a slash would send the request to another path (a DELETE elsewhere).
        raise InvalidArgumentError(name, f"must be one path segment; got {_shown(text)}")
    return text


def check_name(value: object, name: str = "name") -> str:
    """A sub-user's display name: non-blank, no control characters."""
    return check_text(name, value)


def check_addon_key(value: object, name: str = "addon_key") -> str:
    """An add-on identifier such as ``"p0f_slots"``: non-blank, no whitespace."""
    text = check_text(name, value)
    if any(char.isspace() for char in text):
        raise InvalidArgumentError(name, f"must not contain whitespace; got {_shown(text)}")
    return text


def check_code(name: str, value: object) -> str:
    """A geo code (country, region, city) as the lists return it."""
    return check_text(name, value)


def check_positive(name: str, value: object) -> int:
    """A count the server must receive as a positive 64-bit integer (GB, add-on units)."""
    return check_int(name, value, minimum=1)


def check_gb(value: object, name: str = "gb") -> int:
    """A traffic amount in whole GB: an int from 1 (bools and floats are refused)."""
    return check_positive(name, value)


def check_next_qty(value: object, *, current_qty: int | None = None, name: str = "next_qty") -> int:
    """The quantity after a scheduled downgrade: >= 1, and below ``current_qty`` when known."""
    qty = check_positive(name, value)
    if current_qty is not None and qty >= current_qty:
        raise InvalidArgumentError(
            name, f"a downgrade must go below the current quantity {current_qty}; got {qty}"
        )
    return qty


def check_offset(value: object, name: str = "offset") -> int:
    """A list offset: an int from 0."""
    return check_int(name, value, minimum=0)


def check_ip(name: str, value: object) -> str:
    """An IPv4 or IPv6 address in its normalized text form (``2001:DB8::0001`` -> ``2001:db8::1``).

    Surrounding whitespace, zone ids (``fe80::1%eth0``) and IPv4-mapped IPv6 addresses are
    refused: a proxy's IP is listed in plain form, and guessing could address another IP.
    """
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(name, f"expected an IP address str, got {_type_name(value)}")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidArgumentError(
            name, f"must be an IPv4 or IPv6 address; got {_shown(value)}"
        ) from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise InvalidArgumentError(name, f"must not carry a zone id; got {_shown(value)}")
        if address.ipv4_mapped is not None:
            raise InvalidArgumentError(
                name, f"give the IPv4 address {address.ipv4_mapped}, not {_shown(value)}"
            )
    return str(address)


def _ip_mapping(
    name: str, items: object, check_value: Callable[[str, object], V], what: str
) -> list[tuple[str, V]]:
    """Validated ``(normalized ip, value)`` pairs of a non-empty ``ip -> value`` mapping."""
    if not isinstance(items, Mapping):
        raise InvalidArgumentTypeError(
            name, f"expected a mapping of IP address to {what}, got {_type_name(items)}"
        )
    if not items:
        raise InvalidArgumentError(name, "must not be empty")
    pairs: dict[str, V] = {}
    for raw_ip, raw_value in items.items():
        ip = check_ip(name, raw_ip)
        value = check_value(f"{name}[{_shown(ip)}]", raw_value)
        if ip in pairs and pairs[ip] != value:
            # "2001:DB8::1" and "2001:db8::1" are one IP: which value wins would be a guess.
            raise InvalidArgumentError(name, f"lists {ip} twice with different values")
        pairs[ip] = value
    return list(pairs.items())


def _check_bool_item(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentTypeError(name, f"expected a bool, got {_type_name(value)}")
    return value


# ---------------------------------------------------------------------------------------------
# Encoders: the exact query (str values) or JSON body of each operation.


def proxy_type_params(proxy_type: object) -> dict[str, str]:
    """Query of the operations that take only ``proxy_type`` (profile, countries, sub-user ops)."""
    return {"proxy_type": check_proxy_type(proxy_type)}


def addon_quote_params(addon_key: object, add_qty: object) -> dict[str, str]:
    """Query of ``GET /user/api/orders/{order_id}/addons/calculate``."""
    return {
        "addon_key": check_addon_key(addon_key),
        "add_qty": str(check_positive("add_qty", add_qty)),
    }


def addon_purchase_body(addon_key: object, add_qty: object) -> dict[str, Any]:
    """Body of ``POST /user/api/orders/{order_id}/addons/purchase``."""
    return {"addon_key": check_addon_key(addon_key), "add_qty": check_positive("add_qty", add_qty)}


def addon_schedule_body(
    addon_key: object, next_qty: object, *, current_qty: int | None = None
) -> dict[str, Any]:
    """Body of ``POST .../addons/schedule``: a downgrade to ``next_qty`` at the next renewal."""
    key = check_addon_key(addon_key)
    qty = check_next_qty(next_qty, current_qty=current_qty)
    return {"addon_key": key, "action": "downgrade", "next_qty": qty}


def addon_cancel_body(addon_key: object) -> dict[str, Any]:
    """Body of ``POST .../addons/schedule/cancel``."""
    return {"addon_key": check_addon_key(addon_key)}


def signatures_body(signatures: object) -> dict[str, Any]:
    """Body of ``POST .../signature/set`` from a mapping ``ip -> Signature`` (or its value)."""
    pairs = _ip_mapping(
        "signatures", signatures, lambda name, value: check_signature(value, name), "Signature"
    )
    return {"items": [{"ip": ip, "signature": signature} for ip, signature in pairs]}


def ip_deletion_body(items: object) -> dict[str, Any]:
    """Body of ``POST .../del-np/set`` from a mapping ``ip -> bool`` (True: drop the IP)."""
    pairs = _ip_mapping("items", items, _check_bool_item, "bool")
    return {"items": [{"ip": ip, "value": value} for ip, value in pairs]}


def add_bandwidth_body(gb: object, promo_code: object = None) -> dict[str, Any]:
    """Body of ``POST /user/api/orders/{id}/add-bandwidth`` (``amount`` in GB)."""
    body: dict[str, Any] = {"amount": check_gb(gb)}
    promo = check_optional_str("promo_code", promo_code)
    if promo is not None:
        body["promo_code"] = promo
    return body


def sub_users_params(
    proxy_type: object,
    offset: object = 0,
    limit: object = SUB_USER_PAGE_SIZE,
    *,
    limit_name: str = "limit",
) -> dict[str, str]:
    """Query of ``GET /user/api/proxies/sub-users`` (``limit`` has no published maximum).

    ``limit_name`` is the caller's name for the page size in errors (``page_size`` for a walk).
    """
    return {
        "proxy_type": check_proxy_type(proxy_type),
        "offset": str(check_offset(offset)),
        "limit": str(check_positive(limit_name, limit)),
    }


def sub_user_create_body(name: object, gb: object) -> dict[str, Any]:
    """Body of ``POST /user/api/proxies/sub-user`` (``data`` in GB, taken from the owner's pool)."""
    return {"name": check_name(name), "data": check_gb(gb)}


def sub_user_rename_body(name: object) -> dict[str, Any]:
    """Body of ``PATCH /user/api/proxies/sub-user/{user_id}``."""
    return {"name": check_name(name)}


def traffic_body(gb: object) -> dict[str, Any]:
    """Body of ``POST .../sub-user/{user_id}/data/add`` and ``.../data/subtract`` (GB)."""
    return {"data": check_gb(gb)}


def regions_params(proxy_type: object, country_code: object) -> dict[str, str]:
    """Query of ``GET /user/api/proxies/regions``."""
    return {
        "proxy_type": check_proxy_type(proxy_type),
        "country_code": check_code("country_code", country_code),
    }


def cities_params(proxy_type: object, country_code: object, region_code: object) -> dict[str, str]:
    """Query of ``GET /user/api/proxies/cities``."""
    return {
        **regions_params(proxy_type, country_code),
        "region_code": check_code("region_code", region_code),
    }


def isps_params(
    country_code: object,
    region_code: object,
    city_code: object,
    proxy_type: object = ProxyType.PREMIUM,
) -> dict[str, str]:
    """Query of ``GET /user/api/proxies/isps``: premium only, the full country/region/city chain."""
    return {
        "proxy_type": check_isp_proxy_type(proxy_type),
        "country_code": check_code("country_code", country_code),
        "region_code": check_code("region_code", region_code),
        "city_code": check_code("city_code", city_code),
    }
