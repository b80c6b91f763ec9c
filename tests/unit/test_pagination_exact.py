"""The exact walk without sockets: :class:`ExactOverlap` driving the planner over a model list.

The model is a list of ids served by offset/limit; between any two page fetches, ids are
inserted and deleted anywhere. Fetches are served in any order (pages fetched ahead can be
served before the page the walk waits for), at concurrency 1, 4 and 8, for a list in either
sort direction. Must hold: every id present for the whole walk is handed over exactly once,
and no id is handed over twice.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from proxyorders_async import PaginationError
from proxyorders_async._pagination import (
    Arrival,
    ExactOverlap,
    ExactPosition,
    ExactResume,
    FollowNext,
    Listing,
    Step,
    WalkPlanner,
)

BASE = URL("https://api.test")
PATH = "/user/api/orders"


def page_url(offset: int, limit: int) -> URL:
    return BASE.with_path(PATH).with_query({"status": "all", "offset": offset, "limit": limit})


class ModelList:
    """A list of ids paged by offset/limit, whose ``next`` is offset + limit (null at the end)."""

    def __init__(self, size: int, *, descending: bool = False) -> None:
        ids = list(range(1, size + 1))
        self.ids = ids[::-1] if descending else ids
        self.original = set(self.ids)
        self.deleted: set[int] = set()
        self._fresh = itertools.count(10**6)
        self.requests: list[URL] = []

    def serve(self, url: URL) -> Arrival[int]:
        self.requests.append(url)
        offset, limit = int(url.query["offset"]), int(url.query["limit"])
        ids = tuple(self.ids[offset : offset + limit])
        more = offset + limit < len(self.ids)
        following = str(url.update_query(offset=str(offset + limit)).relative()) if more else None
        return Arrival(str(url), following, ids)

    def insert(self, position: int) -> None:
        self.ids.insert(position % (len(self.ids) + 1), next(self._fresh))

    def delete(self, position: int) -> None:
        if self.ids:
            self.deleted.add(self.ids.pop(position % len(self.ids)))

    @property
    def survivors(self) -> set[int]:
        return self.original - self.deleted


Change = tuple[str, int]


def run(
    model: ModelList,
    limit: int,
    concurrency: int,
    changes: list[list[Change]] | None = None,
    order: list[int] | None = None,
    *,
    first: URL | None = None,
    resume: ExactResume | None = None,
    stop_after: int | None = None,
) -> tuple[list[int], WalkPlanner[int]]:
    """Walk ``model`` exactly; ``changes[i]`` is applied before the i-th fetch is served and
    ``order[i]`` picks which in-flight fetch is served (0 = the one the walk waits for).

    ``first`` and ``resume`` continue a stopped walk; ``stop_after`` stops this one once that
    many pages handed items over (as a killed export's checkpoint stands after its last page).
    """
    first = first or page_url(0, limit)
    navigator = ExactOverlap(BASE, first, resume=resume)
    planner: WalkPlanner[int] = WalkPlanner(first, navigator, concurrency=concurrency)
    handed = 0
    flying: dict[int, URL] = {}
    served: dict[int, Arrival[int]] = {}
    yielded: list[int] = []
    step = planner.start()
    for turn in itertools.count():
        assert turn < 5_000, "the walk does not end"
        for ticket in step.cancel:
            flying.pop(ticket, None)
            served.pop(ticket, None)
        flying.update((item.ticket, item.url) for item in step.fetch)
        if planner.head is None:
            return yielded, planner
        for kind, position in changes[turn] if changes and turn < len(changes) else ():
            (model.insert if kind == "insert" else model.delete)(position)
        pick = order[turn] if order and turn < len(order) else 0
        ticket = sorted(flying)[pick % len(flying)]
        served[ticket] = model.serve(flying.pop(ticket))
        planner.completed(ticket)
        head = planner.head
        if head in served:
            arrival = served.pop(head)
            step = planner.arrived(head, arrival)
            yielded += arrival.ids[step.skip :]
            handed += step.skip < len(arrival.ids)
            if handed == stop_after:
                return yielded, planner
        else:
            step = Step()  # the page the walk waits for is still in flight
    raise AssertionError("unreachable")


def check_exact(model: ModelList, yielded: list[int]) -> None:
    assert len(yielded) == len(set(yielded)), "an id was handed over twice"
    assert model.survivors <= set(yielded), "an id present for the whole walk was skipped"


# -- no changes: the cost --------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 4, 8])
def test_a_still_list_costs_one_order_per_page(concurrency: int) -> None:
    model = ModelList(10_000)
    yielded, planner = run(model, 100, concurrency)
    assert yielded == model.ids
    assert isinstance(planner.navigator, ExactOverlap) and planner.navigator.realignments == 0
    # 101 pages of 100 (99 new each after the first) instead of 100: 1% more of both.
    pages_read = 101
    assert planner.pages == pages_read
    assert len(model.requests) <= pages_read + concurrency - 1  # predictions past the end
    offsets = [int(url.query["offset"]) for url in model.requests[:pages_read]]
    assert offsets == [99 * i for i in range(pages_read)]


def test_inserts_before_the_walk_cost_no_request() -> None:
    model = ModelList(1_000)
    changes = [[("insert", 0)] * 3 for _ in range(40)]
    yielded, _ = run(model, 100, 1, changes)
    check_exact(model, yielded)
    assert len(model.requests) == 11  # as many as a still list of 1,000 + 30 needs


@pytest.mark.parametrize("concurrency", [1, 4, 8])
def test_deletions_before_the_walk_re_align_at_a_small_cost(
    concurrency: int, caplog: pytest.LogCaptureFixture
) -> None:
    model = ModelList(2_000)
    changes = [[("delete", 0)] * 2 for _ in range(200)]  # S3: 2 deleted before every fetch
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        yielded, planner = run(model, 100, concurrency, changes)
    check_exact(model, yielded)
    navigator = planner.navigator
    assert isinstance(navigator, ExactOverlap)
    assert navigator.realignments > 0 and navigator.exact
    assert navigator.overlap == 5  # twice the shift of 2, plus one
    assert len(model.requests) <= 21 + 3 + concurrency


def test_a_deleted_anchor_steps_further_back() -> None:
    model = ModelList(500)
    # Before the second fetch, delete the whole first page: no id of it is left to re-align on.
    changes: list[list[Change]] = [[], [("delete", 0)] * 100]
    yielded, _ = run(model, 100, 1, changes)
    check_exact(model, yielded)
    offsets = [int(url.query["offset"]) for url in model.requests]
    assert offsets[:3] == [0, 99, 0]  # out of step at 99: back to the first offset


def test_a_next_that_is_not_offset_shaped_is_followed_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = page_url(0, 11)
    navigator = ExactOverlap(BASE, first)
    planner: WalkPlanner[int] = WalkPlanner(first, navigator)
    [fetch] = planner.start().fetch
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        step = planner.arrived(fetch.ticket, Arrival(str(first), "?cursor=abc", tuple(range(11))))
    assert not navigator.exact and "no longer exact" in caplog.text
    assert [item.url for item in step.fetch] == [BASE.with_path(PATH).with_query(cursor="abc")]
    # From there the server's next is followed; ids already handed over are still held back.
    step = planner.arrived(
        step.fetch[0].ticket, Arrival(str(step.fetch[0].url), None, (9, 10, 11, 12))
    )
    assert step.skip == 2 and step.fetch == ()


def test_a_first_uri_without_offset_is_not_exact(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        navigator = ExactOverlap(BASE, BASE.with_path(PATH).with_query(cursor="x"))
    assert not navigator.exact and "no longer exact" in caplog.text


def test_follow_next_hands_over_every_item() -> None:
    first = page_url(0, 10)
    assert FollowNext(BASE, first).read(Arrival(str(first), None, (1, 2)), first) == 0


def test_a_listing_without_trim_refuses_to_drop_items() -> None:
    listing: Listing[Any, int] = Listing(lambda page: page, lambda item: item)
    assert listing.without_first([1, 2], 2) is None
    with pytest.raises(TypeError, match="cannot drop"):
        listing.without_first([1, 2], 1)


# -- any changes, any serving order: the guarantee --------------------------------------------


def changes_for(per_fetch: int) -> st.SearchStrategy[list[list[Change]]]:
    change = st.tuples(st.sampled_from(["insert", "delete"]), st.integers(0, 10**6))
    return st.lists(st.lists(change, max_size=per_fetch), max_size=40)


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    size=st.integers(0, 150),
    limit=st.integers(2, 16),
    concurrency=st.sampled_from([1, 4, 8]),
    descending=st.booleans(),
    data=st.data(),
    order=st.lists(st.integers(0, 7), max_size=60),
)
def test_every_survivor_exactly_once_whatever_changes(
    size: int, limit: int, concurrency: int, descending: bool, data: Any, order: list[int]
) -> None:
    # Up to a quarter of a page inserted or deleted anywhere between any two fetches.
    changes = data.draw(changes_for(max(1, limit // 4)))
    model = ModelList(size, descending=descending)
    yielded, _ = run(model, limit, concurrency, changes, order)
    check_exact(model, yielded)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(
    size=st.integers(0, 100),
    limit=st.integers(2, 8),
    concurrency=st.sampled_from([1, 8]),
    changes=changes_for(12),
    order=st.lists(st.integers(0, 7), max_size=60),
)
def test_a_list_moving_faster_than_the_walk_raises_never_misleads(
    size: int, limit: int, concurrency: int, changes: list[list[Change]], order: list[int]
) -> None:
    model = ModelList(size)
    try:
        yielded, _ = run(model, limit, concurrency, changes, order)
    except PaginationError as exc:
        message = exc.message
    else:
        check_exact(model, yielded)
        return
    assert "not advancing" in message  # the progress rule: said, never a silent loss


@pytest.mark.parametrize(
    ("following", "exact"),
    [
        ("/user/api/orders?status=all&offset=11&limit=11", True),
        ("/user/api/orders?status=all&offset=10&limit=10", True),  # a capped limit
        ("/user/api/orders?status=active&offset=11&limit=11", False),  # another list
        ("/user/api/other?status=all&offset=11&limit=11", False),
        ("/user/api/orders?status=all&offset=0&limit=11", False),  # not further
        ("https://evil.test/user/api/orders?status=all&offset=11&limit=11", False),
    ],
)
def test_only_an_offset_next_of_the_same_list_keeps_the_walk_exact(
    following: str, exact: bool, caplog: pytest.LogCaptureFixture
) -> None:
    first = page_url(0, 11)
    navigator = ExactOverlap(BASE, first)
    with caplog.at_level(logging.WARNING, logger="proxyorders_async"):
        navigator.read(Arrival(str(first), following, tuple(range(11))), first)
    assert navigator.exact is exact
    assert ("no longer exact" in caplog.text) is not exact


def test_max_pages_caps_an_exact_walk() -> None:
    model = ModelList(100)
    first = page_url(0, 11)
    planner: WalkPlanner[int] = WalkPlanner(first, ExactOverlap(BASE, first), max_pages=3)
    step = planner.start()
    handed: list[int] = []
    while planner.head is not None:
        [fetch] = step.fetch
        arrival = model.serve(fetch.url)
        step = planner.arrived(fetch.ticket, arrival)
        handed += arrival.ids[step.skip :]
    assert handed == list(range(1, 32)) and len(model.requests) == 3


# -- resumed in another process: ExactResume ---------------------------------------------------


def position_of(planner: WalkPlanner[int]) -> ExactPosition:
    navigator = planner.navigator
    assert isinstance(navigator, ExactOverlap) and navigator.position is not None
    return navigator.position


def resumed(
    model: ModelList,
    limit: int,
    concurrency: int,
    stopped: WalkPlanner[int],
    written: list[int],
    changes: list[list[Change]] | None = None,
    order: list[int] | None = None,
) -> tuple[list[int], WalkPlanner[int]]:
    """Continue ``stopped`` from its position and the ids it handed over, as an export does."""
    where = position_of(stopped)
    anchor = None if where.anchor is None else (where.anchor, where.offset or 0)
    resume = ExactResume(set(written), anchor)
    return run(model, limit, concurrency, changes, order, first=URL(where.next), resume=resume)


def test_an_exact_walk_has_no_position_before_its_first_page() -> None:
    first = page_url(0, 11)
    assert ExactOverlap(BASE, first).position is None


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("stop_after", [1, 2, 5, 9])
def test_a_resumed_walk_of_a_still_list_asks_for_the_pages_of_an_unbroken_one(
    concurrency: int, stop_after: int
) -> None:
    whole = ModelList(100)
    run(whole, 11, concurrency)
    model = ModelList(100)
    written, stopped = run(model, 11, concurrency, stop_after=stop_after)
    where = position_of(stopped)
    # The next page starts at the anchor: the overlap of one order, checked again.
    assert where.offset == 10 * stop_after and where.anchor == written[-1]
    assert where.next == str(page_url(where.offset, 11))
    model.requests.clear()
    rest, again = resumed(model, 11, concurrency, stopped, written)
    assert written + rest == model.ids
    wanted = [url for url in whole.requests if int(url.query["offset"]) >= where.offset]
    assert model.requests[: 10 - stop_after] == wanted[: 10 - stop_after]
    navigator = again.navigator
    assert isinstance(navigator, ExactOverlap) and navigator.realignments == 0


def test_a_resumed_walk_keeps_the_overlap_the_stopped_one_had_planned() -> None:
    model = ModelList(300)
    changes = [[("delete", 0)] * 2 for _ in range(3)]  # the list moves 2 per fetch at first
    written, stopped = run(model, 11, 1, changes, stop_after=3)
    navigator = stopped.navigator
    assert isinstance(navigator, ExactOverlap) and navigator.overlap > 1
    where = position_of(stopped)
    assert where.offset is not None
    assert int(URL(where.next).query["offset"]) == where.offset + 1 - navigator.overlap
    anchor = (where.anchor, where.offset)
    again = ExactOverlap(BASE, URL(where.next), resume=ExactResume(set(written), anchor))
    assert again.overlap == navigator.overlap
    rest, _ = resumed(model, 11, 1, stopped, written)
    check_exact(model, written + rest)


def test_deletions_while_no_walk_ran_re_align_the_resumed_walk() -> None:
    model = ModelList(200)
    written, stopped = run(model, 11, 1, stop_after=4)
    for _ in range(3):  # the list moves 3 towards the start while the process is dead
        model.delete(0)
    model.requests.clear()
    rest, again = resumed(model, 11, 1, stopped, written)
    check_exact(model, written + rest)
    navigator = again.navigator
    assert isinstance(navigator, ExactOverlap) and navigator.realignments == 1
    # Out of step at the anchor's old offset, back one page, then in step: the next page
    # overlaps by twice the shift of 3, plus one, capped at half a page (5).
    offsets = [int(url.query["offset"]) for url in model.requests]
    assert offsets[:3] == [40, 30, 36]


def test_a_resumed_walk_whose_anchor_was_deleted_steps_back_never_below_the_first_offset() -> None:
    model = ModelList(200)
    written, stopped = run(model, 11, 1, stop_after=4)
    for _ in range(30):  # the anchor and the pages around it are gone
        model.delete(30)
    model.requests.clear()
    rest, _ = resumed(model, 11, 1, stopped, written)
    check_exact(model, written + rest)
    offsets = [int(url.query["offset"]) for url in model.requests]
    assert offsets[:3] == [40, 30, 10]  # out of step: back 10, then 20
    assert min(offsets) >= 0


def test_a_resumed_walk_hands_over_no_id_written_before_even_without_an_anchor() -> None:
    model = ModelList(50)
    written, stopped = run(model, 11, 1, stop_after=2)
    for position in (0, 5, 9):  # inserts before the walk's position shift it right
        model.insert(position)
    where = position_of(stopped)
    # A checkpoint without the anchor (e.g. written before the first page): ids alone.
    rest, _ = run(model, 11, 1, first=URL(where.next), resume=ExactResume(set(written)))
    check_exact(model, written + rest)


@settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    size=st.integers(0, 120),
    limit=st.integers(2, 12),
    concurrency=st.sampled_from([1, 4, 8]),
    descending=st.booleans(),
    stop_after=st.integers(1, 12),
    data=st.data(),
    order=st.lists(st.integers(0, 7), max_size=40),
)
def test_every_survivor_exactly_once_across_a_stop_and_a_resume(
    size: int,
    limit: int,
    concurrency: int,
    descending: bool,
    stop_after: int,
    data: Any,
    order: list[int],
) -> None:
    per_fetch = max(1, limit // 4)
    before, after = data.draw(changes_for(per_fetch)), data.draw(changes_for(per_fetch))
    gap = data.draw(changes_for(per_fetch))  # while no walk runs
    model = ModelList(size, descending=descending)
    written, stopped = run(model, limit, concurrency, before, order, stop_after=stop_after)
    if stopped.head is None:  # the walk ended before it was stopped
        check_exact(model, written)
        return
    for kind, position in itertools.chain.from_iterable(gap[:2]):
        (model.insert if kind == "insert" else model.delete)(position)
    rest, _ = resumed(model, limit, concurrency, stopped, written, after, order)
    check_exact(model, written + rest)
