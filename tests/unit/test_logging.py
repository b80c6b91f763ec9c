"""Logging: requests at DEBUG, retry decisions at INFO, never the token or a proxy password."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    APIResponseValidationError,
    InternalServerError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    RetryPolicy,
)

from .helpers import ACTIVE_PROXIES, BASE, DC_FULL, PROXY_PASSWORD, TOKEN, any_query, endpoint

SECRETS = (TOKEN, PROXY_PASSWORD)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="proxyorders_async")
    return caplog


def assert_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "expected some log records"
    for secret in SECRETS:
        assert secret not in caplog.text
        for record in caplog.records:
            assert secret not in record.getMessage()
            assert secret not in repr(record.args)
            assert secret not in repr(record.__dict__)


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "proxyorders_async"]


async def test_a_request_logs_method_url_status_and_elapsed(
    m: aioresponses, client: ProxyOrdersClient, logs: pytest.LogCaptureFixture
) -> None:
    m.get(f"{BASE}/user/api/me", payload=endpoint("me").response)
    await client.account.me()

    (line,) = messages(logs)
    assert line.startswith(f"GET {BASE}/user/api/me -> 200 in ")
    assert " ms (attempt 1)" in line
    assert logs.records[0].levelno == logging.DEBUG
    assert_no_secrets(logs)


async def test_retry_decisions_are_logged(
    m: aioresponses, client: ProxyOrdersClient, logs: pytest.LogCaptureFixture
) -> None:
    url = f"{BASE}/user/api/orders/42/tag"
    m.post(url, status=503, payload={"success": False, "message": "maintenance"})
    m.post(url, exception=aiohttp.ServerDisconnectedError())
    m.post(url, payload={"success": True})

    await client.orders.set_tag(42, "x")

    lines = messages(logs)
    assert lines[0].startswith(f"POST {url} -> 503 in ")
    assert lines[1].startswith(f"retrying POST {url} in ")
    assert "(attempt 1 of 3 failed: maintenance)" in lines[1]
    assert lines[2].startswith(f"retrying POST {url} in ")
    assert "attempt 2 of 3 failed" in lines[2]
    assert lines[3].startswith(f"POST {url} -> 200 in ")
    assert " (attempt 3)" in lines[3]
    # Attempts at DEBUG, retries at INFO (what PROXYORDERS_LOG=info shows).
    assert [r.levelno for r in logs.records] == [
        logging.DEBUG,
        logging.INFO,
        logging.INFO,
        logging.DEBUG,
    ]
    assert_no_secrets(logs)


async def test_a_deadline_stop_is_logged(
    m: aioresponses, make_client: Any, logs: pytest.LogCaptureFixture
) -> None:
    url = f"{BASE}/user/api/me"
    m.get(url, status=503, headers={"Retry-After": "30"})
    client = make_client(retry_policy=RetryPolicy())  # the default cap honours the 30 s hint
    with pytest.raises(InternalServerError):
        await client.with_options(deadline=5).account.me()
    assert f"not retrying GET {url}: the deadline would pass" in messages(logs)
    assert_no_secrets(logs)


WRONG_PORT = {**ACTIVE_PROXIES["data"][0], "http_port": "80"}


@pytest.mark.parametrize(
    ("payload", "expectation"),
    [
        (ACTIVE_PROXIES, contextlib.nullcontext()),
        ({**ACTIVE_PROXIES, "data": [WRONG_PORT]}, pytest.raises(APIResponseValidationError)),
    ],
    ids=["ok", "wrong-shape"],
)
async def test_proxy_passwords_are_never_logged(
    m: aioresponses,
    client: ProxyOrdersClient,
    logs: pytest.LogCaptureFixture,
    payload: Any,
    expectation: Any,
) -> None:
    m.get(any_query("/user/api/proxies/active"), payload=payload)
    with expectation as raised:
        await client.proxies.active(42)
    if raised is not None:
        assert PROXY_PASSWORD not in str(raised.value)
    assert_no_secrets(logs)


async def test_failures_are_logged_without_secrets(
    m: aioresponses, client: ProxyOrdersClient, logs: pytest.LogCaptureFixture
) -> None:
    m.get(f"{BASE}/user/api/me", status=500, repeat=True, body=f"echo {TOKEN}")
    m.post(f"{BASE}/user/api/orders/purchase", status=502)

    with pytest.raises(InternalServerError):
        await client.account.me()
    with pytest.raises(PurchaseOutcomeUnknownError):
        await client.orders.purchase(DC_FULL)

    lines = messages(logs)
    assert sum(line.startswith("retrying GET") for line in lines) == 2
    assert not any("retrying POST" in line for line in lines)
    for secret in SECRETS:
        assert secret not in logs.text
