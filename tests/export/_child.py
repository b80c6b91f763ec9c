"""A small program that calls ``client.orders.export(...)``: the process the kill tests kill.

Usage: ``python _child.py URL TOKEN PATH FORMAT CONCURRENCY FLAGS [PHASE:N]``

``FLAGS`` is ``-`` or a comma-separated list of ``dedupe`` and ``exact`` (passed as True).

With ``PHASE:N`` the process SIGKILLs itself at a chosen point of the export's N-th write of
that kind, so every window between "data" and "checkpoint" is hit on purpose, deterministically:

- ``torn``: the N-th append writes half its bytes, then the process dies (a torn line);
- ``unsynced``: the N-th append writes all its bytes, unflushed to disk and unrecorded;
- ``tmp``: the N-th checkpoint is written to its ``.tmp`` file, not yet renamed over the old one;
- ``saved``: the N-th checkpoint has just been renamed into place.

Appends count the CSV header (a fresh export's first, empty for JSON Lines); checkpoints count
the one a fresh export writes before its first request. ``external`` (or no phase) patches
nothing: the parent process kills it. On success the summary is printed as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import IO, Any

from proxyorders_async import ProxyOrdersClient, RetryPolicy, _export


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(phase: str, n: int) -> None:
    calls = [0]
    real_append, real_replace = _export.append_bytes, os.replace

    def append(file: IO[bytes], data: bytes) -> None:
        calls[0] += 1
        if calls[0] == n:
            file.write(data[: len(data) // 2] if phase == "torn" else data)
            file.flush()  # to the OS (which keeps it after the kill), not to the disk
            _die()
        real_append(file, data)

    def replace(src: Any, dst: Any) -> None:
        calls[0] += 1
        if calls[0] == n and phase == "tmp":
            _die()
        real_replace(src, dst)
        if calls[0] == n:
            _die()

    if phase in ("torn", "unsynced"):
        _export.append_bytes = append  # type: ignore[assignment]
    elif phase in ("tmp", "saved"):
        os.replace = replace  # type: ignore[assignment]


async def _main(argv: list[str]) -> None:
    url, token, path, fmt, concurrency, flags = argv[:6]
    if len(argv) > 6:
        phase, _, n = argv[6].partition(":")
        _arm(phase, int(n))
    policy = RetryPolicy(base_backoff=0.001, max_backoff=0.005)
    async with ProxyOrdersClient(token=token, base_url=url, retry_policy=policy) as client:
        summary = await client.orders.export(
            path,
            "all",
            format=fmt,  # type: ignore[arg-type]
            page_size=10,
            concurrency=int(concurrency),
            dedupe=True if "dedupe" in flags.split(",") else None,
            exact=True if "exact" in flags.split(",") else None,
        )
    print(json.dumps({"orders": summary.orders, "resumed": summary.resumed}))


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
