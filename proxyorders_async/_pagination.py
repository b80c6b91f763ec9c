"""Walking a paginated list: a sans-I/O planner and a thin scheduler that awaits.

The split follows gidgethub's: :class:`WalkPlanner` is a pure state machine fed two events,
"a fetch completed" and "the page the walk waits for arrived"; it answers with a :class:`Step`
(fetches to drop, fetches to start, a refusal to raise after the page). :func:`run_walk` is the
only code that awaits. Neither knows the client or the item type: a walk is given
``fetch(url)``, which returns a decoded page carrying its ``url`` and its ``next`` (the decode
step returns ``next`` itself, as gidgethub's ``decipher_response`` returns ``more``; where the
API sends none, :func:`next_offset_uri` computes it from ``offset``/``limit`` and a total), and
a :class:`Listing` naming a page's items and an item's id. Which URL comes next, what to
predict and what shows that the list moved are a :class:`Navigator`'s decisions
(:class:`FollowNext` follows the server's ``next``; :class:`ExactOverlap` chooses overlapping
offsets itself and checks the overlap). A navigator also says, per page, how many leading items
were already yielded (:attr:`Step.skip`): the scheduler hands over the rest.

The exact walk (:class:`ExactOverlap`, ``exact=True``): each page starts ``overlap`` items
(1 while the list stands still) before the previous page's end. A page holding an id already
yielded is in step: the items after the last such id are new, whatever moved in between (the
proof needs only that the sort order of the items never changes: an item present for the whole
walk that sorts before a yielded id was yielded before it). A page holding none is out of step
(deletions moved the list towards the start): nothing is handed over and the walk steps back
``limit - 1`` items, doubling, at worst to its first offset. So an item present for the whole
walk is yielded exactly once, in any serving order of pages fetched ahead, and nothing twice.
Another process can continue an exact walk stopped between pages (:class:`ExactResume`): it
starts at the saved :class:`ExactPosition` with the ids already yielded counted as seen, and
reads its first page as it reads any later one (the proof needs the ids yielded, not the
process that yielded them), so "the whole walk" includes the time no process was walking.

Fetching ahead: after page *k* arrives, page *k+1* is requested before page *k* is handed to the
caller. With ``concurrency=N`` and offset/limit shaped URIs, up to *N* predicted pages are in
flight; each arriving page's real ``next`` is checked against the prediction and, on any
mismatch, the speculative pages are dropped. When two consecutive pages share an id (the list
moved), pages fetched ahead that were served before the current one are refetched and the walk
fetches one page at a time from then on. The result is the sequential walk's, always.

No walk runs forever, and its memory is bounded:

- a ``next`` equal to one of the last :data:`REMEMBERED_URIS` URIs followed is refused;
- a page with the same ids as the previous one that announces another page raises;
- the **progress rule**: an id is *new* when it is on none of the previous
  :data:`STALL_WINDOW` pages nor in a checkpoint (the ids of the :data:`STALL_WINDOW` pages up
  to the last page whose number is a power of two). When the last :data:`STALL_WINDOW` pages
  announce a next and brought fewer new ids than a quarter of the ids they carried (or none),
  the walk raises :class:`PaginationError` before yielding that page.

The bound: once every page brings fewer than a quarter new ids, the error comes within
:data:`STALL_WINDOW` pages. Pages repeating with any period *P* after the first *m* pages
(A,B,A,B or A,B,C,A,B,C with ever-new ``next`` URIs) are stopped by page ``s + P``, where *s*
is the first power of two at least ``max(P, m + 16)`` (so before page ``3 * max(P, m + 16)``);
periods 2 and 3 and a list sliding by one id per page of 100 stop at page 16. A walk makes at
most ``concurrency`` requests per page that arrived. Memory: ids of at most 32 pages and 64 URIs.
Legitimate walks pass: a list that grows by fewer than three quarters of a page per page read.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Mapping,
    Sequence,
)
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

import attrs
from yarl import URL

from ._backpressure import AdaptiveLimit, Backpressure
from ._decoders import decode_sub_user_page
from ._exceptions import APIError, InvalidArgumentError, PaginationError
from ._models import Order, OrderPage
from ._models_residential import SubUser, SubUserPage
from ._protocol import endpoint_url, resolve_next

__all__ = ["OrderIterator", "PageIterator", "SubUserIterator"]

logger = logging.getLogger("proxyorders_async")

#: Pages the progress rule looks back over; a quarter of their ids must be new.
STALL_WINDOW = 16
#: ``next`` URIs remembered for loop detection (older loops are caught by the progress rule).
REMEMBERED_URIS = 64

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class PageLike(Protocol):
    """What the walk reads from a decoded page besides its items."""

    @property
    def url(self) -> str:
        """The absolute URI the page was fetched from."""

    @property
    def next(self) -> str | None:
        """The following page's URI as the server (or the decode step) gave it."""


P = TypeVar("P", bound=PageLike)


@attrs.frozen
class Listing(Generic[P, T]):
    """How to read one kind of page: its items, an item's id, and a plural noun for messages."""

    items: Callable[[P], Sequence[T]]
    key: Callable[[T], Hashable]
    noun: str = "items"
    #: ``trim(page, n)``: the page without its first ``n`` items (needed by exact walks only).
    trim: Callable[[P, int], P] | None = None

    def ids(self, page: P) -> tuple[Hashable, ...]:
        """The ids of a page's items, in order."""
        return tuple(map(self.key, self.items(page)))

    def without_first(self, page: P, count: int) -> P | None:
        """``page`` without its first ``count`` items, or None when nothing is left."""
        if count >= len(self.items(page)):
            return None
        if self.trim is None:
            raise TypeError(f"this listing of {self.noun} cannot drop items from a page")
        return self.trim(page, count)


def _trim_orders(page: OrderPage, count: int) -> OrderPage:
    kept = page.orders[count:]
    return attrs.evolve(page, orders=kept, count=len(kept))


ORDER_LISTING: Listing[OrderPage, Order] = Listing(
    attrgetter("orders"), attrgetter("order_id"), "orders", _trim_orders
)


# ---------------------------------------------------------------------------------------------
# Pure helpers


def start_url(
    base: URL, path: str, params: Mapping[str, str], *, limit: int, start: str | int | None
) -> URL:
    """The first page's URL: a fresh walk or an ``offset`` under ``base``, or a saved URI.

    A saved ``next``/``url`` URI is checked like a ``next`` (same origin, no credentials) and
    raises :class:`InvalidArgumentError` naming ``start`` otherwise.
    """
    if start is None or isinstance(start, int):
        query = {**params, "offset": str(start or 0), "limit": str(limit)}
        return endpoint_url(base, path).with_query(query)
    try:
        return resolve_next(base, start, page_url="start")
    except PaginationError as exc:
        raise InvalidArgumentError("start", exc.message) from None


def _offset_limit(url: URL) -> tuple[int, int] | None:
    try:
        return int(url.query["offset"]), int(url.query["limit"])
    except (KeyError, ValueError):
        return None


def predict_following(page_url: URL, next_url: URL) -> URL | None:
    """Predict the page after ``next_url`` when the pair is offset/limit shaped, else ``None``.

    The prediction is only made when ``next_url`` equals ``page_url`` with ``offset`` advanced by
    ``limit`` and every other part unchanged: then the server is paginating by offset.
    """
    here, there = _offset_limit(page_url), _offset_limit(next_url)
    if here is None or there is None or there != (here[0] + here[1], here[1]):
        return None
    if page_url.update_query(offset=str(there[0])) != next_url:
        return None
    return next_url.update_query(offset=str(there[0] + there[1]))


def next_offset_uri(page_url: str | URL, *, total: int | None, received: int) -> str | None:
    """The ``next`` of an offset/limit page whose API sends none, only a ``total`` count.

    The following page starts ``received`` items further (``offset + limit`` when the page was
    full; a server capping ``limit`` loses nothing). None once ``total`` is reached, after an
    empty page, or when ``page_url`` has no integer ``offset``/``limit``.
    """
    url = URL(page_url)
    shape = _offset_limit(url)
    if shape is None or received <= 0:
        return None
    following = shape[0] + received
    if total is not None and following >= total:
        return None
    return str(url.update_query(offset=str(following)))


# ---------------------------------------------------------------------------------------------
# The planner (sans-I/O)


@attrs.frozen
class Arrival(Generic[K]):
    """The event "the page the walk waited for arrived": where from, its ``next`` and ids."""

    url: str
    next: str | None
    ids: tuple[K, ...]


@attrs.frozen
class Fetch:
    """A request the planner wants made; ``ticket`` names it in later events."""

    ticket: int
    url: URL


@attrs.frozen
class Step:
    """What to do after a page arrived: cancel, then start, then yield the page.

    ``refusal`` is raised after the page was handed over (the page itself was good); ``skip``
    leading items of the page are not handed over (an exact walk's overlap, already yielded).
    """

    cancel: tuple[int, ...] = ()
    fetch: tuple[Fetch, ...] = ()
    refusal: PaginationError | None = None
    skip: int = 0


class Progress(Generic[K]):
    """Whether a walk still brings ids it has not seen lately (the module's progress rule).

    Remembers the ids of the last ``window`` pages and of a checkpoint retaken at every page
    whose number is a power of two: at most ``2 * window`` pages of ids, however long the walk.
    """

    def __init__(self, window: int = STALL_WINDOW) -> None:
        self.window = window
        self.new = self.carried = 0  # totals over the pages in the window
        self._pages: deque[tuple[tuple[K, ...], int]] = deque()  # (distinct ids, new)
        self._counts: dict[K, int] = {}  # id -> pages of the window carrying it
        self._checkpoint: frozenset[K] = frozenset()
        self._seen = 0

    @property
    def remembered_ids(self) -> int:
        """Ids held (window and checkpoint): bounded by ``2 * window`` pages."""
        return len(self._counts) + len(self._checkpoint)

    def observe(self, ids: Iterable[K]) -> bool:
        """Record the next page's ids; True when the window is full and brought too few new."""
        page = tuple(dict.fromkeys(ids))
        counts, checkpoint = self._counts, self._checkpoint
        new = sum(1 for i in page if i not in counts and i not in checkpoint)
        self._pages.append((page, new))
        self.new, self.carried = self.new + new, self.carried + len(page)
        for i in page:
            counts[i] = counts.get(i, 0) + 1
        if len(self._pages) > self.window:
            self._forget(*self._pages.popleft())
        self._seen += 1
        if self._seen & (self._seen - 1) == 0:
            self._checkpoint = frozenset(counts)
        return len(self._pages) == self.window and (self.new == 0 or 4 * self.new < self.carried)

    def _forget(self, page: tuple[K, ...], new: int) -> None:
        self.new, self.carried = self.new - new, self.carried - len(page)
        for i in page:
            left = self._counts[i] - 1
            if left:
                self._counts[i] = left
            else:
                del self._counts[i]


class Navigator(Protocol):
    """Decides which URL follows an arrived page, and predicts offset pages.

    For every page, in walk order, the planner calls :meth:`read`, then (unless ``max_pages``
    is reached) :meth:`following`.
    """

    #: Whether a page may legitimately repeat the previous one (a walk that re-reads on
    #: purpose); otherwise the same page twice with a ``next`` stops the walk at once.
    rereads: bool

    def read(self, arrival: Arrival[Any], fetched_as: URL) -> int:
        """How many leading items of the page must not be handed over (already yielded)."""

    def following(self, arrival: Arrival[Any], fetched_as: URL) -> URL | None:
        """The next page's URL, or None when the walk is over; raises PaginationError to refuse."""

    def predict(self, before: URL, last: URL) -> URL | None:
        """The page after ``last`` (which followed ``before``), or None to stop predicting."""

    def moved(self, previous: tuple[Any, ...], ids: tuple[Any, ...]) -> bool:
        """Whether two consecutive pages show that the list moved between their fetches."""


class FollowNext:
    """Follows the server's ``next``: same origin only, never one of the last URIs followed."""

    rereads = False

    def __init__(self, base: URL, first: URL, *, remember: int = REMEMBERED_URIS) -> None:
        self._base = base
        self._order: deque[str] = deque()
        self._keys: set[str] = set()
        self._limit = remember
        self._remember(str(first))

    @property
    def remembered_uris(self) -> int:
        """URIs held for loop detection: at most ``remember``."""
        return len(self._keys)

    def _remember(self, key: str) -> None:
        self._order.append(key)
        self._keys.add(key)
        if len(self._order) > self._limit:
            self._keys.discard(self._order.popleft())

    def read(self, arrival: Arrival[Any], fetched_as: URL) -> int:
        """Every item is handed over."""
        return 0

    def following(self, arrival: Arrival[Any], fetched_as: URL) -> URL | None:
        """Resolve ``arrival.next`` against the page and refuse another origin or a loop."""
        if arrival.next is None:
            return None
        target = resolve_next(
            self._base, arrival.next, page_url=arrival.url, relative_to=fetched_as
        )
        key = str(target)
        if key in self._keys:
            raise PaginationError(
                f"next URI {key} was already fetched; stopping instead of looping",
                method="GET",
                url=arrival.url,
            )
        self._remember(key)
        return target

    def predict(self, before: URL, last: URL) -> URL | None:
        """:func:`predict_following`."""
        return predict_following(before, last)

    def moved(self, previous: tuple[Any, ...], ids: tuple[Any, ...]) -> bool:
        """Pages of a list that stood still share no id."""
        return not set(ids).isdisjoint(previous)


def _same_list(page_url: URL, next_url: URL) -> bool:
    """Whether ``next_url`` is ``page_url`` at a later offset: the server pages by offset."""
    here, there = _offset_limit(page_url), _offset_limit(next_url)
    if here is None or there is None or there[0] <= here[0]:
        return False
    others = {k: v for k, v in page_url.query.items() if k not in ("offset", "limit")}
    theirs = {k: v for k, v in next_url.query.items() if k not in ("offset", "limit")}
    return (page_url.origin(), page_url.path, others) == (next_url.origin(), next_url.path, theirs)


@attrs.frozen
class ExactPosition:
    """Where an exact walk stands after the last page it handed over: plain data.

    ``next`` is the URI of the page it fetches next (``overlap`` items before the end of the
    last page read, not the server's ``next``); ``anchor`` is the last id of the last page read
    in step and ``offset`` the offset it was at then (both None before such a page). Saved with
    the ids handed over, it lets another process continue the walk exactly (:class:`ExactResume`).
    """

    next: str
    anchor: Hashable | None
    offset: int | None


@attrs.frozen
class ExactResume:
    """How an exact walk continues one that another process began and stopped between pages.

    The walk starts at the saved ``next`` URI with every id in ``seen`` (the ids handed over
    before, e.g. read back from a file) counted as yielded, and checks its first page against
    ``anchor`` (the saved ``(id, offset)``) as it checks any page against the one before: a
    list that moved while no process walked it is re-aligned on, stepping back as far as
    ``floor`` (the first walk's first offset) when the anchor cannot be found.
    """

    seen: Iterable[Hashable]
    anchor: tuple[Hashable, int] | None = None
    floor: int = 0


class ExactOverlap:
    """Chooses overlapping offset pages and checks the overlap: exact while the list moves.

    Each page after the first starts ``overlap`` items before the end of the previous one
    (``overlap`` is 1 while the list stands still). A page is *in step* when it holds an item
    already yielded, or starts at the walk's first offset; only the items after the last
    already-yielded one are handed over. A page out of step (deletions before the walk's position
    moved it past items not yet read) hands over nothing, and the walk steps back
    (``limit - 1`` items, doubling while out of step; at worst to the first offset, which is a
    rewalk that skips the ids already yielded). The left shift measured when back in step sets
    the next overlap (twice the shift, plus one), so a list that keeps moving costs a few items
    per page, not a request.

    The guarantee (for orders whose sort position never changes): an item present for the whole
    walk is handed over exactly once, and no item twice, whatever inserts and deletions happen
    between fetches. It costs one id held per item yielded. When a ``next`` is not offset/limit
    shaped the client cannot choose offsets: :attr:`exact` turns False, a WARNING says so, and
    the server's ``next`` is followed from there on (still never handing over an id twice).
    Endless walks are stopped by the progress rule alone: inserts before the walk's position
    can serve a page again legitimately.
    """

    rereads = True

    def __init__(self, base: URL, first: URL, *, resume: ExactResume | None = None) -> None:
        self.exact = True
        self.realignments = 0
        self._base = base
        self._first = first
        self._seen: set[Hashable] = set()
        self._overlap = 1
        self._misses = 0
        self._anchor: tuple[Hashable, int] | None = None  # last in-step item and its offset
        self._target: URL | None = None
        self._follow: FollowNext | None = None
        shape = _offset_limit(first)
        self._floor, self._limit = shape if shape is not None else (0, 2)
        if shape is None or self._limit < 2:
            self._degrade(first, "the first page's URI has no offset and a limit of 2 or more")
        elif resume is not None:
            self._resume(resume, shape[0])

    def _resume(self, resume: ExactResume, offset: int) -> None:
        # The first page is read like any later page: in step only if it holds a seen id.
        self._seen.update(resume.seen)
        self._floor = min(self._floor, max(0, resume.floor))
        self._anchor = resume.anchor
        if resume.anchor is not None:  # the overlap the stopped walk had planned
            planned = resume.anchor[1] + 1 - offset
            self._overlap = min(max(1, planned), max(1, self._limit // 2))

    @property
    def position(self) -> ExactPosition | None:
        """Where the walk continues after the last page read; None before the first page
        and once the walk follows the server's ``next`` (no longer exact)."""
        if self._follow is not None or self._target is None:
            return None
        anchor, offset = self._anchor if self._anchor is not None else (None, None)
        return ExactPosition(str(self._target), anchor, offset)

    @property
    def overlap(self) -> int:
        """Items each next page repeats from the previous one (grows while the list moves)."""
        return self._overlap

    def _degrade(self, url: URL, why: str) -> None:
        self.exact = False
        self._follow = FollowNext(self._base, url)
        logger.warning(
            "%s: this walk cannot choose its offsets, so it is no longer exact (orders created "
            "or deleted while it runs may be missed); following the server's next (%s)",
            why,
            url,
        )

    def _check_shape(self, arrival: Arrival[Any], fetched_as: URL) -> None:
        if self._follow is not None or arrival.next is None:
            return
        try:
            following = resolve_next(
                self._base, arrival.next, page_url=arrival.url, relative_to=fetched_as
            )
        except PaginationError:
            following = None
        if following is None or not _same_list(fetched_as, following):
            self._degrade(fetched_as, "the server's next URI is not offset/limit shaped")

    def read(self, arrival: Arrival[Any], fetched_as: URL) -> int:
        """Hand over the items after the last one already yielded; plan the next page."""
        self._check_shape(arrival, fetched_as)
        ids = arrival.ids
        last = max((i for i, key in enumerate(ids) if key in self._seen), default=-1)
        offset = (_offset_limit(fetched_as) or (self._floor, 0))[0]
        if self._follow is None and last < 0 and offset > self._floor:
            self._target = self._step_back(offset)
            return len(ids)
        self._seen.update(ids[last + 1 :])
        if self._follow is None:
            self._in_step(ids, last, offset)
        return last + 1

    def _step_back(self, offset: int) -> URL:
        # Out of step: deletions before the walk's position (or of everything near it).
        if not self._misses:
            self.realignments += 1
            logger.debug("the list moved before offset %d; stepping back", offset)
        self._misses += 1
        back = (self._limit - 1) << (self._misses - 1)
        return self._at(max(self._floor, offset - max(back, 1)))

    def _in_step(self, ids: tuple[Hashable, ...], last: int, offset: int) -> None:
        shift = self._shift(ids, last, offset)
        if shift > 0 or self._misses:  # moved by more than the overlap when out of step
            wanted = 2 * shift + 1 if shift > 0 else 2 * self._overlap + 1
            self._overlap = min(max(1, self._limit // 2), wanted)
        else:
            self._overlap = max(1, self._overlap // 2)
        self._misses = 0
        if ids:
            self._anchor = (ids[-1], offset + len(ids) - 1)
        ahead = len(ids) - self._overlap if len(ids) > self._overlap else len(ids)
        self._target = self._at(offset + ahead)

    def _shift(self, ids: tuple[Hashable, ...], last: int, offset: int) -> int:
        """How far the last in-step item moved towards the start (deletions before it)."""
        if self._anchor is None or last < 0 or ids[last] != self._anchor[0]:
            return 0
        shift = self._anchor[1] - (offset + last)
        if shift and not self._misses:
            self.realignments += 1
            logger.debug("the list moved by %d before offset %d; re-aligned", shift, offset)
        return shift

    def _at(self, offset: int) -> URL:
        return self._first.update_query(offset=str(offset))

    def following(self, arrival: Arrival[Any], fetched_as: URL) -> URL | None:
        """The page planned by :meth:`read`; None once an in-step page ends the list."""
        if self._follow is not None:
            return self._follow.following(arrival, fetched_as)
        if arrival.next is None and not self._misses:
            return None
        return self._target

    def predict(self, before: URL, last: URL) -> URL | None:
        """The page after ``last`` if the list stands still: ``limit - overlap`` further."""
        if self._follow is not None:
            return self._follow.predict(before, last)
        shape = _offset_limit(last)
        if shape is None:
            return None
        return self._at(shape[0] + self._limit - self._overlap)

    def moved(self, previous: tuple[Any, ...], ids: tuple[Any, ...]) -> bool:
        """Whether the page is out of step (no id yielded before): the walk steps back.

        Shifts within the overlap re-align without a request and keep pages fetched ahead;
        out of step, fetching ahead would waste requests on pages that must be re-read.
        """
        if self._follow is not None:
            return self._follow.moved(previous, ids)
        return bool(ids) and self._seen.isdisjoint(ids)


class WalkPlanner(Generic[K]):
    """The walk as a pure state machine: what to fetch, what to drop, when to stop.

    Feed it ``completed(ticket)`` whenever a fetch finishes (any outcome, in completion order)
    and ``arrived(ticket, arrival)`` for the page at :attr:`head`; start the fetches and cancel
    the tickets the returned :class:`Step` names. ``arrived`` raises :class:`PaginationError`
    for a page that must not be yielded (the walk stopped making progress).
    """

    def __init__(
        self,
        first: URL,
        navigator: Navigator,
        *,
        concurrency: int = 1,
        max_pages: int | None = None,
        noun: str = "items",
    ) -> None:
        self.pages = 0
        self.progress: Progress[K] = Progress()
        self.navigator: Navigator = navigator
        self._first, self._noun = first, noun
        self._ahead, self._max_pages = concurrency, max_pages
        self._window: deque[Fetch] = deque()  # in walk order; [0] is an announced URL
        self._tickets, self._completions = itertools.count(), itertools.count()
        self._finished: dict[int, int] = {}  # ticket -> completion rank, for the window only
        self._scheduled = 0
        self._last_ids: tuple[K, ...] | None = None

    @property
    def head(self) -> int | None:
        """The ticket whose page comes next, or None when the walk is over."""
        return self._window[0].ticket if self._window else None

    def start(self) -> Step:
        """The first fetch."""
        return Step(fetch=(self._schedule(self._first),))

    def completed(self, ticket: int) -> None:
        """A fetch finished: a page fetched ahead that finished first was served first."""
        if any(item.ticket == ticket for item in self._window):
            self._finished[ticket] = next(self._completions)

    def arrived(self, ticket: int, arrival: Arrival[K]) -> Step:
        """The page at :attr:`head` arrived: what to cancel, what to start, what to refuse."""
        head = self._window.popleft()
        if head.ticket != ticket:
            raise ValueError(f"page {ticket} arrived while the walk waits for {head.ticket}")
        done_at = self._finished.pop(ticket, -1)
        self._check_progress(arrival)
        moved = (
            (self._ahead > 1 or bool(self._window))
            and self._last_ids is not None
            and self.navigator.moved(self._last_ids, arrival.ids)
        )
        self._last_ids = arrival.ids
        self.pages += 1
        skip = self.navigator.read(arrival, head.url)
        target, refusal = self._follow(arrival, head.url)
        cancel = self._realign(moved, done_at, target, arrival.url)
        fetch = () if target is None else self._refill(target, head.url)
        return Step(cancel, fetch, refusal, skip)

    def _check_progress(self, arrival: Arrival[K]) -> None:
        stalled = self.progress.observe(arrival.ids)
        if arrival.next is None:
            return
        if arrival.ids == self._last_ids and not self.navigator.rereads:
            # Distinct next URIs, same items (an ignored offset, or rows inserted as fast as
            # the walk reads): the URIs cannot show this loop.
            reason = f"the server sent the same {self._noun} as the previous page"
        elif stalled:
            reason = (
                f"the last {self.progress.window} pages brought {self.progress.new} {self._noun} "
                f"not seen lately among {self.progress.carried}"
            )
        else:
            return
        raise PaginationError(
            f"{reason} and announced yet another page; stopping instead of looping "
            "(the list is not advancing)",
            method="GET",
            url=arrival.url,
        )

    def _follow(
        self, arrival: Arrival[K], fetched_as: URL
    ) -> tuple[URL | None, PaginationError | None]:
        if self._max_pages is not None and self.pages >= self._max_pages:
            return None, None
        try:
            return self.navigator.following(arrival, fetched_as), None
        except PaginationError as exc:
            return None, exc  # this page is good: hand it over, then refuse to go further

    def _realign(
        self, moved: bool, done_at: int, target: URL | None, page_url: str
    ) -> tuple[int, ...]:
        dropped: list[int] = []
        if moved:
            # The list moved before this page was served. A page fetched ahead that was served
            # before this one may have missed items the move pushed past it: refetch such
            # pages in order, and fetch one at a time from now on.
            if self._ahead > 1:
                logger.warning(
                    "the list changed during the walk; no longer fetching ahead (%s)", page_url
                )
                self._ahead = 1
            if any(self._finished.get(item.ticket, done_at) < done_at for item in self._window):
                dropped += self._drop()
        if self._window and (target is None or self._window[0].url != target):
            if target is not None:
                logger.debug("next URI %s was not the predicted one; refetching", target)
            dropped += self._drop()
        return tuple(dropped)

    def _drop(self) -> list[int]:
        tickets = [item.ticket for item in self._window]
        self._window.clear()
        for ticket in tickets:
            self._finished.pop(ticket, None)
        self._scheduled = self.pages
        return tickets

    def _refill(self, target: URL, fetched_as: URL) -> tuple[Fetch, ...]:
        started = [] if self._window else [self._schedule(target)]
        before = self._window[-2].url if len(self._window) > 1 else fetched_as
        last = self._window[-1].url
        while len(self._window) < self._ahead and (
            self._max_pages is None or self._scheduled < self._max_pages
        ):
            predicted = self.navigator.predict(before, last)
            if predicted is None:
                break
            started.append(self._schedule(predicted))
            before, last = last, predicted
        return tuple(started)

    def _schedule(self, url: URL) -> Fetch:
        item = Fetch(next(self._tickets), url)
        self._window.append(item)
        self._scheduled += 1
        return item


# ---------------------------------------------------------------------------------------------
# The scheduler: the only code that awaits


def _notify(planner: WalkPlanner[Any], ticket: int, _done: object) -> None:
    planner.completed(ticket)


async def _cancel(tasks: list[asyncio.Future[Any]]) -> None:
    for task in tasks:
        task.cancel()
    # Collect them so no "exception was never retrieved" is left behind.
    await asyncio.gather(*tasks, return_exceptions=True)


async def _limited(fetch: Callable[[URL], Awaitable[P]], limit: AdaptiveLimit, url: URL) -> P:
    await limit.acquire()  # FIFO: fetches start in walk order, so the awaited page goes first
    succeeded = False
    try:
        page = await fetch(url)
        succeeded = True
        return page
    finally:
        limit.release(succeeded=succeeded)


async def run_walk(
    fetch: Callable[[URL], Awaitable[P]],
    planner: WalkPlanner[Hashable],
    listing: Listing[P, Any],
    *,
    limit: AdaptiveLimit | None = None,
) -> AsyncGenerator[P, None]:
    """Make the fetches ``planner`` asks for and yield their pages in walk order.

    With ``limit``, at most ``limit.limit`` of them send at once (fewer after 429s).
    """
    tasks: dict[int, asyncio.Future[P]] = {}

    def start(fetches: Iterable[Fetch]) -> None:
        for item in fetches:
            coro = fetch(item.url) if limit is None else _limited(fetch, limit, item.url)
            task = asyncio.ensure_future(coro)
            task.add_done_callback(functools.partial(_notify, planner, item.ticket))
            tasks[item.ticket] = task

    start(planner.start().fetch)
    try:
        while (ticket := planner.head) is not None:
            page = await tasks.pop(ticket)
            step = planner.arrived(ticket, Arrival(page.url, page.next, listing.ids(page)))
            if step.cancel:
                await _cancel([tasks.pop(t) for t in step.cancel])
            start(step.fetch)
            kept = listing.without_first(page, step.skip) if step.skip else page
            if kept is not None:
                yield kept
            if step.refusal is not None:
                raise step.refusal
    finally:
        if tasks:
            await _cancel(list(tasks.values()))


# ---------------------------------------------------------------------------------------------
# Iterators


class PageWalk(AsyncIterator[P], Generic[P, T]):
    """Async iterator over the pages of any list; see :class:`PageIterator`."""

    def __init__(
        self,
        fetch: Callable[[URL], Awaitable[P]],
        base: URL,
        first: URL,
        *,
        listing: Listing[P, T],
        max_pages: int | None = None,
        concurrency: int = 1,
        scrub: Callable[[APIError], object] | None = None,
        exact: bool = False,
        pressure: Backpressure | None = None,
        resume: ExactResume | None = None,
    ) -> None:
        self._listing = listing
        # Masks secrets a server echoed into a refusal's text (a ``next`` URI is its words).
        self._scrub = scrub
        self._navigator: FollowNext | ExactOverlap = (
            ExactOverlap(base, first, resume=resume)
            if exact or resume is not None
            else FollowNext(base, first)
        )
        self._planner: WalkPlanner[Hashable] = WalkPlanner(
            first,
            self._navigator,
            concurrency=concurrency,
            max_pages=max_pages,
            noun=listing.noun,
        )
        # Pages fetched ahead send fewer at once after the client is answered 429.
        limit = None
        if pressure is not None and concurrency > 1:
            limit = AdaptiveLimit(concurrency, pressure)
        self._gen = run_walk(fetch, self._planner, listing, limit=limit)
        self._pages = 0
        self._page_url: str | None = None
        self._next_uri: str | None = str(first)

    def __aiter__(self) -> PageWalk[P, T]:
        return self

    async def __anext__(self) -> P:
        try:
            page = await self._gen.__anext__()
        except PaginationError as exc:
            if self._scrub is not None:
                self._scrub(exc)
            raise
        self._pages += 1
        self._page_url, self._next_uri = page.url, page.next
        return page

    async def aclose(self) -> None:
        """Stop the walk and cancel pages fetched ahead."""
        await self._gen.aclose()

    @property
    def pages_fetched(self) -> int:
        """Pages yielded so far."""
        return self._pages

    @property
    def exact(self) -> bool:
        """Whether this walk guarantees every order present for the whole walk exactly once.

        True for ``exact=True`` walks while the server pages by offset/limit; False for other
        walks (orders created or deleted during them can be skipped or repeated) and from the
        moment an exact walk met a ``next`` that is not offset-shaped (a WARNING says so).
        """
        return isinstance(self._navigator, ExactOverlap) and self._navigator.exact

    @property
    def realignments(self) -> int:
        """Times an exact walk saw that the list moved and re-aligned (0 for other walks)."""
        return getattr(self._navigator, "realignments", 0)

    @property
    def exact_position(self) -> ExactPosition | None:
        """Where an exact walk continues after the last page yielded (see :class:`ExactPosition`).

        None for other walks, before the first page, and once an exact walk stopped being
        exact. Read it between pages: it describes the walk after the page last yielded.
        """
        if isinstance(self._navigator, ExactOverlap):
            return self._navigator.position
        return None

    @property
    def resume_uri(self) -> str | None:
        """The URI of the page after the last one yielded, to pass as ``start=`` later.

        Before the first page it is the first page's URI. It is plain data, valid in another
        process: ``start=`` follows it as-is (same origin only). None once the last page was
        yielded: the walk is complete, and ``start=None`` would start again from the first
        page, so record completion yourself. An offset URI says where the walk stood, not
        which orders it had seen: orders created or deleted since can be repeated or skipped.
        For an exact walk too it is the server's ``next``: a walk started from it is exact only
        from there on (``client.orders.export(exact=True)`` resumes exactly, from
        :attr:`exact_position` and the ids in its file).
        """
        # The raw URI as the server sent it: start= resolves and checks it again.
        return self._next_uri


class ItemWalk(AsyncIterator[T], Generic[P, T]):
    """Async iterator over the items of any list across pages; see :class:`OrderIterator`."""

    def __init__(self, pages: PageWalk[P, T], *, dedupe: bool = False) -> None:
        self._pages = pages
        self._items, self._key = pages._listing.items, pages._listing.key
        self._seen: set[Hashable] | None = set() if dedupe else None
        self._current: Sequence[T] = ()
        self._index = 0
        self._yielded = 0
        self._duplicates = 0
        self._summarized = False

    def __aiter__(self) -> ItemWalk[P, T]:
        return self

    async def __anext__(self) -> T:
        while True:
            while self._index < len(self._current):
                item = self._current[self._index]
                self._index += 1
                if self._seen is not None and self._is_duplicate(item):
                    continue
                self._yielded += 1
                return item
            try:
                page = await self._pages.__anext__()
            except BaseException:  # the end, an error or a cancel: the walk is over
                self._summarize()
                raise
            self._current, self._index = self._items(page), 0

    def _is_duplicate(self, item: T) -> bool:
        assert self._seen is not None
        key = self._key(item)
        if key in self._seen:
            self._duplicates += 1
            logger.debug("id %r appeared twice in the %s; skipped", key, self._pages._listing.noun)
            return True
        self._seen.add(key)
        return False

    def _summarize(self) -> None:
        # One WARNING per walk, not one per duplicate: a moving list can repeat thousands.
        if self._duplicates and not self._summarized:
            self._summarized = True
            logger.warning(
                "%d %s appeared twice: the list changed during the walk; dedupe skipped them (%s)",
                self._duplicates,
                self._pages._listing.noun,
                self._pages._page_url,
            )

    async def aclose(self) -> None:
        """Stop the walk and cancel pages fetched ahead."""
        self._summarize()
        await self._pages.aclose()

    @property
    def pages_fetched(self) -> int:
        """Pages fetched and started so far."""
        return self._pages.pages_fetched

    @property
    def exact(self) -> bool:
        """Whether each item present for the whole walk comes exactly once (see PageWalk)."""
        return self._pages.exact

    @property
    def realignments(self) -> int:
        """Times an exact walk saw that the list moved and re-aligned."""
        return self._pages.realignments

    @property
    def duplicates_skipped(self) -> int:
        """Items skipped because their id was already yielded (``dedupe=True`` only)."""
        return self._duplicates

    @property
    def resume_uri(self) -> str | None:
        """The URI to pass as ``start=`` to continue this walk later, in any process.

        After the last item of a page, it is the following page's URI; None once the last
        page was consumed (the walk is complete: ``start=None`` would start it over). Mid-page
        it is the *current* page's URI, so a walk resumed from it yields that page again from
        its first item, including those already yielded: ``dedupe`` only skips ids this
        iterator has seen, and a new iterator has seen none. Skip them yourself, or stop only
        at page boundaries.
        """
        if self._index < len(self._current):
            return self._pages._page_url
        return self._pages.resume_uri


class PageIterator(PageWalk[OrderPage, Order]):
    """Async iterator over order pages, returned by ``client.orders.pages()``.

    ``resume_uri`` is where a new walk (``start=``) picks up after the last page yielded
    (None once the walk is complete); ``pages_fetched`` counts pages yielded. Call
    ``await it.aclose()`` (or finish the loop) to cancel any page fetched ahead. A walk that
    stops advancing raises :class:`PaginationError` within a bounded number of pages (see the
    README's pagination section). ``exact`` says whether the walk guarantees every order present
    throughout exactly once (``exact=True``).
    """

    def __init__(
        self,
        fetch: Callable[[URL], Awaitable[OrderPage]],
        base: URL,
        first: URL,
        *,
        max_pages: int | None = None,
        concurrency: int = 1,
        scrub: Callable[[APIError], object] | None = None,
        exact: bool = False,
        pressure: Backpressure | None = None,
        resume: ExactResume | None = None,
    ) -> None:
        super().__init__(
            fetch,
            base,
            first,
            listing=ORDER_LISTING,
            max_pages=max_pages,
            concurrency=concurrency,
            scrub=scrub,
            exact=exact,
            pressure=pressure,
            resume=resume,
        )


class OrderIterator(ItemWalk[OrderPage, Order]):
    """Async iterator over orders across pages, returned by ``client.orders.iter()``.

    With ``dedupe=True`` an order id seen before is skipped (orders created or removed during
    a walk shift offset pages, so the same order can appear twice); ``duplicates_skipped``
    counts them, each is logged at DEBUG and one WARNING with the total is logged when the walk
    ends, fails or is closed. Keeping the seen ids costs a few bytes per order.
    ``resume_uri`` is the URI to resume from: after a whole page it is the next page; mid-page
    it is the current page, whose orders a walk resumed from it yields again from the first
    (its ``dedupe`` starts empty, in this process or another). For a file that survives kills,
    ``client.orders.export`` saves whole pages with the file's length and resumes exactly.
    """

    def __init__(self, pages: PageIterator, *, dedupe: bool = False) -> None:
        super().__init__(pages, dedupe=dedupe)

    @property
    def orders_yielded(self) -> int:
        """Orders yielded so far (duplicates skipped are not counted)."""
        return self._yielded


# ---------------------------------------------------------------------------------------------
# Sub-users: offset/limit pages with a total ``count`` and no ``next``


@attrs.frozen
class SubUserSheet:
    """A sub-user page as a walk reads it: the page, where it came from, the computed ``next``."""

    page: SubUserPage
    url: str
    next: str | None


def decode_sub_user_sheet(data: Any, url: str) -> SubUserSheet:
    """A ``GET /user/api/proxies/sub-users`` body fetched from ``url``, with its next offset.

    The API sends no ``next``: the following page starts after the sub-users received, until
    ``count`` (the total) is reached or a page comes back empty.
    """
    page = decode_sub_user_page(data)
    return SubUserSheet(page, url, next_offset_uri(url, total=page.count, received=len(page)))


SUB_USER_LISTING: Listing[SubUserSheet, SubUser] = Listing(
    lambda sheet: sheet.page.data, attrgetter("user_id"), "sub-users"
)


class SubUserIterator(ItemWalk[SubUserSheet, SubUser]):
    """Async iterator over every sub-user across pages, returned by ``client.sub_users.iter()``.

    Pages are requested by offset until ``count`` is reached or a page is empty. One page is
    walked at a time: the current one, plus the next, requested while you work on it (nothing
    else is kept). The order walk's loop protection applies: a server that ignores the offset
    or stops advancing raises :class:`PaginationError`.
    """

    def __init__(self, pages: PageWalk[SubUserSheet, SubUser]) -> None:
        super().__init__(pages)

    @property
    def users_yielded(self) -> int:
        """Sub-users yielded so far."""
        return self._yielded
