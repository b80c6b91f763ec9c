"""Every ```python block of the README, run as written against the emulator.

Blocks are found by reading README.md, so a block added later (by anyone) is run with no change
here. The examples read ``PROXYORDERS_TOKEN`` and ``PROXYORDERS_BASE_URL``, which point at an
emulator on 127.0.0.1; the text is never edited. A block with top-level ``await`` runs in an
event loop with the names fragments assume (:func:`_context`: ``client``, ``order_id``,
``request``...); a block that calls ``asyncio.run`` itself runs outside any loop. A block that
only defines something gets a small driver (:data:`DRIVERS`, by the name it defines) that calls
it. The pytest-plugin example runs with pytest in a new project of its own.

A block that cannot run here (it needs a real proxy, say) is skipped only with a marker comment
on the line right above it in the README: ``<!-- readme-test: skip (why) -->``.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from proxyorders_async import DatacenterIspPurchase, ProxyOrdersClient
from proxyorders_async.emulator import Emulator

README = Path(__file__).parents[2] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$")
SEEDED_ORDERS = 120


@attrs.frozen
class Block:
    """One fenced Python block: where it starts, its code, and why it is skipped (if it is)."""

    line: int
    source: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def readme_blocks(text: str) -> list[Block]:
    """The Python blocks of ``text``, with the skip marker of the line above each."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = SKIP.search(above)
        blocks.append(Block(line, match.group(1), marker.group("reason") if marker else None))
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [block for block in BLOCKS if block.skip is None]


# ---------------------------------------------------------------------------------------------
# The emulator, in a thread of its own: blocks may call asyncio.run themselves.


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    """An emulator serving from a background thread's event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="readme-emulator", daemon=True)
    thread.start()
    emulator = Emulator(orders=SEEDED_ORDERS, seed=5)
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(30)
    try:
        yield emulator
    finally:
        asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


@pytest.fixture
def environment(served: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The variables the examples read, pointing at ``served``."""
    monkeypatch.setenv("PROXYORDERS_TOKEN", served.token)
    monkeypatch.setenv("PROXYORDERS_BASE_URL", served.url)
    monkeypatch.delenv("PROXYORDERS_LOG", raising=False)
    return served


@attrs.define
class MyOrderModel:
    """What the README's ``cast_to=MyOrderModel`` stands for: the user's own attrs class."""

    success: bool
    order: dict[str, Any]


@asynccontextmanager
async def _context(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The names README fragments take as given, created inside the running loop."""
    async with ProxyOrdersClient() as client:
        first = (await client.orders.list("all", limit=1)).orders[0]
        checkpoints: list[str | None] = []
        yield {
            "__name__": "readme",
            "client": client,
            "order_id": first.order_id,
            "request": DatacenterIspPurchase(
                product="Datacenter Proxy", location="DE", cycle="monthly", quantity=1
            ),
            "MyOrderModel": MyOrderModel,
            "save_checkpoint": checkpoints.append,
            "checkpoints": checkpoints,
            "tmp_path": tmp_path,
        }


# ---------------------------------------------------------------------------------------------
# Drivers: what calls the functions a block only defines


async def drive_export(ns: dict[str, Any], emulator: Emulator) -> None:
    path = ns["tmp_path"] / "orders.jsonl"
    await ns["export"](str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == len(list(emulator.account))
    assert json.loads(lines[0])["order_id"] > 0
    # The checkpoint stays with "next": null: a second run is a no-op that says so.
    checkpoint = json.loads(path.with_name(path.name + ".checkpoint.json").read_text())
    assert checkpoint["next"] is None
    before = path.read_bytes()
    await ns["export"](str(path))
    assert path.read_bytes() == before


async def drive_web_app(ns: dict[str, Any], emulator: Emulator) -> None:
    app: web.Application = ns["app"]
    async with TestServer(app, host="127.0.0.1") as server, TestClient(server) as http:
        answer = await http.get("/balance")
        assert answer.status == 200
        assert await answer.json() == {"cents": emulator.account.balance}


async def drive_tracing(ns: dict[str, Any], emulator: Emulator) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = ns["otel_trace_config"](provider.get_tracer("readme"))
    async with ProxyOrdersClient(trace_configs=[config]) as client:
        await client.account.me()
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 200
    assert emulator.token not in repr(span.to_json())


def drive_pytest_example(ns: dict[str, Any], emulator: Emulator) -> None:
    run_in_new_project(ns["tmp_path"], ns["__source__"])


DRIVERS: dict[str, Callable[[dict[str, Any], Emulator], Awaitable[None] | None]] = {
    "export": drive_export,
    "app": drive_web_app,
    "otel_trace_config": drive_tracing,
    "test_my_export": drive_pytest_example,
}
"""A name a block defines -> what drives it once the block ran."""


# ---------------------------------------------------------------------------------------------
# A pytest example in a new project


def pytest_config(text: str) -> str:
    """The README's ``pyproject.toml`` block that configures pytest."""
    blocks = re.findall(r"^```toml\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    found = [block for block in blocks if "[tool.pytest.ini_options]" in block]
    assert found, "the README lost the pytest configuration of its plugin example"
    return str(found[0])


def run_in_new_project(where: Path, example: str) -> None:
    """``pytest`` in a project holding only the README's config and ``example``."""
    project = where / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pytest_config(README.read_text(encoding="utf-8")))
    (project / "test_example.py").write_text(example)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONWARN"))}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])  # this checkout's package and plugin
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout, done.stdout
    assert "proxyorders_async" in _plugins(project, env)


def _plugins(project: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--trace-config", "--co", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


# ---------------------------------------------------------------------------------------------
# Running a block


def _driver(ns: dict[str, Any]) -> Callable[[dict[str, Any], Emulator], Any] | None:
    return next((DRIVERS[name] for name in DRIVERS if name in ns), None)


async def _run_async(code: Any, block: Block, emulator: Emulator, tmp_path: Path) -> None:
    async with _context(tmp_path) as ns:
        ns["__source__"] = block.source
        result = eval(code, ns)  # top-level await: a coroutine to run in this loop
        if inspect.isawaitable(result):
            await result
        driver = _driver(ns)
        if driver is not None:
            outcome = driver(ns, emulator)
            if inspect.isawaitable(outcome):
                await outcome


def _run_sync(code: Any, block: Block, emulator: Emulator, tmp_path: Path) -> None:
    ns: dict[str, Any] = {"__name__": "readme", "__source__": block.source, "tmp_path": tmp_path}
    exec(code, ns)
    driver = _driver(ns)
    if driver is None:
        return
    outcome = driver(ns, emulator)
    if inspect.isawaitable(outcome):

        async def drive() -> None:
            async with _context(tmp_path) as context:
                ns.update({k: v for k, v in context.items() if k not in ns})
                await outcome

        asyncio.run(drive())


def run_block(block: Block, emulator: Emulator, tmp_path: Path) -> None:
    """Run one block as written (and its driver, if it only defines things)."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(block.source, block.name, "exec", flags=flags, dont_inherit=True)
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(_run_async(code, block, emulator, tmp_path))
    else:
        _run_sync(code, block, emulator, tmp_path)


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.name for block in RUNNABLE])
def test_readme_block_runs(
    block: Block, environment: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A block that writes a file by a relative name (orders.jsonl) writes it here, not in the
    # repository, where a second run would find the first run's file and checkpoint.
    monkeypatch.chdir(tmp_path)
    run_block(block, environment, tmp_path)


def test_readme_census(capsys: pytest.CaptureFixture[str]) -> None:
    skipped = [block for block in BLOCKS if block.skip is not None]
    assert all(block.skip and block.skip.strip() for block in skipped)  # a reason, always
    assert len(RUNNABLE) >= 10 and len(skipped) <= 2, "most README blocks must run"
    with capsys.disabled():
        reasons = "; ".join(f"{b.name}: {b.skip}" for b in skipped)
        print(
            f"\nREADME: {len(BLOCKS)} python blocks, {len(RUNNABLE)} ran, "
            f"{len(skipped)} skipped ({reasons})"
        )


def test_skip_markers_need_the_line_right_above() -> None:
    text = "x\n<!-- readme-test: skip (no proxy) -->\n```python\n1\n```\n\n```python\n2\n```\n"
    first, second = readme_blocks(text)
    assert (first.skip, first.line, first.source) == ("no proxy", 3, "1\n")
    assert (second.skip, second.line) == (None, 7)


def test_the_web_app_example_type_checks(tmp_path: Path) -> None:
    (example,) = [block for block in BLOCKS if "web.Application()" in block.source]
    assert "web.AppKey(" in example.source
    assert 'app["' not in example.source  # string keys: NotAppKeyWarning, and Any to mypy
    (tmp_path / "web_example.py").write_text(example.source)
    (tmp_path / "mypy.ini").write_text(f"[mypy]\nmypy_path = {README.parent}\n")
    # In a child process: mypy raises the interpreter's recursion limit for good.
    argv = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    argv += ["--cache-dir", os.devnull, "--config-file", str(tmp_path / "mypy.ini")]
    done = subprocess.run(
        [*argv, str(tmp_path / "web_example.py")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
