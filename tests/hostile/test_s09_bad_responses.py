"""Scenario 9: bad responses each give a typed error carrying the status and a bounded body.

A loopback server answers ``GET /user/api/orders/{n}`` with exactly the bytes of case ``n``:
HTML error pages, empty bodies, wrong types, missing fields, huge bodies, nesting bombs,
``success: false`` inside a 200. Gateway HTML also comes from the emulator (``error_body``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import (
    APIResponseValidationError,
    APIStatusError,
    DatacenterIspPurchase,
    InternalServerError,
    NotFoundError,
    ProxyOrdersClient,
    PurchaseOutcomeUnknownError,
)
from proxyorders_async._exceptions import BODY_EXCERPT_CHARS
from proxyorders_async.emulator import Emulator

from ._support import FAST, client_for, loopback_server, record

LIMIT = 1_000_000  # the client's max_response_bytes in these tests
HUGE = 3 * LIMIT
HTML = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 5000 + "</body></html>"
ORDER = {"order_id": 1, "product_name": "Datacenter Proxy", "status": "active"}
BOMB = b"[" * 100_000 + b"]" * 100_000


class Case:
    def __init__(
        self,
        name: str,
        body: bytes,
        status: int = 200,
        content_type: str = "application/json",
        *,
        chunked: bool = False,
        error: type[Exception] = APIResponseValidationError,
        retried: bool = False,
    ) -> None:
        self.name, self.body, self.status, self.content_type = name, body, status, content_type
        self.chunked, self.error, self.retried = chunked, error, retried


def _j(data: Any) -> bytes:
    return json.dumps(data).encode()


CASES = [
    Case("html-502", HTML.encode(), 502, "text/html", error=InternalServerError, retried=True),
    Case("html-200", HTML.encode(), 200, "text/html", retried=True),
    Case("empty-200", b"", 200, retried=True),
    Case("empty-500", b"", 500, error=InternalServerError, retried=True),
    Case("empty-204", b"", 204, retried=True),
    Case("empty-404", b"", 404, error=NotFoundError),
    Case("wrong-types", _j({"order": {**ORDER, "order_id": "1", "quantity": 2.5}})),
    # API 1.1.0 makes every order field optional, so the missing field is the required "order"
    # (no-order-key below); here an add-on list arrives as an object.
    Case("addons-not-array", _j({"order": {**ORDER, "addons": {"addon_key": "p0f_slots"}}})),
    Case("no-order-key", _j({"success": True})),
    Case("array", _j([1, 2, 3])),
    Case("null", b"null"),
    Case("string", _j("ok")),
    Case("success-false-200", _j({"success": False, "message": "Order is locked"})),
    Case("huge-200", b'{"order": "' + b"a" * HUGE + b'"}'),
    Case("huge-200-chunked", b'{"order": "' + b"a" * HUGE + b'"}', chunked=True),
    Case(
        "huge-503-html",
        (HTML * 1000).encode(),
        503,
        "text/html",
        error=InternalServerError,
        retried=True,
    ),
    Case("big-wrong-shape", _j({"order": [{"order_id": 1, "junk": "z" * 500_000}]})),
    Case("nesting-bomb-200", BOMB, retried=True),
    Case(
        "nesting-bomb-500",
        BOMB[:60_000] + BOMB[-60_000:],
        500,
        error=InternalServerError,
        retried=True,
    ),
    Case("invalid-utf8", b'{"order": "\xff\xfe"}', retried=True),
    Case("nan", b'{"order": {"order_id": NaN, "product_name": "x"}}'),
    Case("truncated", _j({"order": ORDER})[:20], retried=True),
    Case("418-text", b"I'm a teapot", 418, "text/plain", error=APIStatusError),
]


async def _serve(request: web.Request) -> web.StreamResponse:
    case = CASES[int(request.match_info["tail"].rsplit("/", 1)[1]) - 1]  # order id n: case n-1
    if not case.chunked:
        return web.Response(body=case.body, status=case.status, content_type=case.content_type)
    response = web.StreamResponse(status=case.status)
    response.content_type = case.content_type
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(case.body), 256 * 1024):
        await response.write(case.body[start : start + 256 * 1024])
    await response.write_eof()
    return response


def _check_bounded(exc: Any) -> int:
    """The body kept on the error is small: decoded JSON up to 64 KiB, or a text excerpt."""
    body = exc.body
    if isinstance(body, str):
        assert len(body) <= BODY_EXCERPT_CHARS + 40, len(body)
        size = len(body)
    else:
        size = len(json.dumps(body))
        assert size <= 64 * 1024, size
    assert len(str(exc)) <= 1000, str(exc)[:300]
    return size


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_response_gives_a_typed_error_with_status_and_bounded_body(case: Case) -> None:
    async with loopback_server() as server:
        server.routes[("*", "*")] = _serve
        client = ProxyOrdersClient(
            token="t0ken-0123456789",
            base_url=server.url,
            max_response_bytes=LIMIT,
            retry_policy=FAST,
            max_retries=1,
        )
        async with client:
            with pytest.raises(case.error) as caught:
                await client.orders.get(CASES.index(case) + 1)
    exc: Any = caught.value
    assert type(exc) is case.error
    assert exc.status == case.status
    assert exc.attempts == (2 if case.retried else 1)
    assert len(server.requests) == exc.attempts
    kept = _check_bounded(exc)
    if case.body:
        assert exc.body not in ("", None), "the error lost the body"
    record("S9", **{f"{case.name}": f"{type(exc).__name__} {exc.status} body<={kept}"})


async def test_a_wrong_shaped_purchase_answer_is_an_unknown_outcome_with_the_evidence() -> None:
    async def purchase(request: web.Request) -> web.Response:
        return web.json_response({"success": True, "order": "created"})  # no order_id

    request = DatacenterIspPurchase(product="Datacenter Proxy", location="DE", cycle="monthly")
    async with (
        loopback_server({("POST", "/user/api/orders/purchase"): purchase}) as server,
        ProxyOrdersClient(token="t0ken-0123456789", base_url=server.url) as client,
    ):
        with pytest.raises(PurchaseOutcomeUnknownError) as caught:
            await client.orders.purchase(request)
    cause = caught.value.__cause__
    assert isinstance(cause, APIResponseValidationError)
    assert cause.status == 200 and cause.body == {"success": True, "order": "created"}
    assert caught.value.status == 200
    assert len(server.requests) == 1


@pytest.mark.parametrize("route", ["me", "orders.list"])
async def test_emulator_gateway_html_pages(route: str) -> None:
    async with Emulator(orders=50, seed=901) as emu:
        emu.faults.set(route, error_rate=1.0, error_statuses=(502,), error_body="html")
        async with client_for(emu, max_retries=2) as client:
            call = client.account.me() if route == "me" else client.orders.list("all")
            with pytest.raises(InternalServerError) as caught:
                await call
    exc = caught.value
    assert exc.status == 502 and exc.attempts == 3
    assert isinstance(exc.body, str) and "<html>" in exc.body
    assert exc.message == "Bad Gateway"
    _check_bounded(exc)
    record("S9", emulator_html_attempts=exc.attempts)
