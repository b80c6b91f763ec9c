"""Walking the order list: following ``next``, refusing unsafe ones, loops, caps and resuming."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from proxyorders_async import (
    InvalidArgumentError,
    Order,
    OrderPage,
    OrderStatus,
    PaginationError,
    ProxyOrdersClient,
)

from .helpers import (
    BASE,
    ORDERS_PATH,
    TOKEN,
    any_query,
    calls,
    normalized,
    order_page,
    orders_url,
    request_count,
    sent_urls,
)


async def collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


async def collect_until_error(iterator: Any) -> tuple[list[Any], PaginationError]:
    """Items yielded before the walk failed, and the failure."""
    items: list[Any] = []

    async def drain() -> None:
        async for item in iterator:
            items.append(item)

    with pytest.raises(PaginationError) as info:
        await drain()
    return items, info.value


def relative(url: str) -> str:
    parsed = URL(url)
    return f"{parsed.raw_path}?{parsed.raw_query_string}"


P1, P2, P3 = (orders_url(offset=o, limit=2) for o in (0, 2, 4))


def serve(m: aioresponses, pages: dict[str, dict[str, Any]]) -> None:
    for url, payload in pages.items():
        m.get(url, payload=payload)


def ids_of(pages: list[OrderPage]) -> list[list[int]]:
    return [[o.order_id for o in page.orders] for page in pages]


@pytest.mark.parametrize("style", ["relative", "absolute"])
async def test_pages_follow_next_until_null(
    m: aioresponses, client: ProxyOrdersClient, style: str
) -> None:
    link = relative if style == "relative" else str
    serve(
        m,
        {
            P1: order_page([1, 2], next=link(P2)),
            P2: order_page([3, 4], next=link(P3), prev=link(P1)),
            P3: order_page([5], prev=link(P2)),
        },
    )

    pages = await collect(client.orders.pages("all", page_size=2))

    assert ids_of(pages) == [[1, 2], [3, 4], [5]]
    assert [p.url for p in pages] == [P1, P2, P3]
    assert [p.has_next for p in pages] == [True, True, False]
    assert request_count(m) == 3


async def test_iter_yields_orders_across_pages_in_order(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(
        m,
        {
            orders_url(status="active", limit=3): order_page(
                [10, 11, 12], next="/user/api/orders?status=active&offset=3&limit=3"
            ),
            orders_url(status="active", offset=3, limit=3): order_page(
                [13, 14, 15], next="/user/api/orders?status=active&offset=6&limit=3"
            ),
            orders_url(status="active", offset=6, limit=3): order_page([]),
        },
    )

    orders = await collect(client.orders.iter(OrderStatus.ACTIVE, page_size=3))

    assert all(isinstance(o, Order) for o in orders)
    assert [o.order_id for o in orders] == [10, 11, 12, 13, 14, 15]


async def test_next_is_followed_exactly_as_sent(m: aioresponses, client: ProxyOrdersClient) -> None:
    cursor = "/user/api/orders?status=all&cursor=abc%3D%3D&limit=2"
    serve(m, {P1: order_page([1], next=cursor)})
    m.get(f"{BASE}{cursor}", payload=order_page([2]))

    pages = await collect(client.orders.pages("all", page_size=2))

    assert ids_of(pages) == [[1], [2]]
    assert pages[1].url == f"{BASE}{cursor}"
    assert [c.url.query.get("cursor") for c in calls(m)] == [None, "abc=="]


async def test_every_page_request_carries_the_token(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, {P1: order_page([1], next=relative(P2)), P2: order_page([2])})
    await collect(client.orders.pages("all", page_size=2))
    assert [c.kwargs["headers"]["Authorization"] for c in calls(m)] == [f"Bearer {TOKEN}"] * 2


@pytest.mark.parametrize(
    "foreign",
    [
        "https://evil.example/user/api/orders?offset=4",
        "//evil.example/user/api/orders?offset=4",
        "https://user-api.proxyshard.com.evil.example/user/api/orders?offset=4",
        "https://user-api.proxyshard.com:8443/user/api/orders?offset=4",
        "http://user-api.proxyshard.com/user/api/orders?offset=4",
        "https://user:pw@user-api.proxyshard.com/user/api/orders?offset=4",
        "https://user-api.proxyshard.com@evil.example/user/api/orders?offset=4",
        "ftp://user-api.proxyshard.com/user/api/orders",
    ],
    ids=[
        "other-host",
        "scheme-relative",
        "suffix-host",
        "other-port",
        "https-to-http",
        "userinfo",
        "userinfo-host",
        "other-scheme",
    ],
)
async def test_next_that_could_leak_the_token_is_refused_unsent(
    m: aioresponses, client: ProxyOrdersClient, foreign: str
) -> None:
    m.get(foreign, payload=order_page([99]), repeat=True)
    serve(m, {P1: order_page([1, 2], next=relative(P2)), P2: order_page([3, 4], next=foreign)})

    pages, error = await collect_until_error(client.orders.pages("all", page_size=2))

    assert ids_of(pages)[:1] == [[1, 2]]
    assert sent_urls(m) == [normalized(P1), normalized(P2)]  # nothing went to the foreign URL
    assert error.method == "GET"
    assert TOKEN not in str(error) and TOKEN not in repr(error)


@pytest.mark.parametrize(
    "spelling",
    [
        "https://user-api.proxyshard.com:443/user/api/orders?status=all&offset=2&limit=2",
        "HTTPS://USER-API.PROXYSHARD.COM/user/api/orders?status=all&offset=2&limit=2",
        "/user/api/orders?status=all&offset=2&limit=2#fragment",
    ],
    ids=["explicit-port", "upper-case", "fragment"],
)
async def test_same_origin_spelled_differently_is_followed(
    m: aioresponses, client: ProxyOrdersClient, spelling: str
) -> None:
    serve(m, {P1: order_page([1], next=spelling)})
    m.get(any_query(ORDERS_PATH), payload=order_page([2]))  # yarl keeps an explicit :443 apart

    pages = await collect(client.orders.pages("all", page_size=2))

    assert ids_of(pages) == [[1], [2]]
    assert pages[1].url == P2
    assert [str(url) for url in sent_urls(m)] == [str(normalized(P1)), str(normalized(P2))]


async def test_loop_is_detected(m: aioresponses, client: ProxyOrdersClient) -> None:
    serve(m, {P1: order_page([1], next=relative(P2)), P2: order_page([2], next=relative(P1))})

    pages, error = await collect_until_error(client.orders.pages("all", page_size=2))

    assert ids_of(pages)[:1] == [[1]]
    assert "already fetched" in error.message
    assert request_count(m) == 2


async def test_self_loop_is_detected(m: aioresponses, client: ProxyOrdersClient) -> None:
    serve(m, {P1: order_page([1], next=P1)})

    pages, error = await collect_until_error(client.orders.pages("all", page_size=2))

    assert len(pages) <= 1
    assert "already fetched" in error.message
    assert request_count(m) == 1


@pytest.mark.parametrize(("max_pages", "expected"), [(1, [[1, 2]]), (2, [[1, 2], [3, 4]])])
async def test_max_pages_caps_the_walk(
    m: aioresponses, client: ProxyOrdersClient, max_pages: int, expected: list[list[int]]
) -> None:
    serve(
        m,
        {
            P1: order_page([1, 2], next=relative(P2)),
            P2: order_page([3, 4], next=relative(P3)),
            P3: order_page([5]),
        },
    )

    pages = await collect(client.orders.pages("all", page_size=2, max_pages=max_pages))

    assert ids_of(pages) == expected
    assert request_count(m) == max_pages  # no page beyond the cap is fetched
    assert pages[-1].has_next


@pytest.mark.parametrize("style", ["relative", "absolute"])
async def test_start_resumes_from_a_saved_next(
    m: aioresponses, client: ProxyOrdersClient, style: str
) -> None:
    saved = relative(P2) if style == "relative" else P2
    serve(m, {P2: order_page([3, 4], next=relative(P3)), P3: order_page([5])})

    # status and page_size come from the saved URI, not from the arguments
    pages = await collect(client.orders.pages("active", page_size=50, start=saved))

    assert ids_of(pages) == [[3, 4], [5]]
    assert [p.url for p in pages] == [P2, P3]
    assert sent_urls(m) == [normalized(P2), normalized(P3)]


async def test_start_with_an_offset(m: aioresponses, client: ProxyOrdersClient) -> None:
    first = orders_url(status="cancelled", offset=40, limit=20)
    serve(m, {first: order_page([41])})

    orders = await collect(client.orders.iter("cancelled", start=40))

    assert [o.order_id for o in orders] == [41]
    assert dict(calls(m)[0].url.query) == {"status": "cancelled", "offset": "40", "limit": "20"}


async def test_a_page_url_can_be_saved_and_resumed(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, {P1: order_page([1, 2], next=relative(P2))})
    page = await client.orders.list("all", limit=2)
    serve(m, {P2: order_page([3])})

    resumed = await collect(client.orders.pages("all", start=page.next))

    assert ids_of(resumed) == [[3]]


@pytest.mark.parametrize(
    "start",
    [
        "https://evil.example/user/api/orders?offset=20",
        "http://user-api.proxyshard.com/user/api/orders?offset=20",
        "https://user-api.proxyshard.com:444/user/api/orders?offset=20",
        "https://u:p@user-api.proxyshard.com/user/api/orders?offset=20",
        "//evil.example/user/api/orders",
    ],
)
def test_start_on_another_origin_is_refused_before_any_request(
    m: aioresponses, client: ProxyOrdersClient, start: str
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        client.orders.pages("all", start=start)
    assert info.value.argument == "start"
    with pytest.raises(InvalidArgumentError):
        client.orders.iter("all", start=start)
    assert m.requests == {}


async def test_empty_first_page(m: aioresponses, client: ProxyOrdersClient) -> None:
    serve(m, {orders_url(): order_page([])})
    assert await collect(client.orders.iter("all")) == []
    assert request_count(m) == 1


async def test_pages_track_where_the_walk_stands(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, {P1: order_page([1, 2], next=relative(P2)), P2: order_page([3])})
    walk = client.orders.pages("all", page_size=2)

    first = await walk.__anext__()
    assert (first.url, walk.pages_fetched, walk.resume_uri) == (P1, 1, relative(P2))
    second = await walk.__anext__()
    assert (second.url, walk.pages_fetched, walk.resume_uri) == (P2, 2, None)
    with pytest.raises(StopAsyncIteration):
        await walk.__anext__()


async def test_the_page_carrying_a_refused_next_is_still_yielded(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(
        m,
        {
            P1: order_page([1, 2], next=relative(P2)),
            P2: order_page([3, 4], next="https://elsewhere.test/user/api/orders?offset=4"),
        },
    )
    pages, error = await collect_until_error(client.orders.pages("all", page_size=2))
    assert ids_of(pages) == [[1, 2], [3, 4]]
    assert "another origin" in error.message
    assert all(url.host != "elsewhere.test" for url in sent_urls(m))


async def test_a_query_only_next_keeps_the_page_path(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(
        m,
        {
            P1: order_page([1, 2], next="?status=all&offset=2&limit=2"),
            P2: order_page([3]),
        },
    )
    pages = await collect(client.orders.pages("all", page_size=2))
    assert ids_of(pages) == [[1, 2], [3]]
    assert [url.path for url in sent_urls(m)] == [ORDERS_PATH, ORDERS_PATH]
