"""Smoke-test an installed wheel, run by ``make package`` from an empty temporary directory.

Usage: ``python smoke_wheel.py VERSION`` with the python of a venv holding only the wheel (no
extras), pytest and pytest-asyncio. Checks the import comes from site-packages, the console
script, the pytest plugin (its fixtures and marker) and the emulator as a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

PLUGIN_TEST = """
import pytest


@pytest.mark.proxyorders_emulator(orders=3, seed=1)
async def test_plugin_fixtures(proxyorders_client, proxyorders_emulator):
    page = await proxyorders_client.orders.list("all", limit=10)
    assert len(page.orders) == 3
    assert proxyorders_emulator.count("GET", "/user/api/orders") == 1
"""


def check_import(expected_version: str) -> None:
    """The package imports from the venv's site-packages, with the built version."""
    import proxyorders_async

    where = Path(proxyorders_async.__file__).resolve()
    assert "site-packages" in where.parts, where
    assert proxyorders_async.__version__ == expected_version, proxyorders_async.__version__
    print(f"ok   import proxyorders_async {expected_version} from {where.parent}")


def check_console_script() -> None:
    """``proxyorders --help`` works without the cli extra."""
    script = Path(sys.executable).with_name("proxyorders")
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("usage: proxyorders"), out[:200]
    print("ok   proxyorders --help")


def check_pytest_plugin() -> None:
    """The pytest11 entry point registers the fixtures and the marker (--strict-markers)."""
    Path("test_smoke_plugin.py").write_text(PLUGIN_TEST)
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers"]
    args += ["-o", "asyncio_mode=auto", "test_smoke_plugin.py"]
    run = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
    print("ok   pytest plugin: fixtures and marker registered, 1 passed")


def check_emulator_process() -> None:
    """``python -m proxyorders_async.emulator --port 0`` serves and answers one request."""
    cmd = [sys.executable, "-m", "proxyorders_async.emulator", "--port", "0", "--orders", "2"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            lines = dict(proc.stdout.readline().strip().split(": ", 1) for _ in range(2))
            request = urllib.request.Request(
                lines["url"] + "/user/api/orders?status=all&limit=10",
                headers={"Authorization": f"Bearer {lines['token']}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.load(response)
            assert response.status == 200 and len(body["orders"]) == 2, body
        finally:
            proc.terminate()
    assert proc.returncode == 0, proc.returncode
    print(f"ok   emulator process at {lines['url']} answered 200 with 2 orders, exited 0")


if __name__ == "__main__":
    check_import(sys.argv[1])
    check_console_script()
    check_pytest_plugin()
    check_emulator_process()
