"""Generated 1.1.0 response bodies: every schema-valid body parses; anything else fails typed.

Bodies are generated from each operation's 200 schema, taken from the verbatim 1.1.0 file
(``spec_1_1.schema_bodies``; each is checked against the schema with ``jsonschema``).
Decoding goes through the client's error wrapping (``decode_like_client``), so "fails typed"
means exactly what a caller would see. Derandomized: the same examples every run.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proxyorders_async import (
    ActiveProxyList,
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    APIResponseValidationError,
    GeoList,
    NotFoundError,
    OperationResult,
    OrderDetail,
    ResidentialProfile,
    SignatureUpdate,
    SubUser,
    SubUserPage,
)

from .spec_1_1 import (
    ASKED_USER_ID,
    BY_NAME,
    WITH_BODY,
    agrees,
    decode_like_client,
    json_values,
    response_schema,
    schema_bodies,
)

GENERATED = settings(
    max_examples=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NAMES = [op.name for op in WITH_BODY]

RESULT_TYPE: dict[str, type[Any]] = {
    "orders.get": OrderDetail,
    "proxies.active": ActiveProxyList,
    "orders.set_signatures": SignatureUpdate,
    "addons.calculate": AddonQuote,
    "addons.purchase": AddonPurchase,
    "addons.schedule_downgrade": AddonSchedule,
    "addons.cancel_downgrade": AddonSchedule,
    "residential.profile": ResidentialProfile,
    "sub_users.list": SubUserPage,
    "sub_users.get": SubUser,
    "sub_users.create": SubUser,
    "geo.countries": GeoList,
    "geo.regions": GeoList,
    "geo.cities": GeoList,
    "geo.isps": GeoList,
}
# The sub-user get/create schemas allow a missing, empty or longer ``data`` array; the SDK
# cannot name one sub-user from those, so it refuses them (and only them) with these errors.
ONE_SUB_USER = ("sub_users.get", "sub_users.create")


@cache
def _bodies(name: str) -> st.SearchStrategy[Any]:
    schema = response_schema(BY_NAME[name])
    assert schema is not None
    return schema_bodies(schema)


@cache
def _validator(name: str) -> Any:
    schema = response_schema(BY_NAME[name])
    return jsonschema.validators.validator_for(schema)(schema)


def _decode(name: str, body: Any) -> Any:
    decode = BY_NAME[name].decode
    assert decode is not None
    return decode_like_client(decode, body)


def _wire_of_result(name: str, body: Any) -> Any:
    """The part of ``body`` the decoded model stands for."""
    if name == "orders.get":
        return body["order"]
    if name in ONE_SUB_USER:
        return {
            k: v for k, v in body["data"][0].items() if k != "user_id" or name != "sub_users.get"
        }
    return body


def _expected_refusal(name: str, body: dict[str, Any]) -> type[Exception] | None:
    """The error a schema-valid ``body`` must raise, or None if it must parse."""
    if name not in ONE_SUB_USER:
        return None
    items = body.get("data")
    if items == [] and name == "sub_users.get":
        return NotFoundError
    if items is None or len(items) != 1:
        return APIResponseValidationError
    return None


@pytest.mark.parametrize("name", NAMES)
@GENERATED
@given(data=st.data())
def test_schema_valid_bodies_parse_into_the_model(name: str, data: st.DataObject) -> None:
    body = data.draw(_bodies(name))
    _validator(name).validate(body)  # the generator is right
    refusal = _expected_refusal(name, body)
    if refusal is not None:
        with pytest.raises(refusal) as info:
            _decode(name, body)
        assert type(info.value) is refusal
        return
    result = _decode(name, body)
    assert isinstance(result, RESULT_TYPE.get(name, OperationResult))
    assert agrees(result, _wire_of_result(name, body))
    if name == "sub_users.get":
        assert result.user_id == ASKED_USER_ID


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value, the value itself first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(value)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copied


@pytest.mark.parametrize("name", NAMES)
@GENERATED
@given(data=st.data())
def test_corrupted_bodies_parse_or_fail_typed(name: str, data: st.DataObject) -> None:
    body = data.draw(_bodies(name))
    path = data.draw(st.sampled_from(_paths(body)))
    corrupted = _replace(body, path, data.draw(json_values))
    allowed: tuple[type[Exception], ...] = (APIResponseValidationError,)
    if name == "sub_users.get":
        allowed += (NotFoundError,)
    outcome = _outcome(name, corrupted)
    if isinstance(outcome, Exception):
        assert isinstance(outcome, allowed), repr(outcome)
        assert getattr(outcome, "status", None) == 200
    else:
        assert isinstance(outcome, RESULT_TYPE.get(name, OperationResult))
        wrong = _wrong_type(name, corrupted)
        assert wrong is None, f"parsed although {wrong}"


# The envelope's "success" is not read by these decoders (a 200 with success false is refused
# before decoding), so a wrongly typed one there is not a decoding error.
_SUCCESS_NOT_READ = {"orders.get", "sub_users.get", "sub_users.create"}


def _wrong_type(name: str, body: Any) -> str | None:
    """A JSON type the schema forbids somewhere the SDK reads, or None.

    The SDK is strict about types, so a parsed body must not contain one. It is lenient about
    enums, lengths, bounds, the envelope's required keys, and ``null`` in an optional field
    (read as absent).
    """
    for error in _validator(name).iter_errors(body):
        where = list(error.absolute_path)
        if error.validator != "type" or error.instance is None:
            continue
        if not (name in _SUCCESS_NOT_READ and where == ["success"]):
            return f"{error.message} at {where}"
    return None


def _outcome(name: str, body: Any) -> Any:
    """The decoded model, or the exception decoding raised (whatever it is)."""
    try:
        return _decode(name, body)
    except Exception as exc:
        return exc
