"""Bad input to the API 1.1.0 methods: a typed error naming the argument, nothing sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProxyOrdersClient,
)

from .helpers import request_count

Call = Callable[[ProxyOrdersClient], Awaitable[Any]]
BAD = InvalidArgumentError
TYPE = InvalidArgumentTypeError
IP = "203.0.113.7"

CASES: list[tuple[str, Call, type[Exception], str]] = [
    # GB and quantities
    ("bandwidth-zero", lambda c: c.orders.add_bandwidth(1, 0), BAD, "gb"),
    ("bandwidth-negative", lambda c: c.orders.add_bandwidth(1, -5), BAD, "gb"),
    ("bandwidth-float", lambda c: c.orders.add_bandwidth(1, 1.5), TYPE, "gb"),
    ("bandwidth-bool", lambda c: c.orders.add_bandwidth(1, True), TYPE, "gb"),
    ("bandwidth-promo", lambda c: c.orders.add_bandwidth(1, 1, promo_code=5), TYPE, "promo_code"),
    ("bandwidth-order", lambda c: c.orders.add_bandwidth(0, 1), BAD, "order_id"),
    ("addon-quote-zero", lambda c: c.addons.calculate(1, "p0f_slots", 0), BAD, "add_qty"),
    ("addon-buy-zero", lambda c: c.addons.purchase(1, "p0f_slots", 0), BAD, "add_qty"),
    ("addon-buy-str", lambda c: c.addons.purchase(1, "p0f_slots", "2"), TYPE, "add_qty"),
    ("addon-key-empty", lambda c: c.addons.purchase(1, " ", 1), BAD, "addon_key"),
    ("addon-key-space", lambda c: c.addons.calculate(1, "p0f slots", 1), BAD, "addon_key"),
    ("addon-key-type", lambda c: c.addons.cancel_downgrade(1, None), TYPE, "addon_key"),
    ("next-qty-zero", lambda c: c.addons.schedule_downgrade(1, "p0f_slots", 0), BAD, "next_qty"),
    (
        "next-qty-not-below",
        lambda c: c.addons.schedule_downgrade(1, "p0f_slots", 3, current_qty=3),
        BAD,
        "next_qty",
    ),
    (
        "current-qty-zero",
        lambda c: c.addons.schedule_downgrade(1, "p0f_slots", 1, current_qty=0),
        BAD,
        "current_qty",
    ),
    ("create-gb-zero", lambda c: c.sub_users.create("standart", "a", 0), BAD, "gb"),
    ("add-traffic-zero", lambda c: c.sub_users.add_traffic("u1", "standart", 0), BAD, "gb"),
    ("subtract-negative", lambda c: c.sub_users.subtract_traffic("u1", "premium", -1), BAD, "gb"),
    ("list-limit-zero", lambda c: c.sub_users.list("standart", limit=0), BAD, "limit"),
    ("list-offset-negative", lambda c: c.sub_users.list("standart", offset=-1), BAD, "offset"),
    # signatures, items, IPs
    (
        "signature-unknown",
        lambda c: c.orders.set_signatures(1, {IP: "win7"}),
        BAD,
        f"signatures[{IP!r}]",
    ),
    ("signature-type", lambda c: c.orders.set_signatures(1, {IP: 10}), TYPE, f"signatures[{IP!r}]"),
    ("signatures-empty", lambda c: c.orders.set_signatures(1, {}), BAD, "signatures"),
    ("signatures-list", lambda c: c.orders.set_signatures(1, [IP]), TYPE, "signatures"),
    (
        "signatures-bad-ip",
        lambda c: c.orders.set_signatures(1, {"1.2.3": "ios"}),
        BAD,
        "signatures",
    ),
    ("deletion-empty", lambda c: c.orders.set_ip_deletion(1, {}), BAD, "items"),
    ("deletion-bad-ip", lambda c: c.orders.set_ip_deletion(1, {" 1.2.3.4": True}), BAD, "items"),
    ("deletion-zone", lambda c: c.orders.set_ip_deletion(1, {"fe80::1%eth0": True}), BAD, "items"),
    (
        "deletion-not-bool",
        lambda c: c.orders.set_ip_deletion(1, {IP: "yes"}),
        TYPE,
        f"items[{IP!r}]",
    ),
    # proxy types
    ("profile-standard", lambda c: c.residential.profile("standard"), BAD, "proxy_type"),
    ("profile-type", lambda c: c.residential.profile(1), TYPE, "proxy_type"),
    ("list-type", lambda c: c.sub_users.list("dc"), BAD, "proxy_type"),
    ("create-type", lambda c: c.sub_users.create("basic", "a", 1), BAD, "proxy_type"),
    ("countries-type", lambda c: c.geo.countries(""), BAD, "proxy_type"),
    (
        "isps-standard",
        lambda c: c.geo.isps("US", "CA", "la", proxy_type="standart"),
        BAD,
        "proxy_type",
    ),
    ("regions-code", lambda c: c.geo.regions("premium", ""), BAD, "country_code"),
    ("cities-code", lambda c: c.geo.cities("premium", "US", "\n"), BAD, "region_code"),
    ("isps-code", lambda c: c.geo.isps("US", "CA", None), TYPE, "city_code"),
    # user ids and names
    ("get-empty-id", lambda c: c.sub_users.get("", "standart"), BAD, "user_id"),
    ("delete-slash", lambda c: c.sub_users.delete("a/../b"), BAD, "user_id"),
    ("delete-dotdot", lambda c: c.sub_users.delete(".."), BAD, "user_id"),
    ("rename-slash", lambda c: c.sub_users.rename("a/b", "standart", "x"), BAD, "user_id"),
    ("password-int-id", lambda c: c.sub_users.reset_password(7, "standart"), TYPE, "user_id"),
    ("traffic-slash", lambda c: c.sub_users.add_traffic("x/y", "standart", 1), BAD, "user_id"),
    ("rename-blank", lambda c: c.sub_users.rename("u1", "standart", "  "), BAD, "name"),
    ("create-control", lambda c: c.sub_users.create("standart", "a\x00", 1), BAD, "name"),
]


@pytest.mark.parametrize(
    ("call", "error", "argument"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_refused_before_sending(
    m: aioresponses,
    client: ProxyOrdersClient,
    call: Call,
    error: type[Exception],
    argument: str,
) -> None:
    with pytest.raises(error) as info:
        await call(client)
    assert type(info.value) is error
    assert getattr(info.value, "argument", None) == argument
    assert request_count(m) == 0


def test_iter_checks_its_arguments_at_once(client: ProxyOrdersClient) -> None:
    with pytest.raises(InvalidArgumentError):
        client.sub_users.iter("standard")
    with pytest.raises(InvalidArgumentError):
        client.sub_users.iter("standart", page_size=0)
