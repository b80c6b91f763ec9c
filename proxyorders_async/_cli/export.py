"""``proxyorders orders export``: every order to a file, page by page, resumable after a kill.

The file and its checkpoint (``FILE.checkpoint.json``) move forward together, one page at a time:

1. the page's lines are written to FILE, flushed and fsynced;
2. the checkpoint is replaced atomically (temp file, fsync, ``os.replace``) with the byte length
   of FILE, the order count and the ``next`` URI to continue from.

Whenever the process dies, the checkpoint therefore describes a prefix of FILE that holds whole
pages only. ``--resume`` truncates FILE back to that length (dropping a page half-written when
the process died) and continues the walk from the saved URI, so the result equals an
uninterrupted export line for line. A checkpoint exists from before the first page until the
last page is on disk; then it is deleted.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import attrs
import cattrs

from .._converters import CONVERTER
from .._models import Order
from .base import EXIT_OK, CommandError, Invocation, UsageError
from .output import Output

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .._client import ProxyOrdersClient
    from .._pagination import PageIterator
    from .._validation import OrderStatusName

try:  # POSIX only; elsewhere two exports to one file are not prevented.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_SUFFIX", "CSV_COLUMNS", "Checkpoint", "export_orders"]

CHECKPOINT_SUFFIX = ".checkpoint.json"
CHECKPOINT_VERSION = 1
DEFAULT_PAGE_SIZE = 100
CSV_COLUMNS = tuple(field.name for field in attrs.fields(Order))


@attrs.frozen(kw_only=True)
class Checkpoint:
    """Where an export stands: FILE's first ``offset`` bytes hold ``count`` orders from
    ``pages`` pages, and the walk continues at ``next``."""

    status: str
    format: str
    page_size: int
    dedupe: bool
    base_url: str
    next: str
    count: int
    pages: int
    duplicates: int
    offset: int

    def dump(self) -> bytes:
        """The checkpoint file's content."""
        data = {"version": CHECKPOINT_VERSION, **attrs.asdict(self)}
        return (json.dumps(data, indent=2) + "\n").encode()

    @classmethod
    def load(cls, path: Path) -> Checkpoint | None:
        """Read ``path``; None if it does not exist, :class:`UsageError` if it is unusable."""
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise _bad_checkpoint(path, str(exc)) from None
        if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
            raise _bad_checkpoint(path, f"not a version {CHECKPOINT_VERSION} export checkpoint")
        try:
            # The SDK converter is strict about types: a hand-edited "count": "5" is refused.
            return CONVERTER.structure(data, cls)
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            raise _bad_checkpoint(path, f"unexpected content ({type(exc).__name__})") from None


def _bad_checkpoint(path: Path, why: str) -> UsageError:
    return UsageError(
        f"cannot use the checkpoint {path}: {why}",
        hints=[f"delete {path} and export again without --resume"],
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix.

    The directory is not fsynced: if a crash loses the rename, the previous checkpoint comes
    back, and resuming from it redoes one page, which truncation makes harmless.
    """
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temp, path)


# ---------------------------------------------------------------------------------------------
# Encoding orders


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class _Encoder:
    """Turns a page of orders into bytes for FILE, skipping repeated ids with ``dedupe``."""

    def __init__(self, fmt: str, seen: set[int] | None) -> None:
        self.fmt = fmt
        self.seen = seen
        self.duplicates = 0

    def header(self) -> bytes:
        """What a new file starts with (the CSV header row)."""
        return self._csv([CSV_COLUMNS]) if self.fmt == "csv" else b""

    def page(self, orders: Sequence[Order]) -> tuple[bytes, int]:
        """The bytes of one page and how many orders they hold."""
        kept = [order for order in orders if self._keep(order)]
        rows = [CONVERTER.unstructure(order) for order in kept]
        if self.fmt == "csv":
            return self._csv([[_csv_cell(v) for v in row.values()] for row in rows]), len(rows)
        text = "".join(
            json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows
        )
        return text.encode(), len(rows)

    def _keep(self, order: Order) -> bool:
        if self.seen is None:
            return True
        if order.order_id in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(order.order_id)
        return True

    @staticmethod
    def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().encode()


def _ids_in(path: Path, fmt: str) -> set[int]:
    """Order ids already in FILE, so a resumed ``--dedupe`` export still skips them."""
    ids: set[int] = set()
    with open(path, encoding="utf-8", newline="") as file:
        if fmt == "csv":
            ids.update(int(row["order_id"]) for row in csv.DictReader(file))
        else:
            ids.update(int(json.loads(line)["order_id"]) for line in file if line.strip())
    return ids


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

    def __init__(self, label: str, *, already: int, allowed: bool = True) -> None:
        self._started = time.monotonic()
        self._already = already
        self._live: Progress | None = None
        self._task: TaskID | None = None
        if allowed and stderr_is_terminal():
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
            self._task = self._live.add_task(label, total=None, orders=already, pages=0, rate=0.0)
            self._live.start()

    def rate(self, count: int) -> float:
        """Orders per second written by this run."""
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return (count - self._already) / elapsed

    def update(self, count: int, pages: int) -> None:
        """Show the new totals."""
        if self._live is not None and self._task is not None:
            self._live.update(self._task, orders=count, pages=pages, rate=self.rate(count))

    def close(self) -> None:
        """Remove the live display."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self._started


# ---------------------------------------------------------------------------------------------
# The export


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


@contextlib.contextmanager
def _open_locked(path: Path) -> Iterator[IO[bytes]]:
    """FILE opened for writing without truncating it, and locked against a second export."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    file = os.fdopen(fd, "r+b")
    with file:
        if fcntl is not None:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise CommandError(f"another export is writing {path}") from None
        yield file


@attrs.define
class _Export:
    """One run of an export to a file."""

    client: ProxyOrdersClient
    out: Output
    path: Path
    checkpoint_path: Path
    fmt: str
    status: str
    page_size: int
    dedupe: bool
    concurrency: int
    count: int = 0
    pages: int = 0
    offset: int = 0
    duplicates_before: int = 0
    resumed_count: int | None = None
    resumed_pages: int = 0

    def save(self, file: IO[bytes], next_uri: str, encoder: _Encoder) -> None:
        """Make what was written durable, then record it in the checkpoint (in that order)."""
        file.flush()
        os.fsync(file.fileno())
        self.offset = file.tell()
        checkpoint = Checkpoint(
            status=self.status,
            format=self.fmt,
            page_size=self.page_size,
            dedupe=self.dedupe,
            base_url=self.client.base_url,
            next=next_uri,
            count=self.count,
            pages=self.pages,
            duplicates=self.duplicates_before + encoder.duplicates,
            offset=self.offset,
        )
        write_atomically(self.checkpoint_path, checkpoint.dump())

    async def run(self, file: IO[bytes], start: str | None, encoder: _Encoder) -> None:
        """Walk the pages from ``start`` (None: the beginning), appending each to ``file``."""
        # argparse's choices (or the checkpoint) gave a valid status; pages() checks it again.
        status = cast("OrderStatusName", self.status)
        walk: PageIterator = self.client.orders.pages(
            status, page_size=self.page_size, start=start, concurrency=self.concurrency
        )
        progress = _Progress(f"Exporting {self.status}", already=self.count)
        try:
            if start is None:
                file.write(encoder.header())
                # Before the first page: resume_uri is the first page's URL.
                self.save(file, _resume_uri(walk), encoder)
            async for page in walk:
                data, written = encoder.page(page.orders)
                file.write(data)
                self.count += written
                self.pages += 1
                if page.next is not None:
                    self.save(file, _resume_uri(walk), encoder)
                progress.update(self.count, self.pages)
            file.flush()
            os.fsync(file.fileno())
        finally:
            progress.close()
            await walk.aclose()
        # The last page is on disk: the checkpoint has served its purpose.
        self.checkpoint_path.unlink(missing_ok=True)
        self._summary(progress, encoder)

    def _summary(self, progress: _Progress, encoder: _Encoder) -> None:
        timing = f"in {progress.elapsed():.1f}s, {progress.rate(self.count):,.0f} orders/s"
        line = f"exported {self.count:,} orders ({self.pages:,} pages) to {self.path}"
        if self.resumed_count is None:
            parts = [f"{line} {timing}"]
        else:
            # The earlier runs' time is unknown: their orders must not inflate this run's rate.
            done, pages = self.count - self.resumed_count, self.pages - self.resumed_pages
            parts = [f"{line} in total; this run: {done:,} orders ({pages:,} pages) {timing}"]
        if self.duplicates_before + encoder.duplicates:
            parts.append(f"{self.duplicates_before + encoder.duplicates:,} duplicates skipped")
        self.out.note("; ".join(parts))


def _resume_uri(walk: PageIterator) -> str:
    uri = walk.resume_uri
    assert uri is not None, "only called while the walk has a next page"
    return uri


def _check_matches(checkpoint: Checkpoint, export: _Export, args: argparse.Namespace) -> None:
    wanted = {
        "status": (checkpoint.status, export.status),
        "format": (checkpoint.format, export.fmt),
        "base URL": (checkpoint.base_url, export.client.base_url),
    }
    if args.page_size is not None:
        wanted["--page-size"] = (str(checkpoint.page_size), str(args.page_size))
    if args.dedupe:
        wanted["--dedupe"] = (str(checkpoint.dedupe), "True")
    for what, (saved, given) in wanted.items():
        if saved != given:
            raise UsageError(
                f"the checkpoint of {export.path} was written for {what} {saved!r}, "
                f"not {given!r}: resume with the options the export started with"
            )


async def export_orders(
    client: ProxyOrdersClient, out: Output, invocation: Invocation, args: argparse.Namespace
) -> int:
    """Run ``orders export`` as parsed in ``args``.

    File writes and fsyncs happen on the event loop, between pages: they take milliseconds per
    page, and keeping them in one thread keeps "data, then checkpoint" trivially ordered even
    when Ctrl-C cancels the walk.
    """
    fmt = _format(args)
    if args.out == "-":
        if args.resume:
            raise UsageError("--resume needs a file: an export to stdout cannot be resumed")
        return await _export_to_stdout(client, out, args, fmt)
    export, checkpoint = _plan(client, out, args, fmt)
    with _open_locked(export.path) as file:
        start: str | None = None
        if checkpoint is None:
            file.truncate(0)
            encoder = _Encoder(fmt, set() if export.dedupe else None)
        else:
            encoder = _prepare_resume(file, export, checkpoint)
            start = checkpoint.next
            out.note(f"resuming after {checkpoint.count:,} orders ({checkpoint.pages:,} pages)")
        try:
            await export.run(file, start, encoder)
        except BaseException:  # API errors and Ctrl-C (a CancelledError here) alike
            if export.checkpoint_path.exists():
                invocation.hints.append(
                    f"{export.count:,} orders are saved in {export.path}: "
                    "run the same command with --resume to continue"
                )
            raise
    return EXIT_OK


def _plan(
    client: ProxyOrdersClient, out: Output, args: argparse.Namespace, fmt: str
) -> tuple[_Export, Checkpoint | None]:
    """The export to run and the checkpoint it resumes from, after checking they fit."""
    path = Path(args.out)
    checkpoint_path = path.with_name(path.name + CHECKPOINT_SUFFIX)
    checkpoint = Checkpoint.load(checkpoint_path) if args.resume else None
    export = _Export(
        client=client,
        out=out,
        path=path,
        checkpoint_path=checkpoint_path,
        fmt=fmt,
        status=args.status,
        page_size=args.page_size or (checkpoint.page_size if checkpoint else DEFAULT_PAGE_SIZE),
        dedupe=bool(args.dedupe or (checkpoint and checkpoint.dedupe)),
        concurrency=args.concurrency,
    )
    if checkpoint is not None:
        _check_matches(checkpoint, export, args)
    elif args.resume and path.exists() and path.stat().st_size > 0:
        raise UsageError(
            f"nothing to resume: {path} exists but {checkpoint_path.name} does not "
            "(the export finished, or was not started with this --out)",
            hints=[f"remove {path} or choose another --out to export again"],
        )
    elif checkpoint_path.exists():
        out.note(
            f"warning: starting over; the checkpoint of an unfinished export to {path} is "
            "replaced (pass --resume to continue it instead)"
        )
    return export, checkpoint


def _prepare_resume(file: IO[bytes], export: _Export, checkpoint: Checkpoint) -> _Encoder:
    """Cut FILE back to the checkpoint and restore the counters the export continues from."""
    size = os.fstat(file.fileno()).st_size
    if size < checkpoint.offset:
        raise CommandError(
            f"cannot resume: {export.path} has {size:,} bytes but its checkpoint records "
            f"{checkpoint.offset:,}; it was changed or lost data",
            hints=[f"delete {export.checkpoint_path} and export again without --resume"],
        )
    # Whatever lies past the offset is a page the killed run had not finished recording.
    file.truncate(checkpoint.offset)
    file.seek(checkpoint.offset)
    export.count, export.pages = checkpoint.count, checkpoint.pages
    export.offset, export.duplicates_before = checkpoint.offset, checkpoint.duplicates
    export.resumed_count, export.resumed_pages = checkpoint.count, checkpoint.pages
    seen = _ids_in(export.path, export.fmt) if export.dedupe else None
    return _Encoder(export.fmt, seen)


async def _export_to_stdout(
    client: ProxyOrdersClient, out: Output, args: argparse.Namespace, fmt: str
) -> int:
    """``--out -``: the same lines on stdout, with no checkpoint."""
    encoder = _Encoder(fmt, set() if args.dedupe else None)
    walk = client.orders.pages(
        args.status, page_size=args.page_size or DEFAULT_PAGE_SIZE, concurrency=args.concurrency
    )
    # Orders printed to a terminal would be torn apart by a progress display redrawn among them.
    progress = _Progress(f"Exporting {args.status}", already=0, allowed=not _isatty(sys.stdout))
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
            progress.update(count, pages)
    finally:
        progress.close()
        await walk.aclose()
    summary = f"exported {count:,} orders ({pages:,} pages) to stdout in {progress.elapsed():.1f}s"
    if encoder.duplicates:
        summary += f"; {encoder.duplicates:,} duplicates skipped"
    out.note(summary)
    return EXIT_OK
