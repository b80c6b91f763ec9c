"""Values that reach the wire are plain and encodable; server text in messages is one line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    Addon,
    APIStatusError,
    DatacenterIspPurchase,
    GenericPurchase,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProxyOrdersClient,
    QuoteRequest,
)
from proxyorders_async._exceptions import APIError, printable
from proxyorders_async._protocol import make_status_error, server_message
from proxyorders_async._validation import (
    WIRE_INT_MAX,
    check_int,
    check_status,
    check_str,
    check_unicode,
    plain_int,
)

from .helpers import any_query, only_call


class Sly(int):
    def __str__(self) -> str:
        return "purchase"

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return "purchase"

    def __index__(self) -> int:
        return 999

    def __int__(self) -> int:
        return 999


class SlyStr(str):
    def __str__(self) -> str:
        return "cancelled"


def test_plain_int_keeps_the_value_and_drops_the_subclass() -> None:
    value = plain_int(Sly(42))
    assert type(value) is int
    assert value == 42
    assert plain_int(7) == 7


def test_check_int_returns_a_plain_int() -> None:
    value = check_int("n", Sly(5), minimum=1)
    assert type(value) is int
    assert f"{value}" == "5"


@pytest.mark.parametrize(
    "value",
    [10**4300, -(10**4300), 2**63, -(2**63), 10**19],
    ids=["4301-digits", "minus-4301-digits", "2**63", "-2**63", "10**19"],
)
def test_check_int_refuses_what_does_not_fit_64_bits_without_formatting_it(value: int) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        check_int("order_id", value, minimum=1)
    assert caught.value.argument == "order_id"
    assert "bit integer" in str(caught.value)
    assert len(str(caught.value)) < 100


def test_the_64_bit_bounds_themselves_pass() -> None:
    assert check_int("n", WIRE_INT_MAX, minimum=1) == 2**63 - 1
    assert check_int("n", -WIRE_INT_MAX, minimum=-WIRE_INT_MAX) == -(2**63 - 1)


def test_check_int_still_refuses_bools() -> None:
    with pytest.raises(InvalidArgumentTypeError):
        check_int("n", True, minimum=0)


@pytest.mark.parametrize("value", ["P\ud800", "\udfff", "ok\udc80ok"])
def test_a_lone_surrogate_is_refused_with_its_index(value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="lone surrogate") as caught:
        check_str("product", value)
    assert caught.value.argument == "product"
    with pytest.raises(InvalidArgumentError):
        check_unicode("tag", value)


def test_paired_surrogates_spelled_as_one_character_are_fine() -> None:
    assert check_str("tag", "emoji \U0001f600") == "emoji \U0001f600"


def test_check_status_returns_the_plain_constant() -> None:
    value = check_status(SlyStr("active"))
    assert type(value) is str
    assert value == "active"


def test_request_models_store_plain_ints() -> None:
    purchase = DatacenterIspPurchase(
        product="Datacenter Proxy",
        location="DE",
        cycle="monthly",
        quantity=Sly(3),
        addons=[Addon("p0f_slots", Sly(2))],
    )
    assert type(purchase.quantity) is int
    assert purchase.addons is not None
    assert type(purchase.addons[0].qty) is int
    assert json.dumps(purchase.to_json())  # a 4,300-digit int could not get this far
    quote = QuoteRequest(product="ISP Proxy", quantity=Sly(4))
    assert quote.to_params()["quantity"] == "4"
    generic = GenericPurchase(product="X", cycle="y", quantity=Sly(6))
    assert generic.quantity == 6
    assert type(generic.quantity) is int


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: Addon("p0f_slots", 10**5000), "qty"),
        (lambda: QuoteRequest(product="ISP Proxy", quantity=10**5000), "quantity"),
        (lambda: Addon("p0f\ud800", 1), "addon_key"),
    ],
)
def test_request_models_refuse_huge_ints_and_surrogates(build: Any, argument: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        build()
    assert caught.value.argument == argument


async def test_an_int_subclass_order_id_builds_the_numeric_path(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.post("https://user-api.proxyshard.com/user/api/orders/42/tag", payload={"success": True})
    await client.orders.set_tag(Sly(42), "x")
    assert only_call(m).url.path == "/user/api/orders/42/tag"


async def test_int_subclass_offset_and_limit_build_a_numeric_query(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(any_query("/user/api/orders"), payload={"orders": [], "count": 0, "next": None})
    await client.orders.list("all", offset=Sly(40), limit=Sly(20))
    assert dict(only_call(m).url.query) == {"status": "all", "offset": "40", "limit": "20"}


# -- printable ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("\x1b[31mred\x07", "\\x1b[31mred\\x07"),
        ("nul\x00", "nul\\x00"),
        ("del\x7f c1\x85", "del\\x7f c1\\x85"),
        ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
        ("bidi\u202eevil\u2066", "bidi\\u202eevil\\u2066"),
        ("caf\u00e9 \u4e2d\u6587 \U0001f600", "caf\u00e9 \u4e2d\u6587 \U0001f600"),
        ("already \\n escaped", "already \\n escaped"),
    ],
)
def test_printable(text: str, expected: str) -> None:
    assert printable(text) == expected
    assert printable(expected) == expected  # idempotent
    assert len(printable(text).splitlines()) <= 1


def test_every_api_error_message_is_one_line() -> None:
    error = APIError("forged\nINFO line", method="GET", url="https://h/x")
    assert error.message == "forged\\nINFO line"
    assert "\n" not in str(error)


def test_server_message_and_reason_are_escaped() -> None:
    assert server_message({"message": "a\nb"}, "fallback") == "a\\nb"
    assert server_message({}, "Bad\x1b[2J") == "Bad\\x1b[2J"
    error = make_status_error(
        400,
        reason="x",
        body=b'{"message": "no\\r\\nINFO forged"}',
        method="GET",
        url="u",
        attempts=1,
    )
    assert isinstance(error, APIStatusError)
    assert error.message == "no\\r\\nINFO forged"
    assert error.body == {"message": "no\r\nINFO forged"}  # the data itself is kept as sent
