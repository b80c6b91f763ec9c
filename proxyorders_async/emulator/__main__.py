"""``python -m proxyorders_async.emulator``: serve the emulator until Ctrl-C.

Takes the same options, with the same defaults, as ``proxyorders emulator`` (both come from
:func:`proxyorders_async.emulator._launch.add_options`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._launch import build_parser, run


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, serve until interrupted, return the exit status."""
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
