"""``orders export`` stopped by SIGTERM behaves like Ctrl-C: a resume hint, a clean checkpoint
(no ``.tmp`` left), exit status 143; the resumed export's summary shows this run apart."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from proxyorders_async._cli import main
from proxyorders_async.emulator import Emulator

from .conftest import PYTHON, subprocess_env

ORDERS = 300


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(orders=ORDERS, seed=6) as emulator:
        yield emulator


def _pages(checkpoint: Path) -> int:
    try:
        return int(json.loads(checkpoint.read_text())["pages"])
    except FileNotFoundError:
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_sigterm_stops_the_export_like_ctrl_c(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    env = {"PROXYORDERS_TOKEN": emu.token, "PROXYORDERS_BASE_URL": emu.url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    common = ["--page-size", "10", "--concurrency", "2"]
    reference, target = tmp_path / f"reference.{fmt}", tmp_path / f"stopped.{fmt}"
    argv = ["orders", "export", "all", "--out", str(reference), *common]
    assert await asyncio.to_thread(main, argv) == 0

    emu.faults.set("orders.list", latency_ms=20)
    child = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "proxyorders_async",
        *["orders", "export", "all", "--out", str(target), *common],
        env=subprocess_env(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    checkpoint = target.with_name(target.name + ".checkpoint.json")
    while _pages(checkpoint) < 4:
        assert child.returncode is None, await child.communicate()
        await asyncio.sleep(0.005)
    emu.faults.set("orders.list", latency_ms=120_000)  # the export cannot finish first
    child.send_signal(signal.SIGTERM)
    _, err = await child.communicate()
    text = err.decode()
    assert child.returncode == 143, text
    assert text.startswith("terminated\n"), text
    saved = json.loads(checkpoint.read_text())
    assert f"{saved['count']:,} orders are saved in {target}" in text
    assert "--resume" in text
    assert not checkpoint.with_name(checkpoint.name + ".tmp").exists()
    assert saved["next"] is not None and saved["offset"] <= target.stat().st_size

    emu.faults.clear()
    capsys.readouterr()
    assert await asyncio.to_thread(main, [*argv[:4], str(target), *common, "--resume"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"resuming after {saved['count']:,} orders ({saved['pages']} pages)"
    orders, pages = ORDERS - saved["count"], 30 - saved["pages"]
    assert re.fullmatch(
        rf"exported {ORDERS} orders \(30 pages\) to {re.escape(str(target))}; "
        rf"this run {orders} orders \({pages} pages\) in \d+\.\ds, [\d,]+ orders/s; "
        r"all runs \d+\.\ds, [\d,]+ orders/s",
        lines[1],
    ), lines
    assert target.read_bytes() == reference.read_bytes()
    assert not checkpoint.exists()  # the command removes the checkpoint of a finished export
