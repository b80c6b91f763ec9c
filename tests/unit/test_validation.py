"""Invalid arguments are refused before any request, naming the argument."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    Addon,
    DatacenterIspPurchase,
    GenericPurchase,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    OrderStatus,
    OrderStatusName,
    PremiumResidentialPurchase,
    ProxyOrdersClient,
    QuoteRequest,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
)

from .helpers import PURCHASE_BODY

VALUE, TYPE = InvalidArgumentError, InvalidArgumentTypeError


def case(id: str, call: Callable[[ProxyOrdersClient], Any], error: type, argument: str) -> Any:
    return pytest.param(call, error, argument, id=id)


# Calls that are coroutines: the error is raised when awaited, before any request.
ASYNC_CASES = [
    case("list-limit-0", lambda c: c.orders.list("all", limit=0), VALUE, "limit"),
    case("list-limit-101", lambda c: c.orders.list("all", limit=101), VALUE, "limit"),
    case("list-limit-str", lambda c: c.orders.list("all", limit="20"), TYPE, "limit"),
    case("list-offset--1", lambda c: c.orders.list("all", offset=-1), VALUE, "offset"),
    case("list-offset-float", lambda c: c.orders.list("all", offset=1.0), TYPE, "offset"),
    case("list-status-unknown", lambda c: c.orders.list("expired"), VALUE, "status"),
    case("list-status-case", lambda c: c.orders.list("Active"), VALUE, "status"),
    case("list-status-int", lambda c: c.orders.list(1), TYPE, "status"),
    case("list-status-none", lambda c: c.orders.list(None), TYPE, "status"),
    case("get-0", lambda c: c.orders.get(0), VALUE, "order_id"),
    case("get--1", lambda c: c.orders.get(-1), VALUE, "order_id"),
    case("get-true", lambda c: c.orders.get(True), TYPE, "order_id"),
    case("get-str", lambda c: c.orders.get("5"), TYPE, "order_id"),
    case("get-float", lambda c: c.orders.get(5.0), TYPE, "order_id"),
    case("renew-0", lambda c: c.orders.renew(0), VALUE, "order_id"),
    case("renew-str", lambda c: c.orders.renew("5"), TYPE, "order_id"),
    case("set-tag-id", lambda c: c.orders.set_tag(-1, "x"), VALUE, "order_id"),
    case("set-tag-int", lambda c: c.orders.set_tag(1, 5), TYPE, "tag"),
    case("set-tag-none", lambda c: c.orders.set_tag(1, None), TYPE, "tag"),
    case("active-0", lambda c: c.proxies.active(0), VALUE, "order_id"),
    case("active-true", lambda c: c.proxies.active(True), TYPE, "order_id"),
    case("cycle-id", lambda c: c.orders.change_billing_cycle(0, "monthly"), VALUE, "order_id"),
    case("cycle-empty", lambda c: c.orders.change_billing_cycle(1, ""), VALUE, "cycle"),
    case("cycle-blank", lambda c: c.orders.change_billing_cycle(1, "  "), VALUE, "cycle"),
    case("cycle-none", lambda c: c.orders.change_billing_cycle(1, None), TYPE, "cycle"),
    case("renewal-id", lambda c: c.orders.edit_auto_renewal("1", True), TYPE, "order_id"),
    case("renewal-str", lambda c: c.orders.edit_auto_renewal(1, "true"), TYPE, "auto_renewal"),
    case(
        "renewal-false-str", lambda c: c.orders.edit_auto_renewal(1, "false"), TYPE, "auto_renewal"
    ),
    case("renewal-int", lambda c: c.orders.edit_auto_renewal(1, 1), TYPE, "auto_renewal"),
    case("renewal-none", lambda c: c.orders.edit_auto_renewal(1, None), TYPE, "auto_renewal"),
    case("purchase-dict", lambda c: c.orders.purchase(PURCHASE_BODY), TYPE, "request"),
    case("purchase-none", lambda c: c.orders.purchase(None), TYPE, "request"),
    case("purchase-quote", lambda c: c.orders.purchase(QuoteRequest(product="P")), TYPE, "request"),
    case("calculate-empty", lambda c: c.orders.calculate(""), VALUE, "product"),
    case("calculate-none", lambda c: c.orders.calculate(None), TYPE, "product"),
    case("calculate-qty-0", lambda c: c.orders.calculate("P", quantity=0), VALUE, "quantity"),
    case("calculate-qty-str", lambda c: c.orders.calculate("P", quantity="2"), TYPE, "quantity"),
    case("calculate-location", lambda c: c.orders.calculate("P", location=""), VALUE, "location"),
    case(
        "calculate-addon",
        lambda c: c.orders.calculate("P", addons=[{"addon_key": "a", "qty": 1}]),
        TYPE,
        "addons[0]",
    ),
    case(
        "calculate-lone-addon",
        lambda c: c.orders.calculate("P", addons=Addon("a", 1)),
        TYPE,
        "addons",
    ),
]

# Iterators check their arguments when created, before iteration starts.
SYNC_CASES = [
    case("pages-size-0", lambda c: c.orders.pages("all", page_size=0), VALUE, "page_size"),
    case("pages-size-101", lambda c: c.orders.pages("all", page_size=101), VALUE, "page_size"),
    case("pages-status", lambda c: c.orders.pages("done"), VALUE, "status"),
    case("pages-status-type", lambda c: c.orders.pages(b"all"), TYPE, "status"),
    case("pages-max-0", lambda c: c.orders.pages("all", max_pages=0), VALUE, "max_pages"),
    case("pages-max-str", lambda c: c.orders.pages("all", max_pages="2"), TYPE, "max_pages"),
    case("pages-start--1", lambda c: c.orders.pages("all", start=-1), VALUE, "start"),
    case("pages-start-bool", lambda c: c.orders.pages("all", start=True), TYPE, "start"),
    case("pages-start-empty", lambda c: c.orders.pages("all", start=""), VALUE, "start"),
    case("iter-size-0", lambda c: c.orders.iter("all", page_size=0), VALUE, "page_size"),
    case("iter-size-101", lambda c: c.orders.iter("all", page_size=101), VALUE, "page_size"),
    case("iter-status", lambda c: c.orders.iter("open"), VALUE, "status"),
    case("iter-max-0", lambda c: c.orders.iter("all", max_pages=0), VALUE, "max_pages"),
    case("iter-start--1", lambda c: c.orders.iter("all", start=-1), VALUE, "start"),
]


def assert_names(exc: Exception, error: type, argument: str) -> None:
    assert type(exc) is error
    assert exc.argument == argument  # type: ignore[attr-defined]
    assert str(exc).startswith(f"{argument}: ")
    assert isinstance(exc, ValueError if error is VALUE else TypeError)


@pytest.mark.parametrize(("call", "error", "argument"), ASYNC_CASES)
async def test_invalid_call_is_refused_before_any_request(
    m: aioresponses, client: ProxyOrdersClient, call: Any, error: type, argument: str
) -> None:
    with pytest.raises(error) as info:
        await call(client)
    assert_names(info.value, error, argument)
    assert m.requests == {}


@pytest.mark.parametrize(("call", "error", "argument"), SYNC_CASES)
def test_invalid_iteration_is_refused_when_created(
    m: aioresponses, client: ProxyOrdersClient, call: Any, error: type, argument: str
) -> None:
    with pytest.raises(error) as info:
        call(client)
    assert_names(info.value, error, argument)
    assert m.requests == {}


@pytest.mark.parametrize(("limit", "ok"), [(1, True), (100, True)])
async def test_page_size_bounds_are_inclusive(
    m: aioresponses, client: ProxyOrdersClient, limit: int, ok: bool
) -> None:
    m.get(
        f"https://user-api.proxyshard.com/user/api/orders?status=all&offset=0&limit={limit}",
        payload={"orders": []},
    )
    assert (await client.orders.list("all", limit=limit)).count == 0


DC = {"product": "Datacenter Proxy", "location": "DE", "cycle": "monthly"}


@pytest.mark.parametrize(
    ("build", "error", "argument"),
    [
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, quantity=0), VALUE, "quantity", id="dc-qty-0"
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, quantity=-3), VALUE, "quantity", id="dc-qty-neg"
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, quantity=True), TYPE, "quantity", id="dc-qty-bool"
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, quantity=2.0), TYPE, "quantity", id="dc-qty-float"
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**{**DC, "location": ""}),
            VALUE,
            "location",
            id="dc-location-empty",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**{**DC, "location": None}),
            TYPE,
            "location",
            id="dc-location-none",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**{**DC, "cycle": ""}),
            VALUE,
            "cycle",
            id="dc-cycle-empty",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**{**DC, "product": "Foo"}),
            VALUE,
            "product",
            id="dc-product",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**{**DC, "product": "datacenter proxy"}),
            VALUE,
            "product",
            id="dc-product-case",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, auto_renewal="yes"),
            TYPE,
            "auto_renewal",
            id="dc-renewal-str",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, auto_renewal=None),
            TYPE,
            "auto_renewal",
            id="dc-renewal-none",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, promo_code=""),
            VALUE,
            "promo_code",
            id="dc-promo-empty",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, promo_code=10),
            TYPE,
            "promo_code",
            id="dc-promo-int",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, addons=[("p0f_slots", 5)]),
            TYPE,
            "addons[0]",
            id="dc-addon-tuple",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, addons=[Addon("a", 1), {"addon_key": "b"}]),
            TYPE,
            "addons[1]",
            id="dc-addon-dict",
        ),
        pytest.param(
            lambda: DatacenterIspPurchase(**DC, addons="p0f_slots"),
            TYPE,
            "addons",
            id="dc-addons-str",
        ),
        pytest.param(
            lambda: StandardResidentialPurchase(quantity=0), VALUE, "quantity", id="std-qty-0"
        ),
        pytest.param(
            lambda: StandardResidentialPurchase(quantity=True), TYPE, "quantity", id="std-qty-bool"
        ),
        pytest.param(
            lambda: StandardResidentialPurchase(product="Standard Residential Proxy"),
            VALUE,
            "product",
            id="std-product",
        ),
        pytest.param(
            lambda: StandardResidentialPurchase(addons=[1]), TYPE, "addons[0]", id="std-addon"
        ),
        pytest.param(
            lambda: PremiumResidentialPurchase(quantity=0), VALUE, "quantity", id="premium-qty-0"
        ),
        pytest.param(
            lambda: PremiumResidentialPurchase(product="Datacenter Proxy"),
            VALUE,
            "product",
            id="premium-product",
        ),
        pytest.param(
            lambda: UnmeteredResidentialPurchase(cycle=""), VALUE, "cycle", id="unmetered-cycle"
        ),
        pytest.param(
            lambda: UnmeteredResidentialPurchase(cycle="day", auto_renewal="yes"),
            TYPE,
            "auto_renewal",
            id="unmetered-renewal",
        ),
        pytest.param(
            lambda: UnmeteredResidentialPurchase(
                cycle="day", product="Unmetered Residential Proxy"
            ),
            VALUE,
            "product",
            id="unmetered-product",
        ),
        pytest.param(
            lambda: GenericPurchase(product="", cycle="day"), VALUE, "product", id="generic-product"
        ),
        pytest.param(
            lambda: GenericPurchase(product="Mobile", cycle=None), TYPE, "cycle", id="generic-cycle"
        ),
        pytest.param(
            lambda: GenericPurchase(product="Mobile", cycle="day", quantity=0),
            VALUE,
            "quantity",
            id="generic-qty-0",
        ),
        pytest.param(
            lambda: GenericPurchase(product="Mobile", cycle="day", location=""),
            VALUE,
            "location",
            id="generic-location",
        ),
        pytest.param(
            lambda: GenericPurchase(product="Mobile", cycle="day", auto_renewal=1),
            TYPE,
            "auto_renewal",
            id="generic-renewal",
        ),
        pytest.param(lambda: Addon("p0f_slots", 0), VALUE, "qty", id="addon-qty-0"),
        pytest.param(lambda: Addon("p0f_slots", True), TYPE, "qty", id="addon-qty-bool"),
        pytest.param(lambda: Addon("p0f_slots", "5"), TYPE, "qty", id="addon-qty-str"),
        pytest.param(lambda: Addon("", 1), VALUE, "addon_key", id="addon-key-empty"),
        pytest.param(lambda: Addon(None, 1), TYPE, "addon_key", id="addon-key-none"),
        pytest.param(
            lambda: QuoteRequest(product="P", quantity=0), VALUE, "quantity", id="quote-qty"
        ),
        pytest.param(lambda: QuoteRequest(product="P", cycle=""), VALUE, "cycle", id="quote-cycle"),
    ],
)
def test_request_models_validate_on_construction(build: Any, error: type, argument: str) -> None:
    with pytest.raises(error) as info:
        build()
    assert_names(info.value, error, argument)


@pytest.mark.parametrize(
    "build",
    [
        lambda: DatacenterIspPurchase(product="ISP Proxy", location="US", cycle="monthly"),
        lambda: StandardResidentialPurchase(),
        lambda: PremiumResidentialPurchase(quantity=100, addons=()),
        lambda: UnmeteredResidentialPurchase(cycle="day"),
        lambda: GenericPurchase(product="Residential Proxy NEW", cycle="day", location=None),
        lambda: Addon("p0f_slots", 1),
    ],
)
def test_valid_request_models_are_frozen(build: Any) -> None:
    import attrs

    model = build()
    field = attrs.fields(type(model))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(model, field, "changed")


def test_addons_from_any_iterable_become_a_tuple() -> None:
    addons = (Addon(key, 1) for key in ("a", "b"))
    purchase = StandardResidentialPurchase(addons=addons)
    assert purchase.addons == (Addon("a", 1), Addon("b", 1))


def test_status_literal_names_exactly_the_enum_values() -> None:
    """``OrderStatusName`` (for type checkers) and ``OrderStatus`` (at run time) must agree."""
    assert set(typing.get_args(OrderStatusName)) == {status.value for status in OrderStatus}
