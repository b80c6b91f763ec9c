"""The API 1.1.0 operations on the wire: exact requests, parsed answers and safety decisions."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import yaml
from aioresponses import aioresponses

from proxyorders_async import (
    APIConnectionError,
    APIResponseValidationError,
    GeoList,
    InternalServerError,
    NotFoundError,
    OperationResult,
    OutcomeUnknownError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    RawResponse,
    ResidentialProfile,
    SubUser,
    SubUserPage,
    _decoders,
    _endpoints,
)
from proxyorders_async._endpoints import Endpoint

from .api_1_1_table import (
    CHARGING,
    GEO_ITEMS,
    IDEMPOTENT,
    NOT_IDEMPOTENT,
    OPS,
    UNSAFE,
    Op,
    golden,
    op,
)
from .helpers import BASE, HEADERS, JSON_HEADERS, NO_BODY, TOKEN, calls, only_call, request_count
from .spec_1_1 import OPERATIONS, SPEC_FILE

ENDPOINTS = {e.name: e for e in vars(_endpoints).values() if isinstance(e, Endpoint)}


def test_the_table_covers_the_22_new_operations_with_their_endpoint() -> None:
    assert len(OPS) == 22 and len({o.id for o in OPS}) == 22
    for o in OPS:
        endpoint = ENDPOINTS[o.id]
        path = endpoint.path.format(order_id=42, user_id="su-1001")
        assert (endpoint.method, path) == (o.method, o.path)
        assert endpoint.safety is o.safety
        assert endpoint.auth is o.auth


@pytest.mark.parametrize("o", OPS, ids=lambda o: o.id)
async def test_exact_request_and_parsed_answer(
    m: aioresponses, client: ProxyOrdersClient, o: Op
) -> None:
    m.add(o.pattern, method=o.method, payload=o.answer)

    result = await o.call(client)

    call = only_call(m)
    assert call.method == o.method
    assert str(call.url.origin()) == BASE and call.url.path == o.path
    assert dict(call.url.query) == o.query and len(call.url.query) == len(o.query)
    expected_headers = HEADERS if o.body is NO_BODY else JSON_HEADERS
    if not o.auth:
        expected_headers = {k: v for k, v in expected_headers.items() if k != "Authorization"}
    assert call.kwargs["headers"] == expected_headers
    if o.body is NO_BODY:
        assert call.kwargs["data"] is None
    else:
        assert call.json == o.body
    assert call.kwargs["allow_redirects"] is False
    assert isinstance(result, o.result)
    if o.id in GEO_ITEMS:
        assert all(isinstance(item, GEO_ITEMS[o.id]) for item in result)


async def test_answers_carry_the_spec_values(m: aioresponses, client: ProxyOrdersClient) -> None:
    for o in OPS:
        m.add(o.pattern, method=o.method, payload=o.answer)
    profile = await op("residential.profile").call(client)
    assert profile == ResidentialProfile(
        data=10737418240,
        data_remain=8589934592,
        data_spent=2147483648,
        proxy_password="golden-owner-secret",
    )
    page: SubUserPage = await op("sub_users.list").call(client)
    assert page.count == 3 and [u.user_id for u in page] == ["su-1001", "su-1002"]
    user: SubUser = await op("sub_users.get").call(client)
    assert (user.user_id, user.name, user.data_remain) == ("su-1001", "scraper-eu", None)
    created: SubUser = await op("sub_users.create").call(client)
    assert created.user_id == "su-1003" and created.data == 5 * 2**30
    assert await op("orders.set_signatures").call(client) == 3
    assert await op("health.check").call(client) is True
    countries: GeoList[Any] = await op("geo.countries").call(client)
    assert countries.count == len(golden("geo.countries")["results"])


async def test_health_sends_no_api_key_and_takes_any_2xx_body(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(f"{BASE}/health", body="OK", content_type="text/plain")
    m.get(f"{BASE}/health/live", status=204)

    assert await client.health.check() is True
    assert await client.health.live() is True

    for call in calls(m):
        assert "Authorization" not in call.kwargs["headers"]
        assert TOKEN not in repr(call.kwargs)


async def test_health_failure_is_a_typed_error_after_retries(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(f"{BASE}/health/live", status=503, repeat=True)
    with pytest.raises(InternalServerError) as info:
        await client.health.live()
    assert info.value.status == 503 and request_count(m) == 3
    m.get(f"{BASE}/health", status=503, repeat=True)
    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=0).health.check()
    assert request_count(m) == 4


async def test_health_under_a_path_prefix(m: aioresponses, make_client: Any) -> None:
    client = make_client(base_url=f"{BASE}/v2")
    m.get(f"{BASE}/v2/health", payload={"status": "ok"})
    assert await client.health.check() is True


# Safety ------------------------------------------------------------------------------------

TRUNCATED = '{"success": true, "data": [{"user_id": "su-9", "proxy_password": "cut-secr'


def _reset() -> aiohttp.ClientOSError:
    return aiohttp.ClientOSError(104, "Connection reset by peer")


UNKNOWN: dict[str, tuple[dict[str, Any], int | None, type[Exception]]] = {
    "500": ({"status": 500}, 500, InternalServerError),
    "503": ({"status": 503, "headers": {"Retry-After": "0"}}, 503, InternalServerError),
    "reset": ({"exception": _reset()}, None, APIConnectionError),
    "disconnected": ({"exception": aiohttp.ServerDisconnectedError()}, None, APIConnectionError),
    "truncated": ({"body": TRUNCATED}, 200, APIResponseValidationError),
    "wrong-shape": ({"payload": {"success": True, "data": "x"}}, 200, Exception),
}


@pytest.mark.parametrize("failure", UNKNOWN)
@pytest.mark.parametrize("o", NOT_IDEMPOTENT, ids=lambda o: o.id)
async def test_unsafe_non_charging_writes_are_sent_once_and_say_what_to_list(
    m: aioresponses, client: ProxyOrdersClient, o: Op, failure: str
) -> None:
    mock, status, cause = UNKNOWN[failure]
    if failure == "wrong-shape" and o.id != "sub_users.create":
        mock = {"payload": {"success": True, "message": 5}}
    m.add(o.pattern, method=o.method, repeat=True, **mock)

    with pytest.raises(OutcomeUnknownError) as info:
        await o.call(client.with_options(max_retries=5))

    exc = info.value
    assert request_count(m) == 1
    assert not isinstance(exc, PurchaseOutcomeUnknownError)
    assert exc.request == o.body and exc.status == status
    assert exc.advice == ENDPOINTS[o.id].advice and exc.message.endswith(exc.advice)
    assert "client.residential.profile(proxy_type)" in exc.advice
    assert "client.sub_users." in exc.advice
    assert "wallet" not in exc.message
    assert isinstance(exc.__cause__, cause)
    assert "cut-secr" not in repr(exc) + str(exc.__cause__) + repr(vars(exc.__cause__))


@pytest.mark.parametrize("failure", UNKNOWN)
@pytest.mark.parametrize("o", CHARGING, ids=lambda o: o.id)
async def test_charging_writes_are_sent_once_and_raise_the_purchase_error(
    m: aioresponses, client: ProxyOrdersClient, o: Op, failure: str
) -> None:
    mock, status, cause = UNKNOWN[failure]
    if failure == "wrong-shape":
        mock = {"payload": {"success": True, "message": 5}}
    m.add(o.pattern, method=o.method, repeat=True, **mock)

    with pytest.raises(PurchaseOutcomeUnknownError) as info:
        await o.call(client.with_options(max_retries=5))

    exc = info.value
    assert request_count(m) == 1
    assert exc.request == o.body and exc.status == status
    assert "charge the wallet twice" in exc.message
    assert "client.orders.get(order_id)" in exc.advice and "client.account.me()" in exc.advice
    assert isinstance(exc.__cause__, cause)


def _refused() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="user-api.proxyshard.com", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]


NOTHING_DONE = {
    "refused": {"exception": _refused()},
    "connect-timeout": {"exception": aiohttp.ConnectionTimeoutError()},
    "429": {"status": 429, "headers": {"Retry-After": "0"}},
}


@pytest.mark.parametrize("failure", NOTHING_DONE)
@pytest.mark.parametrize("o", UNSAFE, ids=lambda o: o.id)
async def test_unsafe_writes_are_retried_when_nothing_was_done(
    m: aioresponses, client: ProxyOrdersClient, o: Op, failure: str
) -> None:
    m.add(o.pattern, method=o.method, **NOTHING_DONE[failure])
    m.add(o.pattern, method=o.method, payload=o.answer)

    await o.call(client)

    sent = calls(m)
    assert len(sent) == 2 and all(c.json == o.body for c in sent)


# A health probe takes any 2xx body, so a truncated one is no failure for it.
RETRIED = [
    pytest.param(o, failure, id=f"{o.id}-{failure}")
    for o in IDEMPOTENT
    for failure in ("500", "reset", "truncated")
    if o.auth or failure != "truncated"
]


@pytest.mark.parametrize(("o", "failure"), RETRIED)
async def test_repeatable_operations_are_retried_like_reads(
    m: aioresponses, client: ProxyOrdersClient, o: Op, failure: str
) -> None:
    m.add(o.pattern, method=o.method, **UNKNOWN[failure][0])
    m.add(o.pattern, method=o.method, payload=o.answer)

    result = await o.call(client)

    assert result is not None and request_count(m) == 2
    sent = calls(m)
    assert sent[0].url == sent[1].url and sent[0].kwargs["data"] == sent[1].kwargs["data"]


async def test_a_cancelled_sub_user_create_warns_with_its_advice(
    m: aioresponses, client: ProxyOrdersClient, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    o = op("sub_users.create")
    started = asyncio.Event()

    async def hang(url: Any, **kwargs: Any) -> None:
        started.set()
        await asyncio.Event().wait()

    m.add(o.pattern, method=o.method, callback=hang)
    task = asyncio.ensure_future(o.call(client))
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "client.sub_users.list(proxy_type)" in caplog.text


# Answers that need care --------------------------------------------------------------------


async def test_an_unknown_sub_user_is_not_found(m: aioresponses, client: ProxyOrdersClient) -> None:
    o = op("sub_users.get")
    m.add(o.pattern, method="GET", payload={"success": True, "data": []})
    with pytest.raises(NotFoundError) as info:
        await o.call(client)
    assert info.value.status == 200 and info.value.method == "GET"
    assert info.value.url == f"{BASE}/user/api/proxies/sub-user/su-1001?proxy_type=standart"
    assert "su-1001" in info.value.message and request_count(m) == 1


async def test_two_sub_users_for_one_id_are_a_malformed_answer_without_passwords(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    o = op("sub_users.get")
    item = golden("sub_users.get")["data"][0]
    m.add(o.pattern, method="GET", payload={"success": True, "data": [item, item]})
    with pytest.raises(APIResponseValidationError) as info:
        await o.call(client)
    assert info.value.body["data"][0]["proxy_password"] == "***"
    assert "golden-sub-secret" not in repr(info.value) + repr(vars(info.value))


async def test_signature_count_falls_back_to_the_ips_sent(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    o = op("orders.set_signatures")
    m.add(o.pattern, method="POST", payload={"success": True})
    assert await o.call(client) == 2


async def test_add_bandwidth_leaves_out_a_missing_promo_code(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    o = op("orders.add_bandwidth")
    m.add(o.pattern, method="POST", payload={"success": True, "message": "ok"})
    result = await client.orders.add_bandwidth(42, 1)
    assert result == OperationResult(success=True, message="ok")
    assert only_call(m).json == {"amount": 1}


async def test_a_user_id_is_one_percent_encoded_segment(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.delete(f"{BASE}/user/api/proxies/sub-user/a%20b%3Fc", payload={"success": True})
    await client.sub_users.delete("a b?c")
    assert only_call(m).url.raw_path == "/user/api/proxies/sub-user/a%20b%3Fc"


# Coverage of the spec ----------------------------------------------------------------------


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_operation_of_the_1_1_0_spec_has_an_endpoint() -> None:
    spec = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    in_spec = {
        (method.upper(), _shape(path))
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    in_sdk = {(e.method, _shape(e.path)) for e in ENDPOINTS.values()}
    assert len(in_spec) == 34
    assert in_spec == in_sdk


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_the_generated_body_tests_exercise_the_endpoints_decoders(operation: Any) -> None:
    endpoint = ENDPOINTS[operation.name]
    assert (endpoint.method, _shape(endpoint.path)) == (
        operation.method.upper(),
        _shape(operation.path),
    )
    if operation.decode in vars(_decoders).values():  # the spec tests call the same function
        assert endpoint.decode is operation.decode


@pytest.mark.parametrize("o", OPS, ids=lambda o: o.id)
async def test_every_operation_has_a_raw_form(
    m: aioresponses, client: ProxyOrdersClient, o: Op
) -> None:
    m.add(o.pattern, method=o.method, payload=o.answer, headers={"X-Request-Id": "r-1"})

    raw = await o.call(client.with_raw_response)  # the same attribute paths, raw

    assert isinstance(raw, RawResponse)
    assert raw.status == 200 and raw.headers["X-Request-Id"] == "r-1"
    assert isinstance(raw.parsed, o.result)
    assert request_count(m) == 1
