"""``proxyorders orders export``: a thin wrapper over ``client.orders.export``.

The SDK (``proxyorders_async._export``) does the work: the file and its checkpoint
(``FILE.checkpoint.json``) move forward together one page at a time, and ``--resume`` cuts the
file back to the checkpoint and continues, so a killed export ends up line for line equal to an
uninterrupted one. This module adds what a person at a terminal needs: a live progress display,
one summary line (this run's time and rate apart from the total after a resume), resume hints
when the export stops early, exit codes, and ``--out -`` (stdout, not resumable). Unlike the SDK,
the command removes the checkpoint once the export is complete, so ``--resume`` on a finished
export is refused rather than silently doing nothing.

SIGTERM is handled like Ctrl-C: the walk is cancelled between pages (never between a page's
data and its checkpoint, so no ``.tmp`` checkpoint is left behind), the resume hint is printed
and the command exits with 143 (128 + SIGTERM, what a shell reports for a terminated process,
so supervisors still see "terminated"); Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .._exceptions import ExportCheckpointError, ExportError
from .._export import CHECKPOINT_SUFFIX, CSV_COLUMNS, DEFAULT_PAGE_SIZE, Checkpoint, Encoder
from .._export import checkpoint_path_for as _checkpoint_path_for
from .._models_export import ExportProgress, ExportSummary
from .base import EXIT_OK, CommandError, Invocation, Terminated, UsageError
from .output import Output

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .._client import ProxyOrdersClient

__all__ = ["CHECKPOINT_SUFFIX", "CSV_COLUMNS", "Checkpoint", "export_orders", "summary_line"]


# ---------------------------------------------------------------------------------------------
# Progress


def _isatty(stream: IO[Any] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_is_terminal() -> bool:
    """Whether a person watches stderr (a real terminal that can redraw a line).

    Deliberately stricter than rich's own check, which FORCE_COLOR (often set in CI) turns on:
    a log file must get one summary line, not hundreds of progress frames.
    """
    return _isatty(sys.stderr) and os.environ.get("TERM", "") != "dumb"


class _Progress:
    """Count, pages and rate on stderr while a terminal watches; silent otherwise."""

    def __init__(self, label: str, *, allowed: bool = True) -> None:
        self._label = label
        self._allowed = allowed and stderr_is_terminal()
        self._live: Progress | None = None
        self._task: TaskID | None = None

    def start(self, orders: int) -> None:
        """Show the live display (once), starting at ``orders``."""
        if not self._allowed or self._live is not None:
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._live = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[orders]:>10,} orders"),
            TextColumn("{task.fields[pages]:>7,} pages"),
            TextColumn("{task.fields[rate]:>8,.0f} orders/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True, force_terminal=True),
            transient=True,
        )
        self._task = self._live.add_task(self._label, total=None, orders=orders, pages=0, rate=0.0)
        self._live.start()

    def update(self, orders: int, pages: int, rate: float) -> None:
        """Show the new totals (``rate``: this run's orders per second)."""
        if self._live is not None and self._task is not None:
            self._live.update(self._task, orders=orders, pages=pages, rate=rate)

    def close(self) -> None:
        """Remove the live display."""
        if self._live is not None:
            self._live.stop()
            self._live = None


class _Watcher:
    """The export's ``progress`` callback: the resume note, then the live display."""

    def __init__(self, out: Output, status: str) -> None:
        self.out = out
        self.display = _Progress(f"Exporting {status}")
        self.last: ExportProgress | None = None

    def __call__(self, progress: ExportProgress) -> None:
        if self.last is None:
            if progress.resumed:
                self.out.note(
                    f"resuming after {progress.orders:,} orders ({progress.pages:,} pages)"
                )
            self.display.start(progress.orders)
        self.last = progress
        self.display.update(progress.orders, progress.pages, progress.rate_this_run)


def summary_line(summary: ExportSummary) -> str:
    """The line printed when an export completes; a resumed one shows this run apart."""
    head = f"exported {summary.orders:,} orders ({summary.pages:,} pages) to {summary.path}"
    if summary.resumed:
        parts = [
            head,
            f"this run {summary.orders_this_run:,} orders ({summary.pages_this_run:,} pages) "
            f"in {summary.seconds_this_run:.1f}s, {summary.rate_this_run:,.0f} orders/s",
            f"all runs {summary.seconds:.1f}s, {summary.rate:,.0f} orders/s",
        ]
    else:
        parts = [f"{head} in {summary.seconds:.1f}s, {summary.rate:,.0f} orders/s"]
    if summary.duplicates_skipped:
        parts.append(f"{summary.duplicates_skipped:,} duplicates skipped")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# SIGTERM


@contextlib.contextmanager
def _cancel_on_sigterm() -> Iterator[list[bool]]:
    """While inside, SIGTERM cancels the current task (as Ctrl-C does); yields ``[terminated]``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    flag = [False]

    def terminate() -> None:
        flag[0] = True
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows, or not main thread
        yield flag
        return
    try:
        yield flag
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


# ---------------------------------------------------------------------------------------------
# The command


def _format(args: argparse.Namespace) -> str:
    if args.format is not None:
        return str(args.format)
    if args.out == "-":  # a stream of whole lines, which jq, grep and head can cut anywhere
        return "jsonl"
    suffix = Path(args.out).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise UsageError(f"cannot tell the format from {args.out!r}: pass --format jsonl or csv")


async def export_orders(
    client: ProxyOrdersClient, out: Output, invocation: Invocation, args: argparse.Namespace
) -> int:
    """Run ``orders export`` as parsed in ``args``."""
    fmt = _format(args)
    if args.out == "-":
        if args.resume:
            raise UsageError("--resume needs a file: an export to stdout cannot be resumed")
        return await _export_to_stdout(client, out, args, fmt)
    with _cancel_on_sigterm() as terminated:
        try:
            summary = await _export_to_file(client, out, invocation, args, fmt)
        except asyncio.CancelledError:
            if terminated[0]:
                raise Terminated from None
            raise
    out.note(summary_line(summary))
    return EXIT_OK


async def _export_to_file(
    client: ProxyOrdersClient,
    out: Output,
    invocation: Invocation,
    args: argparse.Namespace,
    fmt: str,
) -> ExportSummary:
    path = Path(args.out)
    checkpoint = _checkpoint_path_for(path)
    if not args.resume and checkpoint.exists():
        out.note(
            f"warning: starting over; the checkpoint of an earlier export to {path} is replaced "
            "(pass --resume to continue it instead)"
        )
    watcher = _Watcher(out, args.status)
    try:
        summary = await client.orders.export(
            path,
            args.status,
            format="csv" if fmt == "csv" else "jsonl",
            page_size=args.page_size,
            concurrency=args.concurrency,
            resume=bool(args.resume),
            dedupe=True if args.dedupe else None,
            exact=True if args.exact else None,
            progress=watcher,
        )
    except ExportError as exc:
        # The SDK's advice speaks of resume=False; the command's of --resume.
        hints = [f"run the command without --resume to start over (it overwrites {path})"]
        if isinstance(exc, ExportCheckpointError):
            raise UsageError(exc.message, hints=hints) from None
        raise CommandError(exc.message, hints=hints if exc.advice else []) from None
    except BaseException:  # API errors, Ctrl-C and SIGTERM (a CancelledError here) alike
        if watcher.last is not None and checkpoint.exists():
            invocation.hints.append(
                f"{watcher.last.orders:,} orders are saved in {path}: "
                "run the same command with --resume to continue"
            )
        raise
    finally:
        watcher.display.close()
    # The command's finished exports keep no checkpoint: --resume on them is refused instead.
    checkpoint.unlink(missing_ok=True)
    return summary


async def _export_to_stdout(
    client: ProxyOrdersClient, out: Output, args: argparse.Namespace, fmt: str
) -> int:
    """``--out -``: the same lines on stdout, with no checkpoint."""
    encoder = Encoder(fmt, set() if args.dedupe else None)
    walk = client.orders.pages(
        args.status,
        page_size=args.page_size or DEFAULT_PAGE_SIZE,
        concurrency=args.concurrency,
        exact=bool(args.exact),
    )
    # Orders printed to a terminal would be torn apart by a progress display redrawn among them.
    progress = _Progress(f"Exporting {args.status}", allowed=not _isatty(sys.stdout))
    progress.start(0)
    started = time.monotonic()
    sys.stdout.flush()
    stream = sys.stdout.buffer
    count = pages = 0
    try:
        stream.write(encoder.header())
        async for page in walk:
            data, written = encoder.page(page.orders)
            stream.write(data)
            stream.flush()
            count, pages = count + written, pages + 1
            progress.update(count, pages, count / max(time.monotonic() - started, 1e-6))
    finally:
        progress.close()
        await walk.aclose()
    elapsed = time.monotonic() - started
    summary = f"exported {count:,} orders ({pages:,} pages) to stdout in {elapsed:.1f}s"
    if encoder.duplicates:
        summary += f"; {encoder.duplicates:,} duplicates skipped"
    out.note(summary)
    return EXIT_OK
