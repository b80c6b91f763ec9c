"""Fault injection: each fault kind, route keys, runtime changes and determinism."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import typing

import aiohttp
import pytest

from proxyorders_async.emulator import Emulator, FaultOptions, Faults, FaultSpec, JournalEntry

from .conftest import DC_MONTHLY, Api


async def _journal_entry(emu: Emulator, route: str, count: int = 1) -> list[JournalEntry]:
    """Wait until ``count`` entries of ``route`` are journaled (the server records a request
    when it finishes, which can be after the client gave up)."""
    for _ in range(500):
        entries = emu.journal_for(route)
        if len(entries) >= count:
            return entries
        await asyncio.sleep(0.01)
    raise AssertionError(f"{route} was not journaled {count} time(s): {emu.journal.entries}")


def test_fault_options_are_exactly_the_spec_fields() -> None:
    """``Faults.set(**options)`` is typed by ``FaultOptions``: it must mirror ``FaultSpec``."""
    spec_types = typing.get_type_hints(FaultSpec)
    fields = {field.name: spec_types[field.name] for field in dataclasses.fields(FaultSpec)}
    assert typing.get_type_hints(FaultOptions) == fields
    assert FaultOptions.__optional_keys__ == frozenset(fields)


def test_a_misspelt_option_is_refused_at_run_time() -> None:
    with pytest.raises(TypeError, match="latency"):
        Faults().set("*", latency=0.2)  # type: ignore[call-arg]


# -- latency --------------------------------------------------------------------------------


async def test_latency_and_jitter_are_journaled(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", latency_ms=20, jitter_ms=10)
    status, _ = await api.get("/user/api/me")
    assert status == 200
    (entry,) = emu.journal_for("me")
    assert 20 <= entry.delay_ms <= 30
    assert entry.faults == ()


def test_fault_draws_are_deterministic_per_seed() -> None:
    spec = FaultSpec(jitter_ms=100, error_rate=0.3, rate_limit_rate=0.2, reset_after_rate=0.1)
    runs = []
    for seed in (5, 5, 6):
        faults = Faults({"*": spec}, seed=seed)
        runs.append([faults.decide("orders.list", "/user/api/orders") for _ in range(50)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    names = {d.names for d in runs[0]}
    assert {("rate_limit",), ("reset_after",), ()} <= names
    assert any(n and n[0].startswith("error:") for n in names)


# -- status faults --------------------------------------------------------------------------


async def test_error_rate_answers_5xx_without_processing(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.purchase", error_rate=1.0, error_statuses=(502,))
    before = emu.account.balance
    status, body = await api.purchase(**DC_MONTHLY)
    assert status == 502
    assert body == {"success": False, "message": "Injected fault: 502 Bad Gateway"}
    assert emu.account.balance == before
    assert emu.journal_for("orders.purchase")[0].faults == ("error:502",)


async def test_error_rate_draws_from_all_statuses(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", error_rate=0.7)
    statuses = {(await api.get("/user/api/me"))[0] for _ in range(40)}
    assert statuses == {200, 500, 502, 503}


async def test_gateway_errors_can_be_html(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", error_rate=1.0, error_statuses=(503,), error_body="html")
    async with api.session.get(
        emu.url + "/user/api/orders?status=all", headers={"Authorization": f"Bearer {emu.token}"}
    ) as response:
        assert response.status == 503
        assert response.content_type == "text/html"
        assert "503 Service Unavailable" in await response.text()


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [(1, "1"), (30, "30"), ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"),
     (None, None)],
)  # fmt: skip
async def test_rate_limit_with_retry_after(
    api: Api, emu: Emulator, retry_after: int | str | None, header: str | None
) -> None:
    emu.faults.set("orders.purchase", rate_limit_rate=1.0, retry_after=retry_after)
    async with api.session.post(
        emu.url + "/user/api/orders/purchase",
        json=DC_MONTHLY,
        headers={"Authorization": f"Bearer {emu.token}"},
    ) as response:
        assert response.status == 429
        assert response.headers.get("Retry-After") == header
        assert (await response.json())["success"] is False
    assert len(emu.account.orders) == 50  # not processed


# -- connection faults ------------------------------------------------------------------------


async def test_reset_before_processing_creates_no_order(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.purchase", reset_before_rate=1.0)
    before = emu.account.balance
    with pytest.raises(aiohttp.ClientError):
        await api.purchase(**DC_MONTHLY)
    (entry,) = await _journal_entry(emu, "orders.purchase")
    assert entry.status is None
    assert entry.faults == ("reset_before",)
    assert entry.body == DC_MONTHLY
    assert len(emu.account.orders) == 50
    assert emu.account.balance == before


async def test_reset_after_processing_has_created_the_order(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.purchase", reset_after_rate=1.0)
    before = emu.account.balance
    with pytest.raises(aiohttp.ClientError):
        await api.purchase(**DC_MONTHLY)
    (entry,) = await _journal_entry(emu, "orders.purchase")
    assert entry.status == 200
    assert entry.faults == ("reset_after",)
    assert len(emu.account.orders) == 51
    assert emu.account.balance == before - 120


async def test_reset_after_sends_headers_then_half_a_body(emu: Emulator) -> None:
    emu.faults.set("me", reset_after_rate=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    request = f"GET /user/api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emu.token}\r\n\r\n"
    writer.write(request.encode())
    received = b""
    reset = False
    try:
        while chunk := await reader.read(65536):
            received += chunk
    except ConnectionResetError:
        reset = True
    finally:
        writer.close()
        with contextlib.suppress(ConnectionResetError):
            await writer.wait_closed()
    assert reset, received
    # Whatever the kernel delivered before the RST is a strict prefix of the response.
    if received:
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        assert len(body) < int(headers[b"Content-Length"])


async def test_truncated_json_after_processing(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.purchase", truncate_rate=1.0)
    async with api.session.post(
        emu.url + "/user/api/orders/purchase",
        json=DC_MONTHLY,
        headers={"Authorization": f"Bearer {emu.token}"},
    ) as response:
        assert response.status == 200
        raw = await response.read()
        assert response.content_length == len(raw)
    with pytest.raises(ValueError):
        json.loads(raw)
    assert raw.startswith(b'{"success":true')
    assert len(emu.account.orders) == 51
    assert emu.journal_for("orders.purchase")[0].faults == ("truncate",)


async def test_stalled_headers_time_out_the_client(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", stall_ms=10_000)
    timeout = aiohttp.ClientTimeout(sock_read=0.05)
    with pytest.raises(asyncio.TimeoutError):
        await api.get("/user/api/me", timeout=timeout)
    (entry,) = await _journal_entry(emu, "me")
    assert entry.faults == ("cancelled",)  # the handler was dropped when the client left
    assert entry.status is None


async def test_a_short_stall_delivers_the_whole_answer_late(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", stall_ms=20)
    status, body = await api.get("/user/api/me")
    assert status == 200
    assert body["email"] == emu.account.email


async def test_trickled_body_arrives_complete(api: Api, emu: Emulator) -> None:
    emu.faults.set("proxies.products", trickle_chunk_bytes=256, trickle_delay_ms=1)
    status, body = await api.get("/user/api/proxies/products")
    assert status == 200
    assert body["success"] is True


async def test_trickled_body_times_out_a_strict_reader(api: Api, emu: Emulator) -> None:
    emu.faults.set("proxies.products", trickle_chunk_bytes=16, trickle_delay_ms=5_000)
    with pytest.raises(asyncio.TimeoutError):
        await api.get("/user/api/proxies/products", timeout=aiohttp.ClientTimeout(sock_read=0.05))


# -- fail_first -------------------------------------------------------------------------------


async def test_fail_first_k_requests_exactly(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.purchase", fail_first=2, fail_with=503)
    statuses = [(await api.purchase(**DC_MONTHLY))[0] for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert emu.count("POST", "/user/api/orders/purchase") == 4
    assert [e.fault for e in emu.journal_for("orders.purchase")] == [
        "fail_first:503", "fail_first:503", None, None
    ]  # fmt: skip
    assert len(emu.account.orders) == 52


async def test_fail_first_with_a_reset_after_processing_buys_anyway(
    api: Api, emu: Emulator
) -> None:
    """The scenario an SDK must not retry: the first purchase succeeded server-side."""
    emu.faults.set("orders.purchase", fail_first=1, fail_with="reset_after")
    with pytest.raises(aiohttp.ClientError):
        await api.purchase(**DC_MONTHLY)
    status, _ = await api.purchase(**DC_MONTHLY)
    assert status == 200
    assert len(emu.account.orders) == 52  # a naive retry bought twice


@pytest.mark.parametrize("kind", ["reset_before", "truncate", 429, 500])
async def test_fail_first_kinds(api: Api, emu: Emulator, kind: int | str) -> None:
    emu.faults.set("orders.purchase", fail_first=1, fail_with=kind)
    try:
        status, _ = await api.purchase(**DC_MONTHLY)
    except aiohttp.ClientError:
        status = None
    expected = {"reset_before": None, "truncate": 200, 429: 429, 500: 500}[kind]
    assert status == expected
    assert (await api.purchase(**DC_MONTHLY))[0] == 200
    (first, second) = await _journal_entry(emu, "orders.purchase", 2)
    assert first.fault == f"fail_first:{kind}"
    assert second.fault is None


async def test_setting_a_spec_again_restarts_fail_first(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", fail_first=1)
    assert (await api.get("/user/api/me"))[0] == 503
    assert (await api.get("/user/api/me"))[0] == 200
    emu.faults.set("me", fail_first=1)
    assert (await api.get("/user/api/me"))[0] == 503


# -- list faults ------------------------------------------------------------------------------


async def test_next_pointing_to_another_origin(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", next_origin="http://evil.test:8080/")
    _, body = await api.orders(status="all", offset=10, limit=10)
    assert body["next"] == "http://evil.test:8080/user/api/orders?status=all&offset=20&limit=10"
    assert body["prev"] == "http://evil.test:8080/user/api/orders?status=all&offset=0&limit=10"
    assert emu.journal_for("orders.list")[0].faults == ("next_origin",)


async def test_a_second_emulator_as_the_other_origin_sees_leaked_tokens(
    api: Api, emu: Emulator
) -> None:
    """How a client test proves it never sends the token elsewhere: the journal of the other
    origin records whether an Authorization header arrived."""
    async with Emulator(token=emu.token) as other:
        emu.faults.set("orders.list", next_origin=other.url)
        _, body = await api.orders(status="all", limit=10)
        await api.call("GET", body["next"], token=None)
        (entry,) = other.journal_for("orders.list")
        assert entry.auth_sent is False
        assert entry.status == 401


async def test_next_loop(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", next_loop=True)
    _, first = await api.orders(status="all", limit=20)
    assert first["next"] == "/user/api/orders?status=all&offset=20&limit=20"
    _, second = await api.get(first["next"])
    assert second["next"] == "/user/api/orders?status=all&offset=0&limit=20"
    _, last = await api.orders(status="all", offset=40, limit=20)
    assert last["next"] == "/user/api/orders?status=all&offset=0&limit=20"  # even at the end
    assert [e.fault for e in emu.journal_for("orders.list")] == [None, "next_loop", "next_loop"]


async def test_next_loop_with_another_origin(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", next_loop=True, next_origin="http://evil.test")
    _, page = await api.orders(status="all", offset=20, limit=20)
    assert page["next"] == "http://evil.test/user/api/orders?status=all&offset=0&limit=20"


async def _walk(api: Api, status: str, limit: int) -> list[int]:
    seen: list[int] = []
    path: str | None = f"/user/api/orders?status={status}&offset=0&limit={limit}"
    while path is not None:
        _, page = await api.get(path)
        seen += [o["order_id"] for o in page["orders"]]
        path = page["next"]
    return seen


async def test_shift_insert_repeats_orders_on_the_next_page(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", shift_insert=2)
    seen = await _walk(api, "all", 10)
    assert len(seen) > len(set(seen))  # duplicates across page boundaries
    assert set(seen) <= set(emu.account.order_ids())
    assert len(emu.account.orders) > 50
    inserted = [i for i in emu.account.order_ids() if i < 100_001]
    assert inserted == sorted(inserted) and inserted  # they sort before every older order
    assert emu.journal_for("orders.list")[0].faults == ("shift",)


async def test_shift_insert_keeps_the_filtered_status(api: Api, emu: Emulator) -> None:
    emu.faults.set("orders.list", shift_insert=1)
    await api.orders(status="on-hold", limit=5)
    assert emu.account.get(emu.account.order_ids()[0]).status == "on-hold"


async def test_shift_delete_skips_orders(api: Api, emu: Emulator) -> None:
    original = list(emu.account.order_ids("active"))
    emu.faults.set("orders.list", shift_delete=1)
    seen = await _walk(api, "active", 5)
    assert len(seen) == len(set(seen))
    assert set(seen) < set(original)  # some were never served


async def test_shift_delete_random_draws_from_the_whole_list(api: Api, emu: Emulator) -> None:
    original = list(emu.account.order_ids())
    emu.faults.set("orders.list", shift_delete=3, shift_delete_random=True)
    await api.orders(status="all", limit=5)
    deleted = sorted(set(original) - set(emu.account.order_ids()))
    assert len(deleted) == 3 and deleted != original[:3]  # not only the first orders listed


async def test_a_descending_list_pages_newest_first(api: Api, emu: Emulator) -> None:
    emu.settings.order_sort = "desc"
    ids = list(emu.account.order_ids())
    seen = await _walk(api, "all", 20)
    assert seen == ids[::-1]
    _, page = await api.orders(status="all", offset=45, limit=20)
    assert [o["order_id"] for o in page["orders"]] == ids[4::-1] and page["next"] is None


async def test_shifts_of_a_descending_list_happen_at_its_front(api: Api, emu: Emulator) -> None:
    emu.settings.order_sort = "desc"
    before = list(emu.account.order_ids())
    emu.faults.set("orders.list", shift_insert=2)
    await api.orders(status="all", limit=5)
    inserted = [i for i in emu.account.order_ids() if i not in before]
    assert len(inserted) == 2 and min(inserted) > max(before)  # listed before every order
    emu.faults.set("orders.list", shift_delete=3)
    _, page = await api.orders(status="all", limit=5)
    first_three = {o["order_id"] for o in page["orders"][:3]}
    assert set(emu.account.order_ids()) == (set(before) | set(inserted)) - first_three


def test_an_unknown_sort_is_refused() -> None:
    with pytest.raises(ValueError, match="order_sort"):
        Emulator(order_sort="random")  # type: ignore[arg-type]


# -- route keys and runtime changes -----------------------------------------------------------


async def test_path_pattern_keys(api: Api, emu: Emulator) -> None:
    order_id = emu.account.order_ids()[0]
    emu.faults.set("/user/api/orders/*/tag", error_rate=1.0, error_statuses=(500,))
    assert (await api.post(f"/user/api/orders/{order_id}/tag", json={"tag": "x"}))[0] == 500
    assert (await api.get(f"/user/api/orders/{order_id}"))[0] == 200


async def test_star_applies_everywhere_and_names_win(api: Api, emu: Emulator) -> None:
    emu.faults.set("*", error_rate=1.0, error_statuses=(503,))
    emu.faults.set("me", latency_ms=1)
    assert (await api.get("/health", token=None))[0] == 503
    assert (await api.get("/user/api/nope"))[0] == 503
    assert (await api.get("/user/api/me"))[0] == 200  # the named spec replaces "*"


async def test_faults_change_at_runtime(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", error_rate=1.0)
    assert (await api.get("/user/api/me"))[0] >= 500
    emu.faults.update("me", error_rate=0.0, latency_ms=1)
    assert emu.faults.get("me") == FaultSpec(latency_ms=1)
    assert (await api.get("/user/api/me"))[0] == 200
    emu.faults.set("me", error_rate=1.0)
    emu.faults.clear("me")
    assert (await api.get("/user/api/me"))[0] == 200
    emu.faults.set("*", error_rate=1.0)
    emu.faults.set("/user/*", error_rate=1.0)
    emu.faults.clear()
    assert not emu.faults
    assert (await api.get("/user/api/me"))[0] == 200


async def test_applied_restores_the_previous_spec(api: Api, emu: Emulator) -> None:
    emu.faults.set("me", latency_ms=2)
    with emu.faults.applied("me", error_rate=1.0, error_statuses=(500,)):
        assert (await api.get("/user/api/me"))[0] == 500
    assert emu.faults.get("me") == FaultSpec(latency_ms=2)
    with emu.faults.applied("orders.get", FaultSpec(error_rate=1.0)):
        pass
    assert emu.faults.get("orders.get") is None


async def test_faults_from_the_constructor() -> None:
    async with (
        Emulator(faults={"health": FaultSpec(error_rate=1.0, error_statuses=(500,))}) as emu,
        aiohttp.ClientSession() as session,
        session.get(emu.url + "/health") as response,
    ):
        assert response.status == 500


@pytest.mark.parametrize(
    "fields",
    [
        {"error_rate": 1.5},
        {"rate_limit_rate": -0.1},
        {"latency_ms": -1},
        {"trickle_chunk_bytes": -1},
        {"error_rate": 0.5, "error_statuses": ()},
        {"error_statuses": (200,)},
        {"error_statuses": (599,)},
        {"fail_with": 302},
        {"fail_with": "explode"},
    ],
)
def test_invalid_specs_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaultSpec(**fields)  # type: ignore[arg-type]


def test_unknown_route_names_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown route 'orders\.lsit'"):
        Faults().set("orders.lsit", latency_ms=1)


def test_reseed_restarts_the_random_sequence() -> None:
    faults = Faults({"me": FaultSpec(error_rate=0.5)}, seed=1)
    first = [faults.decide("me", "/user/api/me").names for _ in range(20)]
    faults.reseed(1)
    assert [faults.decide("me", "/user/api/me").names for _ in range(20)] == first
