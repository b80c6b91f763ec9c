"""Fail unless the built API reference documents every public name.

Usage: ``python check_docs.py site/`` after ``mkdocs build``, run by ``make docs``. The reference
page renders ``proxyorders_async`` from its ``__all__``, so a name added there appears by itself;
this check catches one that silently does not (no docstring, a renamed module, a filter).
"""

from __future__ import annotations

import sys
from pathlib import Path

import proxyorders_async

EMULATOR = ("Emulator", "FaultOptions", "FaultSpec", "Faults", "Journal", "JournalEntry")
PLUGIN = ("proxyorders_client", "proxyorders_emulator", "proxyorders_emulator_factory")


def main(site: Path) -> int:
    """Print the names the reference lacks; non-zero if any."""
    html = (site / "reference" / "index.html").read_text()
    wanted = [f"proxyorders_async.{n}" for n in proxyorders_async.__all__ if not n.startswith("__")]
    wanted += [f"proxyorders_async.emulator.{n}" for n in EMULATOR]
    wanted += [f"proxyorders_async.testing.{n}" for n in PLUGIN]
    missing = [name for name in wanted if f'id="{name}"' not in html]
    for name in missing:
        print(f"FAIL the API reference lacks {name}", file=sys.stderr)
    print(f"ok   the API reference documents {len(wanted) - len(missing)} of {len(wanted)} names")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
