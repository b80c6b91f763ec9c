"""``proxyorders quote --from-csv FILE``: quote every row of a CSV file, streaming.

Rows are read one at a time, quoted with at most ``--concurrency`` requests in flight and
written in input order as soon as each is known, so memory and time to first output do not grow
with the file. Output formats: ``csv`` and ``jsonl`` (one row per line, money as integer
cents), ``--json`` (one JSON array, written as it goes) and ``table`` (for people: it needs every
row before it can size its columns). The default is ``table`` on a terminal and ``csv``
otherwise, so a pipeline never gets a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import sys
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs
from rich import box
from rich.table import Table
from rich.text import Text

from .._exceptions import APIStatusError, ProxyOrdersError
from .._models import PriceQuote, QuoteRequest
from .base import CommandError, UsageError, dollars
from .output import Output, jsonable, quote_total

if TYPE_CHECKING:
    from .._client import ProxyOrdersClient

__all__ = ["CSV_COLUMNS", "FORMATS", "OUTPUT_COLUMNS", "quote_csv"]

CSV_COLUMNS = ("product", "location", "cycle", "quantity", "promo_code")
QUOTE_FIELDS = tuple(field.name for field in attrs.fields(PriceQuote))
OUTPUT_COLUMNS = ("line", *CSV_COLUMNS, *QUOTE_FIELDS, "error")
"""The columns of ``--format csv``: the input row, the quote in cents, the error."""
FORMATS = ("table", "csv", "jsonl")
# Rows quoted ahead of the one being written, per request allowed in flight: enough that one
# slow quote does not idle the others, small enough that memory stays flat.
WINDOW_PER_REQUEST = 4

Result = PriceQuote | str


@attrs.frozen
class Row:
    """One CSV line: its values, and the request built from them or why none could be."""

    line: int
    fields: dict[str, str | None]
    request: QuoteRequest | None = None
    error: str | None = None

    def request_json(self) -> dict[str, Any]:
        """The row's values for machine output; ``quantity`` an integer (null if not one)."""
        data: dict[str, Any] = dict(self.fields) or dict.fromkeys(CSV_COLUMNS)
        data["quantity"] = _integer(data.get("quantity"))
        return data


def _integer(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Reading


def _rows(path: str, check: Callable[[str], None]) -> Iterator[Row]:
    """The rows of ``path``, read lazily; the header is checked before the first row."""
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark before the header.
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = [name.strip() for name in reader.fieldnames or ()]
            if "product" not in header:
                raise UsageError(f"{path}: the header row must name a 'product' column")
            unknown = [name for name in header if name not in CSV_COLUMNS]
            if unknown:
                raise UsageError(
                    f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; "
                    f"expected {','.join(CSV_COLUMNS)}"
                )
            reader.fieldnames = header
            for raw in reader:
                yield _row(reader.line_num, raw, check)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        # Only reading fails here: what the caller does with a row never raises inside.
        raise UsageError(f"cannot read {path}: {exc}") from None


def _row(line: int, raw: dict[str | Any, str | Any], check: Callable[[str], None]) -> Row:
    if None in raw:  # DictReader files surplus cells under the key None
        return Row(line, {}, error="more cells than header columns")
    fields = {name: (str(raw.get(name) or "").strip() or None) for name in CSV_COLUMNS}
    try:
        quantity = fields["quantity"]
        check(fields["product"] or "")
        request = QuoteRequest(
            product=fields["product"] or "",
            location=fields["location"],
            cycle=fields["cycle"],
            quantity=None if quantity is None else int(quantity),
            promo_code=fields["promo_code"],
        )
    except CommandError as exc:  # a near miss of a product name, with the API's spelling
        return Row(line, fields, error=exc.message)
    except ValueError as exc:  # int() and the SDK's InvalidArgumentError alike
        message = str(exc)
        if "invalid literal" in message:
            message = f"quantity: expected an integer, got {fields['quantity']!r}"
        return Row(line, fields, error=message)
    return Row(line, fields, request=request)


# ---------------------------------------------------------------------------------------------
# Quoting in order, a bounded window at a time


def _error_text(exc: ProxyOrdersError) -> str:
    if isinstance(exc, APIStatusError):
        return f"{exc.message} (HTTP {exc.status})"
    return str(exc)


async def _quote(
    client: ProxyOrdersClient, request: QuoteRequest, limit: asyncio.Semaphore
) -> Result:
    async with limit:
        try:
            return await client.orders.quote(request)
        except ProxyOrdersError as exc:
            return _error_text(exc)


async def _quoted(
    client: ProxyOrdersClient, rows: Iterator[Row], concurrency: int
) -> AsyncGenerator[tuple[Row, Result], None]:
    """Each row with its quote or error, in input order."""
    limit = asyncio.Semaphore(concurrency)
    window: deque[tuple[Row, asyncio.Task[Result] | None]] = deque()
    try:
        for row in rows:
            task = None
            if row.request is not None:
                task = asyncio.ensure_future(_quote(client, row.request, limit))
            window.append((row, task))
            while len(window) > concurrency * WINDOW_PER_REQUEST:
                yield await _settle(*window.popleft())
        while window:
            yield await _settle(*window.popleft())
    finally:
        for _, pending in window:  # an API failure or Ctrl-C: stop what is still running
            if pending is not None:
                pending.cancel()


async def _settle(row: Row, task: asyncio.Task[Result] | None) -> tuple[Row, Result]:
    if task is None:
        return row, row.error or "invalid row"
    return row, await task


# ---------------------------------------------------------------------------------------------
# Writing


def _record(row: Row, result: Result) -> dict[str, Any]:
    quote = None if isinstance(result, str) else jsonable(result)
    error = result if isinstance(result, str) else None
    return {"line": row.line, "request": row.request_json(), "quote": quote, "error": error}


class _Writer:
    """Writes rows as they come; ``close`` ends the output."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.count = 0

    def row(self, row: Row, result: Result) -> None:
        """Write one row."""
        self.count += 1

    def close(self) -> None:
        """Finish the output (after the last row)."""
        sys.stdout.flush()


class _CsvWriter(_Writer):
    def __init__(self, out: Output) -> None:
        super().__init__(out)
        self.csv = csv.writer(sys.stdout, lineterminator="\n")
        self.csv.writerow(OUTPUT_COLUMNS)

    def row(self, row: Row, result: Result) -> None:
        super().row(row, result)
        record = _record(row, result)
        quote = record["quote"] or {}
        cells = [row.line, *record["request"].values(), *(quote.get(f) for f in QUOTE_FIELDS)]
        self.csv.writerow(["" if cell is None else cell for cell in [*cells, record["error"]]])


class _JsonLinesWriter(_Writer):
    def row(self, row: Row, result: Result) -> None:
        super().row(row, result)
        sys.stdout.write(json.dumps(_record(row, result), ensure_ascii=False) + "\n")


class _JsonArrayWriter(_Writer):
    """The ``--json`` array, written item by item exactly as ``json.dumps(indent=2)`` would."""

    def row(self, row: Row, result: Result) -> None:
        text = json.dumps(_record(row, result), indent=2, ensure_ascii=False)
        sys.stdout.write(("[\n" if not self.count else ",\n") + _indent(text))
        super().row(row, result)

    def close(self) -> None:
        sys.stdout.write("\n]\n" if self.count else "[]\n")
        super().close()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


class _TableWriter(_Writer):
    def __init__(self, out: Output) -> None:
        super().__init__(out)
        self.table = Table(title="Quotes", box=box.SIMPLE, title_justify="left")
        self.table.add_column("Line", justify="right")
        for name in ("Product", "Location", "Cycle", "Qty", "Promo"):
            self.table.add_column(name)
        self.table.add_column("Price", justify="right")
        self.table.add_column("Total", justify="right")
        self.table.add_column("Error")

    def row(self, row: Row, result: Result) -> None:
        super().row(row, result)
        cells = [Text(row.fields.get(name) or "-") for name in CSV_COLUMNS]
        if isinstance(result, str):
            self.table.add_row(str(row.line), *cells, "", "", Text(result, style="red"))
        else:
            total = dollars(quote_total(result))
            self.table.add_row(str(row.line), *cells, dollars(result.final_price), total, "")

    def close(self) -> None:
        self.out.table(self.table)


WRITERS: dict[str, Callable[[Output], _Writer]] = {
    "table": _TableWriter,
    "csv": _CsvWriter,
    "jsonl": _JsonLinesWriter,
    "json": _JsonArrayWriter,
}


def _output_format(args: argparse.Namespace, out: Output) -> str:
    if out.json_mode:
        if args.format is not None:
            raise UsageError("--json and --format both choose the output: give one of them")
        return "json"
    if args.format is not None:
        return str(args.format)
    return "table" if out.console.is_terminal else "csv"


async def quote_csv(
    client: ProxyOrdersClient, out: Output, args: argparse.Namespace, check: Callable[[str], None]
) -> int:
    """Run ``quote --from-csv``; ``check`` refuses near misses of product names."""
    writer = WRITERS[_output_format(args, out)](out)
    failed = 0
    quoted = _quoted(client, _rows(args.from_csv, check), args.concurrency)
    # aclosing: a failed write (a closed pipe) cancels the quotes in flight at once.
    async with contextlib.aclosing(quoted):
        async for row, result in quoted:
            writer.row(row, result)
            failed += isinstance(result, str)
    writer.close()
    if failed:
        raise CommandError(f"{failed} of {writer.count} quotes failed (see the error column)")
    return 0
