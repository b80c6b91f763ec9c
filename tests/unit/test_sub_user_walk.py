"""``client.sub_users.iter``: offset pages until ``count``, with the order walk's loop guards."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from proxyorders_async import PaginationError, ProxyOrdersClient, SubUserIterator

from .helpers import BASE, sent_urls

PATTERN = re.compile(re.escape(f"{BASE}/user/api/proxies/sub-users") + r"\?.*$")


def user(n: int) -> dict[str, Any]:
    return {
        "user_id": f"su-{n}",
        "first_name": f"user-{n}",
        "proxy_password": f"walk-secret-{n}",
        "data": 2**30,
        "data_spent": 0,
        "data_remain": 2**30,
    }


def serve(m: aioresponses, users: list[int], *, count: int | None, cap: int | None = None) -> None:
    """A server paging ``users`` by offset/limit (``limit`` capped at ``cap``)."""

    def page(url: URL, **kwargs: Any) -> CallbackResult:
        offset, limit = int(url.query["offset"]), int(url.query["limit"])
        limit = min(limit, cap) if cap else limit
        body: dict[str, Any] = {"success": True, "data": [user(n) for n in users][offset:][:limit]}
        if count is not None:
            body["count"] = count
        return CallbackResult(payload=body)

    m.get(PATTERN, callback=page, repeat=True)


def offsets(m: aioresponses) -> list[tuple[int, int]]:
    return sorted((int(u.query["offset"]), int(u.query["limit"])) for u in sent_urls(m))


async def test_walks_by_offset_until_count(m: aioresponses, client: ProxyOrdersClient) -> None:
    serve(m, list(range(5)), count=5)

    walk = client.sub_users.iter("premium", page_size=2)
    got = [u.user_id async for u in walk]

    assert isinstance(walk, SubUserIterator)
    assert got == [f"su-{n}" for n in range(5)]
    assert offsets(m) == [(0, 2), (2, 2), (4, 2)]
    assert walk.users_yielded == 5 and walk.pages_fetched == 3 and walk.resume_uri is None
    assert all(u.query["proxy_type"] == "premium" for u in sent_urls(m))


async def test_without_count_it_stops_at_an_empty_page(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, list(range(4)), count=None)
    got = [u.user_id async for u in client.sub_users.iter("standart", page_size=2)]
    assert len(got) == 4
    assert offsets(m) == [(0, 2), (2, 2), (4, 2)]


async def test_a_server_capping_limit_loses_nobody(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, list(range(7)), count=7, cap=3)
    got = [u.user_id async for u in client.sub_users.iter("standart", page_size=50)]
    assert got == [f"su-{n}" for n in range(7)]
    assert offsets(m) == [(0, 50), (3, 50), (6, 50)]


async def test_an_empty_list_is_one_request(m: aioresponses, client: ProxyOrdersClient) -> None:
    serve(m, [], count=0)
    assert [u async for u in client.sub_users.iter("standart")] == []
    assert offsets(m) == [(0, 20)]


async def test_a_server_ignoring_the_offset_is_stopped(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    m.get(
        PATTERN,
        payload={"success": True, "count": 1000, "data": [user(1), user(2)]},
        repeat=True,
    )
    walk = client.sub_users.iter("standart", page_size=2)
    seen = [(await walk.__anext__()).user_id, (await walk.__anext__()).user_id]
    with pytest.raises(PaginationError) as info:
        await walk.__anext__()
    assert seen == ["su-1", "su-2"]  # the repeated page is refused, not handed over
    assert "same sub-users as the previous page" in info.value.message
    assert "walk-secret" not in repr(info.value) + str(info.value)


async def test_a_list_that_stops_advancing_is_stopped_within_the_window(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    # Pages A, B, C, A, B, C... at ever-new offsets: no URI repeats, no id is new for long.
    def page(url: URL, **kwargs: Any) -> CallbackResult:
        period = int(url.query["offset"]) // 4 % 3
        body = {"success": True, "count": 10**6, "data": [user(4 * period + k) for k in range(4)]}
        return CallbackResult(payload=body)

    m.get(PATTERN, callback=page, repeat=True)
    with pytest.raises(PaginationError):
        async for _ in client.sub_users.iter("standart", page_size=4):
            pass
    assert len(sent_urls(m)) <= 17  # periods 2 and 3 stop at page 16 (plus one fetched ahead)


async def test_the_walk_requests_at_most_one_page_ahead(
    m: aioresponses, client: ProxyOrdersClient
) -> None:
    serve(m, list(range(50)), count=50)
    walk = client.sub_users.iter("standart", page_size=5)
    ahead = []
    async for item in walk:
        n = int(item.user_id.removeprefix("su-"))
        for _ in range(3):  # let any fetch the walk started run
            await asyncio.sleep(0)
        ahead.append(len(sent_urls(m)) - (n // 5 + 1))
    assert max(ahead) == 1 and min(ahead) >= 0
    assert len(sent_urls(m)) == 10
