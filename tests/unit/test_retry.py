"""Every retry decision: the pure policy functions, then the transport applying them."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from proxyorders_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
)
from proxyorders_async._retry import (
    Decision,
    Failure,
    Safety,
    classify_status,
    decide,
    parse_retry_after,
)

from .helpers import (
    CHARGING,
    IDEMPOTENT,
    Endpoint,
    SleepRecorder,
    calls,
    endpoint,
    patch_client_sleep,
    request_count,
)

# ---------------------------------------------------------------------------------------------
# Pure policy


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (408, Failure.SERVER),
        (429, Failure.REJECTED),
        (500, Failure.SERVER),
        (501, Failure.SERVER),
        (502, Failure.SERVER),
        (503, Failure.SERVER),
        (504, Failure.SERVER),
        (524, Failure.SERVER),
        (599, Failure.SERVER),
        (400, Failure.FINAL),
        (401, Failure.FINAL),
        (403, Failure.FINAL),
        (404, Failure.FINAL),
        (409, Failure.FINAL),
        (422, Failure.FINAL),
    ],
)
def test_classify_status(status: int, failure: Failure) -> None:
    assert classify_status(status) is failure


IDEM, CHARGES = Safety.IDEMPOTENT, Safety.CHARGES
RETRY, RAISE, UNKNOWN = Decision.RETRY, Decision.RAISE, Decision.UNKNOWN_OUTCOME


@pytest.mark.parametrize(
    ("failure", "safety", "attempt", "max_retries", "decision"),
    [
        # reads and set-a-value writes
        (Failure.NOT_SENT, IDEM, 1, 2, RETRY),
        (Failure.REJECTED, IDEM, 1, 2, RETRY),
        (Failure.SERVER, IDEM, 1, 2, RETRY),
        (Failure.LOST, IDEM, 2, 2, RETRY),
        (Failure.LOST, IDEM, 3, 2, RAISE),
        (Failure.SERVER, IDEM, 1, 0, RAISE),
        (Failure.INVALID, IDEM, 1, 2, RAISE),
        (Failure.FINAL, IDEM, 1, 2, RAISE),
        # purchase and renew
        (Failure.NOT_SENT, CHARGES, 1, 2, RETRY),
        (Failure.NOT_SENT, CHARGES, 3, 2, RAISE),
        (Failure.REJECTED, CHARGES, 1, 2, RETRY),
        (Failure.REJECTED, CHARGES, 1, 0, RAISE),
        (Failure.SERVER, CHARGES, 1, 2, UNKNOWN),
        (Failure.SERVER, CHARGES, 1, 0, UNKNOWN),
        (Failure.LOST, CHARGES, 1, 2, UNKNOWN),
        (Failure.LOST, CHARGES, 2, 2, UNKNOWN),
        (Failure.INVALID, CHARGES, 1, 2, UNKNOWN),
        (Failure.FINAL, CHARGES, 1, 2, RAISE),
    ],
)
def test_decide(
    failure: Failure, safety: Safety, attempt: int, max_retries: int, decision: Decision
) -> None:
    assert decide(failure, safety, attempt=attempt, max_retries=max_retries) is decision


def test_delay_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(base_backoff=0.5, max_backoff=4.0)
    rng, twin = random.Random(1234), random.Random(1234)
    for retry in range(1, 9):
        ceiling = min(4.0, 0.5 * 2 ** (retry - 1))
        assert policy.delay(retry, None, rng) == twin.uniform(0.0, ceiling)
    draws = [policy.delay(3, None, rng) for _ in range(2000)]
    assert all(0.0 <= d <= 2.0 for d in draws)
    assert min(draws) < 0.2 and max(draws) > 1.8  # spread over the whole range
    assert all(0.0 <= policy.delay(20, None, rng) <= 4.0 for _ in range(200))


@pytest.mark.parametrize(
    ("retry_after", "cap", "expected"),
    [(3.0, 60.0, 3.0), (120.0, 60.0, 60.0), (0.0, 60.0, 0.0), (5.0, 1.5, 1.5)],
)
def test_delay_honours_retry_after_up_to_the_cap(
    retry_after: float, cap: float, expected: float
) -> None:
    policy = RetryPolicy(base_backoff=0.0, max_backoff=0.0, max_retry_after=cap)
    assert policy.delay(1, retry_after, random.Random(0)) == expected


def test_delay_takes_the_larger_of_jitter_and_retry_after() -> None:
    policy = RetryPolicy(base_backoff=10.0, max_backoff=10.0)
    rng, twin = random.Random(7), random.Random(7)
    for _ in range(50):
        jitter = twin.uniform(0.0, 10.0)
        assert policy.delay(1, 5.0, rng) == max(jitter, 5.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"max_retries": True}, {"max_retries": 1.5}, {"base_backoff": -1}],
)
def test_retry_policy_rejects_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("Tue, 01 Jan 2030 12:00:30 GMT", 30.0),
        ("Tue, 01 Jan 2030 12:00:30 -0000", 30.0),
        ("Tue, 01 Jan 2030 13:00:30 +0100", 30.0),
        ("Tue, 01 Jan 2030 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        ("Tue, 99 Foo 2030", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_http_date_defaults_to_now() -> None:
    later = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), True)
    parsed = parse_retry_after(later)
    assert parsed is not None and 85 <= parsed <= 90


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("failure", list(Failure))
@pytest.mark.parametrize(("attempt", "max_retries"), [(1, 2), (2, 2), (3, 2), (1, 0)])
def test_decide_treats_not_idempotent_writes_like_charging_ones(
    failure: Failure, attempt: int, max_retries: int
) -> None:
    """Never resent once they may have arrived; a provable non-send or a 429 retries."""
    unsafe = decide(failure, Safety.NOT_IDEMPOTENT, attempt=attempt, max_retries=max_retries)
    assert unsafe is decide(failure, CHARGES, attempt=attempt, max_retries=max_retries)


@pytest.mark.parametrize(
    ("failure", "decision"),
    [
        (Failure.NOT_SENT, RETRY),
        (Failure.REJECTED, RETRY),
        (Failure.SERVER, UNKNOWN),
        (Failure.LOST, UNKNOWN),
        (Failure.INVALID, UNKNOWN),
        (Failure.FINAL, RAISE),
    ],
)
def test_decide_not_idempotent(failure: Failure, decision: Decision) -> None:
    assert decide(failure, Safety.NOT_IDEMPOTENT, attempt=1, max_retries=2) is decision


# The transport


def refused() -> aiohttp.ClientConnectorError:
    key = SimpleNamespace(host="user-api.proxyshard.com", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))  # type: ignore[arg-type]


TRUNCATED = '{"success": true, "order_id": 12'

# id -> (aioresponses arguments, error raised once retries run out, status it carries)
RETRYABLE: dict[str, tuple[dict[str, Any], type[Exception]]] = {
    "connection-refused": ({"exception": refused()}, APIConnectionError),
    "connect-timeout": ({"exception": aiohttp.ConnectionTimeoutError()}, APITimeoutError),
    "server-disconnected": ({"exception": aiohttp.ServerDisconnectedError()}, APIConnectionError),
    "connection-reset": (
        {"exception": aiohttp.ClientOSError(104, "Connection reset by peer")},
        APIConnectionError,
    ),
    "read-timeout": ({"exception": asyncio.TimeoutError()}, APITimeoutError),
    "socket-read-timeout": ({"exception": aiohttp.SocketTimeoutError()}, APITimeoutError),
    "payload-error": ({"exception": aiohttp.ClientPayloadError("cut")}, APIConnectionError),
    "408": ({"status": 408}, APIStatusError),
    "429": ({"status": 429, "headers": {"Retry-After": "1"}}, RateLimitError),
    "500": ({"status": 500}, InternalServerError),
    "502": ({"status": 502, "body": "<html>Bad Gateway</html>"}, InternalServerError),
    "503": ({"status": 503}, InternalServerError),
    "504": ({"status": 504}, InternalServerError),
    "truncated-json": ({"body": TRUNCATED}, APIResponseValidationError),
}


def fail(m: aioresponses, ep: Endpoint, failure: str, *, times: int | bool = True) -> None:
    m.add(ep.pattern, method=ep.method, repeat=times, **RETRYABLE[failure][0])


def succeed(m: aioresponses, ep: Endpoint) -> None:
    m.add(ep.pattern, method=ep.method, payload=ep.response)


@pytest.mark.parametrize("failure", RETRYABLE)
@pytest.mark.parametrize("ep", IDEMPOTENT, ids=lambda e: e.id)
async def test_idempotent_calls_retry_until_max_retries(
    m: aioresponses, client: ProxyOrdersClient, ep: Endpoint, failure: str
) -> None:
    fail(m, ep, failure)

    with pytest.raises(RETRYABLE[failure][1]) as info:
        await ep.call(client)

    assert type(info.value) is RETRYABLE[failure][1]
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)
    sent = calls(m)
    assert len(sent) == 3
    assert len({(c.method, c.url, c.kwargs.get("data")) for c in sent}) == 1  # same request


@pytest.mark.parametrize("failure", RETRYABLE)
@pytest.mark.parametrize("ep_id", ["me", "change_billing_cycle", "edit_auto_renewal", "set_tag"])
async def test_idempotent_calls_recover_after_a_failure(
    m: aioresponses, client: ProxyOrdersClient, ep_id: str, failure: str
) -> None:
    ep = endpoint(ep_id)
    fail(m, ep, failure, times=1)
    succeed(m, ep)

    result = await ep.call(client)

    assert result is not None
    assert request_count(m) == 2


@pytest.mark.parametrize(
    ("mock", "error"),
    [
        ({"status": 400}, BadRequestError),
        ({"status": 401}, AuthenticationError),
        ({"status": 403}, PermissionDeniedError),
        ({"status": 404}, NotFoundError),
        ({"status": 409}, APIStatusError),
        ({"status": 302, "headers": {"Location": "/elsewhere"}}, APIStatusError),
        ({"payload": {"email": 5}}, APIResponseValidationError),
        ({"payload": {"success": False, "message": "no"}}, APIResponseValidationError),
    ],
    ids=["400", "401", "403", "404", "409", "302", "wrong-shape", "success-false"],
)
async def test_final_answers_are_not_retried(
    m: aioresponses, client: ProxyOrdersClient, mock: dict[str, Any], error: type
) -> None:
    ep = endpoint("me")
    m.add(ep.pattern, method=ep.method, repeat=True, **mock)
    with pytest.raises(error) as info:
        await ep.call(client)
    assert info.value.attempts == 1
    assert request_count(m) == 1


# Purchase and renew ----------------------------------------------------------------------------

UNKNOWN_OUTCOME: dict[str, tuple[dict[str, Any], int | None, type[Exception]]] = {
    "500": ({"status": 500}, 500, InternalServerError),
    "502": ({"status": 502}, 502, InternalServerError),
    "503": ({"status": 503, "headers": {"Retry-After": "1"}}, 503, InternalServerError),
    "504": ({"status": 504}, 504, InternalServerError),
    "524": ({"status": 524}, 524, InternalServerError),
    "408": ({"status": 408}, 408, APIStatusError),
    "server-disconnected": (
        {"exception": aiohttp.ServerDisconnectedError()},
        None,
        APIConnectionError,
    ),
    "connection-reset": (
        {"exception": aiohttp.ClientOSError(104, "Connection reset by peer")},
        None,
        APIConnectionError,
    ),
    "payload-error": ({"exception": aiohttp.ClientPayloadError("cut")}, None, APIConnectionError),
    "read-timeout": ({"exception": asyncio.TimeoutError()}, None, APITimeoutError),
    "socket-read-timeout": ({"exception": aiohttp.SocketTimeoutError()}, None, APITimeoutError),
    "truncated-json": ({"body": TRUNCATED}, 200, APIResponseValidationError),
    "wrong-shape": (
        {"payload": {"success": True, "message": 5, "order_id": "123"}},
        200,
        APIResponseValidationError,
    ),
    "not-json": (
        {"body": "<html>OK</html>", "content_type": "text/html"},
        200,
        APIResponseValidationError,
    ),
}


@pytest.mark.parametrize("failure", UNKNOWN_OUTCOME)
@pytest.mark.parametrize("ep", CHARGING, ids=lambda e: e.id)
async def test_charging_calls_are_sent_exactly_once_when_the_outcome_is_unknown(
    m: aioresponses, client: ProxyOrdersClient, ep: Endpoint, failure: str
) -> None:
    mock, status, cause = UNKNOWN_OUTCOME[failure]
    m.add(ep.pattern, method=ep.method, repeat=True, **mock)

    with pytest.raises(PurchaseOutcomeUnknownError) as info:
        await ep.call(client.with_options(max_retries=5))

    assert request_count(m) == 1
    exc = info.value
    assert exc.attempts == 1
    assert exc.request == ep.body
    assert exc.status == status
    assert exc.method == "POST" and exc.url.endswith(ep.path)
    assert "NOT retried" in exc.message and "charge the wallet twice" in exc.message
    assert isinstance(exc.__cause__, cause)


RETRIED_FOR_CHARGES = {k: RETRYABLE[k][0] for k in ("connection-refused", "connect-timeout", "429")}


@pytest.mark.parametrize("failure", RETRIED_FOR_CHARGES)
@pytest.mark.parametrize("ep", CHARGING, ids=lambda e: e.id)
async def test_charging_calls_retry_when_nothing_was_done(
    m: aioresponses, client: ProxyOrdersClient, ep: Endpoint, failure: str
) -> None:
    fail(m, ep, failure, times=1)
    succeed(m, ep)

    await ep.call(client)

    sent = calls(m)
    assert len(sent) == 2
    assert all(c.json == ep.body for c in sent)


@pytest.mark.parametrize("failure", RETRIED_FOR_CHARGES)
async def test_charging_retries_run_out_with_the_plain_error(
    m: aioresponses, client: ProxyOrdersClient, failure: str
) -> None:
    ep = endpoint("purchase")
    fail(m, ep, failure)
    with pytest.raises(RETRYABLE[failure][1]) as info:
        await ep.call(client)
    assert not isinstance(info.value, PurchaseOutcomeUnknownError)
    assert info.value.attempts == 3 and request_count(m) == 3


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (401, AuthenticationError)])
async def test_charging_calls_raise_final_answers_once(
    m: aioresponses, client: ProxyOrdersClient, status: int, error: type
) -> None:
    ep = endpoint("purchase")
    m.add(ep.pattern, method="POST", status=status, repeat=True)
    with pytest.raises(error):
        await ep.call(client)
    assert request_count(m) == 1


# Retry counts and per-call overrides --------------------------------------------------------


@pytest.mark.parametrize(
    ("client_kwargs", "override", "expected_requests"),
    [
        ({"max_retries": 0}, None, 1),
        ({"max_retries": 4}, None, 5),
        ({}, None, 3),
        ({}, 0, 1),
        ({}, 1, 2),
        ({"max_retries": 0}, 3, 4),
    ],
)
async def test_max_retries_and_its_override(
    m: aioresponses,
    make_client: Any,
    client_kwargs: dict[str, Any],
    override: int | None,
    expected_requests: int,
) -> None:
    client = make_client(**client_kwargs)
    ep = endpoint("me")
    fail(m, ep, "503")
    caller = client if override is None else client.with_options(max_retries=override)

    with pytest.raises(InternalServerError) as info:
        await ep.call(caller)

    assert request_count(m) == expected_requests
    assert info.value.attempts == expected_requests


async def test_with_options_leaves_the_parent_unchanged(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    ep = endpoint("me")
    fail(m, ep, "503")
    with pytest.raises(InternalServerError):
        await ep.call(client.with_options(max_retries=0))
    with pytest.raises(InternalServerError):
        await ep.call(client)
    assert request_count(m) == 1 + 3


@pytest.mark.parametrize(
    ("client_kwargs", "options", "total", "connect"),
    [
        ({}, {}, 30.0, 10.0),
        ({"timeout": 3}, {}, 3.0, 10.0),
        ({"timeout": 3, "connect_timeout": 1}, {}, 3.0, 1.0),
        ({}, {"timeout": 5}, 5.0, 10.0),
        ({}, {"timeout": 60, "connect_timeout": 2.5}, 60.0, 2.5),
    ],
)
async def test_per_attempt_timeout(
    m: aioresponses,
    make_client: Any,
    client_kwargs: dict[str, Any],
    options: dict[str, Any],
    total: float,
    connect: float,
) -> None:
    client = make_client(**client_kwargs)
    ep = endpoint("me")
    succeed(m, ep)
    await ep.call(client.with_options(**options) if options else client)
    (call,) = calls(m)
    timeout = call.kwargs["timeout"]
    assert timeout.total == total
    # The connect phase is bounded by connect_timeout and always ends within the total.
    assert 0 < timeout.connect <= min(connect, total)
    if connect < total:
        assert timeout.connect == connect


@pytest.mark.parametrize("where", ["client", "call"])
async def test_deadline_bounds_the_attempt_timeout(
    m: aioresponses, make_client: Any, where: str
) -> None:
    client = make_client(deadline=2) if where == "client" else make_client()
    ep = endpoint("me")
    succeed(m, ep)
    await ep.call(client if where == "client" else client.with_options(deadline=2))
    (call,) = calls(m)
    assert 1.5 < call.kwargs["timeout"].total <= 2.0
    assert call.kwargs["timeout"].connect <= 2.0


# Waiting between attempts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), ("0.5", 0.5), ("3600", 60.0)],
    ids=["seconds", "fraction", "capped"],
)
@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured_and_capped(
    m: aioresponses,
    make_client: Any,
    sleeps: SleepRecorder,
    status: int,
    header: str,
    expected: float,
) -> None:
    client = make_client(retry_policy=RetryPolicy(base_backoff=0.001, max_backoff=0.001))
    ep = endpoint("me")
    m.get(ep.pattern, status=status, headers={"Retry-After": header})
    succeed(m, ep)

    await ep.call(client)

    assert sleeps.delays == [expected]
    assert request_count(m) == 2


async def test_retry_after_http_date_is_honoured(
    m: aioresponses, make_client: Any, sleeps: SleepRecorder
) -> None:
    client = make_client(retry_policy=RetryPolicy(base_backoff=0.001, max_backoff=0.001))
    ep = endpoint("purchase")
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    m.post(ep.pattern, status=429, headers={"Retry-After": when})
    succeed(m, ep)

    await ep.call(client)

    assert len(sleeps.delays) == 1
    assert 25 <= sleeps.delays[0] <= 30


async def test_custom_retry_after_cap(
    m: aioresponses, make_client: Any, sleeps: SleepRecorder
) -> None:
    client = make_client(retry_policy=RetryPolicy(base_backoff=0.0, max_retry_after=5.0))
    ep = endpoint("me")
    m.get(ep.pattern, status=429, headers={"Retry-After": "120"})
    succeed(m, ep)
    await ep.call(client)
    assert sleeps.delays == [5.0]


async def test_backoff_grows_exponentially_without_retry_after(
    m: aioresponses, make_client: Any, sleeps: SleepRecorder
) -> None:
    policy = RetryPolicy(base_backoff=1.0, max_backoff=3.0)
    client = make_client(retry_policy=policy, max_retries=4)
    ep = endpoint("me")
    fail(m, ep, "500")
    with pytest.raises(InternalServerError):
        await ep.call(client)
    assert len(sleeps.delays) == 4
    for delay, ceiling in zip(sleeps.delays, [1.0, 2.0, 3.0, 3.0], strict=True):
        assert 0.0 <= delay <= ceiling


async def test_deadline_stops_a_retry_that_would_overrun_it(
    m: aioresponses, make_client: Any, sleeps: SleepRecorder
) -> None:
    client = make_client(retry_policy=RetryPolicy(base_backoff=0.001))
    ep = endpoint("me")
    m.get(ep.pattern, status=503, headers={"Retry-After": "5"}, repeat=True)

    with pytest.raises(InternalServerError) as info:
        await ep.call(client.with_options(deadline=1))

    assert info.value.attempts == 1
    assert request_count(m) == 1
    assert sleeps.delays == []


async def test_deadline_bounds_the_whole_call(m: aioresponses, make_client: Any) -> None:
    client = make_client(max_retries=1000)
    ep = endpoint("me")

    async def slow_503(url: Any, **kwargs: Any) -> CallbackResult:
        await asyncio.sleep(0.03)
        return CallbackResult(status=503)

    m.get(ep.pattern, callback=slow_503, repeat=True)
    loop = asyncio.get_running_loop()
    started = loop.time()

    with pytest.raises((APIConnectionError, InternalServerError)):
        await ep.call(client.with_options(deadline=0.2))

    elapsed = loop.time() - started
    assert elapsed < 0.2 + 0.2  # the last attempt may start just before the deadline
    timeouts = [c.kwargs["timeout"].total for c in calls(m)]
    assert 2 <= len(timeouts) < 20
    assert all(0 < t <= 0.2 for t in timeouts)
    assert timeouts == sorted(timeouts, reverse=True)  # what is left of the deadline shrinks


async def test_deadline_passed_during_a_wait_raises_a_timeout(
    m: aioresponses, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def oversleep(delay: float) -> None:
        await asyncio.sleep(1.1)  # a loaded loop wakes up late

    patch_client_sleep(monkeypatch, oversleep)
    client = make_client(retry_policy=RetryPolicy(base_backoff=0.0, max_backoff=0.0))
    ep = endpoint("me")
    fail(m, ep, "503")

    # A second of deadline: the first attempt must end within it (a busy CI machine once took
    # 0.2 s), and the wait before the retry then oversleeps past it.
    with pytest.raises(APITimeoutError) as info:
        await ep.call(client.with_options(deadline=1.0))

    assert "deadline of 1.0s exceeded" in info.value.message
    assert info.value.attempts == 1
    assert request_count(m) == 1
