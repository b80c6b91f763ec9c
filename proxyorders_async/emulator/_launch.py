"""Serving the emulator as a process: the one set of options of both launchers.

``python -m proxyorders_async.emulator`` and ``proxyorders emulator`` add the same options with
:func:`add_options` (same names, same defaults) and run them with :func:`run`, so the two can
never drift apart again. Prints ``url: ...`` and ``token: ...`` lines (stable, so scripts can
parse them), then serves; SIGINT or SIGTERM stops it cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from collections.abc import Callable

from ._catalog import PROXY_TYPES
from ._faults import FaultSpec
from ._server import DEFAULT_BALANCE, Emulator

__all__ = ["DEFAULT_ORDERS", "DEFAULT_PORT", "add_options", "run"]

DEFAULT_ORDERS = 100
"""Orders seeded by default: enough to page through with the CLI or a script."""
DEFAULT_PORT = 8765

DESCRIPTION = """\
Serve an emulated ProxyShard User API on this machine until Ctrl-C. It prints its url and a
demo token: export them as PROXYORDERS_BASE_URL and PROXYORDERS_TOKEN."""


def _int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _traffic(text: str) -> tuple[str, int]:
    proxy_type, _, gb = text.partition("=")
    if proxy_type not in PROXY_TYPES or not gb.isdigit():
        raise argparse.ArgumentTypeError(f"expected TYPE=GB with TYPE in {sorted(PROXY_TYPES)}")
    return proxy_type, int(gb)


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser`` (both launchers call this)."""
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    add(
        "--port",
        type=_int_range(0, 65535),
        default=DEFAULT_PORT,
        help=f"port to bind; 0 picks a free one (default {DEFAULT_PORT})",
    )
    add(
        "--orders",
        type=_int_range(0),
        default=DEFAULT_ORDERS,
        metavar="N",
        help=f"historical orders to seed (default {DEFAULT_ORDERS})",
    )
    add(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of orders, token and faults (default 0)",
    )
    add("--token", default=None, help="bearer token of the demo account (default: from --seed)")
    add(
        "--balance",
        type=_int_range(0),
        default=DEFAULT_BALANCE,
        metavar="CENTS",
        help=f"wallet in cents (default {DEFAULT_BALANCE})",
    )
    add("--absolute-next", action="store_true", help="absolute next/prev URIs in pages")
    add(
        "--order-sort",
        choices=("asc", "desc"),
        default="asc",
        help="order list sort by order id (default asc)",
    )
    add(
        "--traffic",
        action="append",
        default=[],
        type=_traffic,
        metavar="TYPE=GB",
        help="residential traffic to seed, e.g. standart=50 (repeatable)",
    )
    add(
        "--sub-users",
        type=_int_range(0),
        default=0,
        metavar="N",
        help="sub-users (1 GB each) per --traffic",
    )
    add(
        "--p0f-orders",
        type=_int_range(0),
        default=0,
        metavar="N",
        help="DC orders with p0f slots to seed",
    )
    add(
        "--latency-ms",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="added latency on every request",
    )
    add(
        "--jitter-ms",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="random extra latency per request",
    )
    add(
        "--error-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of 500/502/503 answers",
    )
    add(
        "--rate-limit-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of 429 answers",
    )
    add(
        "--rate-limit",
        type=_rate,
        default=None,
        metavar="R",
        help="requests per second per account (token bucket; 429 with a truthful Retry-After)",
    )
    add("--rate-burst", type=_burst, default=None, metavar="B", help="bucket size (default: R)")


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        raise argparse.ArgumentTypeError(f"expected requests per second > 0, got {text!r}")
    return rate


def _burst(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def build_parser(prog: str = "python -m proxyorders_async.emulator") -> argparse.ArgumentParser:
    """The parser of ``python -m proxyorders_async.emulator``."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_options(parser)
    return parser


def _emulator(args: argparse.Namespace) -> Emulator:
    spec = FaultSpec(
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rate=args.error_rate,
        rate_limit_rate=args.rate_limit_rate,
    )
    return Emulator(
        orders=args.orders,
        seed=args.seed,
        token=args.token,
        balance=args.balance,
        host=args.host,
        port=args.port,
        faults={"*": spec} if spec != FaultSpec() else {},
        absolute_next=args.absolute_next,
        order_sort=args.order_sort,
        traffic_gb=dict(args.traffic),
        sub_users=args.sub_users,
        p0f_orders=args.p0f_orders,
        rate_limit=args.rate_limit,
        rate_burst=args.rate_burst,
        journal=False,  # a long-running process must not grow without bound
    )


async def _serve(args: argparse.Namespace) -> None:
    emulator = _emulator(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows: there Ctrl-C raises KeyboardInterrupt, handled in run().
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(sig, stop.set)
    async with emulator:
        print(f"url: {emulator.url}", flush=True)
        print(f"token: {emulator.token}", flush=True)
        print(
            f"orders: {args.orders} (seed {args.seed}), balance: {args.balance} cents; "
            "Ctrl-C to stop",
            flush=True,
        )
        await stop.wait()


def run(args: argparse.Namespace) -> int:
    """Serve with the options parsed by :func:`add_options` until interrupted; exit status."""
    if args.rate_burst is not None and args.rate_limit is None:
        print("error: --rate-burst needs --rate-limit", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. port already in use
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
