"""Fixtures for the command line's tests: an emulator and a way to run ``main`` in-process.

``main`` runs in a worker thread (it calls ``asyncio.run`` itself) while the emulator serves
from the test's event loop; capsys captures what the command prints.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from proxyorders_async._cli import main
from proxyorders_async.emulator import Emulator

SEEDED_ORDERS = 60


@dataclass
class Result:
    """What one ``proxyorders`` run returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


Run = Callable[..., Awaitable[Result]]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A running emulator with a few dozen seeded orders of every status."""
    async with Emulator(orders=SEEDED_ORDERS, seed=11) as emulator:
        yield emulator


@pytest.fixture
def cli_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the CLI at ``emu`` through the environment, as a user would."""
    env = {
        "PROXYORDERS_TOKEN": emu.token,
        "PROXYORDERS_BASE_URL": emu.url,
        # Wide enough that rich never wraps a table cell, so assertions see whole values.
        "COLUMNS": "200",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def cli(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> Run:
    """``await cli("me", "--json")`` runs ``proxyorders me --json`` against ``emu``."""

    async def run(*argv: str) -> Result:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(argv))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def subprocess_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for ``python -m proxyorders_async`` in a child process."""
    env = {**os.environ, **extra}
    env.pop("PYTHONWARNINGS", None)
    return env


PYTHON = sys.executable
