"""Argument types of ``proxyorders``: each turns a string into a checked value or raises
:class:`argparse.ArgumentTypeError`, which argparse reports as a usage error (exit status 2)
before anything is sent. The 1.1.0 types reuse the SDK's own checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._models import Addon
from .._validation_more import (
    ProxyType,
    Signature,
    check_addon_key,
    check_code,
    check_ip,
    check_name,
    check_signature,
    check_user_id,
)

__all__ = [
    "addon",
    "addon_key",
    "geo_code",
    "int_between",
    "ip_flag",
    "ip_signature",
    "positive_seconds",
    "proxy_type",
    "sub_user_name",
    "user_id",
]

T = TypeVar("T")

SIGNATURES = ", ".join(s.value for s in Signature)
PROXY_TYPES = ", ".join(t.value for t in ProxyType)


def int_between(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer within ``low..high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse


def positive_seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def addon(text: str) -> Addon:
    """An argparse type: ``KEY=QTY`` as an :class:`Addon`."""
    key, sep, qty = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=QTY such as p0f_slots=5, got {text!r}")
    try:
        return Addon(key.strip(), int(qty))
    except ValueError:
        raise argparse.ArgumentTypeError(f"QTY must be an integer >= 1, got {qty!r}") from None


def _sdk_checked(check: Callable[[object], T]) -> Callable[[str], T]:
    """An argparse type running an SDK check; its typed error becomes a usage error."""

    def parse(text: str) -> T:
        try:
            return check(text)
        except (InvalidArgumentError, InvalidArgumentTypeError) as exc:
            # argparse names the argument itself: drop the SDK's "name: " prefix.
            reason = str(exc).removeprefix(f"{exc.argument}: ")
            raise argparse.ArgumentTypeError(reason) from None

    return parse


user_id = _sdk_checked(check_user_id)
sub_user_name = _sdk_checked(check_name)
addon_key = _sdk_checked(check_addon_key)


def geo_code(what: str) -> Callable[[str], str]:
    """An argparse type: a geo code, as the geo lists return them (``what`` names it)."""
    return _sdk_checked(lambda value: check_code(what, value))


def proxy_type(text: str) -> str:
    """An argparse type: a residential package, ``standart`` or ``premium``."""
    if text in (t.value for t in ProxyType):
        return text
    if text.strip().lower() in ("standard", "standart"):
        raise argparse.ArgumentTypeError(
            f"unknown package {text!r}: did you mean 'standart'? (the API spells it that way)"
        )
    raise argparse.ArgumentTypeError(f"expected {PROXY_TYPES}, got {text!r}")


def _split_ip(text: str, shape: str) -> tuple[str, str]:
    # rpartition: an IPv6 address has colons but never '='.
    ip, sep, value = text.rpartition("=")
    if not sep or not ip or not value:
        raise argparse.ArgumentTypeError(f"expected {shape}, got {text!r}")
    try:
        return check_ip("IP", ip), value
    except InvalidArgumentError as exc:
        reason = str(exc).removeprefix(f"{exc.argument}: ")
        raise argparse.ArgumentTypeError(f"{text!r}: {reason}") from None


def ip_signature(text: str) -> tuple[str, str]:
    """An argparse type: ``IP=OS`` such as ``203.0.113.7=win11``, as (normalized IP, OS)."""
    ip, os_name = _split_ip(text, "IP=OS such as 203.0.113.7=win11")
    try:
        return ip, check_signature(os_name)
    except InvalidArgumentError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: unknown OS {os_name!r}; expected one of {SIGNATURES}"
        ) from None


def ip_flag(text: str) -> tuple[str, bool]:
    """An argparse type: ``IP=on`` (drop the IP from the order) or ``IP=off`` (keep it)."""
    ip, flag = _split_ip(text, "IP=on or IP=off such as 203.0.113.7=on")
    if flag not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected on or off after '=', got {flag!r}")
    return ip, flag == "on"
