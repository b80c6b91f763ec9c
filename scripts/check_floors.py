"""Fail unless every runtime requirement (and extra) is installed at exactly its declared floor.

Run by ``make floors`` in the venv it built with ``--resolution lowest-direct``: it proves the
suites that follow ran against the floors, not against something newer pulled in by a test tool.
"""

from __future__ import annotations

import sys
from importlib.metadata import requires, version

from packaging.requirements import Requirement
from packaging.version import Version


def main() -> int:
    """Print each requirement's floor and installed version; non-zero on any mismatch."""
    bad = 0
    for line in requires("proxyorders-async") or []:
        req = Requirement(line)
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        if len(floors) != 1:
            print(f"{req}: no single '>=' floor", file=sys.stderr)
            bad += 1
            continue
        installed = Version(version(req.name))
        ok = installed == floors[0]
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {req.name}: floor {floors[0]}, installed {installed}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
