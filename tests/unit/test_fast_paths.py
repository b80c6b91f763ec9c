"""The decoding fast paths give exactly the converter's results, and defer to it otherwise.

``structure_orders``/``decode_page`` skip cattrs for well-typed order pages and ``loads_json``
uses orjson when installed; none of it may change a result or an error.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxyorders_async import Order, PriceQuote
from proxyorders_async._converters import (
    CONVERTER,
    ORDER_FAST_PATH,
    QUOTE_FAST_PATH,
    _PageBody,
    _structure_page,
    decode_page,
    decode_quote,
    describe_error,
    loads_json,
    orjson_is_safe,
    structure_orders,
)
from proxyorders_async._protocol import interpret_response
from proxyorders_async._retry import Failure

GOOD = {
    "order_id": 7,
    "product_id": 1,
    "product_name": "Datacenter Proxy",
    "cycle_id": 4,
    "cycle_name": "monthly",
    "expires_at": "2025-01-02T17:23:32Z",
    "auto_renewal": True,
    "tag": "seo",
    "status": "active",  # extra keys are ignored
}

# Values of every JSON type plus the tricky ones: bools are not ints, "5" is not 5.
ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["5", "true", "", "2025-01-02T17:23:32Z"]),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2025-01-02T17:23:32Z",
            "2025-01-02T17:23:32z",
            "2025-01-02T17:23:32+02:00",
            "2025-01-02T17:23:32.123456Z",
            "2025-01-02T17:23:32",
            "2025-01-02",
            "2025-01-02 17:23",
            "20250102T172332Z",
            "2025-01-02Z",
            "2025-13-02T17:23:32Z",
            "not a date",
            "",
            "Z",
        ]
    ),
    st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5))])).map(
        datetime.isoformat
    ),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
)
FIELDS = {
    "order_id": st.integers(min_value=0, max_value=2**40),
    "product_id": st.integers(min_value=0, max_value=100),
    "product_name": st.text(max_size=12),
    "cycle_id": st.integers(min_value=0, max_value=100),
    "cycle_name": st.text(max_size=12),
    "expires_at": st.one_of(st.none(), DATES),
    "auto_renewal": st.one_of(st.none(), st.booleans()),
    "tag": st.one_of(st.none(), st.text(max_size=12)),
}


@st.composite
def order_items(draw: st.DrawFn) -> Any:
    """Mostly well-formed orders; some with a field missing or of another type, or no dict."""
    item: dict[str, Any] = {name: draw(good) for name, good in FIELDS.items()}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        name = draw(st.sampled_from(sorted(FIELDS)))
        if draw(st.booleans()):
            item.pop(name, None)
        else:
            item[name] = draw(ANY_SCALAR)
    if draw(st.booleans()):
        item["status"] = draw(ANY_SCALAR)
    return draw(st.sampled_from([item] * 8 + [[item], "x", None]))


def converter_result(items: Any) -> tuple[Order, ...] | Exception:
    try:
        result: tuple[Order, ...] = CONVERTER.structure(items, tuple[Order, ...])
    except Exception as exc:
        return exc
    return result


def test_the_order_fast_path_is_active() -> None:
    # Fails when Order changes shape: update _ORDER_FIELDS and structure_orders with it.
    assert ORDER_FAST_PATH
    assert structure_orders([GOOD]) is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(order_items(), max_size=4))
def test_fast_orders_equal_the_converter_or_defer(items: list[Any]) -> None:
    fast = structure_orders(items)
    slow = converter_result(items)
    if fast is None:
        return  # the converter decides
    assert not isinstance(slow, Exception), f"fast path accepted what cattrs refuses: {slow}"
    assert fast == slow
    assert repr(fast) == repr(slow)  # same tzinfo objects and field values, not just equal


@settings(max_examples=200, deadline=None)
@given(
    st.lists(order_items(), max_size=3),
    st.one_of(st.none(), st.integers(0, 5), ANY_SCALAR),
    st.one_of(st.none(), st.text(max_size=5), ANY_SCALAR),
    st.booleans(),
)
def test_decode_page_equals_the_converter(
    items: list[Any], count: Any, next_uri: Any, as_list: bool
) -> None:
    data: Any = {"orders": items, "count": count, "next": next_uri, "prev": None}
    if as_list:
        data = [data]
    try:
        body: _PageBody = _structure_page(data, _PageBody)
    except Exception as exc:
        with pytest.raises(type(exc)):
            decode_page(data, "u")
        return
    page = decode_page(data, "u")
    assert page.orders == body.orders
    assert page.count == (len(body.orders) if body.count is None else body.count)
    assert (page.next, page.prev, page.url) == (body.next, body.prev, "u")


def test_a_bad_order_falls_back_to_the_converters_error() -> None:
    items = [GOOD, GOOD, GOOD, {**GOOD, "order_id": "5"}]
    assert structure_orders(items) is None
    with pytest.raises(cattrs.BaseValidationError) as excinfo:
        decode_page({"orders": items, "count": 4}, "u")
    assert "$.orders[3].order_id" in describe_error(excinfo.value)


@pytest.mark.parametrize(
    "patch",
    [
        {"expires_at": None, "auto_renewal": None, "tag": None},
        {"expires_at": "2025-01-02T17:23:32"},  # naive: taken as UTC
        {"expires_at": "2025-01-02T17:23:32z"},  # lowercase z: parse_datetime's rule
        {"expires_at": "2025-01-02T19:23:32+02:00"},
    ],
)
def test_fast_path_values(patch: dict[str, Any]) -> None:
    item = {**GOOD, **patch}
    fast = structure_orders([item])
    assert fast is not None
    assert fast == (CONVERTER.structure(item, Order),)
    expires = fast[0].expires_at
    assert expires is None or expires.tzinfo is not None


def test_absent_optional_fields_take_their_defaults() -> None:
    item = {k: v for k, v in GOOD.items() if k not in ("expires_at", "auto_renewal", "tag")}
    fast = structure_orders([item])
    assert fast is not None
    assert fast[0] == Order(
        order_id=7, product_id=1, product_name="Datacenter Proxy", cycle_id=4, cycle_name="monthly"
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "b": [1.5, -0.0, 1e5, null, true, "x\\u00e9"]}',
        b'{"a": 1, "a": 2}',
        b"18446744073709551615",
        b"NaN",  # the stdlib accepts it, orjson does not: the stdlib decides
        b"1e400",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",  # a BOM
        '{"x": "é"}'.encode("utf-16"),
    ],
)
def test_loads_json_equals_the_stdlib(body: bytes) -> None:
    result = loads_json(body)
    expected = json.loads(body)
    assert repr(result) == repr(expected)


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": 1', b"\xff", b"[1,]"])
def test_loads_json_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        loads_json(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "b": [1.5, null, true, "x\\u00e9"]}',
        b"NaN",
        b"1e400",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        b"",
        b"{",
        b"\xff",
        b"[" * 5000 + b"]" * 5000,  # orjson refuses the depth, the stdlib recurses too deep
    ],
)
def test_an_answer_is_parsed_as_loads_json_parses_it(body: bytes) -> None:
    """The transport parses with loads_json's parsers written out: same data, same refusals."""
    outcome = interpret_response(
        200, body, reason="OK", retry_after=None, method="GET", url="u", attempts=1
    )
    try:
        expected = loads_json(body)
    except (ValueError, RecursionError):
        assert outcome.failure is Failure.LOST
    else:
        assert outcome.error is None
        assert repr(outcome.data) == repr(expected)


@pytest.mark.parametrize(
    ("version", "safe"),
    [("3.9.0", False), ("3.9.14", False), ("3.9.15", True), ("3.10.0", True), ("4.0.0rc1", True)],
)
def test_orjson_is_used_only_when_it_refuses_nesting_bombs(version: str, safe: bool) -> None:
    """An older orjson parses a 100,000-deep body the stdlib refuses: the stdlib decides then."""
    assert orjson_is_safe(version) is safe


def test_the_quote_fast_path_is_active() -> None:
    # Fails when PriceQuote changes shape: update _QUOTE_FIELDS and decode_quote with it.
    assert QUOTE_FAST_PATH


QUOTE_KEYS = ("original_price", "final_price", "discount_percent", "addons_price")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.dictionaries(
            st.sampled_from([*QUOTE_KEYS, "total_with_addons", "currency"]), ANY_SCALAR
        ),
        ANY_SCALAR,
        st.lists(st.integers(), max_size=2),
    )
)
def test_decode_quote_equals_the_converter(data: Any) -> None:
    try:
        slow: Any = CONVERTER.structure(data, PriceQuote)
    except Exception as exc:
        slow = exc
    try:
        fast: Any = decode_quote(data)
    except Exception as exc:
        fast = exc
    if isinstance(slow, Exception):
        assert type(fast) is type(slow)
        assert str(fast) == str(slow)
    else:
        # Built slot by slot, it is still the frozen model the converter makes.
        assert type(fast) is PriceQuote
        assert fast == slow
        assert hash(fast) == hash(slow)
        assert repr(fast) == repr(slow)
        assert attrs.asdict(fast) == attrs.asdict(slow)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            fast.final_price = 1
