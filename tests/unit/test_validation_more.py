"""Argument checks and request encoders of the API 1.1.0 operations (pure functions)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest

from proxyorders_async import (
    DatacenterIspPurchase,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProxyOrdersClient,
    ProxyType,
    Signature,
)
from proxyorders_async._validation import MAX_WIRE_INT, check_int
from proxyorders_async._validation_more import (
    add_bandwidth_body,
    addon_cancel_body,
    addon_purchase_body,
    addon_quote_params,
    addon_schedule_body,
    check_addon_key,
    check_gb,
    check_ip,
    check_isp_proxy_type,
    check_name,
    check_next_qty,
    check_offset,
    check_positive,
    check_proxy_type,
    check_signature,
    check_user_id,
    cities_params,
    ip_deletion_body,
    isps_params,
    proxy_type_params,
    regions_params,
    signatures_body,
    sub_user_create_body,
    sub_user_rename_body,
    sub_users_params,
    traffic_body,
)

VALUE, TYPE = InvalidArgumentError, InvalidArgumentTypeError
HUGE = 10**5000  # over the 4,300 digits str() accepts


def _refused(call: Callable[[], Any], kind: type[Exception], argument: str) -> str:
    with pytest.raises(kind) as info:
        call()
    assert type(info.value) is kind
    assert info.value.argument == argument  # type: ignore[attr-defined]
    return str(info.value)


# -- enums ----------------------------------------------------------------------------------


def test_enums_carry_the_wire_values() -> None:
    assert [t.value for t in ProxyType] == ["standart", "premium"]
    assert [s.value for s in Signature] == ["ios", "macos", "android", "linux", "win10", "win11"]
    assert str(ProxyType.STANDARD) == "standart"
    assert f"{Signature.WIN11}" == "win11"
    assert ProxyType("premium") is ProxyType.PREMIUM


@pytest.mark.parametrize(
    ("value", "wire"),
    [(ProxyType.STANDARD, "standart"), (ProxyType.PREMIUM, "premium"), ("standart", "standart")],
)
def test_proxy_type_accepts_enum_and_wire_strings(value: object, wire: str) -> None:
    assert check_proxy_type(value) == wire
    assert type(check_proxy_type(value)) is str


def test_proxy_type_standard_spelling_gets_a_hint() -> None:
    message = _refused(lambda: check_proxy_type("standard"), VALUE, "proxy_type")
    assert "standart" in message
    assert "ProxyType.STANDARD" in message


@pytest.mark.parametrize("value", ["Premium", " premium", "premium ", "", "unlimited", "ios"])
def test_proxy_type_unknown_strings(value: str) -> None:
    _refused(lambda: check_proxy_type(value), VALUE, "proxy_type")


@pytest.mark.parametrize("value", [None, 1, b"premium", ["premium"], True])
def test_proxy_type_wrong_types(value: object) -> None:
    _refused(lambda: check_proxy_type(value), TYPE, "proxy_type")


def test_a_signature_is_no_proxy_type_and_back() -> None:
    _refused(lambda: check_proxy_type(Signature.IOS), VALUE, "proxy_type")
    _refused(lambda: check_signature(ProxyType.PREMIUM), VALUE, "signature")


def test_isp_proxy_type_is_premium_only() -> None:
    assert check_isp_proxy_type(ProxyType.PREMIUM) == "premium"
    assert check_isp_proxy_type("premium") == "premium"
    message = _refused(lambda: check_isp_proxy_type(ProxyType.STANDARD), VALUE, "proxy_type")
    assert "premium package only" in message
    _refused(lambda: check_isp_proxy_type("gold"), VALUE, "proxy_type")


@pytest.mark.parametrize("value", list(Signature) + [s.value for s in Signature])
def test_signature_values(value: object) -> None:
    assert check_signature(value) == str(value)


@pytest.mark.parametrize("value", ["windows", "WIN10", "Win11", " ios", "", "linux\n", "macOS"])
def test_signature_unknown(value: str) -> None:
    _refused(lambda: check_signature(value), VALUE, "signature")


# -- IPs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:DB8::0001", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::1", "::1"),
        ("0.0.0.0", "0.0.0.0"),
    ],
)
def test_ip_is_normalized(value: str, normalized: str) -> None:
    assert check_ip("ip", value) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 203.0.113.7",
        "203.0.113.7 ",
        "203.0.113.7\n",
        "203.0.113",
        "203.0.113.256",
        "01.2.3.4",  # leading zeros: octal to some parsers
        "203.0.113.0/24",
        "proxy.example",
        "fe80::1%eth0",  # zone id
        "::ffff:203.0.113.7",  # IPv4-mapped: give the IPv4 address
        "2001:db8::1::2",
        "x" * 10_000,
    ],
)
def test_malformed_ips(value: str) -> None:
    message = _refused(lambda: check_ip("ip", value), VALUE, "ip")
    assert len(message) < 200  # one readable line even for a huge argument


@pytest.mark.parametrize("value", [3405803783, b"203.0.113.7", None, ("203.0.113.7",)])
def test_ip_wrong_types(value: object) -> None:
    _refused(lambda: check_ip("ip", value), TYPE, "ip")


def test_ipv4_mapped_names_the_ipv4_address() -> None:
    assert "203.0.113.7" in _refused(lambda: check_ip("ip", "::ffff:203.0.113.7"), VALUE, "ip")


# -- signatures and per-IP deletion ---------------------------------------------------------


def test_signatures_body_is_the_spec_shape_in_order() -> None:
    body = signatures_body(
        {"203.0.113.7": Signature.WIN11, "2001:DB8::1": "android", "198.51.100.1": "ios"}
    )
    assert body == {
        "items": [
            {"ip": "203.0.113.7", "signature": "win11"},
            {"ip": "2001:db8::1", "signature": "android"},
            {"ip": "198.51.100.1", "signature": "ios"},
        ]
    }
    assert all(type(item["signature"]) is str for item in body["items"])


@pytest.mark.parametrize("factory", [dict, OrderedDict, MappingProxyType])
def test_any_mapping_is_accepted(factory: Callable[[dict[str, str]], Any]) -> None:
    mapping = factory({"203.0.113.7": "ios"})
    assert signatures_body(mapping) == {"items": [{"ip": "203.0.113.7", "signature": "ios"}]}


def test_signatures_same_ip_twice() -> None:
    same = {"2001:db8::1": "ios", "2001:DB8::1": "ios"}
    assert signatures_body(same) == {"items": [{"ip": "2001:db8::1", "signature": "ios"}]}
    message = _refused(
        lambda: signatures_body({"2001:db8::1": "ios", "2001:DB8::1": "linux"}),
        VALUE,
        "signatures",
    )
    assert "twice" in message


@pytest.mark.parametrize(
    ("value", "kind", "argument"),
    [
        ({}, VALUE, "signatures"),
        ([("203.0.113.7", "ios")], TYPE, "signatures"),
        ("203.0.113.7=ios", TYPE, "signatures"),
        (None, TYPE, "signatures"),
        ({"203.0.113.7 ": "ios"}, VALUE, "signatures"),
        ({"203.0.113.7": "windows"}, VALUE, "signatures['203.0.113.7']"),
        ({"203.0.113.7": None}, TYPE, "signatures['203.0.113.7']"),
        ({"2001:DB8::1": "bsd"}, VALUE, "signatures['2001:db8::1']"),
        ({1: "ios"}, TYPE, "signatures"),
    ],
    ids=repr,
)
def test_bad_signatures(value: object, kind: type[Exception], argument: str) -> None:
    _refused(lambda: signatures_body(value), kind, argument)


def test_ip_deletion_body_is_the_spec_shape() -> None:
    assert ip_deletion_body({"203.0.113.7": True, "2001:DB8::2": False}) == {
        "items": [{"ip": "203.0.113.7", "value": True}, {"ip": "2001:db8::2", "value": False}]
    }


@pytest.mark.parametrize(
    ("value", "kind", "argument"),
    [
        ({}, VALUE, "items"),
        ({"203.0.113.7": 1}, TYPE, "items['203.0.113.7']"),  # 1 is no bool
        ({"203.0.113.7": 0}, TYPE, "items['203.0.113.7']"),
        ({"203.0.113.7": "true"}, TYPE, "items['203.0.113.7']"),
        ({"203.0.113.7": None}, TYPE, "items['203.0.113.7']"),
        ({"203.0.113.7": True, "203.0.113.07": False}, VALUE, "items"),
        ({"203.0.113.7": True, "203.0.113.7 ": True}, VALUE, "items"),
        ([("203.0.113.7", True)], TYPE, "items"),
    ],
    ids=repr,
)
def test_bad_ip_deletion_items(value: object, kind: type[Exception], argument: str) -> None:
    _refused(lambda: ip_deletion_body(value), kind, argument)


# -- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 7, MAX_WIRE_INT])
def test_positive_counts(value: int) -> None:
    assert check_positive("add_qty", value) == value
    assert check_gb(value) == value


@pytest.mark.parametrize(
    "value", [0, -1, MAX_WIRE_INT + 1, HUGE, -HUGE], ids=["0", "-1", "2**63", "huge", "-huge"]
)
def test_counts_out_of_range(value: int) -> None:
    message = _refused(lambda: check_gb(value), VALUE, "gb")
    assert len(message) < 200


@pytest.mark.parametrize("value", [True, False, 1.0, 2.5, "5", None, b"5"])
def test_counts_of_the_wrong_type(value: object) -> None:
    _refused(lambda: check_gb(value), TYPE, "gb")


def test_huge_int_message_is_printable_in_every_int_check() -> None:
    with pytest.raises(ValueError, match="4300"):  # why messages must not print such an int
        str(HUGE)
    message = _refused(
        lambda: check_int("quantity", HUGE, minimum=1, maximum=10), VALUE, "quantity"
    )
    assert "bit integer" in message
    assert "-a " in _refused(lambda: check_offset(-HUGE), VALUE, "offset")


def test_next_qty() -> None:
    assert check_next_qty(2) == 2
    assert check_next_qty(2, current_qty=5) == 2
    message = _refused(lambda: check_next_qty(5, current_qty=5), VALUE, "next_qty")
    assert "below the current quantity 5" in message
    _refused(lambda: check_next_qty(0), VALUE, "next_qty")
    _refused(lambda: check_next_qty(True), TYPE, "next_qty")


def test_offset() -> None:
    assert check_offset(0) == 0
    _refused(lambda: check_offset(-1), VALUE, "offset")
    _refused(lambda: check_offset(False), TYPE, "offset")


# -- texts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["su-1001", "42", "a b", "ümlaut", "a.b", "...", "a?b#c%2F"])
def test_user_ids_accepted(value: str) -> None:
    assert check_user_id(value) == value


@pytest.mark.parametrize(
    "value", ["", "   ", "a/b", "/", "..", ".", "a\\b", "a\x00b", "a\nb", "\x7f", "a\ud800"]
)
def test_user_ids_refused(value: str) -> None:
    _refused(lambda: check_user_id(value), VALUE, "user_id")


@pytest.mark.parametrize("value", [None, 42, b"su-1"])
def test_user_id_types(value: object) -> None:
    _refused(lambda: check_user_id(value), TYPE, "user_id")


@pytest.mark.parametrize("value", ["Team A", "équipe", "🧪 lab", "a" * 300])
def test_names_accepted(value: str) -> None:
    assert check_name(value) == value


@pytest.mark.parametrize("value", ["", "\t", "a\x1bb", "a\u0085", "\udfff"])
def test_names_refused(value: str) -> None:
    _refused(lambda: check_name(value), VALUE, "name")


@pytest.mark.parametrize("value", ["p0f_slots", "extra-ip"])
def test_addon_keys_accepted(value: str) -> None:
    assert check_addon_key(value) == value


@pytest.mark.parametrize("value", ["", " p0f_slots", "p0f slots", "p0f_slots\u00a0", "k\x00"])
def test_addon_keys_refused(value: str) -> None:
    _refused(lambda: check_addon_key(value), VALUE, "addon_key")


# -- encoders -------------------------------------------------------------------------------


def test_addon_encoders() -> None:
    assert addon_quote_params("p0f_slots", 2) == {"addon_key": "p0f_slots", "add_qty": "2"}
    assert addon_purchase_body("p0f_slots", 2) == {"addon_key": "p0f_slots", "add_qty": 2}
    assert addon_schedule_body("p0f_slots", 1, current_qty=3) == {
        "addon_key": "p0f_slots",
        "action": "downgrade",
        "next_qty": 1,
    }
    assert addon_cancel_body("p0f_slots") == {"addon_key": "p0f_slots"}


@pytest.mark.parametrize(
    ("call", "kind", "argument"),
    [
        (lambda: addon_quote_params("p0f_slots", 0), VALUE, "add_qty"),
        (lambda: addon_quote_params(" ", 1), VALUE, "addon_key"),
        (lambda: addon_purchase_body("p0f_slots", True), TYPE, "add_qty"),
        (lambda: addon_purchase_body(None, 1), TYPE, "addon_key"),
        (lambda: addon_schedule_body("p0f_slots", 3, current_qty=3), VALUE, "next_qty"),
        (lambda: addon_schedule_body("p0f_slots", 2**64), VALUE, "next_qty"),
        (lambda: addon_cancel_body(""), VALUE, "addon_key"),
    ],
)
def test_addon_encoders_refuse(
    call: Callable[[], Any], kind: type[Exception], argument: str
) -> None:
    _refused(call, kind, argument)


def test_add_bandwidth_body() -> None:
    assert add_bandwidth_body(5) == {"amount": 5}
    assert add_bandwidth_body(5, "SAVE10") == {"amount": 5, "promo_code": "SAVE10"}
    _refused(lambda: add_bandwidth_body(5, ""), VALUE, "promo_code")
    _refused(lambda: add_bandwidth_body(5, 10), TYPE, "promo_code")
    _refused(lambda: add_bandwidth_body(0), VALUE, "gb")


def test_residential_encoders() -> None:
    assert proxy_type_params(ProxyType.STANDARD) == {"proxy_type": "standart"}
    assert sub_users_params("premium") == {"proxy_type": "premium", "offset": "0", "limit": "20"}
    assert sub_users_params(ProxyType.PREMIUM, offset=40, limit=100) == {
        "proxy_type": "premium",
        "offset": "40",
        "limit": "100",
    }
    assert sub_user_create_body("scrapers", 3) == {"name": "scrapers", "data": 3}
    assert sub_user_rename_body("renamed") == {"name": "renamed"}
    assert traffic_body(2) == {"data": 2}


@pytest.mark.parametrize(
    ("call", "kind", "argument"),
    [
        (lambda: sub_users_params("standard"), VALUE, "proxy_type"),
        (lambda: sub_users_params("premium", offset=-1), VALUE, "offset"),
        (lambda: sub_users_params("premium", limit=0), VALUE, "limit"),
        (lambda: sub_users_params("premium", limit=True), TYPE, "limit"),
        (lambda: sub_users_params("premium", limit=0, limit_name="page_size"), VALUE, "page_size"),
        (lambda: sub_user_create_body("", 1), VALUE, "name"),
        (lambda: sub_user_create_body("n", 0), VALUE, "gb"),
        (lambda: sub_user_create_body("n", 1.5), TYPE, "gb"),
        (lambda: sub_user_rename_body(None), TYPE, "name"),
        (lambda: traffic_body(-3), VALUE, "gb"),
        (lambda: proxy_type_params(None), TYPE, "proxy_type"),
    ],
)
def test_residential_encoders_refuse(
    call: Callable[[], Any], kind: type[Exception], argument: str
) -> None:
    _refused(call, kind, argument)


def test_geo_encoders() -> None:
    assert regions_params("premium", "US") == {"proxy_type": "premium", "country_code": "US"}
    assert cities_params(ProxyType.STANDARD, "US", "CA") == {
        "proxy_type": "standart",
        "country_code": "US",
        "region_code": "CA",
    }
    assert isps_params("US", "CA", "los-angeles") == {
        "proxy_type": "premium",
        "country_code": "US",
        "region_code": "CA",
        "city_code": "los-angeles",
    }


@pytest.mark.parametrize(
    ("call", "kind", "argument"),
    [
        (lambda: regions_params("premium", ""), VALUE, "country_code"),
        (lambda: regions_params("premium", None), TYPE, "country_code"),
        (lambda: cities_params("premium", "US", "\n"), VALUE, "region_code"),
        (lambda: isps_params("US", "CA", "la", proxy_type="standart"), VALUE, "proxy_type"),
        (lambda: isps_params("US", "CA", ""), VALUE, "city_code"),
    ],
)
def test_geo_encoders_refuse(call: Callable[[], Any], kind: type[Exception], argument: str) -> None:
    _refused(call, kind, argument)


def test_huge_ints_are_refused_by_the_existing_checks_too() -> None:
    message = _refused(
        lambda: DatacenterIspPurchase(
            product="Datacenter Proxy", location="DE", cycle="monthly", quantity=HUGE
        ),
        VALUE,
        "quantity",
    )
    assert "bit integer" in message
    _refused(lambda: check_int("offset", MAX_WIRE_INT + 1, minimum=0), VALUE, "offset")
    assert check_int("offset", MAX_WIRE_INT, minimum=0) == MAX_WIRE_INT


async def test_huge_order_id_is_refused_before_sending() -> None:
    async with ProxyOrdersClient(token="t" * 32, base_url="http://127.0.0.1:9") as client:
        with pytest.raises(InvalidArgumentError) as info:
            await client.orders.get(HUGE)
    assert info.value.argument == "order_id"
