"""Running the ``proxyorders`` command line (also ``python -m proxyorders_async``).

Parses arguments, maps failures to exit codes and runs one command inside ``asyncio.run`` with
one :class:`ProxyOrdersClient`. It imports neither rich nor the command modules at import time:
``--help`` works without the ``cli`` extra, and a missing rich is reported as a one-line hint
instead of a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import NoReturn

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    OutcomeUnknownError,
    ProxyOrdersError,
    PurchaseOutcomeUnknownError,
)
from .._redact import Redactor
from .._settings import BASE_URL_ENV, TOKEN_ENV, check_token
from .base import (
    EXIT_AUTH,
    EXIT_CONNECTION,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OUTCOME_UNKNOWN,
    EXIT_USAGE,
    CommandError,
    Invocation,
)
from .parser import build_parser

__all__ = ["main", "run"]

INSTALL_HINT = "error: the proxyorders command needs rich: pip install 'proxyorders-async[cli]'"
# Exit status of a process whose stdout reader went away (128 + SIGPIPE), as shells report it.
EXIT_BROKEN_PIPE = 141


# ---------------------------------------------------------------------------------------------
# Running a command


def _run_emulator(args: argparse.Namespace) -> int:
    from ..emulator.__main__ import main as emulator_main

    argv = ["--host", args.host, "--port", str(args.port), "--orders", str(args.orders)]
    argv += ["--seed", str(args.seed), "--latency-ms", str(args.latency_ms)]
    return emulator_main(argv)


def _resolve(args: argparse.Namespace) -> Invocation:
    try:
        token = check_token(args.token, option="--token")
    except ConfigurationError as exc:
        # A credential problem (often a pasted line break), so exit 3; never echo the key.
        raise CommandError(str(exc), code=EXIT_AUTH) from None
    return Invocation(
        token=token,
        base_url=args.base_url or os.environ.get(BASE_URL_ENV) or None,
        timeout=args.timeout,
        debug=args.debug,
    )


def _rich_missing() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return True
    return False


class _Redacting(logging.Formatter):
    """Formats records with the API key replaced by ``***``, whatever logged it."""

    def __init__(self, secret: str) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redactor = Redactor(secret)

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.text(super().format(record))


@contextlib.contextmanager
def _logging(debug: bool, secret: str) -> Iterator[None]:
    """DEBUG logging of the SDK on stderr for the duration of one command (``--debug``)."""
    if not debug:
        yield
        return
    logger = logging.getLogger("proxyorders_async")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Redacting(secret))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        # main() may run many times in one process (tests, embedding): leave no handler behind.
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _describe(exc: BaseException) -> tuple[int, str, list[str]]:
    """Exit status, one-line message and hints for a failure."""
    if isinstance(exc, CommandError):
        return exc.code, exc.message, list(exc.hints)
    if isinstance(exc, AuthenticationError):
        return (
            EXIT_AUTH,
            f"authentication failed: {exc.message} (HTTP 401)",
            [f"check the API key given with --token or ${TOKEN_ENV}"],
        )
    if isinstance(exc, PurchaseOutcomeUnknownError):
        return (
            EXIT_OUTCOME_UNKNOWN,
            f"{exc.method} {exc.url} was sent but its outcome is unknown; it was not retried",
            ["check 'proxyorders orders list all' and 'proxyorders me' before trying again"],
        )
    if isinstance(exc, OutcomeUnknownError):
        # Not a charge, but unsafe to repeat: the SDK's advice says what to look at first.
        advice = " ".join(exc.advice.split()) or "what it changes"
        return (
            EXIT_OUTCOME_UNKNOWN,
            f"{exc.method} {exc.url} was sent but its outcome is unknown; it was not retried",
            [f"before trying again, check {advice}"],
        )
    if isinstance(exc, APITimeoutError):
        return EXIT_CONNECTION, f"the API did not answer in time: {exc}", []
    if isinstance(exc, APIConnectionError):
        return EXIT_CONNECTION, f"cannot reach the API: {exc}", []
    if isinstance(exc, APIStatusError):
        where = f"HTTP {exc.status} from {exc.method} {exc.url}"
        return EXIT_ERROR, f"{exc.message} ({where})", []
    if isinstance(exc, (ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError)):
        return EXIT_USAGE, str(exc), []
    if isinstance(exc, ProxyOrdersError):
        return EXIT_ERROR, str(exc), []
    if isinstance(exc, OSError):
        return EXIT_ERROR, str(exc), []
    return (
        EXIT_ERROR,
        f"unexpected {type(exc).__name__}: {exc}",
        ["this is a bug in proxyorders: run again with --debug and report the traceback"],
    )


def _report(exc: BaseException, invocation: Invocation | None, debug: bool) -> int:
    code, message, hints = _describe(exc)
    if invocation is not None:
        hints += invocation.hints
    redact = Redactor(invocation.token).text if invocation is not None else str
    if debug:
        # Every spelling of the key a server could have echoed, in any exception of the chain.
        shown = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(redact(shown), end="", file=sys.stderr)
    lines = [f"error: {' '.join(message.split())}", *(f"  {hint}" for hint in hints)]
    print(redact("\n".join(lines)), file=sys.stderr)
    return code


def _silence_stdout() -> None:
    # After EPIPE, Python would fail again flushing stdout at exit; point it at /dev/null.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``proxyorders`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (status 2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "emulator":
        return _run_emulator(args)
    if _rich_missing():
        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_USAGE
    from .commands import run_command

    invocation: Invocation | None = None
    try:
        invocation = _resolve(args)
        with _logging(invocation.debug, invocation.token):
            return asyncio.run(run_command(args, invocation))
    except KeyboardInterrupt:
        hints = invocation.hints if invocation is not None else []
        print("\n".join(["interrupted", *(f"  {hint}" for hint in hints)]), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        return _report(exc, invocation, bool(args.debug))


def run() -> NoReturn:
    """Console entry point: exit the process with :func:`main`'s status."""
    sys.exit(main())
