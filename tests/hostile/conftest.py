"""Hostile-world suite: writes the observed figures when ``RELIABILITY_REPORT=path`` is set."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ._support import OBSERVED

_DURATIONS: dict[str, float] = {}
_STARTED = time.monotonic()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "hostile" in report.nodeid:
        _DURATIONS[report.nodeid] = round(report.duration, 3)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("RELIABILITY_REPORT")
    if not target or not OBSERVED:
        return
    payload: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "cpus": os.cpu_count(),
        "exit_status": int(exitstatus),
        "wall_seconds": round(time.monotonic() - _STARTED, 1),
        "tests_seconds": round(sum(_DURATIONS.values()), 1),
        "durations": _DURATIONS,
        "scenarios": OBSERVED,
    }
    Path(target).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
