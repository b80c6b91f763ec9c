"""``client.orders.export`` in-process against the emulator: what it writes and reports, how it
resumes after an error, a cancel or a failing progress callback, and what it refuses."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from proxyorders_async import (
    BadRequestError,
    ExportCheckpointError,
    ExportError,
    ExportProgress,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProxyOrdersClient,
    RetryPolicy,
)
from proxyorders_async._export import CSV_COLUMNS
from proxyorders_async.emulator import Emulator

ORDERS = 95  # 10 pages of 10, the last one short
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(orders=ORDERS, seed=8) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[ProxyOrdersClient]:
    async with ProxyOrdersClient(token=emu.token, base_url=emu.url, retry_policy=FAST) as c:
        yield c


def _checkpoint(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.with_name(path.name + ".checkpoint.json").read_text()))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _requests(emu: Emulator) -> int:
    return len(emu.journal_for("orders.list"))


async def test_export_writes_every_order_and_reports_each_page(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    seen: list[ExportProgress] = []
    summary = await client.orders.export(path, "all", page_size=10, progress=seen.append)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["order_id"] for line in lines] == emu.account.order_ids("all")
    # Each line holds the order's fields as the API sent them (timestamps in ISO 8601).
    async with aiohttp.ClientSession() as session:
        url = f"{emu.url}/user/api/orders?status=all&offset=0&limit=100"
        headers = {"Authorization": f"Bearer {emu.token}"}
        async with session.get(url, headers=headers) as response:
            sent = (await response.json())["orders"]
    for line, order in zip(lines, sent, strict=True):
        written = json.loads(line)
        assert list(written) == list(CSV_COLUMNS)
        for key, value in written.items():
            if key == "expires_at" and value is not None:
                assert _instant(value) == _instant(order[key])
            else:
                assert value == order[key]
    assert (summary.orders, summary.pages, summary.bytes) == (ORDERS, 10, path.stat().st_size)
    assert (summary.resumed, summary.already_complete, summary.format) == (False, False, "jsonl")
    assert summary.orders_this_run == ORDERS and summary.path == path
    # Once before the first request, then once per page saved, totals never going back.
    assert [p.pages for p in seen] == list(range(11))
    assert [p.orders for p in seen] == [min(10 * i, ORDERS) for i in range(11)]
    assert seen[-1].bytes == summary.bytes
    # The checkpoint stays as the record of a complete export.
    assert _checkpoint(path)["next"] is None
    assert _checkpoint(path)["count"] == ORDERS


async def test_resuming_a_complete_export_does_nothing(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    first = await client.orders.export(path, "all", page_size=10)
    content, requests = path.read_bytes(), _requests(emu)
    again = await client.orders.export(path, "all")
    assert again.already_complete and again.resumed
    assert (again.orders, again.pages, again.bytes) == (first.orders, first.pages, first.bytes)
    assert (again.orders_this_run, again.pages_this_run, again.seconds_this_run) == (0, 0, 0.0)
    assert path.read_bytes() == content
    assert _requests(emu) == requests  # not restarted from the first page
    over = await client.orders.export(path, "all", resume=False, page_size=50)
    assert not over.resumed and over.pages == 2
    assert path.read_bytes() == content  # the same orders, written again


@pytest.mark.parametrize("stop", ["api-error", "cancel", "progress-raises"])
async def test_an_export_stopped_mid_way_resumes_to_the_same_file(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path, stop: str
) -> None:
    reference, path = tmp_path / "reference.jsonl", tmp_path / "stopped.jsonl"
    await client.orders.export(reference, "all", page_size=10, concurrency=4)

    def stop_at_page_3(progress: ExportProgress) -> None:
        if progress.pages == 3:
            if stop == "api-error":  # every later page is refused with a 400 (not retried)
                emu.faults.set("orders.list", fail_first=1000, fail_with=400)
            elif stop == "cancel":
                task.cancel()
            else:
                raise RuntimeError("the caller's callback failed")

    expected: type[BaseException] = {
        "api-error": BadRequestError,
        "cancel": asyncio.CancelledError,
        "progress-raises": RuntimeError,
    }[stop]
    task = asyncio.ensure_future(
        client.orders.export(path, "all", page_size=10, concurrency=4, progress=stop_at_page_3)
    )
    with pytest.raises(expected):
        await task
    saved = _checkpoint(path)
    assert 3 <= saved["pages"] < 10 and saved["next"] is not None
    assert not path.with_name(path.name + ".checkpoint.json.tmp").exists()
    emu.faults.clear()
    summary = await client.orders.export(path, "all", concurrency=4)
    assert summary.resumed and summary.orders_this_run == ORDERS - saved["count"]
    assert path.read_bytes() == reference.read_bytes()


async def test_dedupe_skips_orders_a_growing_list_repeats(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    original = set(emu.account.order_ids("all"))
    emu.faults.set("orders.list", shift_insert=1)
    path = tmp_path / "orders.jsonl"
    summary = await client.orders.export(path, "all", page_size=10, dedupe=True)
    ids = [json.loads(line)["order_id"] for line in path.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == summary.orders
    assert original <= set(ids)
    assert summary.duplicates_skipped > 0
    assert _checkpoint(path)["dedupe"] is True


async def test_refusals_leave_file_and_checkpoint_alone(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"someone else's data\n")
    with pytest.raises(ExportCheckpointError, match="nothing to resume") as caught:
        await client.orders.export(path, "all")
    assert caught.value.path == str(path) and "remove" in caught.value.advice
    assert path.read_bytes() == b"someone else's data\n"
    await client.orders.export(path, "all", resume=False, page_size=10)
    done = path.read_bytes()
    checkpoint = path.with_name(path.name + ".checkpoint.json").read_bytes()
    requests = _requests(emu)
    for options, message in [
        ({"status": "active"}, "status 'all', not 'active'"),
        ({"format": "csv"}, "format 'jsonl', not 'csv'"),
        ({"page_size": 20}, "page size 10, not 20"),
        ({"dedupe": True}, "dedupe False, not True"),
        ({"exact": True}, "exact False, not True"),
    ]:
        arguments = {"status": "all", **options}
        with pytest.raises(ExportCheckpointError, match=message):
            await client.orders.export(path, **arguments)
    assert path.read_bytes() == done
    assert path.with_name(path.name + ".checkpoint.json").read_bytes() == checkpoint
    assert _requests(emu) == requests


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
async def test_a_second_export_to_the_same_file_is_refused(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"

    async def second(progress: ExportProgress) -> None:
        with pytest.raises(ExportError, match="another export is writing") as caught:
            await client.orders.export(path, "all", resume=False)
        assert type(caught.value) is ExportError

    refused: list[asyncio.Task[None]] = []
    summary = await client.orders.export(
        path,
        "all",
        page_size=50,
        progress=lambda p: (
            refused.append(asyncio.ensure_future(second(p))) if not p.pages else None
        ),
    )
    await asyncio.gather(*refused)
    assert len(refused) == 1 and summary.orders == ORDERS


@pytest.mark.parametrize(
    ("arguments", "error", "argument"),
    [
        ({"path": 5}, InvalidArgumentTypeError, "path"),
        ({"path": b"o.jsonl"}, InvalidArgumentTypeError, "path"),
        ({"path": " "}, InvalidArgumentError, "path"),
        ({"status": "gone"}, InvalidArgumentError, "status"),
        ({"format": "xml"}, InvalidArgumentError, "format"),
        ({"path": "o.txt"}, InvalidArgumentError, "format"),
        ({"page_size": 0}, InvalidArgumentError, "page_size"),
        ({"page_size": "10"}, InvalidArgumentTypeError, "page_size"),
        ({"concurrency": 0}, InvalidArgumentError, "concurrency"),
        ({"resume": "yes"}, InvalidArgumentTypeError, "resume"),
        ({"dedupe": 1}, InvalidArgumentTypeError, "dedupe"),
        ({"exact": "yes"}, InvalidArgumentTypeError, "exact"),
        ({"progress": "print"}, InvalidArgumentTypeError, "progress"),
    ],
)
async def test_bad_arguments_raise_before_anything_happens(
    client: ProxyOrdersClient,
    emu: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: dict[str, Any],
    error: type[Exception],
    argument: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    call = {"path": "o.jsonl", "status": "all", **arguments}
    with pytest.raises(error) as caught:
        await client.orders.export(**call)
    assert caught.value.argument == argument  # type: ignore[attr-defined]
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 - nothing was created
    assert _requests(emu) == 0


async def test_resume_uri_across_iterators_is_what_its_docstring_says(
    client: ProxyOrdersClient,
) -> None:
    # Mid-page, resume_uri is the current page: a new iterator (dedupe or not) repeats its
    # first orders, because its seen ids start empty, as in another process.
    first = client.orders.iter("all", page_size=10, dedupe=True)
    taken = [(await first.__anext__()).order_id for _ in range(4)]
    uri = first.resume_uri
    await first.aclose()
    resumed = client.orders.iter("all", page_size=10, start=uri, dedupe=True)
    again = [(await resumed.__anext__()).order_id for _ in range(4)]
    await resumed.aclose()
    assert again == taken
    # At the end, resume_uri is None: passing it back as start= would walk from the start.
    walk = client.orders.iter("all", page_size=50)
    ids = [order.order_id async for order in walk]
    assert len(ids) == ORDERS and walk.resume_uri is None


async def test_a_checkpoint_whose_file_is_gone_is_refused_without_creating_it(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    await client.orders.export(path, "all", page_size=10)
    path.unlink()
    with pytest.raises(ExportError, match="has 0 bytes but its checkpoint records"):
        await client.orders.export(path, "all")
    assert not path.exists()


async def test_an_exact_export_writes_what_a_plain_one_does_and_records_its_anchor(
    client: ProxyOrdersClient, emu: Emulator, tmp_path: Path
) -> None:
    plain, exact = tmp_path / "plain.csv", tmp_path / "exact.csv"
    await client.orders.export(plain, "all", page_size=10)
    seen: list[dict[str, Any]] = []

    def watch(progress: ExportProgress) -> None:
        if progress.pages:
            seen.append(_checkpoint(exact))

    summary = await client.orders.export(exact, "all", page_size=10, exact=True, progress=watch)
    assert exact.read_bytes() == plain.read_bytes() and summary.orders == ORDERS
    # Pages of 11 overlapping by one: 10 new orders each after the first, which has 11.
    assert summary.pages == len(seen) == -(-(ORDERS - 1) // 10)
    first = seen[0]
    assert first["exact"] is True and (first["anchor"], first["anchor_offset"]) == (
        emu.account.order_ids("all")[10],
        10,
    )
    assert "offset=10&limit=11" in first["next"]  # the walk's own next page, not the server's
    final = _checkpoint(exact)
    assert final["next"] is None and final["exact"] is True
    with pytest.raises(ExportCheckpointError, match="exact True, not False"):
        await client.orders.export(exact, "all", exact=False)


async def test_an_exact_export_ending_on_a_page_of_orders_already_written_is_complete(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.jsonl"
    async with Emulator(orders=12, seed=3) as emu:
        account, page = emu.account, emu.account.page
        last = account.order_ids("all")[-1]

        def delete_then_page(status: str, offset: int, limit: int, **options: Any) -> Any:
            if offset and last in account.orders:  # gone before the walk reached it
                account.remove(last)
            return page(status, offset, limit, **options)

        account.page = delete_then_page  # type: ignore[method-assign]
        async with ProxyOrdersClient(token=emu.token, base_url=emu.url) as client:
            summary = await client.orders.export(path, "all", page_size=10, exact=True)
            # The second page held only the order it overlaps with: nothing to write, but
            # the export is complete, and resuming it sends nothing.
            assert summary.orders == 11 and summary.pages == 1
            assert _checkpoint(path)["next"] is None
            again = await client.orders.export(path, "all")
    assert again.already_complete and emu.count(route="orders.list") == 2
