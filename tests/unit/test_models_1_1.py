"""API 1.1.0 response models: golden bodies, repr secrecy, round trips, not-found, bad shapes.

The golden bodies (``golden/1.1.0/<operation>.json``) follow the 1.1.0 response schemas (the
spec has no full examples; its example messages are used where it gives them) and are checked
against those schemas here, so they pin the wire format rather than our own models' idea of it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import cattrs
import jsonschema
import pytest

from proxyorders_async import (
    ActiveProxy,
    ActiveProxyList,
    AddonLine,
    AddonPending,
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    APIResponseValidationError,
    APIStatusError,
    City,
    Country,
    GeoList,
    Isp,
    NotFoundError,
    OperationResult,
    OrderDetail,
    Region,
    RegionRef,
    ResidentialProfile,
    SignatureUpdate,
    SubUser,
    SubUserPage,
    _client,
)
from proxyorders_async._converters import CONVERTER
from proxyorders_async._decoders import decode_created_sub_user, decode_sub_user, hide_passwords

from .spec_1_1 import (
    ASKED_USER_ID,
    BY_NAME,
    DECODE_ERRORS,
    WITH_BODY,
    decode_like_client,
    response_schema,
)

GOLDEN = Path(__file__).parent / "golden" / "1.1.0"
UTC = timezone.utc
GIB = 1024**3
US = Country(code="US", name="United States")
CA = RegionRef(code="CA", name="California")
P0F = AddonLine(addon_key="p0f_slots", catalog_id=3, qty=7, price_per_unit=30)


def _ok(message: str) -> OperationResult:
    return OperationResult(success=True, message=message)


EXPECTED: dict[str, Any] = {
    "orders.get": OrderDetail(
        order_id=1042,
        product_name="Datacenter Proxy",
        cycle_name="monthly",
        status="active",
        quantity=10,
        price_paid=1200,
        addons_price_paid=150,
        addons=(
            AddonLine(
                addon_key="p0f_slots",
                catalog_id=3,
                qty=5,
                price_per_unit=30,
                pending=AddonPending(action="downgrade", next_qty=2),
            ),
        ),
        p0f_slots_available=5,
        p0f_slots_used=3,
        p0f_slots_next=2,
        created_at=datetime(2030, 1, 1, 10, tzinfo=UTC),
        expires_at=datetime(2030, 1, 31, 10, tzinfo=UTC),
        promo_code=None,
        auto_renewal=True,
        tag="shop-7",
    ),
    "proxies.active": ActiveProxyList(
        order_tag="shop-7",
        data=tuple(
            ActiveProxy(
                ip=f"203.0.113.{n}",
                username="u1042",
                password=f"golden-proxy-secret-{n - 6}",
                http_port=8080,
                socks_port=1080,
                until="2030-01-31T10:00:00Z",
                status="active",
                signature=signature,
            )
            for n, signature in ((7, "win11"), (8, None))
        ),
    ),
    "orders.add_bandwidth": _ok("Order paid successfully"),
    "orders.set_signatures": SignatureUpdate(updated=3, message="Signatures updated"),
    "orders.set_ip_deletion": _ok("Settings updated"),
    "addons.calculate": AddonQuote(
        addon_key="p0f_slots",
        catalog_id=3,
        price_per_unit=30,
        current_qty=5,
        add_qty=2,
        new_qty=7,
        add_total=60,
    ),
    "addons.purchase": AddonPurchase(
        addons_price_paid=210, addons=(P0F,), message="Add-on purchased"
    ),
    "addons.schedule_downgrade": AddonSchedule(
        addons=(attrs.evolve(P0F, pending=AddonPending(action="downgrade", next_qty=2)),),
        message="Downgrade scheduled",
    ),
    "addons.cancel_downgrade": AddonSchedule(addons=(P0F,), message="Pending downgrade cleared"),
    "residential.profile": ResidentialProfile(
        data=10 * GIB,
        data_remain=8 * GIB,
        data_spent=2 * GIB,
        proxy_password="golden-owner-secret",
    ),
    "sub_users.list": SubUserPage(
        count=3,
        data=(
            SubUser(
                user_id="su-1001",
                first_name="scraper-eu",
                proxy_password="golden-sub-secret-1",
                data=2 * GIB,
                data_spent=GIB,
                data_remain=GIB,
            ),
            SubUser(
                user_id="su-1002",
                first_name="scraper-us",
                proxy_password="golden-sub-secret-2",
                data=GIB,
                data_spent=0,
                data_remain=GIB,
            ),
        ),
    ),
    "sub_users.get": SubUser(
        user_id=ASKED_USER_ID,
        first_name="scraper-eu",
        proxy_password="golden-sub-secret-1",
        data=2 * GIB,
        data_spent=GIB,
    ),
    "sub_users.create": SubUser(
        user_id="su-1003",
        first_name="new-team",
        proxy_password="golden-sub-secret-3",
        data=5 * GIB,
        data_spent=0,
    ),
    "sub_users.rename": _ok("Sub user edited successfully"),
    "sub_users.delete": _ok("Sub user deleted successfully"),
    "sub_users.add_traffic": _ok("Traffic added to sub user successfully"),
    "sub_users.subtract_traffic": _ok("Traffic subtracted from sub user successfully"),
    "sub_users.reset_password": _ok("Sub user password changed successfully"),
    "geo.countries": GeoList(count=2, results=(Country(code="DE", name="Germany"), US)),
    "geo.regions": GeoList(count=1, results=(Region(code="CA", name="California", country=US),)),
    "geo.cities": GeoList(
        count=2,
        results=(
            City(code="los-angeles", name="Los Angeles", country=US, region=CA),
            City(code="monaco", name="Monaco", country=Country(code="MC", name="Monaco")),
        ),
    ),
    "geo.isps": GeoList(
        count=1, results=(Isp(code="comcast", name="Comcast Cable", country=US, region=CA),)
    ),
}


def _golden(name: str) -> Any:
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


def test_every_operation_with_a_body_has_a_golden_body() -> None:
    assert sorted(EXPECTED) == sorted(op.name for op in WITH_BODY)
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_body_is_schema_valid_and_parses(name: str) -> None:
    body = _golden(name)
    schema = response_schema(BY_NAME[name])
    assert schema is not None
    jsonschema.validate(body, schema)
    decode = BY_NAME[name].decode
    assert decode is not None
    assert decode_like_client(decode, body) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_body_parses_with_unknown_keys(name: str) -> None:
    body = _golden(name)
    body["added_in_1_2"] = {"anything": [1, "two"]}
    decode = BY_NAME[name].decode
    assert decode is not None
    assert decode(body) == EXPECTED[name]


def test_order_detail_tolerates_every_field_missing() -> None:
    assert decode_like_client(BY_NAME["orders.get"].decode, {"order": {}}) == OrderDetail()  # type: ignore[arg-type]


def test_order_detail_of_1_0_still_parses() -> None:
    body = {"order": {"order_id": 7, "product_name": "ISP Proxy", "addons": [{"qty": 1}]}}
    detail = decode_like_client(BY_NAME["orders.get"].decode, body)  # type: ignore[arg-type]
    assert detail == OrderDetail(order_id=7, product_name="ISP Proxy", addons=(AddonLine(qty=1),))
    assert detail.p0f_slots_available is None


# -- passwords ----------------------------------------------------------------------------

SECRETS = (
    "golden-proxy-secret-1",
    "golden-proxy-secret-2",
    "golden-owner-secret",
    "golden-sub-secret-1",
    "golden-sub-secret-2",
    "golden-sub-secret-3",
)


@pytest.mark.parametrize(
    "name",
    [
        "residential.profile",
        "sub_users.list",
        "sub_users.get",
        "sub_users.create",
        "proxies.active",
    ],
)
def test_repr_and_str_show_no_password(name: str) -> None:
    model = EXPECTED[name]
    shown = repr(model) + str(model)
    assert "'***'" in shown
    assert not any(secret in shown for secret in SECRETS)


def test_passwords_stay_readable_and_comparable() -> None:
    profile = EXPECTED["residential.profile"]
    assert profile.proxy_password == "golden-owner-secret"
    page = EXPECTED["sub_users.list"]
    assert [u.proxy_password for u in page] == ["golden-sub-secret-1", "golden-sub-secret-2"]
    assert page.data[0] != attrs.evolve(page.data[0], proxy_password="other")


# -- sub-user shapes ----------------------------------------------------------------------


def test_sub_user_name_alias_and_page_helpers() -> None:
    page = EXPECTED["sub_users.list"]
    assert [u.name for u in page.users] == ["scraper-eu", "scraper-us"]
    assert (len(page), page.count) == (2, 3)
    assert SubUserPage() == decode_like_client(BY_NAME["sub_users.list"].decode, {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "users", "offset", "expected"),
    [
        (3, 2, 0, 2),  # 2 of 3 seen: go on at 2
        (3, 1, 2, None),  # 3 of 3 seen
        (3, 0, 0, None),  # empty page: stop even though count says more
        (None, 2, 4, 6),  # no count: go on until an empty page
        (None, 0, 6, None),
        (1, 2, 0, None),  # more than count: the total was reached
    ],
)
def test_sub_user_page_next_offset(
    count: int | None, users: int, offset: int, expected: int | None
) -> None:
    user = EXPECTED["sub_users.list"].data[0]
    page = SubUserPage(count=count, data=(user,) * users)
    assert page.next_offset(offset) == expected


def test_get_sub_user_uses_the_asked_id_over_any_sent() -> None:
    body = _golden("sub_users.get")
    body["data"][0]["user_id"] = "someone-else"
    assert decode_sub_user(body, "su-asked").user_id == "su-asked"


def test_get_sub_user_empty_array_is_not_found() -> None:
    with pytest.raises(NotFoundError) as info:
        decode_sub_user({"success": True, "data": []}, "su-9", url="http://127.0.0.1/x")
    error = info.value
    assert (error.status, error.method, error.url) == (200, "GET", "http://127.0.0.1/x")
    assert "su-9" in str(error)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True},
        {"data": {"first_name": "x"}},
        {"data": "abc"},
        {"data": [1]},
        {"data": [None]},
        {"data": [{"first_name": "a", "proxy_password": "p", "data": 1}]},
        {"data": [{"first_name": "a", "proxy_password": "p", "data": "1", "data_spent": 0}]},
        {"data": [_golden("sub_users.get")["data"][0]] * 2},
        [],
        None,
        "text",
    ],
    ids=repr,
)
def test_get_sub_user_bad_shapes_are_validation_errors(body: Any) -> None:
    with pytest.raises(APIResponseValidationError):
        decode_like_client(lambda data: decode_sub_user(data, "su-1"), body)


@pytest.mark.parametrize(
    "body", [{"success": True}, {"data": []}, {"data": [{"user_id": "u"}]}, {"data": {}}]
)
def test_created_sub_user_missing_is_a_validation_error(body: Any) -> None:
    with pytest.raises(APIResponseValidationError):
        decode_like_client(decode_created_sub_user, body)


# -- strict types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path", "bad"),
    [
        ("orders.get", ("order", "p0f_slots_used"), "3"),
        ("orders.get", ("order", "addons"), {"addon_key": "p0f_slots"}),
        ("orders.get", ("order", "addons", 0, "pending", "next_qty"), True),
        ("addons.calculate", ("add_total",), 0.6),
        ("addons.purchase", ("addons", 0, "qty"), None),  # allowed: every field optional
        ("residential.profile", ("data",), "10"),
        ("residential.profile", ("proxy_password",), None),
        ("sub_users.list", ("data", 0, "data_remain"), False),
        ("sub_users.list", ("count",), "3"),
        ("geo.cities", ("results", 0, "country"), None),
        ("geo.isps", ("results",), "comcast"),
        ("geo.countries", ("count",), None),
        ("orders.set_signatures", ("updated",), "3"),
    ],
    ids=lambda value: str(value),
)
def test_wrong_types_are_validation_errors(name: str, path: tuple[Any, ...], bad: Any) -> None:
    body = _golden(name)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = bad
    decode = BY_NAME[name].decode
    assert decode is not None
    if bad is None and path == ("addons", 0, "qty"):
        assert decode_like_client(decode, body).addons[0].qty is None
        return
    with pytest.raises(APIResponseValidationError) as info:
        decode_like_client(decode, body)
    assert "golden-" not in info.value.message  # no password in the message


# -- model properties ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_models_are_frozen_slotted_and_round_trip(name: str) -> None:
    model = EXPECTED[name]
    assert not hasattr(model, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(model, attrs.fields(type(model))[0].name, None)
    wire = json.loads(json.dumps(CONVERTER.unstructure(model)))
    assert (
        CONVERTER.structure(wire, type(model) if not isinstance(model, GeoList) else _geo(name))
        == model
    )


def _geo(name: str) -> Any:
    kind = {"geo.countries": Country, "geo.regions": Region, "geo.cities": City, "geo.isps": Isp}
    return GeoList[kind[name]]  # type: ignore[valid-type]


def test_decode_like_client_mirrors_the_client_wrapping() -> None:
    """The tests' wrapping must be the client's: the same exception types become the error."""
    # The client also catches APIStatusError: a decoder's own answer, raised as it is.
    assert (APIStatusError, *DECODE_ERRORS) == _client._UNDECODABLE


def test_hide_passwords_masks_every_password_and_nothing_else() -> None:
    body = {
        "proxies": _golden("proxies.active"),
        "profile": _golden("residential.profile"),
        "users": _golden("sub_users.list"),
        "null": {"password": None},
    }
    hidden = hide_passwords(body)
    text = json.dumps(hidden)
    assert not any(secret in text for secret in SECRETS)
    assert hidden["profile"]["proxy_password"] == "***"
    assert hidden["users"]["data"][1]["proxy_password"] == "***"
    assert hidden["proxies"]["data"][0]["password"] == "***"
    assert hidden["null"] == {"password": None}
    assert hidden["users"]["data"][0]["first_name"] == "scraper-eu"
    assert "golden-owner-secret" in json.dumps(body)  # a copy: the input is untouched


def test_hide_passwords_of_a_nesting_bomb_hides_everything() -> None:
    bomb: Any = {"password": "golden-owner-secret"}
    for _ in range(100_000):
        bomb = [bomb]
    assert "nested too deeply" in hide_passwords(bomb)
    assert hide_passwords("plain") == "plain"


MODEL_TYPES = sorted(
    {type(model) for model in EXPECTED.values() if not isinstance(model, GeoList)}
    | {AddonLine, AddonPending, RegionRef, Country, Region, City, Isp},
    key=lambda kind: kind.__name__,
)


@pytest.mark.parametrize("kind", MODEL_TYPES, ids=lambda kind: kind.__name__)
@pytest.mark.parametrize("value", [[], ["order_id"], "order_id", "", None, 0, True])
def test_models_are_structured_from_objects_only(kind: type[Any], value: Any) -> None:
    # "order_id" in ["order_id"] and in "order_id" is True: cattrs alone would look inside.
    with pytest.raises((TypeError, cattrs.BaseValidationError)):  # both wrapped by the client
        CONVERTER.structure(value, kind)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("orders.get", {"order": []}),
        ("orders.get", {"order": "pending"}),
        ("orders.get", {"order": {"addons": [[]]}}),
        ("orders.get", {"order": {"addons": [{"pending": "downgrade"}]}}),
        ("addons.calculate", []),
        ("addons.purchase", "addons"),
        ("geo.countries", {"count": 1, "results": [["DE", "Germany"]]}),
        ("sub_users.list", {"data": [[]]}),
    ],
    ids=repr,
)
def test_non_objects_where_objects_belong_are_validation_errors(name: str, body: Any) -> None:
    decode = BY_NAME[name].decode
    assert decode is not None
    with pytest.raises(APIResponseValidationError):
        decode_like_client(decode, body)
