"""``orders export``: formats, checkpoints, resuming, and an export killed mid-way."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from proxyorders_async._cli import export as export_module
from proxyorders_async._cli.export import CSV_COLUMNS
from proxyorders_async.emulator import Emulator

from .conftest import PYTHON, SEEDED_ORDERS, Run, subprocess_env


def _checkpoint(out: Path) -> Path:
    return out.with_name(out.name + ".checkpoint.json")


def _ids(path: Path) -> list[int]:
    if path.suffix == ".csv":
        return [int(row["order_id"]) for row in _rows(path)]
    return [json.loads(line)["order_id"] for line in path.read_text().splitlines()]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def _export(cli: Run, out: Path, *extra: str) -> None:
    result = await cli("orders", "export", "all", "--out", str(out), *extra)
    assert result.code == 0, result.err
    assert not _checkpoint(out).exists()


async def test_jsonl_export_writes_every_order(cli: Run, emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "orders.jsonl"
    result = await cli("orders", "export", "all", "--out", str(out), "--page-size", "7")
    assert result.code == 0, result.err
    # Not a terminal: no progress display, one summary line.
    assert result.err.count("\n") == 1
    assert result.err.startswith(f"exported {SEEDED_ORDERS} orders (9 pages) to {out}")
    assert result.out == ""
    assert _ids(out) == emu.account.order_ids("all")
    first = json.loads(out.read_text().splitlines()[0])
    assert list(first) == list(CSV_COLUMNS)
    api = (await cli("orders", "list", "all", "--limit", "1", "--json")).json()["orders"][0]
    assert first == api
    assert not _checkpoint(out).exists()


async def test_csv_export(cli: Run, emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "orders.csv"
    await _export(cli, out, "--concurrency", "4", "--page-size", "10")
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert _ids(out) == emu.account.order_ids("all")
    assert {row["auto_renewal"] for row in _rows(out)} == {"true", "false", ""}


async def test_status_filter_and_stdout(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "export", "on-hold", "--out", "-", "--format", "jsonl")
    assert result.code == 0, result.err
    ids = [json.loads(line)["order_id"] for line in result.out.splitlines()]
    assert ids == emu.account.order_ids("on-hold")
    assert "to stdout" in result.err


async def test_export_of_nothing(cli: Run, emu: Emulator, tmp_path: Path) -> None:
    for order_id in list(emu.account.order_ids("cancelled")):
        emu.account.remove(order_id)
    out = tmp_path / "none.csv"
    result = await cli("orders", "export", "cancelled", "--out", str(out))
    assert result.code == 0, result.err
    assert out.read_text() == ",".join(CSV_COLUMNS) + "\n"


async def test_dedupe_skips_orders_repeated_by_a_shifting_list(
    cli: Run, emu: Emulator, tmp_path: Path
) -> None:
    # After each page the emulator inserts an order in front, so offset pages overlap.
    emu.faults.set("orders.list", shift_insert=1)
    plain, deduped = tmp_path / "plain.jsonl", tmp_path / "deduped.jsonl"
    await _export(cli, plain, "--page-size", "10")
    assert len(_ids(plain)) > len(set(_ids(plain)))
    result = await cli(
        "orders", "export", "all", "--out", str(deduped), "--page-size", "10", "--dedupe"
    )
    assert result.code == 0, result.err
    assert "duplicates skipped" in result.err
    assert len(_ids(deduped)) == len(set(_ids(deduped)))


async def test_exact_writes_each_order_once_while_orders_are_deleted_anywhere(
    cli: Run, emu: Emulator, tmp_path: Path
) -> None:
    # After each page two orders drawn from the whole list are deleted: a plain walk skips
    # survivors shifted into pages already read; --exact re-aligns on the overlap instead.
    original = set(emu.account.order_ids("all"))
    emu.faults.set("orders.list", shift_delete=2, shift_delete_random=True)
    out = tmp_path / "exact.csv"
    await _export(cli, out, "--page-size", "5", "--exact", "--concurrency", "4")
    ids = _ids(out)
    survivors = set(emu.account.order_ids("all"))
    assert len(survivors) < len(original)  # the list moved while it was exported
    assert len(ids) == len(set(ids)) and survivors <= set(ids) <= original
    printed = await cli("orders", "export", "all", "--out", "-", "--format", "jsonl", "--exact")
    assert printed.code == 0, printed.err
    lines = [json.loads(line)["order_id"] for line in printed.out.splitlines()]
    assert len(lines) == len(set(lines)) and set(emu.account.order_ids("all")) <= set(lines)


def _cut(reference: Path, target: Path, keep_lines: int, torn: str) -> int:
    """Copy the first ``keep_lines`` lines of ``reference`` plus a torn line; return the
    byte length of the whole lines."""
    lines = reference.read_bytes().splitlines(keepends=True)
    whole = b"".join(lines[:keep_lines])
    target.write_bytes(whole + torn.encode())
    return len(whole)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_resume_discards_a_half_written_page(
    cli: Run, emu: Emulator, tmp_path: Path, fmt: str
) -> None:
    reference, target = tmp_path / f"ref.{fmt}", tmp_path / f"out.{fmt}"
    await _export(cli, reference, "--page-size", "10")
    header = 1 if fmt == "csv" else 0
    # As a run killed while writing page 4 leaves it: 3 pages recorded, half a page more.
    offset = _cut(reference, target, header + 30, '{"order_id":1234567,"prod')
    _checkpoint(target).write_text(
        json.dumps(
            {
                "version": 1,
                "status": "all",
                "format": fmt,
                "page_size": 10,
                "dedupe": False,
                "base_url": emu.url + "/",
                "next": "/user/api/orders?status=all&offset=30&limit=10",
                "count": 30,
                "pages": 3,
                "duplicates": 0,
                "offset": offset,
            }
        )
    )
    result = await cli("orders", "export", "all", "--out", str(target), "--resume")
    assert result.code == 0, result.err
    assert "resuming after 30 orders (3 pages)" in result.err
    assert f"exported {SEEDED_ORDERS} orders (6 pages)" in result.err
    # This run's own count, time and rate, apart from the total.
    assert f"; this run {SEEDED_ORDERS - 30} orders (3 pages) in " in result.err
    assert "; all runs " in result.err
    assert target.read_bytes() == reference.read_bytes()
    assert not _checkpoint(target).exists()
    # Only the missing pages were fetched again.
    assert [e.query["offset"] for e in emu.journal_for("orders.list")][-3:] == ["30", "40", "50"]


async def test_resume_with_dedupe_remembers_ids_already_written(
    cli: Run, emu: Emulator, tmp_path: Path
) -> None:
    reference, target = tmp_path / "ref.jsonl", tmp_path / "out.jsonl"
    await _export(cli, reference, "--page-size", "10")
    offset = _cut(reference, target, 30, "")
    checkpoint = {
        "version": 1,
        "status": "all",
        "format": "jsonl",
        "page_size": 10,
        "dedupe": True,
        "base_url": emu.url + "/",
        # Resume one page too early: the ten orders of that page are already in the file.
        "next": "/user/api/orders?status=all&offset=20&limit=10",
        "count": 30,
        "pages": 3,
        "duplicates": 0,
        "offset": offset,
    }
    _checkpoint(target).write_text(json.dumps(checkpoint))
    result = await cli("orders", "export", "all", "--out", str(target), "--resume")
    assert result.code == 0, result.err
    assert "10 duplicates skipped" in result.err
    assert target.read_bytes() == reference.read_bytes()


async def test_resume_refusals(cli: Run, emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "orders.csv"
    await _export(cli, out, "--page-size", "10")
    # Finished export: nothing to resume, and the file is not overwritten.
    before = out.read_bytes()
    finished = await cli("orders", "export", "all", "--out", str(out), "--resume")
    assert finished.code == 2
    assert "nothing to resume" in finished.err
    assert out.read_bytes() == before
    # A checkpoint for another status, a corrupt one, one longer than the file.
    good = {
        "version": 1,
        "status": "active",
        "format": "csv",
        "page_size": 10,
        "dedupe": False,
        "base_url": emu.url + "/",
        "next": "/user/api/orders?status=active&offset=10&limit=10",
        "count": 10,
        "pages": 1,
        "duplicates": 0,
        "offset": 100,
    }
    for content, code, message in [
        (json.dumps(good), 2, "status 'active'"),
        ("{not json", 2, "cannot use the checkpoint"),
        (json.dumps({**good, "count": "10"}), 2, "cannot use the checkpoint"),
        (json.dumps({**good, "status": "all", "offset": 10**9}), 1, "lost data"),
    ]:
        _checkpoint(out).write_text(content)
        result = await cli("orders", "export", "all", "--out", str(out), "--resume")
        assert result.code == code, result.err
        assert message in result.err
    assert out.read_bytes() == before
    stdout = await cli("orders", "export", "all", "--out", "-", "--format", "csv", "--resume")
    assert stdout.code == 2


async def test_fresh_export_replaces_a_stale_checkpoint(
    cli: Run, tmp_path: Path, emu: Emulator
) -> None:
    out = tmp_path / "orders.jsonl"
    _checkpoint(out).write_text("{}")
    result = await cli("orders", "export", "all", "--out", str(out))
    assert result.code == 0, result.err
    assert result.err.startswith("warning: starting over")
    assert _ids(out) == emu.account.order_ids("all")
    assert not _checkpoint(out).exists()


# ---------------------------------------------------------------------------------------------
# Killed for real: a child process, stopped by a signal after some pages, then resumed.

KILL_ORDERS = 400


@pytest.fixture
async def big_emu() -> AsyncIterator[Emulator]:
    """An emulator with enough orders for 40 pages of 10."""
    async with Emulator(orders=KILL_ORDERS, seed=5) as emulator:
        yield emulator


def _pages_recorded(checkpoint: Path) -> int:
    try:
        return int(json.loads(checkpoint.read_text())["pages"])
    except FileNotFoundError:
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("fmt", "concurrency", "sig"),
    [
        ("jsonl", 1, signal.SIGKILL),
        ("csv", 4, signal.SIGKILL),
        ("csv", 2, signal.SIGINT),
    ],
    ids=["jsonl-sequential-SIGKILL", "csv-concurrency4-SIGKILL", "csv-concurrency2-SIGINT"],
)
async def test_killed_export_resumes_identically(
    big_emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    concurrency: int,
    sig: signal.Signals,
) -> None:
    from proxyorders_async._cli import main

    env = {"PROXYORDERS_TOKEN": big_emu.token, "PROXYORDERS_BASE_URL": big_emu.url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    common = ["--page-size", "10", "--concurrency", str(concurrency)]
    reference, target = tmp_path / f"reference.{fmt}", tmp_path / f"killed.{fmt}"
    assert (
        await asyncio.to_thread(main, ["orders", "export", "all", "--out", str(reference), *common])
        == 0
    )

    # Slow pages, so the child is still walking when it gets the signal.
    big_emu.faults.set("orders.list", latency_ms=30)
    child = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "proxyorders_async",
        "orders",
        "export",
        "all",
        "--out",
        str(target),
        *common,
        env=subprocess_env(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    checkpoint = _checkpoint(target)
    while _pages_recorded(checkpoint) < 5:
        assert child.returncode is None, await child.communicate()
        await asyncio.sleep(0.005)
    # From here on every page hangs: the export cannot finish before the signal lands.
    big_emu.faults.set("orders.list", latency_ms=120_000)
    child.send_signal(sig)
    _, err = await child.communicate()
    if sig == signal.SIGKILL:
        assert child.returncode == -signal.SIGKILL
    else:
        assert child.returncode == 130, err
        assert b"interrupted" in err
        assert b"--resume" in err
    assert checkpoint.exists()
    assert _pages_recorded(checkpoint) < KILL_ORDERS // 10
    partial = len(target.read_bytes().splitlines())
    assert partial < KILL_ORDERS

    big_emu.faults.clear()
    capsys.readouterr()
    argv = ["orders", "export", "all", "--out", str(target), *common, "--resume"]
    assert await asyncio.to_thread(main, argv) == 0
    err_text = capsys.readouterr().err
    assert "resuming after" in err_text
    assert f"exported {KILL_ORDERS} orders" in err_text
    assert not checkpoint.exists()
    resumed_lines = target.read_text().splitlines()
    reference_lines = reference.read_text().splitlines()
    assert len(resumed_lines) == len(reference_lines)
    for number, (got, want) in enumerate(zip(resumed_lines, reference_lines, strict=True), 1):
        assert got == want, f"line {number} differs"


async def test_progress_is_drawn_on_a_terminal(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "stderr_is_terminal", lambda: True)
    result = await cli(
        "orders", "export", "all", "--out", str(tmp_path / "o.jsonl"), "--page-size", "5"
    )
    assert result.code == 0, result.err
    assert "orders/s" in result.err  # the live display's frames (count, pages, rate)
    assert "pages" in result.err
    assert f"exported {SEEDED_ORDERS} orders" in result.err.splitlines()[-1]


async def test_progress_is_quiet_off_a_terminal_even_with_force_color(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = await cli("orders", "export", "all", "--out", str(tmp_path / "o.jsonl"))
    assert result.code == 0, result.err
    assert result.err.count("\n") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
async def test_a_second_export_to_the_same_file_is_refused(cli: Run, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "orders.jsonl"
    out.write_bytes(b"being written\n")
    with open(out, "rb") as holder:  # noqa: ASYNC230 - a lock held across the call
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        result = await cli("orders", "export", "all", "--out", str(out))
    assert result.code == 1
    assert "another export is writing" in result.err
    assert out.read_bytes() == b"being written\n"  # not truncated by the refused run
