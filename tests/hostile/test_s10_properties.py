"""Scenario 10: property tests.

1. Every response model survives unstructure -> JSON -> structure through ``CONVERTER``,
   tolerates unknown extra fields and ``null`` where a field is optional, and refuses ``null``
   in a required field with a typed (cattrs) error.
2. Any page graph (random ``next`` links: chains, cycles, self-loops, foreign origins,
   credentials, junk, pages repeating the previous one) terminates: the walk either completes
   or raises ``PaginationError``, yields exactly the pages a reference walk predicts, gives the
   same result at every ``concurrency``, and never requests another origin. Driven through the
   real walk with a fake transport (fast), and a smaller sample over real loopback HTTP.

Examples are derandomized (the same every run) and bounded to keep the suite fast.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from yarl import URL

from proxyorders_async import (
    Account,
    ActiveProxy,
    ActiveProxyList,
    AddonLine,
    AddonPending,
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    BillingCycleChange,
    City,
    Country,
    Isp,
    NotFoundError,
    OperationResult,
    Order,
    OrderDetail,
    OrderPage,
    PageIterator,
    PaginationError,
    PriceQuote,
    Product,
    ProxyOrdersClient,
    PurchaseResult,
    Region,
    RegionRef,
    ResidentialProfile,
    SignatureUpdate,
    StockLevel,
    SubUser,
    SubUserPage,
    make_converter,
)
from proxyorders_async._converters import decode_page
from proxyorders_async._pagination import start_url

from ._support import FAST, loopback_server, record

CONVERTER = make_converter()
ROUND_TRIP = settings(max_examples=60, deadline=None, derandomize=True, database=None)

# -- 1. models ----------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# ISO 8601 / RFC 3339 offsets are whole minutes. (Python 3.11's fromisoformat silently drops
# a sub-second offset such as "+00:00:00.000001": a stdlib quirk no API can produce.)
offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timedelta(minutes=m))
aware = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.builds(timezone, offsets),
)
text = st.text(max_size=30)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
opt_text, opt_int, opt_bool = st.none() | text, st.none() | ints, st.none() | st.booleans()

addon_lines = st.builds(
    AddonLine,
    addon_key=opt_text,
    catalog_id=opt_int,
    qty=opt_int,
    price_per_unit=opt_int,
    pending=st.none() | st.builds(AddonPending, action=opt_text, next_qty=opt_int),
)

MODELS: dict[type[Any], st.SearchStrategy[Any]] = {
    Order: st.builds(
        Order,
        order_id=ints,
        product_id=ints,
        product_name=text,
        cycle_id=ints,
        cycle_name=text,
        expires_at=st.none() | aware,
        auto_renewal=opt_bool,
        tag=opt_text,
    ),
    OrderDetail: st.builds(
        OrderDetail,
        order_id=opt_int,
        product_name=opt_text,
        cycle_name=opt_text,
        status=opt_text,
        quantity=opt_int,
        price_paid=opt_int,
        addons_price_paid=opt_int,
        addons=st.none() | st.lists(addon_lines, max_size=3).map(tuple),
        p0f_slots_available=opt_int,
        p0f_slots_used=opt_int,
        p0f_slots_next=opt_int,
        created_at=st.none() | aware,
        expires_at=st.none() | aware,
        promo_code=opt_text,
        auto_renewal=opt_bool,
        tag=opt_text,
    ),
    Account: st.builds(Account, email=text, active_orders=ints, wallet_balance=ints),
    PriceQuote: st.builds(
        PriceQuote,
        original_price=opt_int,
        final_price=opt_int,
        discount_percent=opt_int,
        addons_price=opt_int,
        total_with_addons=opt_int,
    ),
    PurchaseResult: st.builds(
        # A purchase names its new order: a positive 64-bit id.
        PurchaseResult,
        order_id=st.integers(min_value=1, max_value=2**63 - 1),
        success=st.booleans(),
        message=opt_text,
    ),
    BillingCycleChange: st.builds(
        BillingCycleChange,
        success=st.booleans(),
        message=opt_text,
        order_id=opt_int,
        original_price=opt_int,
        final_price=opt_int,
        discount_percent=opt_int,
        order=st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    ),
    OperationResult: st.builds(OperationResult, success=st.booleans(), message=opt_text),
    ActiveProxy: st.builds(
        ActiveProxy,
        ip=text,
        username=text,
        password=text,
        http_port=ints,
        socks_port=ints,
        until=text,
        status=text,
        signature=opt_text,
    ),
    Product: st.builds(
        Product,
        name=text,
        cycles=st.lists(text, max_size=4).map(tuple),
        description=opt_text,
        location=opt_text,
    ),
    StockLevel: st.builds(StockLevel, country=text, product=text, amount=ints),
}
MODELS[ActiveProxyList] = st.builds(
    ActiveProxyList,
    data=st.lists(MODELS[ActiveProxy], max_size=3).map(tuple),
    order_tag=opt_text,
    success=st.booleans(),
)
# API 1.1.0 answers (issue 11).
addon_lists = st.none() | st.lists(addon_lines, max_size=3).map(tuple)
countries = st.builds(Country, code=text, name=text)
region_refs = st.none() | st.builds(RegionRef, code=text, name=text)
sub_users = st.builds(
    SubUser,
    user_id=text,
    first_name=text,
    proxy_password=text,
    data=ints,
    data_spent=ints,
    data_remain=opt_int,
)
MODELS.update(
    {
        AddonLine: addon_lines,
        AddonQuote: st.builds(
            AddonQuote,
            addon_key=opt_text,
            catalog_id=opt_int,
            price_per_unit=opt_int,
            current_qty=opt_int,
            add_qty=opt_int,
            new_qty=opt_int,
            add_total=opt_int,
            success=st.booleans(),
        ),
        AddonPurchase: st.builds(
            AddonPurchase, addons_price_paid=opt_int, addons=addon_lists, message=opt_text
        ),
        AddonSchedule: st.builds(AddonSchedule, addons=addon_lists, message=opt_text),
        SignatureUpdate: st.builds(SignatureUpdate, updated=opt_int, message=opt_text),
        ResidentialProfile: st.builds(
            ResidentialProfile, data=ints, data_remain=ints, data_spent=ints, proxy_password=text
        ),
        SubUser: sub_users,
        SubUserPage: st.builds(
            SubUserPage, data=st.lists(sub_users, max_size=3).map(tuple), count=opt_int
        ),
        Country: countries,
        Region: st.builds(Region, code=text, name=text, country=countries),
        City: st.builds(City, code=text, name=text, country=countries, region=region_refs),
        Isp: st.builds(Isp, code=text, name=text, country=countries, region=region_refs),
    }
)


def _wire(obj: Any) -> Any:
    """What the API would send for ``obj``: unstructured, then through JSON text."""
    return json.loads(json.dumps(CONVERTER.unstructure(obj)))


@pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
@settings(ROUND_TRIP, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_models_round_trip_and_tolerate_extras_and_allowed_nulls(
    model: type[Any], data: st.DataObject
) -> None:
    obj = data.draw(MODELS[model])
    wire = _wire(obj)
    assert CONVERTER.structure(wire, model) == obj

    names = {f.name for f in attrs.fields(model)}
    extra = data.draw(
        st.dictionaries(text.filter(lambda k: k not in names), json_values, max_size=4)
    )
    assert CONVERTER.structure({**extra, **wire}, model) == obj

    optional = [f.name for f in attrs.fields(model) if f.default is None]
    if optional:
        nulled = data.draw(st.sets(st.sampled_from(optional), min_size=1))
        assert CONVERTER.structure({**wire, **dict.fromkeys(nulled)}, model) == attrs.evolve(
            obj, **dict.fromkeys(nulled)
        )
    required = [f.name for f in attrs.fields(model) if f.default is attrs.NOTHING]
    if required:
        field = data.draw(st.sampled_from(required))
        with pytest.raises(cattrs.BaseValidationError):
            CONVERTER.structure({**wire, field: None}, model)


def test_round_trip_figures() -> None:
    record("S10", models=len(MODELS), examples_per_model=ROUND_TRIP.max_examples)


# -- 2. page graphs -----------------------------------------------------------------------

BASE = "http://127.0.0.1:8765"
FOREIGN = [
    "http://127.0.0.1:8766/user/api/orders?status=all&offset=0&limit=3",  # another port
    "//127.0.0.1:8766/user/api/orders",  # scheme-relative, another port
    "https://127.0.0.1:8765/user/api/orders",  # another scheme
    "http://user:pw@127.0.0.1:8765/user/api/orders?status=all&offset=0&limit=3",  # userinfo
    "http://localhost:8765/user/api/orders",  # another host name
    "javascript:alert(1)",
    "http://[::1",  # unparsable
    "",
    "   ",
]


@attrs.frozen
class Graph:
    paths: tuple[str, ...]  # node i is served at BASE + paths[i]
    ids: tuple[tuple[int, ...], ...]  # the order ids on node i
    links: tuple[str | None, ...]  # node i's next, exactly as sent


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    n = draw(st.integers(min_value=1, max_value=7))
    limit = draw(st.sampled_from([1, 3, 100]))
    if draw(st.booleans()):  # offset pages (so fetch-ahead predicts), at distinct offsets
        offsets = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n, unique=True))
        paths = [f"/user/api/orders?status=all&offset={o * limit}&limit={limit}" for o in offsets]
        if draw(st.booleans()):
            offsets = sorted(offsets)  # mostly a straight chain
            paths = [
                f"/user/api/orders?status=all&offset={o * limit}&limit={limit}" for o in offsets
            ]
    else:
        paths = [f"/user/api/orders?cursor=c{i}x" for i in range(n)]
    ids = [tuple(draw(st.lists(st.integers(1, 12), max_size=3))) for _ in range(n)]
    links: list[str | None] = []
    for i in range(n):
        kind = draw(st.sampled_from(["next", "next", "any", "none", "foreign"]))
        if kind == "none":
            links.append(None)
            continue
        if kind == "foreign":
            links.append(draw(st.sampled_from(FOREIGN)))
            continue
        target = i + 1 if kind == "next" and i + 1 < n else draw(st.integers(0, n - 1))
        absolute = draw(st.booleans())
        links.append((BASE if absolute else "") + paths[target])
    return Graph(tuple(paths), tuple(ids), tuple(links))


def reference_walk(graph: Graph) -> tuple[list[int], bool]:
    """The nodes a correct walk yields from node 0, and whether it must end in an error.

    A page whose ``next`` is refused (foreign, junk, already visited) is still yielded; a page
    repeating the previous page's orders while announcing another is not.
    """
    base = URL(BASE)
    by_url = {str(URL(BASE + p)): i for i, p in enumerate(graph.paths)}
    visited = {str(URL(BASE + graph.paths[0]))}
    yielded: list[int] = []
    node, last = 0, None
    while True:
        link = graph.links[node]
        if graph.ids[node] == last and link is not None:
            return yielded, True  # the same orders again: not advancing
        last = graph.ids[node]
        if link is None:
            return [*yielded, node], False
        if link in FOREIGN:  # the page itself is good: yielded, then the walk refuses
            return [*yielded, node], True
        key = str(base.join(URL(link)).with_fragment(None))
        if key in visited:
            return [*yielded, node], True
        visited.add(key)
        yielded.append(node)
        node = by_url[key]


def _outcome(graph: Graph, expected: tuple[list[int], bool]) -> str:
    """A label for the statistics: how the reference walk ends."""
    nodes, failed = expected
    if not failed:
        return "completes"
    if nodes and graph.links[nodes[-1]] in FOREIGN:
        return "refused: foreign or junk next"
    if nodes and _next_node(graph, nodes) in nodes:
        return "refused: cycle"
    return "refused: same page again"


def _next_node(graph: Graph, nodes: list[int]) -> int:
    """The node the reference walk stopped at (the one after the last yielded)."""
    if not nodes:
        return 0
    link = graph.links[nodes[-1]]
    assert link is not None
    by_url = {str(URL(BASE + p)): i for i, p in enumerate(graph.paths)}
    return by_url[str(URL(BASE).join(URL(link)))]


def _body(graph: Graph, node: int) -> dict[str, Any]:
    orders = [
        {
            "order_id": i,
            "product_id": 1,
            "product_name": "Datacenter Proxy",
            "cycle_id": 4,
            "cycle_name": "monthly",
        }
        for i in graph.ids[node]
    ]
    return {"success": True, "orders": orders, "count": len(orders), "next": graph.links[node]}


async def _walk_fake(graph: Graph, concurrency: int) -> tuple[list[int], bool, list[URL]]:
    """The real walk (planner and scheduler) over a fake ``fetch``: no client, no sockets."""
    by_url = {str(URL(BASE + p)): i for i, p in enumerate(graph.paths)}
    requested: list[URL] = []

    async def fetch(url: URL) -> OrderPage:
        requested.append(url)
        assert len(requested) <= 20 * (len(graph.paths) + 1) * concurrency, "unbounded walk"
        node = by_url.get(str(url))
        if node is None:  # a page predicted past what exists
            raise NotFoundError("no such page", status=404, body={}, method="GET", url=str(url))
        return decode_page(_body(graph, node), str(url))

    nodes: list[int] = []
    first = start_url(URL(BASE), "/user/api/orders", {}, limit=20, start=graph.paths[0])
    pages = PageIterator(fetch, URL(BASE), first, concurrency=concurrency)
    failed = False
    try:
        async for page in pages:
            nodes.append(by_url[page.url])
    except PaginationError:
        failed = True
    return nodes, failed, requested


GRAPH_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@GRAPH_SETTINGS
@given(graph=graphs(), concurrency=st.integers(1, 4))
async def test_any_page_graph_terminates_like_the_reference_walk(
    graph: Graph, concurrency: int
) -> None:
    expected = reference_walk(graph)
    event(_outcome(graph, expected))
    nodes, failed, requested = await _walk_fake(graph, concurrency)
    assert (nodes, failed) == expected
    base = URL(BASE)
    for url in requested:
        assert (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        assert url.user is None and url.password is None
    if concurrency > 1:
        assert (await _walk_fake(graph, 1))[:2] == (nodes, failed)


def test_graph_figures() -> None:
    record("S10", graph_examples=GRAPH_SETTINGS.max_examples)


# -- 2b. the same over real loopback HTTP ---------------------------------------------------


def _rebase(graph: Graph, origin: str) -> Graph:
    """Point the graph's absolute same-origin links at the loopback server's real origin."""
    links = tuple(
        link.replace(BASE, origin, 1) if link is not None and link.startswith(BASE) else link
        for link in graph.links
    )
    return attrs.evolve(graph, links=links)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(graph=graphs(), concurrency=st.integers(1, 4))
async def test_page_graphs_over_loopback_http(graph: Graph, concurrency: int) -> None:
    expected = reference_walk(graph)
    async with loopback_server() as server, loopback_server() as foreign:
        live = _rebase(graph, server.url)
        by_path = {URL(p).path_qs: i for i, p in enumerate(graph.paths)}

        async def orders(request: web.Request) -> web.Response:
            node = by_path.get(request.path_qs)
            if node is None:
                return web.json_response({"success": False, "message": "nope"}, status=404)
            body = _body(live, node)
            if body["next"] in FOREIGN[:2]:  # make the "other port" a real listening origin
                body["next"] = body["next"].replace("127.0.0.1:8766", foreign.url[7:])
            return web.json_response(body)

        server.routes[("GET", "/user/api/orders")] = orders
        nodes: list[int] = []
        failed = False
        client = ProxyOrdersClient(token="t0ken-0123456789", base_url=server.url, retry_policy=FAST)
        async with client:
            try:
                async for page in client.orders.pages(
                    "all", start=graph.paths[0], concurrency=concurrency
                ):
                    nodes.append(by_path[URL(page.url).path_qs])
            except PaginationError:
                failed = True
    assert (nodes, failed) == expected
    assert foreign.requests == []
