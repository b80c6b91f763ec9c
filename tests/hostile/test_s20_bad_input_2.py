"""Scenario 20: bad input a second round found, and server text that tries to forge log lines.

- integers of more than 4,300 digits (Python cannot format them: a bare ``ValueError``) in
  every integer argument that reaches the wire;
- an ``int`` subclass whose ``__str__``/``__format__``/``__repr__`` say ``purchase`` (it used
  to rewrite ``POST /user/api/orders/{id}/tag`` into ``POST /user/api/orders/purchase/tag``);
- a lone surrogate in every string argument (URL quoting silently dropped it);
- a server whose messages and reason phrase carry ``\\n``, ``\\r`` and terminal escapes.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from proxyorders_async import (
    Addon,
    APIError,
    APIStatusError,
    ConfigurationError,
    DatacenterIspPurchase,
    GenericPurchase,
    InvalidArgumentError,
    ProxyOrdersClient,
    QuoteRequest,
    StandardResidentialPurchase,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, capture_logs, loopback_server, record

HUGE = 10**4300  # 4,301 digits
Call = Callable[[ProxyOrdersClient], Any]
DC: dict[str, Any] = {"product": "Datacenter Proxy", "location": "DE", "cycle": "monthly"}


def _m(path: str, *args: Any, **kwargs: Any) -> Call:
    namespace, name = path.split(".")
    return lambda c: getattr(getattr(c, namespace), name)(*args, **kwargs)


def _build(cls: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    return lambda _c: cls(*args, **kwargs)


async def _first(iterator: Any) -> Any:
    return await iterator.__anext__()


def _walk(path: str, **kwargs: Any) -> Call:
    return lambda c: _first(getattr(c.orders, path)("all", **kwargs))


def _huge_cases(n: int) -> list[tuple[str, str, Call]]:
    return [
        ("orders.get", "order_id", _m("orders.get", n)),
        ("orders.renew", "order_id", _m("orders.renew", n)),
        ("orders.set_tag", "order_id", _m("orders.set_tag", n, "x")),
        ("orders.change_billing_cycle", "order_id", _m("orders.change_billing_cycle", n, "x")),
        ("orders.edit_auto_renewal", "order_id", _m("orders.edit_auto_renewal", n, True)),
        ("proxies.active", "order_id", _m("proxies.active", n)),
        ("orders.list", "offset", _m("orders.list", "all", offset=n)),
        ("orders.list", "limit", _m("orders.list", "all", limit=n)),
        ("orders.pages", "start", _walk("pages", start=n)),
        ("orders.pages", "page_size", _walk("pages", page_size=n)),
        ("orders.pages", "max_pages", _walk("pages", max_pages=n)),
        ("orders.iter", "start", _walk("iter", start=n)),
        ("orders.calculate", "quantity", _m("orders.calculate", "ISP Proxy", quantity=n)),
        ("orders.calculate_many", "concurrency", _m("orders.calculate_many", [], concurrency=n)),
        ("DatacenterIspPurchase", "quantity", _build(DatacenterIspPurchase, **DC, quantity=n)),
        (
            "StandardResidentialPurchase",
            "quantity",
            _build(StandardResidentialPurchase, quantity=n),
        ),
        (
            "GenericPurchase",
            "quantity",
            _build(GenericPurchase, product="X", cycle="y", quantity=n),
        ),
        ("QuoteRequest", "quantity", _build(QuoteRequest, product="ISP Proxy", quantity=n)),
        ("Addon", "qty", _build(Addon, "p0f_slots", n)),
    ]


HUGE_CASES = [(m, a, sign, c) for sign in (1, -1) for m, a, c in _huge_cases(sign * HUGE)]


async def _invoke(call: Call, client: ProxyOrdersClient) -> None:
    result = call(client)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(
    ("method", "argument", "sign", "call"),
    HUGE_CASES,
    ids=[f"{m}-{a}-{'neg' if s < 0 else 'pos'}" for m, a, s, _ in HUGE_CASES],
)
async def test_a_4301_digit_integer_is_an_invalid_argument_and_sends_nothing(
    proxyorders_client: ProxyOrdersClient,
    proxyorders_emulator: Emulator,
    method: str,
    argument: str,
    sign: int,
    call: Call,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await _invoke(call, proxyorders_client)
    assert caught.value.argument == argument
    assert len(str(caught.value)) < 200  # the number itself is never printed
    assert len(proxyorders_emulator.journal) == 0


def test_the_huge_integer_table_covers_every_integer_argument() -> None:
    covered = {(m, a) for m, a, _, _ in HUGE_CASES}
    assert len(covered) == len(_huge_cases(1)) == 19
    record("S20", huge_int_cases=len(HUGE_CASES), huge_int_arguments=len(covered))


class Sly(int):
    """An int that formats as ``purchase`` and lies through __int__/__index__ too."""

    def __str__(self) -> str:
        return "purchase"

    def __repr__(self) -> str:
        return "purchase"

    def __format__(self, spec: str) -> str:
        return "purchase"

    def __int__(self) -> int:
        return 999_999

    def __index__(self) -> int:
        return 999_999


async def test_an_int_subclass_never_writes_a_path_query_or_body(
    proxyorders_client: ProxyOrdersClient, proxyorders_emulator: Emulator
) -> None:
    emu, client = proxyorders_emulator, proxyorders_client
    bought = await client.orders.purchase(
        DatacenterIspPurchase(**DC, quantity=Sly(2), addons=[Addon("p0f_slots", Sly(3))])
    )
    oid = bought.order_id
    (sent,) = emu.journal_for("orders.purchase")
    assert sent.body["quantity"] == 2
    assert sent.body["addons"] == [{"addon_key": "p0f_slots", "qty": 3}]
    order = emu.account.get(oid)
    assert (order.quantity, order.addon_quantities()) == (2, (("p0f_slots", 3),))
    emu.clear_journal()
    sly = Sly(oid)
    await client.orders.get(sly)
    await client.orders.set_tag(sly, "sly")
    await client.orders.edit_auto_renewal(sly, True)
    await client.proxies.active(sly)
    with pytest.raises(APIStatusError):  # not on hold: the emulator refuses, by path
        await client.orders.renew(sly)
    await client.orders.list("all", offset=Sly(0), limit=Sly(5))
    async for _page in client.orders.pages("all", page_size=Sly(5), start=Sly(0), max_pages=1):
        pass
    await client.orders.calculate("ISP Proxy", location="US", cycle="monthly", quantity=Sly(4))
    paths = [(e.method, e.path) for e in emu.journal]
    assert paths == [
        ("GET", f"/user/api/orders/{oid}"),
        ("POST", f"/user/api/orders/{oid}/tag"),
        ("POST", f"/user/api/orders/edit-auto-renewal/{oid}"),
        ("GET", "/user/api/proxies/active"),
        ("POST", f"/user/api/orders/{oid}/renew"),
        ("GET", "/user/api/orders"),
        ("GET", "/user/api/orders"),
        ("GET", "/user/api/orders/calculate"),
    ]
    queries = [dict(e.query) for e in emu.journal]
    assert queries[3] == {"order_id": str(oid)}
    assert queries[5] == queries[6] == {"status": "all", "offset": "0", "limit": "5"}
    assert queries[7]["quantity"] == "4"
    record("S20", int_subclass_calls=len(paths), int_subclass_paths_rewritten=0)


SURROGATE = "P\ud800"
SURROGATE_CASES: list[tuple[str, str, Call]] = [
    ("orders.calculate", "product", _m("orders.calculate", SURROGATE)),
    ("orders.calculate", "location", _m("orders.calculate", "ISP Proxy", location=SURROGATE)),
    ("orders.calculate", "cycle", _m("orders.calculate", "ISP Proxy", cycle=SURROGATE)),
    ("orders.calculate", "promo_code", _m("orders.calculate", "ISP Proxy", promo_code=SURROGATE)),
    (
        "DatacenterIspPurchase",
        "location",
        _build(DatacenterIspPurchase, **{**DC, "location": SURROGATE}),
    ),
    ("DatacenterIspPurchase", "cycle", _build(DatacenterIspPurchase, **{**DC, "cycle": SURROGATE})),
    (
        "DatacenterIspPurchase",
        "promo_code",
        _build(DatacenterIspPurchase, **DC, promo_code=SURROGATE),
    ),
    ("GenericPurchase", "product", _build(GenericPurchase, product=SURROGATE, cycle="monthly")),
    ("Addon", "addon_key", _build(Addon, SURROGATE, 1)),
    ("orders.set_tag", "tag", _m("orders.set_tag", 1, SURROGATE)),
    ("orders.change_billing_cycle", "cycle", _m("orders.change_billing_cycle", 1, SURROGATE)),
    ("orders.pages", "start", _walk("pages", start="/user/api/orders?status=all&x=" + SURROGATE)),
]


@pytest.mark.parametrize(
    ("method", "argument", "call"), SURROGATE_CASES, ids=[f"{m}-{a}" for m, a, _ in SURROGATE_CASES]
)
async def test_a_lone_surrogate_is_refused_before_sending(
    proxyorders_client: ProxyOrdersClient,
    proxyorders_emulator: Emulator,
    method: str,
    argument: str,
    call: Call,
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await _invoke(call, proxyorders_client)
    assert caught.value.argument == argument
    assert len(proxyorders_emulator.journal) == 0


async def test_a_lone_surrogate_in_base_url_is_refused(proxyorders_emulator: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        ProxyOrdersClient(token=proxyorders_emulator.token, base_url="http://127.0.0.1:1/g\udc80")
    record("S20", surrogate_cases=len(SURROGATE_CASES) + 1, surrogate_requests_sent=0)


# -- server text that tries to forge log lines -------------------------------------------------

FORGED = "INFO proxyorders_async order 1 paid"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _json(status: int, message: str) -> Callable[[web.Request], Any]:
    async def handler(_request: web.Request) -> web.Response:
        return web.json_response({"success": False, "message": message}, status=status)

    return handler


async def _raw_reason_server(
    reason: bytes,
) -> tuple[asyncio.AbstractServer, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 400 " + reason + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture
async def raw_reason() -> AsyncIterator[str]:
    server, url = await _raw_reason_server(b"Bad\x1b[2J\x1b[31m Request\x07\x85 " + FORGED.encode())
    try:
        yield url
    finally:
        server.close()
        await server.wait_closed()


async def test_server_text_with_control_characters_is_escaped_in_messages_and_logs(
    raw_reason: str,
) -> None:
    texts: list[str] = []
    forged = f"no\n{FORGED}\r\n{FORGED}\u2028{FORGED}\x1b[1A"
    routes = {
        ("GET", "/user/api/me"): _json(400, forged),
        ("GET", "/user/api/orders/1"): _json(503, forged),
        ("POST", "/user/api/orders/1/tag"): _ok_false(forged),
    }
    async with loopback_server(routes) as server:
        client = ProxyOrdersClient(
            token="s3cret-token-value", base_url=server.url, retry_policy=FAST, max_retries=1
        )
        reason_client = ProxyOrdersClient(token="s3cret-token-value", base_url=raw_reason)
        calls = [
            client.account.me(),
            client.orders.get(1),
            client.orders.set_tag(1, "x"),
            reason_client.account.me(),
        ]
        with capture_logs() as logs:
            for call in calls:
                with pytest.raises(APIError) as caught:
                    await call
                texts += [str(caught.value), caught.value.message]
        await client.close()
        await reason_client.close()
    texts += [r.getMessage() for r in logs.records]
    assert logs.retries(), "the 503 was retried and logged"
    assert all(FORGED in text for text in texts[:8:2]), texts  # quoted, but on the same line
    bad = [text for text in texts if CONTROL.search(text)]
    assert bad == []
    record("S20", server_texts_checked=len(texts), control_characters_left=len(bad))


def _ok_false(message: str) -> Callable[[web.Request], Any]:
    async def handler(_request: web.Request) -> web.Response:
        return web.json_response({"success": False, "message": message}, status=200)

    return handler
