"""``python -m proxyorders_async.emulator``: serve the emulator until Ctrl-C.

Prints ``url: ...`` and ``token: ...`` lines (stable, so scripts can parse them), then serves.
SIGINT or SIGTERM stops it cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from collections.abc import Sequence

from ._catalog import PROXY_TYPES
from ._faults import FaultSpec
from ._server import DEFAULT_BALANCE, Emulator


def _traffic(text: str) -> tuple[str, int]:
    proxy_type, _, gb = text.partition("=")
    if proxy_type not in PROXY_TYPES or not gb.isdigit():
        raise argparse.ArgumentTypeError(f"expected TYPE=GB with TYPE in {sorted(PROXY_TYPES)}")
    return proxy_type, int(gb)


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m proxyorders_async.emulator",
        description="Serve an emulated ProxyShard User API on a local port.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=8765, help="port to bind; 0 picks a free one (default 8765)")
    add("--orders", type=int, default=0, help="historical orders to seed (default 0)")
    add("--seed", type=int, default=0, help="seed of orders, token and faults (default 0)")
    add("--token", default=None, help="bearer token of the demo account (default: from seed)")
    add("--balance", type=int, default=DEFAULT_BALANCE, help="wallet in cents")
    add("--absolute-next", action="store_true", help="absolute next/prev URIs")
    add(
        "--traffic",
        action="append",
        default=[],
        type=_traffic,
        metavar="TYPE=GB",
        help="residential traffic to seed, e.g. standart=50 (repeatable)",
    )
    add("--sub-users", type=int, default=0, help="sub-users (1 GB each) per --traffic type")
    add("--p0f-orders", type=int, default=0, help="monthly DC orders with p0f slots to seed")
    add("--latency-ms", type=float, default=0.0, help="added latency on every route")
    add("--jitter-ms", type=float, default=0.0, help="random extra latency on every route")
    add("--error-rate", type=float, default=0.0, help="fraction of 500/502/503 answers")
    add("--rate-limit-rate", type=float, default=0.0, help="fraction of 429 answers")
    add(
        "--rate-limit",
        type=_rate,
        default=None,
        metavar="R",
        help="requests per second per account (token bucket; 429 with a truthful Retry-After)",
    )
    add("--rate-burst", type=_burst, default=None, metavar="B", help="bucket size (default: R)")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    faults = {}
    spec = FaultSpec(
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rate=args.error_rate,
        rate_limit_rate=args.rate_limit_rate,
    )
    if spec != FaultSpec():
        faults["*"] = spec
    emulator = Emulator(
        orders=args.orders,
        seed=args.seed,
        token=args.token,
        balance=args.balance,
        host=args.host,
        port=args.port,
        faults=faults,
        absolute_next=args.absolute_next,
        traffic_gb=dict(args.traffic),
        sub_users=args.sub_users,
        p0f_orders=args.p0f_orders,
        rate_limit=args.rate_limit,
        rate_burst=args.rate_burst,
        journal=False,  # a long-running process must not grow without bound
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows: there Ctrl-C raises KeyboardInterrupt, handled in main().
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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, serve until interrupted, return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.rate_burst is not None and args.rate_limit is None:
        parser.error("--rate-burst needs --rate-limit")
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. port already in use
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
