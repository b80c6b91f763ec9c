"""``client.orders.export`` killed with SIGKILL at chosen points, then resumed.

A child process (``_child.py``) runs the export against an emulator served by this test's
process and dies at a point drawn from a seeded generator: half-way through writing a page, after
writing it but before recording it, between writing the checkpoint's temp file and renaming it,
just after the rename, or while waiting for pages (killed from here). Each export is killed
three times, then resumed to the end in this process and compared line for line with an
uninterrupted export: JSON Lines and CSV, at concurrency 1 and 4 (12 kills, 1,602 lines).

Then the list moves while the killed exports run (``dedupe=True``): orders inserted at the head
between page fetches (every order that existed throughout is in the file, none twice), and
orders inserted and deleted anywhere (none twice, nothing invented). There an order that
survived can be missed: a deletion behind the walk shifts it into a page already read (at most
one per deletion), or, at concurrency 4, an insertion lands between pages served out of order
before the walk notices the move. An exact export (``exact=True``) misses none and writes none
twice, at concurrency 1 and 4, without ``dedupe``: a resumed run checks its first page against
the anchor and the ids the killed runs wrote. Killed on a list that stands still, it resumes
line for line and with the same requests as an uninterrupted exact export.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import random
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from proxyorders_async import ProxyOrdersClient, RetryPolicy
from proxyorders_async.emulator import Emulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CHILD = Path(__file__).with_name("_child.py")
ORDERS = 400  # 40 pages of 10
KILLS = 3
PHASES = ("torn", "unsynced", "tmp", "saved", "external")
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.005)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(orders=ORDERS, seed=5) as emulator:
        yield emulator


def _checkpoint(path: Path) -> Path:
    return path.with_name(path.name + ".checkpoint.json")


def _saved_pages(path: Path) -> int:
    try:
        return int(json.loads(_checkpoint(path).read_text())["pages"])
    except FileNotFoundError:
        return 0


def _ids(path: Path) -> list[int]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return [int(row["order_id"]) for row in csv.DictReader(io.StringIO(text))]
    return [json.loads(line)["order_id"] for line in text.splitlines()]


def _marker(emu: Emulator) -> int:
    # Numbers are given as requests arrive: what a killed child sent is below the marker even
    # if the emulator journals it later (a request hung by the test, cancelled at teardown).
    return emu.journal.next_seq()


def _requests_since(emu: Emulator, marker: int) -> int:
    return sum(1 for entry in emu.journal_for("orders.list") if entry.seq > marker)


async def _export(emu: Emulator, path: Path, concurrency: int, **options: Any) -> Any:
    async with ProxyOrdersClient(token=emu.token, base_url=emu.url, retry_policy=FAST) as client:
        return await client.orders.export(
            path, "all", page_size=10, concurrency=concurrency, **options
        )


async def _kill(
    emu: Emulator,
    path: Path,
    concurrency: int,
    phase: str,
    n: int,
    *,
    dedupe: bool,
    exact: bool = False,
) -> None:
    """Run the child until it dies at ``phase`` ``n`` (see ``_child.py``)."""
    fmt = path.suffix.lstrip(".")
    flags = ",".join(f for f, on in (("dedupe", dedupe), ("exact", exact)) if on) or "-"
    argv = [emu.url, emu.token, str(path), fmt, str(concurrency), flags]
    if phase != "external":
        argv.append(f"{phase}:{n}")
    before = _saved_pages(path)
    if phase == "external":
        emu.faults.update("orders.list", latency_ms=20)  # keeps the test's other faults
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), *argv, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    if phase == "external":
        while _saved_pages(path) < before + n:
            assert child.returncode is None, await child.communicate()
            await asyncio.sleep(0.005)
        # Every page hangs from here on: the export cannot finish before the signal lands.
        emu.faults.update("orders.list", latency_ms=120_000)
        child.send_signal(signal.SIGKILL)
    out, err = await child.communicate()
    emu.faults.update("orders.list", latency_ms=0)
    assert child.returncode == -signal.SIGKILL, (phase, n, out, err)


def _plan(seed: str, first_phase: int) -> list[tuple[str, int]]:
    """Three (phase, n) kill points; phases rotate so that the matrix covers all five."""
    rng = random.Random(seed)
    return [(PHASES[(first_phase + i) % len(PHASES)], rng.randint(1, 8)) for i in range(KILLS)]


MATRIX = [("jsonl", 1), ("csv", 1), ("jsonl", 4), ("csv", 4)]


@pytest.mark.parametrize(("fmt", "concurrency"), MATRIX, ids=[f"{f}-c{c}" for f, c in MATRIX])
async def test_killed_three_times_resumes_line_for_line(
    emu: Emulator, tmp_path: Path, fmt: str, concurrency: int
) -> None:
    reference, target = tmp_path / f"reference.{fmt}", tmp_path / f"killed.{fmt}"
    await _export(emu, reference, concurrency)
    plan = _plan(f"{fmt}-{concurrency}", MATRIX.index((fmt, concurrency)) * KILLS)
    for phase, n in plan:
        await _kill(emu, target, concurrency, phase, n, dedupe=False)
        saved = _saved_pages(target)
        assert saved < ORDERS // 10, f"the export finished before the kill {phase}:{n}"
        tmp = target.with_name(target.name + ".checkpoint.json.tmp")
        if phase != "external":  # a kill from outside can land mid-write too: the resume copes
            assert tmp.exists() == (phase == "tmp")

    marker = _marker(emu)
    saved_orders = json.loads(_checkpoint(target).read_text())["count"]
    summary = await _export(emu, target, concurrency)
    assert summary.resumed and not summary.already_complete
    assert summary.orders == ORDERS
    assert summary.orders_this_run == ORDERS - saved_orders
    got, want = target.read_text().splitlines(), reference.read_text().splitlines()
    assert len(got) == len(want) == ORDERS + (fmt == "csv")
    for number, (line, expected) in enumerate(zip(got, want, strict=True), 1):
        assert line == expected, f"line {number} differs after kills at {plan}"
    # Only the pages the kills had not recorded were fetched again (+1 fetched ahead at most).
    refetched = _requests_since(emu, marker)
    assert refetched <= summary.pages_this_run + concurrency
    assert not target.with_name(target.name + ".checkpoint.json.tmp").exists()

    # The complete export's checkpoint ("next": null) makes resuming it a no-op.
    final = json.loads(_checkpoint(target).read_text())
    assert final["next"] is None and final["count"] == ORDERS
    before, marker = target.read_bytes(), _marker(emu)
    again = await _export(emu, target, concurrency)
    assert again.already_complete and again.orders == ORDERS and again.orders_this_run == 0
    assert target.read_bytes() == before
    assert _requests_since(emu, marker) == 0


def _insert_and_delete_anywhere(emu: Emulator, seed: int) -> tuple[set[int], list[int]]:
    """After each page served, delete one order and insert one, at random places in the list.

    Returns the ids ever inserted and the list of ids deleted (filled as pages are served).
    """
    account, rng = emu.account, random.Random(seed)
    # Free every third id, so that new orders can be inserted between existing ones.
    for order_id in list(account.order_ids("all"))[::3]:
        account.remove(order_id)
    free = sorted(
        set(range(min(account.order_ids()), max(account.order_ids()))) - set(account.order_ids())
    )
    inserted: set[int] = set()
    deleted: list[int] = []
    page = account.page

    def page_then_move(status: str, offset: int, limit: int, **options: Any) -> list[Any]:
        orders = page(status, offset, limit, **options)
        ids = account.order_ids("all")
        victim = ids[rng.randrange(len(ids))]
        template = account.orders[victim]
        account.remove(victim)
        deleted.append(victim)
        if free:
            new_id = free.pop(rng.randrange(len(free)))
            account.add(dataclasses.replace(template, order_id=new_id))
            inserted.add(new_id)
        return orders

    account.page = page_then_move  # type: ignore[method-assign]
    return inserted, deleted


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_killed_while_orders_are_inserted_at_the_head(
    emu: Emulator, tmp_path: Path, fmt: str, concurrency: int
) -> None:
    original = set(emu.account.order_ids("all"))
    target = tmp_path / f"moving.{fmt}"
    emu.faults.set("orders.list", shift_insert=2)  # two new orders ahead of every page served
    for phase, n in _plan(f"head-{fmt}-{concurrency}", concurrency):
        await _kill(emu, target, concurrency, phase, n, dedupe=True)
    summary = await _export(emu, target, concurrency, dedupe=True)
    ids = _ids(target)
    assert len(ids) == len(set(ids)), "an order was written twice"
    assert original <= set(ids), "an order that existed throughout is missing"
    assert set(ids) <= set(emu.account.order_ids("all"))
    assert summary.duplicates_skipped > 0 and summary.orders == len(ids)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_killed_while_orders_are_inserted_and_deleted_anywhere(
    emu: Emulator, tmp_path: Path, concurrency: int
) -> None:
    inserted, deleted = _insert_and_delete_anywhere(emu, seed=12 + concurrency)
    existed = set(emu.account.order_ids("all"))
    target = tmp_path / "churn.jsonl"
    for phase, n in _plan(f"churn-{concurrency}", 2 + concurrency):
        await _kill(emu, target, concurrency, phase, n, dedupe=True)
    await _export(emu, target, concurrency, dedupe=True)
    ids = _ids(target)
    assert len(ids) == len(set(ids)), "an order was written twice"
    assert set(ids) <= existed | inserted, "a line is no order that ever existed"
    survivors = existed - set(deleted)
    missed = survivors - set(ids)
    # What offset pages guarantee today: a deletion behind the walk shifts at most one survivor
    # into a page already read. With pages fetched ahead, an insertion served between two pages
    # served out of order can do the same before the walk notices the move and stops fetching
    # ahead. (The exact walk of issue 12 section 1 makes this zero.)
    assert len(missed) <= len(deleted) + (len(inserted) if concurrency > 1 else 0)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_an_exact_export_killed_while_orders_are_inserted_and_deleted_anywhere(
    emu: Emulator, tmp_path: Path, concurrency: int
) -> None:
    inserted, deleted = _insert_and_delete_anywhere(emu, seed=12 + concurrency)
    existed = set(emu.account.order_ids("all"))
    target = tmp_path / "exact.jsonl"
    for phase, n in _plan(f"churn-{concurrency}", 2 + concurrency):
        await _kill(emu, target, concurrency, phase, n, dedupe=False, exact=True)
        assert json.loads(_checkpoint(target).read_text())["exact"] is True
    summary = await _export(emu, target, concurrency, exact=True)
    assert summary.resumed and summary.duplicates_skipped == 0
    ids = _ids(target)
    assert len(ids) == len(set(ids)) == summary.orders, "an order was written twice"
    assert set(ids) <= existed | inserted, "a line is no order that ever existed"
    # Every order that existed for the whole export, kills and gaps included, is in the file.
    missed = (existed - set(deleted)) - set(ids)
    assert missed == set()
    assert len(deleted) >= summary.pages  # one order deleted (and one inserted) per page served


EXACT_MATRIX = [("jsonl", 1), ("csv", 4)]


def _offsets(emu: Emulator, marker: int) -> list[int]:
    return sorted(
        int(entry.query["offset"]) for entry in emu.journal_for("orders.list") if entry.seq > marker
    )


@pytest.mark.parametrize(
    ("fmt", "concurrency"), EXACT_MATRIX, ids=[f"{f}-c{c}" for f, c in EXACT_MATRIX]
)
async def test_an_exact_export_killed_three_times_resumes_line_for_line(
    emu: Emulator, tmp_path: Path, fmt: str, concurrency: int
) -> None:
    reference, target = tmp_path / f"reference.{fmt}", tmp_path / f"killed.{fmt}"
    marker = _marker(emu)
    await _export(emu, reference, concurrency, exact=True)
    walked = _offsets(emu, marker)
    plan = _plan(f"exact-{fmt}-{concurrency}", 1 + EXACT_MATRIX.index((fmt, concurrency)))
    for phase, n in plan:
        await _kill(emu, target, concurrency, phase, n, dedupe=False, exact=True)
    saved = json.loads(_checkpoint(target).read_text())
    # The exact walk's own next page starts at the anchor (an overlap of one order).
    assert saved["exact"] is True and saved["anchor"] is not None
    assert URL(saved["next"]).query["offset"] == str(saved["anchor_offset"])
    marker = _marker(emu)
    summary = await _export(emu, target, concurrency, exact=True)
    assert summary.orders == ORDERS and summary.resumed and summary.duplicates_skipped == 0
    got, want = target.read_text().splitlines(), reference.read_text().splitlines()
    assert len(got) == len(want) == ORDERS + (fmt == "csv")
    assert got == want, f"the file differs after kills at {plan}"
    # The resumed walk asked for the pages the uninterrupted one asked for from there on
    # (pages predicted past the end are left out: whether they reach the server is timing).
    rest = _offsets(emu, marker)
    assert rest[0] == saved["anchor_offset"]
    assert [o for o in rest if o < ORDERS] == [o for o in walked if rest[0] <= o < ORDERS]
