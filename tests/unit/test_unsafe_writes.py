"""Writes that are unsafe to repeat but charge nothing (``Safety.NOT_IDEMPOTENT``).

No endpoint of today's API has this class yet, so the tests define one the way a resource
would and send it through the client's transport.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    APIConnectionError,
    InternalServerError,
    OperationResult,
    OutcomeUnknownError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
)
from proxyorders_async._converters import CONVERTER
from proxyorders_async._endpoints import Endpoint, Fields
from proxyorders_async._retry import Safety

from .helpers import BASE, OK, calls, request_count

CREATE = Endpoint(
    "things.create",
    "POST",
    "/user/api/things/{owner}",
    lambda data: CONVERTER.structure(data, OperationResult),
    Safety.NOT_IDEMPOTENT,
    body=Fields(("name",)),
    advice="client.things.list() (was it created?)",
)
PATTERN = re.compile(re.escape(f"{BASE}/user/api/things/ann%2Fbob") + r"$")


async def create(client: ProxyOrdersClient) -> Any:
    return await client._send(CREATE.request(owner="ann/bob", name="x"))


@pytest.mark.parametrize(
    ("mock", "status", "cause"),
    [
        ({"status": 500}, 500, InternalServerError),
        ({"exception": aiohttp.ServerDisconnectedError()}, None, APIConnectionError),
        ({"body": '{"success": tr'}, 200, Exception),
        ({"payload": {"success": "yes"}}, 200, Exception),
    ],
    ids=["500", "reset", "truncated", "wrong-shape"],
)
async def test_unknown_outcome_is_sent_once_with_the_endpoints_advice(
    m: aioresponses, client: ProxyOrdersClient, mock: dict[str, Any], status: int | None, cause: Any
) -> None:
    m.add(PATTERN, method="POST", repeat=True, **mock)

    with pytest.raises(OutcomeUnknownError) as info:
        await create(client.with_options(max_retries=5))

    exc = info.value
    assert request_count(m) == 1
    assert not isinstance(exc, PurchaseOutcomeUnknownError)
    assert exc.request == {"name": "x"} and exc.status == status
    assert exc.advice == "client.things.list() (was it created?)"
    assert exc.message.endswith(exc.advice)
    assert "NOT retried" in exc.message and "wallet" not in exc.message
    assert isinstance(exc.__cause__, cause)


@pytest.mark.parametrize(
    "mock",
    [
        {"status": 429, "headers": {"Retry-After": "0"}},
        {"exception": aiohttp.ConnectionTimeoutError()},
    ],
    ids=["429", "connect-timeout"],
)
async def test_a_provable_non_send_is_retried(
    m: aioresponses, client: ProxyOrdersClient, mock: dict[str, Any]
) -> None:
    m.add(PATTERN, method="POST", **mock)
    m.add(PATTERN, method="POST", payload=OK)

    result = await create(client)

    assert result == OperationResult(success=True, message=OK.get("message"))
    assert [c.json for c in calls(m)] == [{"name": "x"}, {"name": "x"}]


async def test_charging_endpoints_keep_their_subclass_and_wallet_advice(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.post(re.compile(r".*/renew$"), status=502)
    with pytest.raises(PurchaseOutcomeUnknownError) as info:
        await client.orders.renew(7)
    assert isinstance(info.value, OutcomeUnknownError)
    assert "client.account.me() (wallet balance)" in info.value.advice
    assert "charge the wallet twice" in info.value.message
