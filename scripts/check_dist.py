"""Check the built sdist and wheel hold what a release needs, and print the wheel's files.

Usage: ``python check_dist.py dist/`` (one sdist and one wheel in it), run by ``make package``.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

WHEEL_MUST = (
    "proxyorders_async/__init__.py",
    "proxyorders_async/py.typed",
    "proxyorders_async/testing.py",
    "proxyorders_async/emulator/__main__.py",
)
SDIST_MUST = ("pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "PKG-INFO")


def check_wheel(path: Path) -> list[str]:
    """Problems of the wheel; prints its file list."""
    names = zipfile.ZipFile(path).namelist()
    print(f"== {path.name}: {len(names)} files")
    print("\n".join(f"  {name}" for name in names))
    problems = [f"wheel lacks {n}" for n in WHEEL_MUST if n not in names]
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    if f"{info}/licenses/LICENSE" not in names:
        problems.append("wheel lacks the LICENSE file")
    problems += [f"wheel ships {n}" for n in names if n.startswith(("tests/", "benchmarks/"))]
    entry_points = zipfile.ZipFile(path).read(f"{info}/entry_points.txt").decode()
    for needed in ("proxyorders = proxyorders_async._cli:main", "[pytest11]"):
        if needed not in entry_points:
            problems.append(f"wheel entry points lack {needed!r}")
    return problems


def check_sdist(path: Path) -> list[str]:
    """Problems of the sdist: it must build the wheel and ship no tests."""
    with tarfile.open(path) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    print(f"== {path.name}: {len(names)} files")
    problems = [f"sdist lacks {n}" for n in SDIST_MUST if n not in names]
    return problems + [f"sdist ships {n}" for n in names if n.startswith(("tests/", "benchmarks/"))]


def main(dist: Path) -> int:
    """Check both archives; non-zero with the problems listed if anything is off."""
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    problems = check_wheel(wheel) + check_sdist(sdist)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
