"""The benchmark suite runs: every scenario once at its smallest sizes (no timing asserted).

The real figures come from ``make bench``; this only proves that the harness, the emulator
subprocesses and every implementation still work, so the suite cannot rot unnoticed.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_scenario_runs_at_the_smallest_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    bench = importlib.import_module("benchmarks.run")
    report = tmp_path / "results.md"

    assert bench.main(["--sizes", "smoke", "--markdown", str(report)]) == 0

    out = capsys.readouterr().out
    for name in bench.SCENARIOS:
        assert f"== {name}:" in out
        assert f"### {name}:" in report.read_text(encoding="utf-8")
    assert "targets met (smoke sizes)" in out
