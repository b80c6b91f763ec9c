"""The walk without sockets: ``resolve_next``, ``predict_following``, ``next_offset_uri``,
``start_url``, the progress rule and the planner, called as plain functions and driven by
events; then the scheduler over a fake ``fetch`` (no client) for an offset/limit list that has a
total and no ``next``, the shape of the sub-user list.

The progress rule's bound, stated in ``_pagination``'s docstring and the README: once every page
brings fewer than a quarter new ids the walk stops within ``STALL_WINDOW`` (16) pages; pages
repeating with period P after m pages stop by page s + P, s the first power of two at least
max(P, m + 16); memory is the ids of at most 32 pages and 64 URIs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from yarl import URL

from proxyorders_async import InvalidArgumentError, PaginationError
from proxyorders_async._pagination import (
    REMEMBERED_URIS,
    STALL_WINDOW,
    Arrival,
    FollowNext,
    ItemWalk,
    Listing,
    PageWalk,
    Progress,
    WalkPlanner,
    next_offset_uri,
    predict_following,
    start_url,
)
from proxyorders_async._protocol import resolve_next

BASE = URL("https://api.test")
PATH = "/user/api/orders"


def page_url(offset: int, limit: int = 10, **extra: str) -> URL:
    return BASE.with_path(PATH).with_query(
        {"status": "all", "offset": offset, "limit": limit, **extra}
    )


def rel(url: URL) -> str:
    return str(url.relative())


# -- resolve_next ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_uri", "relative_to", "expected"),
    [
        ("/user/api/orders?offset=20", None, "https://api.test/user/api/orders?offset=20"),
        ("?offset=20", page_url(10), "https://api.test/user/api/orders?offset=20"),
        ("https://api.test:443/x#frag", None, "https://api.test/x"),
        ("HTTPS://API.TEST/x", None, "https://api.test/x"),
    ],
    ids=["root-relative", "query-only", "explicit-port-and-fragment", "upper-case"],
)
def test_resolve_next_follows_the_same_origin(
    next_uri: str, relative_to: URL | None, expected: str
) -> None:
    assert str(resolve_next(BASE, next_uri, page_url="p", relative_to=relative_to)) == expected


@pytest.mark.parametrize(
    ("next_uri", "words"),
    [
        ("https://evil.test/user/api/orders", "another origin"),
        ("//evil.test/x", "another origin"),
        ("http://api.test/x", "another origin"),
        ("https://api.test:8443/x", "another origin"),
        ("https://u:p@api.test/x", "credentials"),
        ("", "unusable"),
        ("http://[::1", "unparsable"),
    ],
)
def test_resolve_next_refuses_what_could_leak_the_token(next_uri: str, words: str) -> None:
    with pytest.raises(PaginationError) as info:
        resolve_next(BASE, next_uri, page_url="https://api.test/page")
    assert words in info.value.message
    assert info.value.url == "https://api.test/page"


# -- predict_following, next_offset_uri, start_url --------------------------------------------


def test_predict_following_continues_an_offset_walk() -> None:
    assert predict_following(page_url(0), page_url(10)) == page_url(20)
    assert predict_following(page_url(10, v="2"), page_url(20, v="2")) == page_url(30, v="2")


@pytest.mark.parametrize(
    "following",
    [
        page_url(10, limit=5),  # the server changed the limit
        page_url(15),  # not offset + limit
        page_url(10, v="2"),  # another parameter changed
        BASE.with_path(PATH).with_query({"limit": 10, "offset": 10, "status": "all"}),  # reordered
        BASE.with_path(PATH).with_query({"cursor": "abc"}),  # not offset shaped
    ],
    ids=["limit", "offset", "extra", "reordered", "cursor"],
)
def test_predict_following_guesses_nothing_else(following: URL) -> None:
    assert predict_following(page_url(0), following) is None


@pytest.mark.parametrize(
    ("url", "total", "received", "expected"),
    [
        (page_url(0), 25, 10, page_url(10)),
        (page_url(10), 25, 10, page_url(20)),
        (page_url(20), 25, 5, None),  # the total is reached
        (page_url(0), None, 10, page_url(10)),  # no total: until an empty page
        (page_url(30), 100, 0, None),  # an empty page ends the walk
        (page_url(0), 100, 7, page_url(7)),  # a capped limit loses nothing
        (BASE.with_path(PATH), 100, 10, None),  # no offset/limit: nothing to compute
    ],
)
def test_next_offset_uri(url: URL, total: int | None, received: int, expected: URL | None) -> None:
    got = next_offset_uri(url, total=total, received=received)
    assert (None if got is None else URL(got)) == expected


def test_start_url() -> None:
    params = {"status": "all"}
    assert start_url(BASE, PATH, params, limit=10, start=None) == page_url(0)
    assert start_url(BASE, PATH, params, limit=10, start=30) == page_url(30)
    saved = rel(page_url(40))
    assert start_url(BASE, PATH, params, limit=99, start=saved) == page_url(40)
    with pytest.raises(InvalidArgumentError) as info:
        start_url(BASE, PATH, params, limit=10, start="https://evil.test/user/api/orders")
    assert info.value.argument == "start"


# -- the progress rule --------------------------------------------------------------------------


def first_stall(pages: Iterator[list[int]], limit: int = 5_000) -> int | None:
    """The 1-based number of the page at which the rule fires, or None within ``limit``."""
    progress: Progress[int] = Progress()
    for number, ids in enumerate(pages, start=1):
        if progress.observe(ids):
            return number
        if number == limit:
            return None
    return None


def sliding(step: int, size: int = 100) -> Iterator[list[int]]:
    start = 0
    while True:
        yield list(range(start, start + size))
        start += step


def periodic(period: int, warmup: int = 0, size: int = 10) -> Iterator[list[int]]:
    for page in range(warmup):
        yield [-(page * size + i + 1) for i in range(size)]
    block = 0
    while True:
        yield list(range(block * size, block * size + size))
        block = (block + 1) % period


@pytest.mark.parametrize("period", [2, 3])
def test_short_periods_stop_at_the_sixteenth_page(period: int) -> None:
    assert first_stall(periodic(period, size=100)) == STALL_WINDOW == 16


def test_sliding_by_one_order_per_page_stops_at_the_sixteenth_page() -> None:
    assert first_stall(sliding(1)) == STALL_WINDOW


@pytest.mark.parametrize("period", [2, 5, 15, 16, 17, 31, 40, 100, 257])
@pytest.mark.parametrize("warmup", [0, 7, 50])
def test_any_period_stops_within_the_stated_bound(period: int, warmup: int) -> None:
    s = 1
    while s < max(period, warmup + STALL_WINDOW):
        s *= 2
    stalled = first_stall(periodic(period, warmup))
    assert stalled is not None
    assert stalled <= s + period <= 3 * max(period, warmup + STALL_WINDOW)


@pytest.mark.parametrize("step", [100, 97, 76])
def test_legitimate_walks_never_stall(step: int) -> None:
    # 100: a static list; 97: S3's three inserts per page; 76: a list growing by 24 per page.
    assert first_stall(sliding(step), limit=3_000) is None


@pytest.mark.parametrize("step", [1, 10, 24])
def test_a_list_moving_at_three_quarters_of_a_page_per_page_stalls(step: int) -> None:
    stalled = first_stall(sliding(step))
    assert stalled is not None and stalled <= 2 * STALL_WINDOW


def test_empty_pages_stall_and_memory_stays_bounded() -> None:
    assert first_stall(iter(list, None)) == STALL_WINDOW
    progress: Progress[int] = Progress()
    pages = sliding(100)
    for _ in range(10_000):
        progress.observe(next(pages))
    assert progress.remembered_ids <= 2 * STALL_WINDOW * 100


# -- the planner, driven by events --------------------------------------------------------------


def planner_for(first: URL, **kwargs: Any) -> WalkPlanner[int]:
    return WalkPlanner(first, FollowNext(BASE, first), **kwargs)


def arrival(url: URL, following: URL | str | None, ids: range | list[int]) -> Arrival[int]:
    nxt = rel(following) if isinstance(following, URL) else following
    return Arrival(str(url), nxt, tuple(ids))


def urls(step: Any) -> list[URL]:
    return [item.url for item in step.fetch]


def test_a_sequential_walk_follows_next_until_null() -> None:
    planner = planner_for(page_url(0))
    [first] = planner.start().fetch
    assert (first.url, planner.head) == (page_url(0), first.ticket)
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(1, 11)))
    assert urls(step) == [page_url(10)] and step.cancel == () and step.refusal is None
    last = planner.arrived(step.fetch[0].ticket, arrival(page_url(10), None, range(11, 15)))
    assert last.fetch == () and planner.head is None and planner.pages == 2


def test_fetch_ahead_predicts_offset_pages_and_drops_a_wrong_guess() -> None:
    planner = planner_for(page_url(0), concurrency=3)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(1, 11)))
    assert urls(step) == [page_url(10), page_url(20), page_url(30)]
    ahead = [item.ticket for item in step.fetch]
    # The server switches to limit=5: the predictions for limit=10 are dropped.
    switched = page_url(20, limit=5)
    step = planner.arrived(ahead[0], arrival(page_url(10), switched, range(11, 21)))
    assert step.cancel == tuple(ahead[1:])
    assert urls(step) == [switched]  # (offset 10, limit 10) -> (20, 5) is no offset walk
    step = planner.arrived(step.fetch[0].ticket, arrival(switched, page_url(25, 5), range(21, 26)))
    assert urls(step) == [page_url(25, 5), page_url(30, 5), page_url(35, 5)]


def test_a_moved_list_refetches_pages_served_early_and_stops_fetching_ahead(
    caplog: pytest.LogCaptureFixture,
) -> None:
    planner = planner_for(page_url(0), concurrency=3)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(1, 11)))
    second, third, fourth = (item.ticket for item in step.fetch)
    planner.completed(third)  # page 3 was served before page 2: it may miss shifted orders
    planner.completed(second)
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        step = planner.arrived(second, arrival(page_url(10), page_url(20), range(8, 18)))
    assert "no longer fetching ahead" in caplog.text
    assert step.cancel == (third, fourth)
    assert urls(step) == [page_url(20)]  # refetched, and one page at a time from now on


def test_a_moved_list_keeps_pages_served_after_the_move() -> None:
    planner = planner_for(page_url(0), concurrency=2)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(1, 11)))
    second, third = (item.ticket for item in step.fetch)
    planner.completed(second)
    planner.completed(third)
    step = planner.arrived(second, arrival(page_url(10), page_url(20), range(8, 18)))
    assert step.cancel == () and step.fetch == ()  # page 3 is still good
    assert planner.head == third


def test_a_visited_next_is_refused_after_its_page() -> None:
    planner = planner_for(page_url(0))
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), [1]))
    step = planner.arrived(step.fetch[0].ticket, arrival(page_url(10), page_url(0), [2]))
    assert step.fetch == () and planner.head is None
    assert step.refusal is not None and "already fetched" in step.refusal.message


def test_a_foreign_next_is_refused_and_never_fetched() -> None:
    planner = planner_for(page_url(0), concurrency=4)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), "https://evil.test/x", [1]))
    assert step.fetch == () and step.refusal is not None
    assert "another origin" in step.refusal.message


def test_the_same_page_again_raises_before_it_is_yielded() -> None:
    planner = planner_for(page_url(0))
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), [1, 2]))
    with pytest.raises(PaginationError) as info:
        planner.arrived(step.fetch[0].ticket, arrival(page_url(10), page_url(20), [1, 2]))
    assert "same items" in info.value.message and planner.pages == 1


def test_max_pages_caps_fetches_and_predictions() -> None:
    planner = planner_for(page_url(0), concurrency=8, max_pages=3)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(10)))
    assert urls(step) == [page_url(10), page_url(20)]


def test_completions_of_dropped_fetches_are_ignored() -> None:
    planner = planner_for(page_url(0), concurrency=2)
    [first] = planner.start().fetch
    step = planner.arrived(first.ticket, arrival(page_url(0), page_url(10), range(10)))
    stale = step.fetch[1].ticket
    step = planner.arrived(step.fetch[0].ticket, arrival(page_url(10), "?cursor=x", range(10, 20)))
    assert step.cancel == (stale,)
    planner.completed(stale)  # the cancelled fetch finishing later changes nothing
    assert planner.head == step.fetch[0].ticket
    with pytest.raises(ValueError, match="waits for"):
        planner.arrived(stale, arrival(page_url(20), None, []))


def drive(planner: WalkPlanner[int], page: Callable[[int], tuple[str | None, range]]) -> int:
    """Serve every fetch the planner asks for from ``page(offset) -> (next, ids)``; pages read."""
    asked: dict[int, URL] = {}
    step = planner.start()
    while True:
        asked.update((item.ticket, item.url) for item in step.fetch)
        if planner.head is None:
            return planner.pages
        url = asked.pop(planner.head)
        following, ids = page(int(url.query["offset"]))
        step = planner.arrived(planner.head, Arrival(str(url), following, tuple(ids)))


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_endless_sliding_walk_is_stopped(concurrency: int) -> None:
    planner = planner_for(page_url(0), concurrency=concurrency)

    def sliding_page(offset: int) -> tuple[str | None, range]:
        number = offset // 10
        return rel(page_url(offset + 10)), range(number, number + 100)

    with pytest.raises(PaginationError) as info:
        drive(planner, sliding_page)
    assert "16 pages brought" in info.value.message and "not advancing" in info.value.message
    assert planner.pages == STALL_WINDOW - 1  # the stalled 16th page is not yielded


def test_a_long_progressing_walk_remembers_a_bounded_number_of_uris() -> None:
    planner = planner_for(page_url(0), max_pages=5_000)

    def fresh_page(offset: int) -> tuple[str | None, range]:
        return rel(page_url(offset + 10)), range(offset, offset + 10)

    assert drive(planner, fresh_page) == 5_000
    navigator = planner.navigator
    assert isinstance(navigator, FollowNext) and navigator.remembered_uris == REMEMBERED_URIS
    assert planner.progress.remembered_ids <= 2 * STALL_WINDOW * 10


# -- the scheduler over a fake fetch: an offset/limit list with a total and no next -------------


@attrs.frozen
class SubUserPage:
    """Shaped like the sub-user list: items, a total ``count``; ``next`` computed on decode."""

    items: tuple[str, ...]
    count: int
    url: str
    next: str | None


SUB_USERS: Listing[SubUserPage, str] = Listing(lambda p: p.items, lambda name: name, "sub-users")


class FakeSubUsers:
    """``fetch(url)`` over a list of names; ``repeat`` serves the first pages again and again."""

    def __init__(self, names: list[str], *, count: int | None = None, repeat: int = 0) -> None:
        self.names, self.count, self.repeat = names, count, repeat
        self.requested: list[URL] = []
        self.in_flight = self.max_in_flight = 0

    async def fetch(self, url: URL) -> SubUserPage:
        self.requested.append(url)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # lets fetches overlap
            offset, limit = int(url.query["offset"]), int(url.query["limit"])
            if self.repeat:
                offset %= self.repeat * limit
            items = tuple(self.names[offset : offset + limit])
            total = len(self.names) if self.count is None else self.count
            following = next_offset_uri(url, total=total, received=len(items))
            return SubUserPage(items, total, str(url), following)
        finally:
            self.in_flight -= 1


def walk_of(api: FakeSubUsers, concurrency: int = 1, **kwargs: Any) -> PageWalk[SubUserPage, str]:
    first = start_url(
        BASE, "/user/api/residential/sub-users", {"proxy_type": "premium"}, limit=20, start=0
    )
    return PageWalk(api.fetch, BASE, first, listing=SUB_USERS, concurrency=concurrency, **kwargs)


@pytest.mark.parametrize("total", [0, 1, 20, 45, 100])
async def test_an_offset_walk_stops_at_the_total(total: int) -> None:
    names = [f"user-{i}" for i in range(total)]
    api = FakeSubUsers(names)
    got = [name async for name in ItemWalk(walk_of(api))]
    assert got == names
    assert len(api.requested) == max(1, -(-total // 20))


async def test_an_offset_walk_fetches_ahead_with_the_same_result() -> None:
    names = [f"user-{i}" for i in range(333)]
    api = FakeSubUsers(names)
    pages = [page async for page in walk_of(api, concurrency=4)]
    assert [name for page in pages for name in page.items] == names
    assert api.max_in_flight > 1
    assert len(api.requested) <= len(pages) + 3  # at most the predictions past the total


async def test_an_offset_walk_stops_after_an_empty_page_when_the_count_lies() -> None:
    api = FakeSubUsers([f"user-{i}" for i in range(30)], count=10_000)
    assert len([name async for name in ItemWalk(walk_of(api))]) == 30
    assert len(api.requested) == 3  # 20, 10, then the empty page


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_an_offset_walk_serving_the_same_pages_forever_is_stopped(
    concurrency: int, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeSubUsers([f"user-{i}" for i in range(60)], count=10**9, repeat=3)
    items = ItemWalk(walk_of(api, concurrency), dedupe=True)
    seen: list[str] = []

    async def drain() -> None:
        async for name in items:
            seen.append(name)

    with (
        caplog.at_level(logging.DEBUG, logger="proxyorders_async"),
        pytest.raises(PaginationError) as info,
    ):
        await drain()
    assert "not advancing" in info.value.message
    assert seen == [f"user-{i}" for i in range(60)]
    assert len(api.requested) <= STALL_WINDOW * concurrency
    summaries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.args[0] for r in summaries if "appeared twice" in r.msg] == [items.duplicates_skipped]
    each = [r for r in caplog.records if r.levelno == logging.DEBUG and "appeared twice" in r.msg]
    assert len(each) == items.duplicates_skipped > 0
