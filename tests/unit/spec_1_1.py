"""The API 1.1.0 operations added by issue 11, as test data: schemas, decoders, error wrapping.

The response schemas come from the verbatim 1.1.0 OpenAPI file (``data/``), converted from
OpenAPI 3.0 (``nullable``) to JSON Schema. :func:`schema_bodies` generates bodies valid under
them. (``hypothesis-jsonschema`` 0.23.1, the latest release, fails on the Hypothesis this
project uses: its object strategy calls a ``many.more()`` that Hypothesis has since removed.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import cattrs
import yaml
from hypothesis import strategies as st

from proxyorders_async import ActiveProxyList, SubUser
from proxyorders_async._converters import CONVERTER, describe_error, parse_datetime
from proxyorders_async._decoders import (
    decode_addon_purchase,
    decode_addon_quote,
    decode_addon_schedule,
    decode_cities,
    decode_countries,
    decode_created_sub_user,
    decode_isps,
    decode_operation,
    decode_order_detail,
    decode_profile,
    decode_regions,
    decode_signature_update,
    decode_sub_user,
    decode_sub_user_page,
)
from proxyorders_async._protocol import invalid_body

SPEC_FILE = Path(__file__).parent / "data" / "proxyshard-user-api-1.1.0.openapi.yaml"

ASKED_USER_ID = "su-asked"


def _get_sub_user(data: Any) -> SubUser:
    return decode_sub_user(data, ASKED_USER_ID, url="http://127.0.0.1/sub-user")


@attrs.frozen
class Operation:
    """One operation: its name in the SDK, its spec coordinates and its decode function."""

    name: str
    method: str
    path: str
    decode: Callable[[Any], Any] | None  # None: the response has no JSON body (health probes)


def _active_proxies(data: Any) -> ActiveProxyList:
    return CONVERTER.structure(data, ActiveProxyList)


# Every operation issue 11 adds, plus the two whose answers 1.1.0 extends (order detail: add-on
# fields; active proxies: each IP's signature).
OPERATIONS = (
    Operation("orders.get", "get", "/user/api/orders/{id}", decode_order_detail),
    Operation("proxies.active", "get", "/user/api/proxies/active", _active_proxies),
    Operation(
        "orders.add_bandwidth", "post", "/user/api/orders/{id}/add-bandwidth", decode_operation
    ),
    Operation(
        "orders.set_signatures",
        "post",
        "/user/api/orders/{order_id}/signature/set",
        decode_signature_update,
    ),
    Operation(
        "orders.set_ip_deletion", "post", "/user/api/orders/{order_id}/del-np/set", decode_operation
    ),
    Operation(
        "addons.calculate",
        "get",
        "/user/api/orders/{order_id}/addons/calculate",
        decode_addon_quote,
    ),
    Operation(
        "addons.purchase",
        "post",
        "/user/api/orders/{order_id}/addons/purchase",
        decode_addon_purchase,
    ),
    Operation(
        "addons.schedule_downgrade",
        "post",
        "/user/api/orders/{order_id}/addons/schedule",
        decode_addon_schedule,
    ),
    Operation(
        "addons.cancel_downgrade",
        "post",
        "/user/api/orders/{order_id}/addons/schedule/cancel",
        decode_addon_schedule,
    ),
    Operation("residential.profile", "get", "/user/api/proxies/profile", decode_profile),
    Operation("sub_users.list", "get", "/user/api/proxies/sub-users", decode_sub_user_page),
    Operation("sub_users.get", "get", "/user/api/proxies/sub-user/{user_id}", _get_sub_user),
    Operation("sub_users.create", "post", "/user/api/proxies/sub-user", decode_created_sub_user),
    Operation(
        "sub_users.rename", "patch", "/user/api/proxies/sub-user/{user_id}", decode_operation
    ),
    Operation(
        "sub_users.delete", "delete", "/user/api/proxies/sub-user/{user_id}", decode_operation
    ),
    Operation(
        "sub_users.add_traffic",
        "post",
        "/user/api/proxies/sub-user/{user_id}/data/add",
        decode_operation,
    ),
    Operation(
        "sub_users.subtract_traffic",
        "post",
        "/user/api/proxies/sub-user/{user_id}/data/subtract",
        decode_operation,
    ),
    Operation(
        "sub_users.reset_password",
        "post",
        "/user/api/proxies/sub-user/{user_id}/password",
        decode_operation,
    ),
    Operation("geo.countries", "get", "/user/api/proxies/countries", decode_countries),
    Operation("geo.regions", "get", "/user/api/proxies/regions", decode_regions),
    Operation("geo.cities", "get", "/user/api/proxies/cities", decode_cities),
    Operation("geo.isps", "get", "/user/api/proxies/isps", decode_isps),
    Operation("health.check", "get", "/health", None),
    Operation("health.live", "get", "/health/live", None),
)
BY_NAME = {op.name: op for op in OPERATIONS}
WITH_BODY = tuple(op for op in OPERATIONS if op.decode is not None)


@cache
def spec() -> dict[str, Any]:
    """The 1.1.0 OpenAPI document."""
    with SPEC_FILE.open(encoding="utf-8") as file:
        # The C loader when PyYAML has it: the pure-Python one takes a second for this file.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document: dict[str, Any] = yaml.load(file, Loader=loader)
    return document


def _to_json_schema(node: Any, components: dict[str, Any]) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``$ref`` inlined, ``nullable`` as a null type."""
    if isinstance(node, list):
        return [_to_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _to_json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _to_json_schema(sub, components) for name, sub in value.items()}
        elif key not in ("nullable", "example", "examples", "description"):
            out[key] = _to_json_schema(value, components)
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


# Strings the SDK reads as ISO 8601 datetimes (API.md: "ISO8601"); the 1.1.0 schema of the
# order detail gives them no format, so it is added here: any other text is a typed error.
_DATETIMES = {("/user/api/orders/{id}", "created_at"), ("/user/api/orders/{id}", "expires_at")}


def _with_datetimes(path: str, schema: dict[str, Any]) -> dict[str, Any]:
    order = schema.get("properties", {}).get("order", {}).get("properties", {})
    for where, field in _DATETIMES:
        if where == path and field in order:
            order[field] = {**order[field], "format": "date-time"}
    return schema


def response_schema(op: Operation) -> dict[str, Any] | None:
    """The JSON Schema of ``op``'s 200 body, or None when the spec declares no body.

    The order detail's ``created_at`` / ``expires_at`` get ``format: date-time`` (see above).
    """
    document = spec()
    response = document["paths"][op.path][op.method]["responses"]["200"]
    content = response.get("content")
    if content is None:
        return None
    schema = content["application/json"]["schema"]
    converted: dict[str, Any] = _to_json_schema(schema, document["components"]["schemas"])
    return _with_datetimes(op.path, converted)


# The client's wrapping of decode failures (ProxyOrdersClient._send): these exception types
# become APIResponseValidationError; anything else escapes as is.
DECODE_ERRORS = (cattrs.BaseValidationError, KeyError, TypeError, ValueError, AttributeError)


def decode_like_client(decode: Callable[[Any], Any], data: Any) -> Any:
    """``decode(data)`` with the client's error wrapping around it."""
    try:
        return decode(data)
    except DECODE_ERRORS as exc:
        raise invalid_body(
            f"response does not match the API schema: {describe_error(exc)}",
            status=200,
            body=data,
            method="GET",
            url="http://127.0.0.1/op",
            attempts=1,
        ) from exc


def agrees(model: Any, wire: Any) -> bool:
    """Whether every field of ``model`` that ``wire`` carries has the wire's value."""
    if attrs.has(type(model)):
        return isinstance(wire, dict) and all(
            agrees(getattr(model, f.name), wire[f.name])
            for f in attrs.fields(type(model))
            if f.name in wire
        )
    if isinstance(model, tuple):
        return (
            isinstance(wire, list)
            and len(model) == len(wire)
            and all(agrees(m, w) for m, w in zip(model, wire, strict=True))
        )
    if isinstance(model, datetime):
        return isinstance(wire, str) and parse_datetime(wire) == model
    return type(model) is type(wire) and model == wire


# -- generating schema-valid bodies ---------------------------------------------------------

# The JSON Schema keywords the 1.1.0 response schemas use; any other one fails loudly rather
# than being silently ignored by the generator.
_KEYWORDS = {
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "minimum",
    "maximum",
    "maxLength",
    "format",
}

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


iso_datetimes: st.SearchStrategy[str] = st.builds(
    lambda moment, zone: moment.isoformat() + zone,
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),
    st.sampled_from(["", "Z", "+00:00", "+02:00", "-05:30"]),
)


def schema_bodies(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values valid under ``schema``: optional keys present or not, unknown keys added."""
    unsupported = set(schema) - _KEYWORDS
    if unsupported:
        raise NotImplementedError(f"schema keywords not supported: {sorted(unsupported)}")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return st.one_of([_of_kind(kind, schema) for kind in kinds])


def _of_kind(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        # Unbounded: 64-bit edges and beyond, as a JSON parser may hand them over.
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "string" and schema.get("format") == "date-time":
        return iso_datetimes
    if kind == "string":
        return st.text(max_size=schema.get("maxLength", 24))
    if kind == "array":
        return st.lists(schema_bodies(schema["items"]), max_size=4)
    if kind == "object":
        return _objects(schema)
    raise NotImplementedError(f"schema type not supported: {kind}")


def _objects(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    known = st.fixed_dictionaries(
        {name: schema_bodies(sub) for name, sub in properties.items() if name in required},
        optional={
            name: schema_bodies(sub) for name, sub in properties.items() if name not in required
        },
    )
    extra = st.dictionaries(
        st.text(max_size=8).filter(lambda key: key not in properties), json_values, max_size=2
    )
    return st.builds(lambda extra, known: {**extra, **known}, extra, known)
