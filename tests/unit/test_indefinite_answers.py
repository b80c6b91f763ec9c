"""A 1xx or 3xx answer, or a success naming no order, is never taken as a definite answer
to a request that charges the wallet."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    APIStatusError,
    DatacenterIspPurchase,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
    PurchaseResult,
)
from proxyorders_async._protocol import interpret_response
from proxyorders_async._retry import Decision, Failure, Safety, decide

from .helpers import BASE, calls

DC = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
PURCHASE_URL = BASE + "/user/api/orders/purchase"


def _interpret(status: int, raw: bytes = b"") -> Any:
    return interpret_response(
        status, raw, reason="r", retry_after=None, method="POST", url="u", attempts=1
    )


@pytest.mark.parametrize("status", [101, 102, 300, 301, 302, 303, 304, 307, 308])
def test_a_1xx_or_3xx_is_no_answer(status: int) -> None:
    outcome = _interpret(status)
    assert outcome.failure is Failure.INVALID
    assert isinstance(outcome.error, APIStatusError)
    assert outcome.error.status == status


@pytest.mark.parametrize(("status", "failure"), [(400, Failure.FINAL), (429, Failure.REJECTED)])
def test_4xx_keep_their_meaning(status: int, failure: Failure) -> None:
    assert _interpret(status).failure is failure


def test_no_answer_is_an_unknown_outcome_for_charges_and_an_error_for_reads() -> None:
    assert decide(Failure.INVALID, Safety.CHARGES, attempt=1, max_retries=5) is (
        Decision.UNKNOWN_OUTCOME
    )
    assert decide(Failure.INVALID, Safety.IDEMPOTENT, attempt=1, max_retries=5) is Decision.RAISE


def test_a_429_refusal_is_still_retried_for_charges() -> None:
    # The server refused before acting: the one answer after which resending cannot buy twice.
    assert decide(Failure.REJECTED, Safety.CHARGES, attempt=1, max_retries=2) is Decision.RETRY


@pytest.mark.parametrize("status", [302, 303, 307])
async def test_a_purchase_redirected_is_an_unknown_outcome_sent_once(
    m: aioresponses, client: ProxyOrdersClient, status: int
) -> None:
    m.post(PURCHASE_URL, status=status, headers={"Location": "/user/api/orders/9"})
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.orders.purchase(DC)
    assert caught.value.status == status
    assert len(calls(m)) == 1


@pytest.mark.parametrize("order_id", [0, -5, 2**63, 1.5, "3", None, True])
async def test_a_purchase_success_naming_no_order_is_an_unknown_outcome(
    m: aioresponses, client: ProxyOrdersClient, order_id: Any
) -> None:
    m.post(PURCHASE_URL, payload={"success": True, "order_id": order_id})
    with pytest.raises(PurchaseOutcomeUnknownError) as caught:
        await client.orders.purchase(DC)
    assert caught.value.status == 200
    assert len(calls(m)) == 1


@pytest.mark.parametrize("order_id", [0, -1, 2**63, 10**5000], ids=["0", "-1", "2**63", "huge"])
def test_purchase_result_requires_a_positive_64_bit_order_id(order_id: int) -> None:
    with pytest.raises(ValueError, match="order_id must be a positive 64-bit integer"):
        PurchaseResult(order_id=order_id)
    assert PurchaseResult(order_id=2**63 - 1).order_id == 2**63 - 1
