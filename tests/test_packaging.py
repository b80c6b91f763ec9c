"""The release metadata: what pyproject.toml declares matches what CI proves and the index shows."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself depends on tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _matrix() -> list[str]:
    """The Python versions `make matrix` runs (the Makefile's MATRIX default)."""
    (line,) = re.findall(r"^MATRIX \?= (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return line.split()


def test_python_classifiers_are_the_versions_ci_runs() -> None:
    prefix = "Programming Language :: Python :: "
    versions = [
        c.removeprefix(prefix) for c in PROJECT["classifiers"] if c.startswith(prefix + "3.")
    ]
    assert versions == _matrix() == ["3.10", "3.11", "3.12", "3.13"]
    assert PROJECT["requires-python"] == f">={_matrix()[0]}"
    assert "Operating System :: OS Independent" in PROJECT["classifiers"]


def test_license_file_is_shipped_and_matches_the_metadata() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 proxyorders_async developers" in text


def test_project_urls_are_absolute_https() -> None:
    urls = PROJECT["urls"]
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= urls.keys()
    assert all(url.startswith("https://") for url in urls.values())


def test_published_extras_are_runtime_only() -> None:
    assert set(PROJECT["optional-dependencies"]) == {"cli", "speed"}
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    assert {"test", "conformance", "bench", "docs", "release"} <= groups.keys()


def test_every_runtime_requirement_has_one_floor() -> None:
    """`make floors` installs exactly these floors; a requirement without one is untestable."""
    extras = [r for reqs in PROJECT["optional-dependencies"].values() for r in reqs]
    for requirement in [*PROJECT["dependencies"], *extras]:
        assert re.fullmatch(r"[a-z-]+>=[0-9.]+", requirement), requirement


def test_readme_links_work_on_the_package_index() -> None:
    """The index shows README.md alone: relative links to repository files would be broken."""
    links = re.findall(r"\]\(([^)\s]+)\)", (ROOT / "README.md").read_text())
    assert links
    relative = [link for link in links if not link.startswith(("https://", "#"))]
    assert relative == []
