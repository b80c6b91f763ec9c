"""Client instructions per call: the SDK beside raw aiohttp, counted by valgrind, not timed.

The per-call overhead scenario times whole rounds on a shared machine, where one round spreads
by +-25%. Instructions do not: valgrind's cachegrind counts what the client process executes
(its user-space code: Python, aiohttp, the parsers), the same from run to run within a fraction
of a percent. Each client sends sequential price quotes to the emulator (in its own process,
not counted) twice, ``--small`` and ``--large`` of them, and the difference divided by the
difference in calls is the cost of one call, free of start-up and import costs.

Usage: ``.venv/bin/python benchmarks/instructions.py [--small 100] [--large 400]``. Needs
``valgrind`` on the PATH (Debian: ``apt install valgrind``); it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(_ROOT))

from benchmarks import peer_aiohttp  # noqa: E402
from benchmarks.harness import EmulatorProcess, quote_kwargs, sdk_client, wire_params  # noqa: E402

_WARM_UP = 20  # calls before the counted ones start to matter (the first connection, caches)
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


class _Server:
    """The running emulator's address, for a client in another process."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token


async def _client(which: str, calls: int, url: str, token: str) -> None:
    quotes = quote_kwargs(calls + _WARM_UP)
    if which == "sdk":
        async with sdk_client(_Server(url, token)) as client:  # type: ignore[arg-type]
            calculate = client.orders.calculate
            for kwargs in quotes:
                await calculate(**kwargs)
    else:
        async with peer_aiohttp.session(token) as http:
            for kwargs in quotes:
                await peer_aiohttp.quote(http, url, wire_params(kwargs))


def _count(which: str, calls: int, server: EmulatorProcess) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--client",
        which,
        str(calls),
        server.url,
        server.token,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = _REFS.search(done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="calls in the shorter run")
    parser.add_argument("--large", type=int, default=400, help="calls in the longer run")
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)  # the counted process
    args = parser.parse_args(argv)
    if args.client:
        which, calls, url, token = args.client
        asyncio.run(_client(which, int(calls), url, token))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt install valgrind)")
    per_call: dict[str, float] = {}
    with EmulatorProcess() as server:
        for which in ("sdk", "raw"):
            small, large = _count(which, args.small, server), _count(which, args.large, server)
            per_call[which] = (large - small) / (args.large - args.small)
    print(f"client instructions per sequential quote ({args.large} - {args.small} calls):")
    print(f"  SDK          {per_call['sdk']:10,.0f}")
    print(f"  raw aiohttp  {per_call['raw']:10,.0f}")
    print(f"  SDK / raw aiohttp: {per_call['sdk'] / per_call['raw']:.3f}")


if __name__ == "__main__":
    main()
