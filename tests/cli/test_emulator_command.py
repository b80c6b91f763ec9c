"""``proxyorders emulator`` serves the embedded emulator until interrupted."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import pytest

from proxyorders_async._cli import main

from .conftest import PYTHON, subprocess_env


async def _field(stream: asyncio.StreamReader, name: str) -> str:
    line = (await asyncio.wait_for(stream.readline(), 30)).decode()
    assert line.startswith(f"{name}: "), line
    return line.split(": ", 1)[1].strip()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_emulator_command_serves_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    child = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "proxyorders_async",
        "emulator",
        "--port",
        "0",
        "--orders",
        "7",
        "--seed",
        "3",
        env=subprocess_env({}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        url = await _field(child.stdout, "url")
        token = await _field(child.stdout, "token")
        argv = ["--base-url", url, "--token", token, "orders", "list", "all", "--json"]
        assert await asyncio.to_thread(main, argv) == 0
        page = json.loads(capsys.readouterr().out)
        assert page["count"] == 7
    finally:
        child.send_signal(signal.SIGINT)
        await child.communicate()
    assert child.returncode == 0
