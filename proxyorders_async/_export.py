"""Every order of a status to a file, resumable after a kill: ``client.orders.export``.

The file and its checkpoint (``FILE.checkpoint.json``) move forward together, one page at a time:

1. the page's lines are appended to FILE, flushed and fsynced;
2. the checkpoint is replaced atomically (temp file, fsync, ``os.replace``) with the byte length
   of FILE, the order count and the ``next`` URI to continue from.

Whenever the process dies, the checkpoint therefore describes a prefix of FILE that holds whole
pages only. Resuming truncates FILE back to that length (dropping a page half-written when the
process died) and continues the walk from the saved URI, so the result equals an uninterrupted
export line for line (of a list that did not change meanwhile). A fresh export replaces any old
checkpoint with its first one *before* it cuts FILE, so no kill leaves a checkpoint that
describes a file which is no longer there. After the last page the checkpoint is kept with
``"next": null``: the record that the export is complete, which makes resuming it a no-op
rather than a restart from the first page.

An exact export (``exact=True``) also records its walk's anchor: the last id of the last page
read in step and its offset, and as ``next`` the exact walk's own next page (``overlap`` orders
before the end of the last one, not the server's ``next``). Resuming reads the ids back from
FILE and continues the walk as if it had never stopped: its first page is checked against the
anchor and the ids written, and re-aligned when the list moved while no process was walking it
(:class:`~._pagination.ExactResume`). So every order present for the whole export, kills and
gaps included, is written exactly once.

Everything here runs on the event loop between pages: the writes and fsyncs take milliseconds
per page, and with no ``await`` between "data" and "checkpoint" a cancel (Ctrl-C) can only land
between pages, never between the two steps.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import cattrs

from ._converters import CONVERTER
from ._exceptions import (
    ExportCheckpointError,
    ExportError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from ._models import Order
from ._models_export import ExportProgress, ExportSummary
from ._pagination import ExactResume, PageIterator

try:  # POSIX only; elsewhere two exports to one file are not prevented.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CHECKPOINT_SUFFIX",
    "CSV_COLUMNS",
    "DEFAULT_PAGE_SIZE",
    "FORMATS",
    "Checkpoint",
    "Encoder",
    "ExportSpec",
    "WalkStart",
    "run_export",
]

CHECKPOINT_SUFFIX = ".checkpoint.json"
CHECKPOINT_VERSION = 1
DEFAULT_PAGE_SIZE = 100
FORMATS = ("jsonl", "csv")
CSV_COLUMNS = tuple(field.name for field in attrs.fields(Order))
_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@attrs.frozen
class WalkStart:
    """Where the export's walk starts: a saved URI (None: the first page) and its options.

    ``resume`` continues an exact walk that a killed run began (None for a fresh walk).
    """

    uri: str | None
    page_size: int
    exact: bool
    resume: ExactResume | None = None


#: ``start -> walk``: the resource's order walk with the export's other options.
OpenWalk = Callable[[WalkStart], PageIterator]
ProgressCallback = Callable[[ExportProgress], object]


def checkpoint_path_for(path: Path) -> Path:
    """``FILE.checkpoint.json`` beside ``FILE``."""
    return path.with_name(path.name + CHECKPOINT_SUFFIX)


def format_for(path: Path, fmt: object) -> str:
    """``fmt`` if given, else the format the file name implies (``.csv``/``.jsonl``/``.ndjson``)."""
    if fmt is not None:
        if not isinstance(fmt, str):
            raise InvalidArgumentTypeError("format", f"expected a str, got {type(fmt).__name__}")
        if fmt not in FORMATS:
            raise InvalidArgumentError("format", f"must be 'jsonl' or 'csv'; got {fmt!r}")
        return fmt
    try:
        return _SUFFIX_FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidArgumentError(
            "format", f"cannot tell the format from {str(path)!r}: pass format='jsonl' or 'csv'"
        ) from None


# ---------------------------------------------------------------------------------------------
# The checkpoint (pure)


@attrs.frozen(kw_only=True)
class Settings:
    """The options an export's lines depend on; a resumed export must keep every one."""

    status: str
    format: str
    page_size: int
    dedupe: bool
    base_url: str
    exact: bool = False


@attrs.frozen(kw_only=True)
class Checkpoint:
    """Where an export stands: FILE's first ``offset`` bytes hold ``count`` orders from ``pages``
    pages, and the walk continues at ``next`` (None: the export is complete).

    ``seconds`` adds up the time every run spent up to its last saved page. An exact export
    records its walk's ``anchor`` id and ``anchor_offset`` (None before the first page).
    """

    status: str
    format: str
    page_size: int
    dedupe: bool
    base_url: str
    next: str | None
    count: int
    pages: int
    duplicates: int
    offset: int
    seconds: float = 0.0
    exact: bool = False  # absent from checkpoints written before exact exports: False
    anchor: int | None = None
    anchor_offset: int | None = None

    @classmethod
    def first(cls, settings: Settings, next_uri: str | None) -> Checkpoint:
        """The checkpoint of an export that has written nothing yet."""
        return cls(
            **attrs.asdict(settings), next=next_uri, count=0, pages=0, duplicates=0, offset=0
        )

    @property
    def complete(self) -> bool:
        """Whether the last page is in the file."""
        return self.next is None

    @property
    def settings(self) -> Settings:
        """The options the export was started with."""
        return Settings(
            status=self.status,
            format=self.format,
            page_size=self.page_size,
            dedupe=self.dedupe,
            base_url=self.base_url,
            exact=self.exact,
        )

    def resume(self, seen: set[int]) -> ExactResume | None:
        """How an exact export's walk continues with the ids ``seen`` in FILE (None: not exact)."""
        if not self.exact:
            return None
        anchor = None
        if self.anchor is not None and self.anchor_offset is not None:
            anchor = (self.anchor, self.anchor_offset)
        return ExactResume(seen, anchor)

    def dump(self) -> bytes:
        """The checkpoint file's content."""
        data = {"version": CHECKPOINT_VERSION, **attrs.asdict(self)}
        return (json.dumps(data, indent=2) + "\n").encode()

    @classmethod
    def parse(cls, content: bytes) -> Checkpoint:
        """A checkpoint file's content; ValueError saying why it cannot be used."""
        data = json.loads(content)
        if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"not a version {CHECKPOINT_VERSION} export checkpoint")
        try:
            # The SDK converter is strict about types: a hand-edited "count": "5" is refused.
            checkpoint = CONVERTER.structure(data, cls)
        except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
            raise ValueError(f"unexpected content ({type(exc).__name__})") from None
        counts = (checkpoint.count, checkpoint.pages, checkpoint.offset, checkpoint.duplicates)
        if min(*counts, checkpoint.anchor_offset or 0) < 0:
            raise ValueError("negative counts")
        return checkpoint


@attrs.frozen(kw_only=True)
class ExportSpec:
    """One call of ``client.orders.export``, its arguments checked; None means "not given"."""

    path: Path
    status: str
    format: str
    page_size: int | None
    dedupe: bool | None
    resume: bool
    base_url: str
    progress: ProgressCallback | None = None
    exact: bool | None = None

    @property
    def checkpoint_path(self) -> Path:
        """Where this export's checkpoint lives."""
        return checkpoint_path_for(self.path)

    def fresh(self) -> Settings:
        """The settings of an export started afresh."""
        return Settings(
            status=self.status,
            format=self.format,
            page_size=DEFAULT_PAGE_SIZE if self.page_size is None else self.page_size,
            dedupe=bool(self.dedupe),
            base_url=self.base_url,
            exact=bool(self.exact),
        )

    def checkpoint_error(self, message: str, advice: str = "") -> ExportCheckpointError:
        """An :class:`ExportCheckpointError` about this export's checkpoint."""
        return ExportCheckpointError(
            message,
            path=str(self.path),
            checkpoint_path=str(self.checkpoint_path),
            advice=advice
            or "resume with the options the export started with, or start it over "
            f"(which overwrites {self.path})",
        )


def read_checkpoint(spec: ExportSpec) -> Checkpoint | None:
    """The checkpoint beside ``spec.path``; None if there is none."""
    try:
        return Checkpoint.parse(spec.checkpoint_path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise spec.checkpoint_error(
            f"cannot use the checkpoint {spec.checkpoint_path}: {exc}",
            advice=f"delete {spec.checkpoint_path} and start the export over",
        ) from None


def check_matches(spec: ExportSpec, checkpoint: Checkpoint) -> None:
    """Refuse to resume ``checkpoint`` with options other than those it was written with."""
    given = {
        "status": spec.status,
        "format": spec.format,
        "base URL": spec.base_url,
        "page size": spec.page_size,
        "dedupe": spec.dedupe,
        "exact": spec.exact,
    }
    saved = {
        "status": checkpoint.status,
        "format": checkpoint.format,
        "base URL": checkpoint.base_url,
        "page size": checkpoint.page_size,
        "dedupe": checkpoint.dedupe,
        "exact": checkpoint.exact,
    }
    for what, value in given.items():
        if value is not None and value != saved[what]:
            raise spec.checkpoint_error(
                f"the checkpoint of {spec.path} was written for {what} {saved[what]!r}, "
                f"not {value!r}"
            )


def resume_from(spec: ExportSpec, checkpoint: Checkpoint | None, *, size: int) -> Checkpoint | None:
    """The checkpoint the export continues from (None: start afresh), or why it cannot.

    ``size`` is FILE's length now. Without ``resume`` the export starts afresh. With it, a
    checkpoint must fit the call's options and FILE must still hold the bytes it records; no
    checkpoint is only a fresh start when FILE is empty (a finished export whose checkpoint
    was deleted, or a file no export wrote, is never overwritten by ``resume=True``).
    """
    if not spec.resume:
        return None
    if checkpoint is None:
        if size > 0:
            raise spec.checkpoint_error(
                f"nothing to resume: {spec.path} exists but {spec.checkpoint_path.name} does "
                "not (its export finished and the checkpoint was deleted, or no export wrote it)",
                advice=f"remove {spec.path} or export to another file to start over",
            )
        return None
    check_matches(spec, checkpoint)
    if size < checkpoint.offset:
        raise ExportError(
            f"cannot resume: {spec.path} has {size:,} bytes but its checkpoint records "
            f"{checkpoint.offset:,}; it was changed or lost data",
            path=str(spec.path),
            checkpoint_path=str(spec.checkpoint_path),
            advice=f"delete {spec.checkpoint_path} and start the export over",
        )
    return checkpoint


# ---------------------------------------------------------------------------------------------
# Files


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


def append_bytes(file: IO[bytes], data: bytes) -> None:
    """Append one page's lines to FILE (not yet durable: :func:`make_durable` follows)."""
    file.write(data)


def make_durable(file: IO[bytes]) -> int:
    """Flush and fsync FILE; its length."""
    file.flush()
    os.fsync(file.fileno())
    return file.tell()


@contextlib.contextmanager
def open_locked(spec: ExportSpec) -> Iterator[IO[bytes]]:
    """FILE opened for writing without truncating it, and locked against a second export.

    A FILE this call created is removed again if the export is refused (:class:`ExportError`).
    """
    fd, created = _open_or_create(spec.path)
    with os.fdopen(fd, "r+b") as file:
        if fcntl is not None:
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ExportError(
                    f"another export is writing {spec.path}",
                    path=str(spec.path),
                    checkpoint_path=str(spec.checkpoint_path),
                ) from None
        try:
            yield file
        except ExportError:
            if created:
                spec.path.unlink(missing_ok=True)
            raise


def _open_or_create(path: Path) -> tuple[int, bool]:
    """A read-write descriptor of ``path`` (never truncated) and whether this call created it."""
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0)
    try:
        return os.open(path, flags), False
    except FileNotFoundError:
        pass
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666), True
    except FileExistsError:  # another export created it meanwhile: its lock will tell
        return os.open(path, flags), False


def ids_in(path: Path, fmt: str) -> set[int]:
    """Order ids already in FILE, so that a resumed ``dedupe`` export still skips them."""
    ids: set[int] = set()
    with open(path, encoding="utf-8", newline="") as file:
        if fmt == "csv":
            ids.update(int(row["order_id"]) for row in csv.DictReader(file))
        else:
            ids.update(int(json.loads(line)["order_id"]) for line in file if line.strip())
    return ids


# ---------------------------------------------------------------------------------------------
# Encoding orders


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class Encoder:
    """Turns a page of orders into FILE's bytes, skipping ids in ``seen`` (dedupe) if given."""

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


# ---------------------------------------------------------------------------------------------
# The export


class _Writer:
    """Appends pages to FILE and records each in the checkpoint, data first."""

    def __init__(
        self,
        file: IO[bytes],
        spec: ExportSpec,
        start: Checkpoint,
        encoder: Encoder,
        *,
        resumed: bool,
    ) -> None:
        self.file, self.spec, self.encoder = file, spec, encoder
        self.start, self.state = start, start
        self.resumed = resumed
        self.count, self.pages = start.count, start.pages
        self._started = time.monotonic()

    def append(self, orders: Sequence[Order]) -> None:
        """Append one page (its lines are durable only after :meth:`save`)."""
        data, kept = self.encoder.page(orders)
        append_bytes(self.file, data)
        self.count, self.pages = self.count + kept, self.pages + 1

    def save(self, next_uri: str | None, anchor: tuple[int, int] | None = None) -> None:
        """Make what was written durable, then record it in the checkpoint (in that order).

        ``anchor`` is an exact walk's last in-step id and its offset (None for other walks).
        """
        offset = make_durable(self.file)
        anchor_id, anchor_offset = anchor or (None, None)
        self.state = attrs.evolve(
            self.state,
            next=next_uri,
            anchor=anchor_id,
            anchor_offset=anchor_offset,
            count=self.count,
            pages=self.pages,
            duplicates=self.start.duplicates + self.encoder.duplicates,
            offset=offset,
            seconds=self.start.seconds + self._elapsed(),
        )
        write_atomically(self.spec.checkpoint_path, self.state.dump())
        self.report()

    def report(self) -> None:
        """Hand the progress to the caller's callback, if any."""
        if self.spec.progress is not None:
            self.spec.progress(self.progress())

    def progress(self) -> ExportProgress:
        """Where the export stands: totals as of the last saved page, this run's so far."""
        fields = _progress_fields(self.state, self.start, self._elapsed())
        return ExportProgress(**fields, resumed=self.resumed)

    def summary(self) -> ExportSummary:
        """The finished export."""
        fields = _progress_fields(self.state, self.start, self._elapsed())
        return _summary(self.spec, fields, resumed=self.resumed, already_complete=False)

    def _elapsed(self) -> float:
        return time.monotonic() - self._started


def _progress_fields(state: Checkpoint, start: Checkpoint, elapsed: float) -> dict[str, Any]:
    return {
        "orders": state.count,
        "pages": state.pages,
        "bytes": state.offset,
        "duplicates_skipped": state.duplicates,
        "seconds": start.seconds + elapsed,
        "orders_this_run": state.count - start.count,
        "pages_this_run": state.pages - start.pages,
        "seconds_this_run": elapsed,
    }


def _summary(
    spec: ExportSpec, fields: dict[str, Any], *, resumed: bool, already_complete: bool
) -> ExportSummary:
    return ExportSummary(
        **fields,
        resumed=resumed,
        already_complete=already_complete,
        path=spec.path,
        checkpoint_path=spec.checkpoint_path,
        format=spec.format,
        status=spec.status,
    )


def completed_summary(spec: ExportSpec, checkpoint: Checkpoint) -> ExportSummary:
    """What resuming a complete export reports: its totals, nothing done by this call."""
    fields = _progress_fields(checkpoint, checkpoint, 0.0)
    return _summary(spec, fields, resumed=True, already_complete=True)


def _fresh_walk(spec: ExportSpec, open_walk: OpenWalk) -> tuple[PageIterator, Checkpoint]:
    """A fresh export's walk and first checkpoint, recorded before FILE is cut."""
    settings = spec.fresh()
    walk = open_walk(WalkStart(None, settings.page_size, settings.exact))
    checkpoint = Checkpoint.first(settings, walk.resume_uri)
    # Replace an older export's checkpoint before FILE is cut: a kill in between must not
    # leave a checkpoint that records bytes FILE no longer has.
    write_atomically(spec.checkpoint_path, checkpoint.dump())
    return walk, checkpoint


def _prepare(
    file: IO[bytes], spec: ExportSpec, checkpoint: Checkpoint | None, open_walk: OpenWalk
) -> tuple[_Writer, PageIterator]:
    """Cut FILE to where the export continues and open the walk that continues it."""
    resumed, walk = checkpoint is not None, None
    if checkpoint is None:
        walk, checkpoint = _fresh_walk(spec, open_walk)
    # Whatever lies past the offset is a page the killed run had not finished recording.
    file.truncate(checkpoint.offset)
    file.seek(checkpoint.offset)
    # Read after the cut: only the ids of recorded pages were written.
    needed = checkpoint.dedupe or checkpoint.exact
    written = ids_in(spec.path, checkpoint.format) if needed else None
    if walk is None:
        resume = checkpoint.resume(written or set())  # the walk keeps its own copy
        walk = open_walk(WalkStart(checkpoint.next, checkpoint.page_size, checkpoint.exact, resume))
    encoder = Encoder(checkpoint.format, written if checkpoint.dedupe else None)
    if checkpoint.offset == 0:
        append_bytes(file, encoder.header())
    return _Writer(file, spec, checkpoint, encoder, resumed=resumed), walk


def _where(walk: PageIterator) -> tuple[str | None, tuple[int, int] | None]:
    """The URI to continue from after the page last yielded, and an exact walk's anchor."""
    uri, position = walk.resume_uri, walk.exact_position
    # The exact walk's own next page, not the server's: it overlaps the page before.
    if uri is None or position is None:
        return uri, None
    anchor, offset = position.anchor, position.offset
    if isinstance(anchor, int) and offset is not None:
        return position.next, (anchor, offset)
    return position.next, None


async def run_export(spec: ExportSpec, open_walk: OpenWalk) -> ExportSummary:
    """Run the export ``spec`` describes, walking pages opened by ``open_walk``."""
    with open_locked(spec) as file:
        # A temp checkpoint left by a kill during its write is stale; the next save rewrites it.
        spec.checkpoint_path.with_name(spec.checkpoint_path.name + ".tmp").unlink(missing_ok=True)
        saved = read_checkpoint(spec) if spec.resume else None
        checkpoint = resume_from(spec, saved, size=os.fstat(file.fileno()).st_size)
        if checkpoint is not None and checkpoint.complete:
            return completed_summary(spec, checkpoint)
        writer, walk = _prepare(file, spec, checkpoint, open_walk)
        writer.report()
        try:
            async for page in walk:
                writer.append(page.orders)
                writer.save(*_where(walk))
        finally:
            await walk.aclose()
        if not writer.state.complete:
            # An exact walk's last page can repeat only orders already written: not yielded.
            writer.save(None)
        return writer.summary()
