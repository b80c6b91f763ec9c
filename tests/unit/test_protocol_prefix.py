"""The pure URL functions with a base URL that carries a path prefix (an API behind a gateway)."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses
from yarl import URL

from proxyorders_async import ConfigurationError, PaginationError, ProxyOrdersClient
from proxyorders_async._protocol import (
    endpoint_url,
    normalize_base_url,
    resolve_next,
    under_prefix,
)

from .helpers import TOKEN

GW = URL("https://gw.example.com/gw")
ROOT = URL("https://user-api.proxyshard.com/")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://gw.example.com/gw", "https://gw.example.com/gw"),
        ("https://gw.example.com/gw/", "https://gw.example.com/gw"),
        ("https://gw.example.com/a/b//", "https://gw.example.com/a/b"),
        ("https://gw.example.com", "https://gw.example.com/"),
        ("https://gw.example.com/user", "https://gw.example.com/user"),
        ("https://gw.example.com/api", "https://gw.example.com/api"),
    ],
)
def test_a_prefix_is_kept_without_its_trailing_slash(value: str, expected: str) -> None:
    assert str(normalize_base_url(value)) == expected


@pytest.mark.parametrize(
    ("value", "suggested"),
    [
        ("https://h.example/user/api", "https://h.example"),
        ("https://h.example/user/api/", "https://h.example"),
        ("https://h.example/USER/API", "https://h.example"),
        ("https://h.example/gw/user/api", "https://h.example/gw"),
    ],
)
def test_a_base_url_ending_in_user_api_is_refused_with_the_url_to_use(
    value: str, suggested: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_base_url(value)
    message = str(caught.value)
    assert f"base_url={suggested!r}" in message
    assert "/user/api/user/api/me" in message


@pytest.mark.parametrize("value", ["https://h.example/g\ud800w", "https://h\udc80.example"])
def test_a_lone_surrogate_in_base_url_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        normalize_base_url(value)


def test_endpoint_url_puts_every_path_under_the_prefix() -> None:
    assert str(endpoint_url(GW, "/user/api/me")) == "https://gw.example.com/gw/user/api/me"
    assert str(endpoint_url(ROOT, "/user/api/me")) == "https://user-api.proxyshard.com/user/api/me"
    spaced = normalize_base_url("https://gw.example.com/my%20gw")
    assert endpoint_url(spaced, "/user/api/me").raw_path == "/my%20gw/user/api/me"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/user/api/orders", "/gw/user/api/orders"),  # a server unaware of the prefix
        ("/gw/user/api/orders", "/gw/user/api/orders"),  # a server that knows it
        ("/user/api", "/gw/user/api"),
        ("/elsewhere", "/gw/elsewhere"),  # never another application on the origin
        ("/gw/elsewhere", "/gw/elsewhere"),
        ("/gwx/user/api/orders", "/gw/gwx/user/api/orders"),  # /gwx is not under /gw
    ],
)
def test_under_prefix(path: str, expected: str) -> None:
    assert under_prefix(GW, path) == expected


def test_under_prefix_is_the_identity_without_a_prefix() -> None:
    assert under_prefix(ROOT, "/user/api/orders") == "/user/api/orders"
    assert under_prefix(ROOT, "/anything") == "/anything"


def test_a_prefix_named_like_the_api_root_is_not_mistaken_for_it() -> None:
    base = URL("https://gw.example.com/user")
    assert under_prefix(base, "/user/api/orders") == "/user/user/api/orders"
    assert under_prefix(base, "/user/user/api/orders") == "/user/user/api/orders"


PAGE = URL("https://gw.example.com/gw/user/api/orders?status=all&offset=0&limit=20")


@pytest.mark.parametrize(
    ("next_uri", "expected"),
    [
        ("/user/api/orders?status=all&offset=20&limit=20", "/gw/user/api/orders"),
        ("/gw/user/api/orders?status=all&offset=20&limit=20", "/gw/user/api/orders"),
        (
            "https://gw.example.com/user/api/orders?status=all&offset=20&limit=20",
            "/gw/user/api/orders",
        ),
        ("?status=all&offset=20&limit=20", "/gw/user/api/orders"),
        ("orders?status=all&offset=20&limit=20", "/gw/user/api/orders"),
        ("../../../../user/api/orders?status=all&offset=20&limit=20", "/gw/user/api/orders"),
    ],
)
def test_every_form_of_next_stays_under_the_prefix_with_its_query(
    next_uri: str, expected: str
) -> None:
    target = resolve_next(GW, next_uri, page_url=str(PAGE), relative_to=PAGE)
    assert target.path == expected
    assert target.query_string == "status=all&offset=20&limit=20"
    assert target.origin() == GW.origin()


def test_a_resumed_start_uri_stays_under_the_prefix() -> None:
    target = resolve_next(GW, "/user/api/orders?status=all&offset=40&limit=20", page_url="start")
    assert str(target) == "https://gw.example.com/gw/user/api/orders?status=all&offset=40&limit=20"


def test_the_prefix_changes_only_the_path() -> None:
    uri = "/user/api/orders?tag=a%26b&x=%2F&y=%20"
    plain = resolve_next(ROOT, uri, page_url="p")
    target = resolve_next(GW, uri, page_url="p", relative_to=PAGE)
    assert target.raw_query_string == plain.raw_query_string
    assert target.query["tag"] == "a&b"
    assert target.raw_path == "/gw" + plain.raw_path


def test_another_origin_is_still_refused_with_a_prefix() -> None:
    with pytest.raises(PaginationError, match="another origin"):
        resolve_next(GW, "https://evil.example/gw/user/api/orders", page_url="p")


def test_a_next_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(PaginationError, match="unparsable"):
        resolve_next(GW, "/user/api/orders?x=\ud800", page_url="p")


async def test_a_prefixed_client_follows_a_root_relative_next_under_the_prefix(
    m: aioresponses,
) -> None:
    base = "https://gw.example.com/gw"
    first = f"{base}/user/api/orders?status=all&offset=0&limit=1"
    second = f"{base}/user/api/orders?status=all&offset=1&limit=1"
    order = {
        "order_id": 1,
        "product_id": 1,
        "product_name": "ISP Proxy",
        "cycle_id": 1,
        "cycle_name": "monthly",
    }
    page = {"success": True, "orders": [order], "count": 1, "prev": None}
    m.get(first, payload={**page, "next": "/user/api/orders?status=all&offset=1&limit=1"})
    m.get(second, payload={**page, "orders": [{**order, "order_id": 2}], "next": None})
    async with ProxyOrdersClient(token=TOKEN, base_url=base) as client:
        ids = [o.order_id async for o in client.orders.iter("all", page_size=1)]
    assert ids == [1, 2]
    sent = [url for _method, url in m.requests]
    assert [url.path for url in sent] == ["/gw/user/api/orders"] * 2
    assert [url.query["offset"] for url in sent] == ["0", "1"]
