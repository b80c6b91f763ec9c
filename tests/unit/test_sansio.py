"""The protocol core as plain function calls: no sockets, no client, no event loop.

Building an endpoint's request, reading a response, mapping statuses and exceptions to errors
and checking the base URL are pure; each is called here directly with the values the transport
would pass (gidgethub's ``tests/test_sansio.py`` style).
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from yarl import URL

from proxyorders_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    OutOfStockError,
    PermissionDeniedError,
    QuoteRequest,
    RateLimitError,
)
from proxyorders_async._client import _BodyTooLargeError, _exception_outcome
from proxyorders_async._endpoints import (
    CALCULATE,
    EDIT_AUTO_RENEWAL,
    GET_ORDER,
    LIST_ORDERS,
    RENEW,
    SET_TAG,
    Endpoint,
    Fields,
    Query,
    path_segment,
)
from proxyorders_async._protocol import interpret_response, make_status_error, normalize_base_url
from proxyorders_async._retry import Failure, Safety

BASE = URL("https://user-api.proxyshard.com")
WHERE = {"method": "GET", "url": "https://user-api.proxyshard.com/user/api/me", "attempts": 1}

# -- building requests ------------------------------------------------------------------------


class Sneaky(int):
    """An int that would rewrite a path if its own formatting were trusted."""

    def __format__(self, spec: str) -> str:
        return "../../admin"

    def __str__(self) -> str:
        return "../../admin"

    __repr__ = __str__


def test_a_request_fills_path_query_and_body_from_the_endpoint() -> None:
    request = EDIT_AUTO_RENEWAL.request(order_id=7, auto_renewal=False)
    assert request.path == "/user/api/orders/edit-auto-renewal/7"
    assert request.query == (("auto_renewal", "false"),)
    assert request.body == {}  # the server wants a body on every POST
    assert (
        str(request.url_under(BASE))
        == f"{BASE}/user/api/orders/edit-auto-renewal/7?auto_renewal=false"
    )


def test_bodies_and_queries_from_named_arguments_and_request_models() -> None:
    assert SET_TAG.request(order_id=1, tag="").body == {"tag": ""}
    assert RENEW.request(order_id=1).body == {}
    assert GET_ORDER.request(order_id=1).body is None
    quote = QuoteRequest(product="ISP Proxy", quantity=3)
    # A quote of plain text comes encoded, as yarl would encode its pairs.
    assert CALCULATE.request(request=quote).query == "product=ISP+Proxy&quantity=3"
    odd = QuoteRequest(product="ISP Proxy", location="São Paulo", quantity=3)
    assert dict(CALCULATE.request(request=odd).query) == odd.to_params()
    page = LIST_ORDERS.request(status="on-hold", offset=40, limit=20)
    assert page.query == (("status", "on-hold"), ("offset", "40"), ("limit", "20"))


def test_an_int_subclass_cannot_rewrite_the_path() -> None:
    request = GET_ORDER.request(order_id=Sneaky(42))
    assert request.path == "/user/api/orders/42"
    assert LIST_ORDERS.request(status="all", offset=Sneaky(3), limit=1).query[1] == ("offset", "3")


@pytest.mark.parametrize(
    ("value", "segment"),
    [("ann", "ann"), ("a/b", "a%2Fb"), ("a?b#c", "a%3Fb%23c"), ("50%", "50%25"), ("é", "%C3%A9")],
)
def test_string_path_parameters_stay_one_segment(value: str, segment: str) -> None:
    endpoint = Endpoint("users.get", "GET", "/user/api/users/{user_id}", lambda d: d)
    request = endpoint.request(user_id=value)
    assert request.path == f"/user/api/users/{segment}"
    url = request.url_under(URL("https://h.example/prefix/"))
    assert url.raw_path == f"/prefix/user/api/users/{segment}"
    assert url.path == f"/prefix/user/api/users/{value}"  # decoded: the same single segment


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_segments_and_empty_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="user_id"):
        path_segment("user_id", value)


def test_an_endpoint_takes_exactly_its_declared_arguments() -> None:
    endpoint = Endpoint(
        "x", "POST", "/x/{a}", lambda d: d, query=Query(("b",)), body=Fields(("c",))
    )
    assert endpoint.params == frozenset({"a", "b", "c"})
    assert endpoint.request(a=1, b=True, c=[1]).body == {"c": [1]}
    with pytest.raises(TypeError, match="a, b, c"):
        endpoint.request(a=1, b=True)
    with pytest.raises(TypeError):
        endpoint.request(a=1, b=True, c=1, d=2)
    with pytest.raises(TypeError):
        endpoint.request(a=1.5, b=True, c=1)  # a float is no path segment
    with pytest.raises(TypeError):
        endpoint.request(a=1, b=2.5, c=1)  # nor a query value


def test_an_unsafe_endpoint_must_say_what_to_check() -> None:
    with pytest.raises(ValueError, match="needs advice"):
        Endpoint("x.create", "POST", "/x", lambda d: d, Safety.NOT_IDEMPOTENT)


def test_none_arguments_are_left_out_of_query_and_body() -> None:
    endpoint = Endpoint("x", "POST", "/x", lambda d: d, query=Query(("q",)), body=Fields(("c",)))
    request = endpoint.request(q=None, c=None)
    assert (request.query, request.body) == ((), {})


def test_a_request_for_an_absolute_url_decodes_with_it() -> None:
    url = BASE.with_path("/user/api/orders").with_query(offset="20", limit="20")
    request = LIST_ORDERS.at(url, lambda data, where: (data, where))
    assert request.url_under(URL("https://elsewhere.example")) is url
    assert request.decode({"a": 1}, str(url)) == ({"a": 1}, str(url))


# -- reading responses ------------------------------------------------------------------------


def interpret(status: int, raw: bytes, **kwargs: Any) -> Any:
    return interpret_response(
        status, raw, reason=kwargs.pop("reason", ""), retry_after=None, **WHERE
    )


def test_a_2xx_json_body_is_the_data() -> None:
    outcome = interpret(200, b'{"success": true, "email": "a@b.c"}')
    assert outcome.data == {"success": True, "email": "a@b.c"}
    assert (outcome.status, outcome.failure, outcome.error) == (200, None, None)


def test_a_json_null_is_a_success_too() -> None:
    outcome = interpret(200, b"null")
    assert outcome.data is None and outcome.failure is None and outcome.error is None


def test_a_truncated_2xx_body_is_lost_so_reads_retry() -> None:
    outcome = interpret(200, b'{"success": tr')
    assert outcome.failure is Failure.LOST
    assert isinstance(outcome.error, APIResponseValidationError)
    assert outcome.error.body == '{"success": tr'


def test_success_false_in_a_200_is_final() -> None:
    outcome = interpret(200, b'{"success": false, "message": "nope"}')
    assert outcome.failure is Failure.FINAL
    assert isinstance(outcome.error, APIResponseValidationError) and "nope" in outcome.error.message


@pytest.mark.parametrize(
    ("status", "failure"),
    [(503, Failure.SERVER), (429, Failure.REJECTED), (404, Failure.FINAL), (302, Failure.INVALID)],
)
def test_error_statuses_carry_their_failure_and_error(status: int, failure: Failure) -> None:
    outcome = interpret_response(status, b'{"message": "m"}', reason="R", retry_after=2.0, **WHERE)
    assert outcome.failure is failure and outcome.retry_after == 2.0
    assert isinstance(outcome.error, APIStatusError) and outcome.error.status == status


# -- mapping statuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "cls"),
    [
        (400, "Invalid cycle", BadRequestError),
        (400, "Insufficient balance on wallet", InsufficientBalanceError),
        (400, "Product is out of stock", OutOfStockError),
        (401, "Unauthorized", AuthenticationError),
        (403, "Forbidden", PermissionDeniedError),
        (404, "Order not found", NotFoundError),
        (409, "Conflict", APIStatusError),
        (500, "boom", InternalServerError),
        (524, "timeout", InternalServerError),
    ],
)
def test_make_status_error_picks_the_class_from_status_and_message(
    status: int, message: str, cls: type[APIStatusError]
) -> None:
    error = make_status_error(
        status, reason="Reason", body=json.dumps({"message": message}).encode(), **WHERE
    )
    assert type(error) is cls
    assert (error.status, error.message, error.body) == (status, message, {"message": message})


def test_make_status_error_falls_back_to_the_reason_and_keeps_retry_after() -> None:
    error = make_status_error(429, reason="Too Many", body=b"<html/>", retry_after=3.0, **WHERE)
    assert isinstance(error, RateLimitError)
    assert (error.message, error.body, error.retry_after) == ("Too Many", "<html/>", 3.0)


# -- the base URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://api.example.com", "https://api.example.com/"),
        ("  https://api.example.com/v2/  ", "https://api.example.com/v2"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/"),
        ("http://localhost/", "http://localhost/"),
        ("http://[::1]:9", "http://[::1]:9/"),
    ],
)
def test_normalize_base_url_accepts(value: str, expected: str) -> None:
    assert str(normalize_base_url(value)) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "api.example.com",
        "ftp://api.example.com",
        "https://user:pw@api.example.com",
        "https://api.example.com/?x=1",
        "https://api.example.com/#f",
        "http://api.example.com",
    ],
)
def test_normalize_base_url_refuses(value: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_base_url(value)


def test_plain_http_elsewhere_needs_consent() -> None:
    assert str(normalize_base_url("http://api.example.com", allow_http=True)) == (
        "http://api.example.com/"
    )


# -- mapping transport exceptions -------------------------------------------------------------


class _Core:
    """The two members of the client's core that the mapping reads."""

    max_response_bytes = 1000

    @staticmethod
    def redact(text: str) -> str:
        return text.replace("s3cret", "***")


def outcome_of(exc: Exception, status: int = 0) -> Any:
    return _exception_outcome(
        exc,
        _Core(),
        status=status,
        seconds=1.5,
        method="POST",
        url="u",
        attempt=2,  # type: ignore[arg-type]
    )


def refused() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="h", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused s3cret"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "failure", "cls"),
    [
        (refused(), Failure.NOT_SENT, APIConnectionError),
        (aiohttp.ConnectionTimeoutError(), Failure.NOT_SENT, APITimeoutError),
        (asyncio.TimeoutError(), Failure.LOST, APITimeoutError),
        (aiohttp.SocketTimeoutError(), Failure.LOST, APITimeoutError),
        (aiohttp.ServerDisconnectedError(), Failure.LOST, APIConnectionError),
        (aiohttp.ClientPayloadError("cut s3cret"), Failure.LOST, APIConnectionError),
    ],
)
def test_exception_outcome_says_whether_the_request_may_have_arrived(
    exc: Exception, failure: Failure, cls: type[APIConnectionError]
) -> None:
    outcome = outcome_of(exc)
    assert outcome.failure is failure and outcome.data is None
    assert type(outcome.error) is cls
    assert (outcome.error.method, outcome.error.url, outcome.error.attempts) == ("POST", "u", 2)
    assert "s3cret" not in str(outcome.error)


def test_connect_timeout_names_its_duration() -> None:
    assert "1.5s" in outcome_of(aiohttp.ConnectionTimeoutError()).error.message


def test_an_oversized_body_is_invalid_with_a_redacted_excerpt() -> None:
    outcome = outcome_of(_BodyTooLargeError(b'{"token": "s3cret"'), status=200)
    assert outcome.failure is Failure.INVALID and outcome.status == 200
    assert isinstance(outcome.error, APIResponseValidationError)
    assert "1000 bytes" in outcome.error.message
    assert outcome.error.body == '{"token": "***"'
