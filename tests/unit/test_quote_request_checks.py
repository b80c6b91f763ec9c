"""``QuoteRequest`` decides the common case inline: it must accept and refuse exactly what the
fields' full checks accept and refuse, with the same first error."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxyorders_async import Addon, QuoteRequest
from proxyorders_async._models import QUOTE_REQUEST_SETTERS, quote_request
from proxyorders_async._validation import check_int, check_optional_str, check_str

TEXT = st.one_of(
    st.sampled_from(["", " ", "\t", "DE", "Datacenter Proxy", "é", "a\ud800", "monthly", "x "]),
    st.text(max_size=6),
)
ANY = st.one_of(st.none(), TEXT, st.integers(-3, 3), st.booleans(), st.floats(allow_nan=False))
# Mostly accepted values, so that one odd field at a time is what decides.
OPTIONAL = st.one_of(st.none(), st.none(), st.just("DE"), ANY)
QUANTITY = st.one_of(st.none(), st.integers(-2, 2**64), st.booleans(), TEXT, st.floats())


def reference(product: Any, location: Any, cycle: Any, quantity: Any, promo: Any) -> str | None:
    """The first error the fields' full checks give, in field order (None: all accepted)."""
    try:
        check_str("product", product)
        check_optional_str("location", location)
        check_optional_str("cycle", cycle)
        if quantity is not None:
            check_int("quantity", quantity, minimum=1)
        check_optional_str("promo_code", promo)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.just("Datacenter Proxy"), TEXT, ANY), OPTIONAL, OPTIONAL, QUANTITY, OPTIONAL)
def test_quote_request_checks_equal_the_full_checks(
    product: Any, location: Any, cycle: Any, quantity: Any, promo: Any
) -> None:
    try:
        QuoteRequest(
            product=product, location=location, cycle=cycle, quantity=quantity, promo_code=promo
        )
    except Exception as exc:
        got: str | None = f"{type(exc).__name__}: {exc}"
    else:
        got = None
    assert got == reference(product, location, cycle, quantity, promo)


ODD = ["", " ", "\t", "é", "a\ud800", 5, True, None]


@pytest.mark.parametrize("field", ["product", "location", "cycle", "promo_code", "quantity"])
@pytest.mark.parametrize("value", [*ODD, 0, -1, 2**63, 1.5, "3"])
def test_each_field_alone(field: str, value: Any) -> None:
    fields: dict[str, Any] = {
        "product": "Datacenter Proxy",
        "location": "DE",
        "cycle": "monthly",
        "quantity": 2,
        "promo_code": None,
    }
    fields[field] = value
    try:
        QuoteRequest(**fields)
    except Exception as exc:
        got: str | None = f"{type(exc).__name__}: {exc}"
    else:
        got = None
    expected = reference(
        fields["product"], fields["location"], fields["cycle"], fields["quantity"],
        fields["promo_code"],
    )  # fmt: skip
    assert got == expected


def test_quote_requests_are_built_slot_by_slot() -> None:
    # Fails when QuoteRequest changes shape: quote_request() then calls the class (slower).
    assert QUOTE_REQUEST_SETTERS is not None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.just("Datacenter Proxy"), TEXT, ANY), OPTIONAL, OPTIONAL, QUANTITY, OPTIONAL)
def test_quote_request_builds_what_the_class_builds(
    product: Any, location: Any, cycle: Any, quantity: Any, promo: Any
) -> None:
    """calculate()'s constructor: the same object, hash, repr and errors as the class call."""
    outcomes: list[Any] = []
    for build in (quote_request, QuoteRequest):
        try:
            if build is QuoteRequest:
                made: Any = QuoteRequest(
                    product=product,
                    location=location,
                    cycle=cycle,
                    quantity=quantity,
                    promo_code=promo,
                )
            else:
                made = quote_request(product, location, cycle, quantity, promo)
        except Exception as exc:
            made = f"{type(exc).__name__}: {exc}"
        outcomes.append(made)
    fast, made = outcomes
    if isinstance(made, str):
        assert fast == made
        return
    assert type(fast) is QuoteRequest
    assert fast == made
    assert hash(fast) == hash(made)
    assert repr(fast) == repr(made)
    assert fast.to_params() == made.to_params()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.product = "x"  # type: ignore[misc]


def test_quote_request_with_addons_goes_through_the_class() -> None:
    made = quote_request("Datacenter Proxy", addons=[Addon("p0f_slots", 2)])
    assert made == QuoteRequest(product="Datacenter Proxy", addons=(Addon("p0f_slots", 2),))
    assert made.addons == (Addon("p0f_slots", 2),)
