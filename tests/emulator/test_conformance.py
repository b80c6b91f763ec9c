"""Schema conformance of the emulator against the provider's 1.1.0 OpenAPI file, with schemathesis.

Covers all 34 operations of the current edition (1.1.0). The runs against the older
``with-calculate`` file are gone: 1.1.0 is the newer edition of the same API and, per
``shared/reference/API.md``, wins wherever the two differ; it documents every operation the older
file has, so those runs only re-checked a superseded contract (and doubled the run time).
Requests carry a valid bearer token (schemathesis' negative cases may drop it). Checks: no 5xx,
the body conforms to the documented schema, the content type is documented, and the status code
is documented -- or is one of the deliberate deviations below, in which case the body must still
be the API's error shape. Bounded: a fixed number of examples per operation, derandomized.

Deliberate deviations (see ``proxyorders_async/emulator/DEVIATIONS.md``): the provider's file
documents only some error statuses per operation, while the emulator answers on any operation
400 for invalid input, 401 without a valid token, 403 for an unavailable operation, 404 for an
unknown order, sub-user or route, 405 for a wrong method and 411 for a body-less POST without
``Content-Length``.

The spec is read from ``tests/emulator/data/`` (a verbatim copy of the provider's file); a guard
test compares it with ``shared/reference/`` when that directory is beside the checkout.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from proxyorders_async.emulator import (  # noqa: E402
    CYCLES,
    PRODUCTS,
    PROMO_CODES,
    PROXY_TYPES,
    SIGNATURES,
    Emulator,
)

pytestmark = pytest.mark.conformance

_SPEC_NAME = "proxyshard-user-api-1.1.0.openapi.yaml"
_HERE = Path(__file__).resolve().parent
SPEC_PATH = _HERE / "data" / _SPEC_NAME
# The shared reference sits beside the checkout: <dir>/main or <dir>/wt/<name>.
_SHARED = [p / "shared" / "reference" / _SPEC_NAME for p in (_HERE.parents[2], _HERE.parents[3])]
EXAMPLES_PER_OPERATION = 20

#: Statuses the emulator may answer although the operation does not document them.
DEVIATION_STATUSES = frozenset({400, 401, 403, 404, 405, 411})

schema = schemathesis.openapi.from_path(SPEC_PATH)
# schemathesis' decorators are untyped; give them types once so the hooks stay checked.
_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
hook: _Decorator = schema.hook
parametrize: _Decorator = schema.parametrize()

# Filled by the emulator fixture; the hooks below read it to aim some generated requests at
# orders and sub-users that exist, so that happy paths are exercised and not just 400/404s.
_STATE: dict[str, Any] = {
    "token": "",
    "ids": [1],
    "p0f": [1],
    "resi": [1],
    "ips": ["0.0.0.0"],
    "subs": ["x"],
}
_PRODUCT_NAMES = list(PRODUCTS)
_STATUSES = ["active", "on-hold", "cancelled", "all"]
_PROXY_TYPES = list(PROXY_TYPES)
_SIGNATURES = sorted(SIGNATURES)
# A valid targeting chain per (country, region, city), ISPs included for the first two.
_GEO = [("US", "CA", "los-angeles"), ("DE", "BE", "berlin"), ("GB", "ENG", "manchester")]
_PER_IP = ("/addons/", "/signature/", "/del-np/")


def _hash(value: Any) -> int:
    # crc32 rather than hash(): str hashes are salted per process, and runs must repeat.
    return zlib.crc32(str(value).encode())


def _pick(seq: list[Any], value: Any) -> Any:
    return seq[_hash(value) % len(seq)]


def _path(context: Any) -> str:
    operation = getattr(context, "operation", None)
    return str(getattr(operation, "path", ""))


def _order_pool(path: str) -> str:
    if any(part in path for part in _PER_IP):
        return "p0f"
    return "resi" if path.endswith("add-bandwidth") else "ids"


@hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Point three quarters of the generated ids at existing orders and sub-users."""
    if path_parameters is None:
        return path_parameters
    pool = _STATE[_order_pool(_path(context))]
    for key in ("id", "order_id"):
        value = path_parameters.get(key)
        if isinstance(value, int) and value % 4:
            path_parameters[key] = _pick(pool, value)
    user_id = path_parameters.get("user_id")
    if isinstance(user_id, str) and _hash(user_id) % 4:
        path_parameters["user_id"] = _pick(_STATE["subs"], user_id)
    return path_parameters


@hook
def map_headers(context: Any, headers: dict[str, Any] | None) -> Any:
    """Keep the generated ``Authorization`` of a quarter of the cases; give the rest the token.

    schemathesis generates a bearer token from the security scheme, which would otherwise turn
    most cases into 401s and leave the happy paths untested.
    """
    if headers and "Authorization" in headers and _hash(headers) % 4:
        headers["Authorization"] = f"Bearer {_STATE['token']}"
    return headers


def _map_geo(query: dict[str, Any], seed: str) -> None:
    if "proxy_type" in query and _hash(seed) % 4:
        query["proxy_type"] = "premium" if "city_code" in query else _pick(_PROXY_TYPES, seed)
    if "country_code" in query and _hash(seed + "geo") % 4:
        country, region, city = _pick(_GEO, seed)
        query["country_code"] = country
        if "region_code" in query:
            query["region_code"] = region
        if "city_code" in query:
            query["city_code"] = city


def _map_product(query: dict[str, Any], seed: str) -> None:
    product = PRODUCTS[_pick(_PRODUCT_NAMES, seed)]
    query["product"] = product.name
    if product.locations:
        query["location"] = _pick(list(product.locations), seed)
    if product.cycles:
        query["cycle"] = _pick(list(product.cycles), seed)
    else:
        query.pop("cycle", None)
    query.pop("promo_code", None)
    query.pop("addons_json", None)


@hook
def map_query(context: Any, query: Any) -> Any:
    """Make many generated queries meaningful: real statuses, products, ids, proxy types, places."""
    if not isinstance(query, dict):
        return query
    seed = str(sorted(query.items(), key=str))
    if "status" in query and _hash(seed) % 3:
        query["status"] = _pick(_STATUSES, seed)
    if "product" in query and _hash(seed) % 3:
        _map_product(query, seed)
    if "order_id" in query and isinstance(query["order_id"], int) and query["order_id"] % 4:
        # Half at the active order with IPs, so that the proxy list is served too.
        pool = "p0f" if query["order_id"] % 2 else "ids"
        query["order_id"] = _pick(_STATE[pool], query["order_id"])
    if "addon_key" in query and _hash(seed) % 4:
        query["addon_key"] = "p0f_slots"
    for key in ("offset", "limit", "add_qty"):
        if isinstance(query.get(key), int) and _hash(seed + key) % 2:
            query[key] = 1 + query[key] % 5
    _map_geo(query, seed)
    return query


def _map_items(body: dict[str, Any], seed: str) -> None:
    items = body.get("items")
    if not isinstance(items, list):
        return
    for n, item in enumerate(items):
        if isinstance(item, dict) and "ip" in item and _hash(f"{seed}{n}") % 4:
            item["ip"] = _pick(_STATE["ips"], f"{seed}{n}")
            if "signature" in item:
                item["signature"] = _pick(_SIGNATURES, f"{seed}{n}")


def _happy_body(path: str, seed: str) -> dict[str, Any] | None:
    """A valid body for the per-IP and sub-user operations (generated ones rarely are)."""
    n = 1 + _hash(seed) % 3
    ip = _pick(_STATE["ips"], seed)
    if path.endswith("/del-np/set"):
        return {"items": [{"ip": ip, "value": bool(n % 2)}]}
    if path.endswith("/signature/set"):
        return {"items": [{"ip": ip, "signature": _pick(_SIGNATURES, seed)}]}
    if path.endswith("/sub-user"):
        return {"name": f"user-{n}", "data": n}
    if path.endswith("/{user_id}"):  # PATCH: the only one of that path with a body
        return {"name": f"renamed-{n}"}
    if path.endswith(("/data/add", "/data/subtract")):
        return {"data": 1}
    return None


@hook
def map_body(context: Any, body: Any) -> Any:
    """Aim some bodies at valid catalog values, existing IPs and small traffic amounts."""
    seed = str(sorted(body.items(), key=str)) if isinstance(body, dict) else repr(body)
    happy = _happy_body(_path(context), seed)
    if happy is not None and _hash(seed + "happy") % 2:
        return happy
    if not isinstance(body, dict):
        return body
    if "cycle" in body and set(body) == {"cycle"} and _hash(seed) % 2:
        body["cycle"] = _pick(list(CYCLES), seed)
    product_name = body.get("product")
    if isinstance(product_name, str) and product_name in PRODUCTS and _hash(seed) % 2:
        product = PRODUCTS[product_name]
        if product.locations:
            body["location"] = _pick(list(product.locations), seed)
        if product.cycles:
            body["cycle"] = _pick(list(product.cycles), seed)
        if "promo_code" in body:
            body["promo_code"] = _pick([None, *PROMO_CODES], seed)
    if "addon_key" in body and _hash(seed) % 4:
        body["addon_key"] = "p0f_slots"
    for key in ("data", "amount", "add_qty", "next_qty"):
        if isinstance(body.get(key), int) and _hash(seed + key) % 2:
            body[key] = 1 + body[key] % 3
    _map_items(body, seed)
    return body


def documented_or_deviation(ctx: Any, response: Any, case: Any) -> bool | None:
    """Status documented for the operation, or a documented deviation with the error shape."""
    documented = {int(code) for code in case.operation.responses.status_codes}
    status = response.status_code
    if status in documented:
        return None
    assert status in DEVIATION_STATUSES, (
        f"{case.operation.label}: undocumented status {status} (documented: {sorted(documented)})"
    )
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("success") is False, body
    assert isinstance(body.get("message"), str), body
    return None


class _ThreadedEmulator:
    """Runs an :class:`Emulator` on an event loop in a thread, for synchronous callers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Emulator:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self.loop).result(30)
        return self.emulator

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A seeded emulator (orders, traffic, sub-users, one p0f order) serving from a thread."""
    emu = Emulator(orders=300, seed=11, traffic_gb={"standart": 500, "premium": 500}, sub_users=20)
    (p0f,) = emu.store.seed_p0f_orders(emu.account, 1, quantity=40, slots=30, signed=2)
    with _ThreadedEmulator(emu):
        _STATE["token"] = emu.token
        _STATE["ids"] = list(emu.account.order_ids())
        _STATE["p0f"] = [p0f.order_id]
        _STATE["ips"] = [p0f.ip(i) for i in p0f.slots()]
        _STATE["resi"] = [o.order_id for o in emu.account if o.product.name in PROXY_TYPES.values()]
        _STATE["subs"] = [u for pool in emu.account.pools.values() for u in pool.sub_users]
        yield emu


def test_spec_copy_matches_the_provider_file() -> None:
    """The vendored copy must stay verbatim when the shared reference is present."""
    shared = next((p for p in _SHARED if p.exists()), None)
    if shared is None:
        pytest.skip("shared/reference is not beside the repository")
    assert SPEC_PATH.read_bytes() == shared.read_bytes()


def test_every_operation_is_selected() -> None:
    """All 34 operations of 1.1.0 run, the per-IP, residential and health ones included."""
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert len(labels) == 34, sorted(labels)
    for label in (
        "GET /user/api/proxies/active",
        "POST /user/api/orders/{order_id}/signature/set",
        "DELETE /user/api/proxies/sub-user/{user_id}",
        "GET /user/api/proxies/isps",
        "GET /health/live",
    ):
        assert label in labels


@parametrize
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_emulator_conforms_to_the_openapi_file(case: Any, emulator: Emulator) -> None:
    """Generated requests get schema-conformant answers with documented (or listed) statuses."""
    case.call_and_validate(
        base_url=emulator.url,
        headers={"Authorization": f"Bearer {emulator.token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            documented_or_deviation,
        ],
        timeout=10,
    )
