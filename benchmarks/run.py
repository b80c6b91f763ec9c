#!/usr/bin/env python3
"""proxyorders_async against raw aiohttp and httpx + pydantic, side by side in one run.

The emulator serves from a separate process on 127.0.0.1 (``python -m
proxyorders_async.emulator --port 0``), so the client's CPU is measured without the server
sharing its event loop. Every scenario runs its implementations in interleaved rounds (the
order rotates each round, after one unrecorded warm-up round) and compares medians::

    python benchmarks/run.py                      # everything, full sizes (~3 minutes)
    python benchmarks/run.py --quick              # smaller sizes, a smoke run
    python benchmarks/run.py --scenario export    # one scenario (repeatable)
    python benchmarks/run.py --markdown out.md    # also write the tables as Markdown

Scenarios: ``overhead`` (sequential quotes), ``export`` (walk every order), ``fanout``
(concurrent quotes), ``memory`` (peak RSS while streaming), ``decode`` (µs per order),
``export_exact`` (the exact walk against the plain one, nothing changing) and

``ratelimit`` (a quote fan-out against a server rate limit: 429s and wall time). Targets
are stated for the full sizes; with ``--quick`` the verdicts are indicative only.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(_ROOT))

import aiohttp  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    SIZES,
    VERDICT_HEADERS,
    Result,
    Sizes,
    load_peer,
    markdown_table,
    print_result,
    verdict_rows,
)
from benchmarks.scenarios.decode import scenario_decode  # noqa: E402
from benchmarks.scenarios.export import scenario_export  # noqa: E402
from benchmarks.scenarios.export_exact import scenario_export_exact  # noqa: E402
from benchmarks.scenarios.fanout import scenario_fanout  # noqa: E402
from benchmarks.scenarios.memory import MEMORY_IMPLS, memory_child, scenario_memory  # noqa: E402
from benchmarks.scenarios.overhead import scenario_overhead  # noqa: E402
from benchmarks.scenarios.ratelimit import scenario_ratelimit  # noqa: E402

SCENARIOS = ("overhead", "export", "fanout", "memory", "decode", "export_exact", "ratelimit")

RUNNERS: dict[str, Callable[[Sizes], Result]] = {
    "overhead": scenario_overhead,
    "export": scenario_export,
    "fanout": scenario_fanout,
    "memory": scenario_memory,
    "decode": scenario_decode,
    "export_exact": scenario_export_exact,
    "ratelimit": scenario_ratelimit,
}


def machine_note() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"aiohttp {aiohttp.__version__}, {platform.system()} {platform.release()}"
    )


def to_markdown(results: Sequence[Result], sizes: Sizes, command: str) -> str:
    parts = [
        f"Command: `{command}` ({sizes.label} sizes)  ",
        f"Machine: {machine_note()}  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
    ]
    for result in results:
        parts += ["", f"### {result.name}: {result.title}", ""]
        parts.append(markdown_table(result.headers, result.rows))
        if result.verdicts:
            parts += ["", markdown_table(VERDICT_HEADERS, verdict_rows(result.verdicts))]
        parts += [""] + [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Benchmark proxyorders_async against raw aiohttp and httpx + pydantic.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a smoke run")
    parser.add_argument("--sizes", choices=sorted(SIZES), help="size preset (default: full)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--rounds", type=int, help="override the number of measured rounds")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    # Internal: one memory walk in a fresh process.
    parser.add_argument("--memory-child", choices=MEMORY_IMPLS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--page-size", type=int, default=100, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        return memory_child(
            args.memory_child, args.url, os.environ["PROXYORDERS_TOKEN"], args.page_size
        )
    sizes = SIZES[args.sizes or ("quick" if args.quick else "full")]
    if args.rounds:
        sizes = dataclasses.replace(sizes, rounds=args.rounds, overhead_rounds=args.rounds)
    names = args.scenario or list(SCENARIOS)
    print(f"proxyorders_async benchmarks ({sizes.label} sizes): {machine_note()}")
    missing: list[str] = []
    if load_peer(missing) is None:
        print(f"warning: {missing[0]}")
    results = []
    for name in SCENARIOS:
        if name in names:
            result = RUNNERS[name](sizes)
            print_result(result, sizes)
            results.append(result)
    verdicts = [v for r in results for v in r.verdicts]
    missed = [v for v in verdicts if not v.met]
    print(f"\n{len(verdicts) - len(missed)} of {len(verdicts)} targets met ({sizes.label} sizes)")
    for v in missed:
        print(f"  MISSED: {v.target}: {v.value:.2f} (wanted {v.wanted})")
    if args.markdown:
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        args.markdown.write_text(to_markdown(results, sizes, command.strip()), encoding="utf-8")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
