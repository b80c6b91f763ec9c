"""Starting and stopping: ports, restarts, clean shutdown, and the command line."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys

import aiohttp
import pytest

from proxyorders_async.emulator import Emulator


async def _status(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:
        await response.read()
        return response.status


async def test_context_manager_binds_a_free_loopback_port() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError, match="not been started"):
        _ = emu.url
    async with emu:
        assert emu.running
        assert emu.url == f"http://127.0.0.1:{emu.port}"
        assert emu.port > 0
        async with aiohttp.ClientSession() as session:
            assert await _status(session, emu.url + "/health") == 200
    assert not emu.running


async def test_explicit_start_stop_and_restart_keep_state() -> None:
    emu = Emulator(orders=5)
    assert await emu.start() is emu
    with pytest.raises(RuntimeError, match="already running"):
        await emu.start()
    emu.account.balance = 42
    await emu.stop()
    await emu.stop()  # idempotent
    await emu.start()
    try:
        async with aiohttp.ClientSession() as session:
            headers = {"Authorization": f"Bearer {emu.token}"}
            async with session.get(emu.url + "/user/api/me", headers=headers) as response:
                assert (await response.json())["wallet_balance"] == 42
    finally:
        await emu.stop()


async def test_two_emulators_side_by_side() -> None:
    async with Emulator(seed=1) as a, Emulator(seed=2) as b:
        assert a.port != b.port
        assert a.token != b.token
        assert emu_state_alias(a)


def emu_state_alias(emu: Emulator) -> bool:
    return emu.state is emu.store


async def test_stop_closes_idle_keepalive_connections_without_warnings() -> None:
    # filterwarnings=error turns a leaked transport's ResourceWarning into a failure.
    async with aiohttp.ClientSession() as session:
        async with Emulator() as emu:
            for _ in range(3):
                assert await _status(session, emu.url + "/health") == 200
        with pytest.raises(aiohttp.ClientError):
            await _status(session, emu.url + "/health")
    gc.collect()


async def test_stop_does_not_wait_for_a_stalled_request() -> None:
    emu = Emulator(shutdown_timeout=0.1)
    await emu.start()
    emu.faults.set("health", stall_ms=60_000)
    async with aiohttp.ClientSession() as session:
        request = asyncio.ensure_future(_status(session, emu.url + "/health"))
        for _ in range(1000):
            if emu.journal.in_flight:
                break
            await asyncio.sleep(0.01)
        await emu.stop()
        with pytest.raises(aiohttp.ClientError):
            await request
    gc.collect()


async def test_port_in_use_is_reported() -> None:
    async with Emulator() as first:
        with pytest.raises(OSError):
            await Emulator(port=first.port).start()


async def test_command_line_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "proxyorders_async.emulator",
        "--port",
        "0",
        "--orders",
        "25",
        "--seed",
        "3",
        "--latency-ms",
        "1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url_line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        token_line = (await process.stdout.readline()).decode()
        assert url_line.startswith("url: http://127.0.0.1:")
        url, token = url_line.split(": ", 1)[1].strip(), token_line.split(": ", 1)[1].strip()
        assert token == Emulator(seed=3).token
        async with aiohttp.ClientSession() as session:
            headers = {"Authorization": f"Bearer {token}"}
            async with session.get(url + "/user/api/orders?status=all", headers=headers) as r:
                assert r.status == 200
                assert (await r.json())["count"] == 20
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr
        assert b"Traceback" not in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_command_line_reports_a_busy_port() -> None:
    async with Emulator() as busy:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "proxyorders_async.emulator",
            "--port",
            str(busy.port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert stderr.startswith(b"error:")
