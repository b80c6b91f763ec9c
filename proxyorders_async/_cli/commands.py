"""The commands of ``proxyorders``: one coroutine per command, run with one client.

Imported by ``_cli.app`` only after rich was found. Commands raise :class:`UsageError` for
impossible requests before anything is sent, and let SDK errors propagate to ``main``, which
turns them into an ``error:`` line and an exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import difflib
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from rich import box
from rich.table import Table
from rich.text import Text
from yarl import URL

from .._client import ProxyOrdersClient
from .._exceptions import APIStatusError, ProxyOrdersError, PurchaseOutcomeUnknownError
from .._models import (
    DATACENTER_PROXY,
    ISP_PROXY,
    PREMIUM_RESIDENTIAL,
    STANDARD_RESIDENTIAL,
    UNMETERED_RESIDENTIAL,
    Addon,
    DatacenterIspPurchase,
    GenericPurchase,
    PremiumResidentialPurchase,
    PriceQuote,
    PurchaseRequest,
    QuoteRequest,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
)
from .base import EXIT_OK, EXIT_OUTCOME_UNKNOWN, CommandError, Invocation, UsageError
from .export import export_orders
from .output import (
    Output,
    account_table,
    dollars,
    jsonable,
    key_values,
    order_detail_table,
    orders_table,
    products_table,
    quote_rows,
    quote_total,
    stock_table,
)

__all__ = ["COMMANDS", "build_purchase", "run_command"]


@attrs.define
class Context:
    """What a command works with: the client, the output and the invocation's settings."""

    client: ProxyOrdersClient
    out: Output
    invocation: Invocation


Command = Callable[[Context, argparse.Namespace], Awaitable[int]]


async def run_command(args: argparse.Namespace, invocation: Invocation) -> int:
    """Run the parsed command with one client, closed before returning."""
    options: dict[str, Any] = {}
    if invocation.timeout is not None:
        options["timeout"] = invocation.timeout
    client = ProxyOrdersClient(token=invocation.token, base_url=invocation.base_url, **options)
    async with client:
        context = Context(client, Output(json_mode=getattr(args, "json", False)), invocation)
        return await _command(args.command)(context, args)


def _command(key: str) -> Command:
    # The 1.1.0 commands import this module's helpers (Context, confirm), hence not at the top.
    from .commands_more import MORE_COMMANDS

    return COMMANDS.get(key) or MORE_COMMANDS[key]


def stdin_is_interactive() -> bool:
    """Whether a person can answer a question on stdin."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError, AttributeError):  # closed or replaced stdin
        return False


async def confirm(question: str) -> bool:
    """Ask ``question [y/N]`` on stderr; only an explicit yes counts, EOF means no.

    stdin is read in a daemon thread, not by blocking the event loop: a blocked ``input()``
    would swallow the first Ctrl-C (asyncio only cancels the main task on it).
    """
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(line: str) -> None:
        if not answer.done():
            answer.set_result(line)

    def read() -> None:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError):
            line = ""
        # The loop is gone if the user pressed Ctrl-C meanwhile: nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, line)

    threading.Thread(target=read, name="proxyorders-confirm", daemon=True).start()
    line = await answer
    if not line.endswith("\n"):  # EOF: end the prompt's line before anything else is printed
        sys.stderr.write("\n")
    return line.strip().lower() in ("y", "yes")


def _require_confirmation_possible(yes: bool, what: str, *hints: str) -> None:
    # Checked before any request: a script without a terminal must say --yes explicitly.
    if not yes and not stdin_is_interactive():
        raise UsageError(
            f"refusing to {what} without confirmation: stdin is not a terminal",
            hints=[f"pass --yes to {what} non-interactively", *hints],
        )


# ---------------------------------------------------------------------------------------------
# Account and catalog


async def cmd_me(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders me``."""
    account = await ctx.client.account.me()
    if ctx.out.json_mode:
        ctx.out.json(jsonable(account))
    else:
        ctx.out.table(account_table(account))
    return EXIT_OK


async def cmd_products(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders products``."""
    products = await ctx.client.catalog.products()
    if ctx.out.json_mode:
        ctx.out.json(jsonable(list(products)))
    else:
        ctx.out.table(products_table(products))
    return EXIT_OK


async def cmd_stock(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders stock``."""
    levels = await ctx.client.catalog.available_count()
    if ctx.out.json_mode:
        ctx.out.json(jsonable(list(levels)))
    else:
        ctx.out.table(stock_table(levels))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Quotes

CSV_COLUMNS = ("product", "location", "cycle", "quantity", "promo_code")


def _addons(args: argparse.Namespace) -> tuple[Addon, ...] | None:
    return tuple(args.addon) if args.addon else None


async def cmd_quote(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders quote PRODUCT ...`` or ``proxyorders quote --from-csv FILE``."""
    if args.from_csv is not None:
        return await _quote_csv(ctx, args)
    if args.product is None:
        raise UsageError("give a PRODUCT to quote, or --from-csv FILE")
    request = QuoteRequest(
        product=args.product,
        location=args.location,
        cycle=args.cycle,
        quantity=args.quantity,
        promo_code=args.promo_code,
        addons=_addons(args),
    )
    quote = await ctx.client.orders.quote(request)
    if ctx.out.json_mode:
        ctx.out.json(jsonable(quote))
    else:
        ctx.out.table(key_values("Quote", quote_rows(request, quote)))
    return EXIT_OK


@attrs.frozen
class _Row:
    line: int
    fields: dict[str, str | None]
    request: QuoteRequest | None = None
    error: str | None = None


def _read_quote_csv(path: str) -> list[_Row]:
    """Rows of a quote CSV; a row with bad values gets an error instead of a request."""
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
            return [_csv_row(reader.line_num, raw) for raw in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _csv_row(line: int, raw: dict[str | Any, str | Any]) -> _Row:
    if None in raw:  # DictReader files surplus cells under the key None
        return _Row(line, {}, error="more cells than header columns")
    fields = {name: (str(raw.get(name) or "").strip() or None) for name in CSV_COLUMNS}
    try:
        quantity = fields["quantity"]
        request = QuoteRequest(
            product=fields["product"] or "",
            location=fields["location"],
            cycle=fields["cycle"],
            quantity=None if quantity is None else int(quantity),
            promo_code=fields["promo_code"],
        )
    except ValueError as exc:  # int() and the SDK's InvalidArgumentError alike
        message = str(exc)
        if "invalid literal" in message:
            message = f"quantity: expected an integer, got {fields['quantity']!r}"
        return _Row(line, fields, error=message)
    return _Row(line, fields, request=request)


def _error_text(exc: ProxyOrdersError) -> str:
    if isinstance(exc, APIStatusError):
        return f"{exc.message} (HTTP {exc.status})"
    return str(exc)


async def _quote_csv(ctx: Context, args: argparse.Namespace) -> int:
    given = [
        name
        for name in ("product", "location", "cycle", "quantity", "promo_code", "addon")
        if getattr(args, name) is not None
    ]
    if given:
        shown = ", ".join(
            "PRODUCT" if n == "product" else "--" + n.replace("_", "-") for n in given
        )
        raise UsageError(f"--from-csv takes its values from the file; drop {shown}")
    rows = _read_quote_csv(args.from_csv)
    valid = [row for row in rows if row.request is not None]
    results = await ctx.client.orders.calculate_many(
        [row.request for row in valid if row.request is not None], concurrency=args.concurrency
    )
    outcome: dict[int, PriceQuote | str] = {
        row.line: (result if isinstance(result, PriceQuote) else _error_text(result))
        for row, result in zip(valid, results, strict=True)
    }
    for row in rows:
        if row.error is not None:
            outcome[row.line] = row.error
    _show_quotes(ctx.out, rows, outcome)
    failed = sum(1 for value in outcome.values() if isinstance(value, str))
    if failed:
        raise CommandError(f"{failed} of {len(rows)} quotes failed (see the error column)")
    return EXIT_OK


def _show_quotes(out: Output, rows: list[_Row], outcome: dict[int, PriceQuote | str]) -> None:
    if out.json_mode:
        items = []
        for row in rows:
            result = outcome[row.line]
            items.append(
                {
                    "line": row.line,
                    "request": row.fields,
                    "quote": None if isinstance(result, str) else jsonable(result),
                    "error": result if isinstance(result, str) else None,
                }
            )
        out.json(items)
        return
    table = Table(title="Quotes", box=box.SIMPLE, title_justify="left")
    table.add_column("Line", justify="right")
    for name in ("Product", "Location", "Cycle", "Qty", "Promo"):
        table.add_column(name)
    table.add_column("Price", justify="right")
    table.add_column("Total", justify="right")
    table.add_column("Error")
    for row in rows:
        result = outcome[row.line]
        cells = [Text(row.fields.get(name) or "-") for name in CSV_COLUMNS]
        if isinstance(result, str):
            table.add_row(str(row.line), *cells, "", "", Text(result, style="red"))
        else:
            total = dollars(quote_total(result))
            table.add_row(str(row.line), *cells, dollars(result.final_price), total, "")
    out.table(table)


# ---------------------------------------------------------------------------------------------
# Purchase

_VARIANTS = (
    DATACENTER_PROXY,
    ISP_PROXY,
    STANDARD_RESIDENTIAL,
    PREMIUM_RESIDENTIAL,
    UNMETERED_RESIDENTIAL,
)


def _canonical(name: str) -> str:
    return " ".join(name.lower().replace("standard", "standart").split())


def _check_spelling(product: str) -> None:
    # The server matches names exactly, typos included ("Standart", "proxy"). A near miss of a
    # known name would otherwise be bought as a generic plan, or fail with a vaguer message.
    if product in _VARIANTS:
        return
    close = [name for name in _VARIANTS if _canonical(name) == _canonical(product)]
    close = close or difflib.get_close_matches(product, _VARIANTS, n=1, cutoff=0.9)
    if close:
        raise UsageError(
            f"unknown product {product!r}: did you mean {close[0]!r}? (the API spells it that way)"
        )


def _reject(product: str, given: dict[str, object]) -> None:
    extra = [option for option, value in given.items() if value not in (None, False)]
    if extra:
        verb = "does" if len(extra) == 1 else "do"
        raise UsageError(f"{' and '.join(extra)} {verb} not apply to {product!r}")


def _require(product: str, given: dict[str, object]) -> None:
    missing = [option for option, value in given.items() if value is None]
    if missing:
        raise UsageError(f"buying {product!r} needs {' and '.join(missing)}")


def build_purchase(args: argparse.Namespace) -> PurchaseRequest:
    """The purchase model variant the product name calls for, from the parsed options.

    Options that do not apply to the product are refused rather than dropped: a purchase must
    buy exactly what was asked for.
    """
    product: str = args.product
    _check_spelling(product)
    common: dict[str, Any] = {"promo_code": args.promo_code, "addons": _addons(args)}
    if product in (DATACENTER_PROXY, ISP_PROXY):
        _require(product, {"--location": args.location, "--cycle": args.cycle})
        return DatacenterIspPurchase(
            product=product,  # type: ignore[arg-type]  # narrowed by the test above
            location=args.location,
            cycle=args.cycle,
            quantity=1 if args.quantity is None else args.quantity,
            auto_renewal=args.auto_renewal,
            **common,
        )
    if product in (STANDARD_RESIDENTIAL, PREMIUM_RESIDENTIAL):
        _reject(
            product,
            {
                "--location": args.location,
                "--cycle": args.cycle,
                "--auto-renewal": args.auto_renewal,
            },
        )
        variant = (
            StandardResidentialPurchase
            if product == STANDARD_RESIDENTIAL
            else PremiumResidentialPurchase
        )
        return variant(quantity=1 if args.quantity is None else args.quantity, **common)
    if product == UNMETERED_RESIDENTIAL:
        _reject(product, {"--location": args.location, "--quantity": args.quantity})
        _require(product, {"--cycle": args.cycle})
        return UnmeteredResidentialPurchase(
            cycle=args.cycle, auto_renewal=args.auto_renewal, **common
        )
    _require(product, {"--cycle": args.cycle})
    return GenericPurchase(
        product=product,
        cycle=args.cycle,
        location=args.location,
        quantity=args.quantity,
        auto_renewal=args.auto_renewal,
        **common,
    )


def _purchase_rows(request: PurchaseRequest, quote: PriceQuote, balance: int) -> list[Any]:
    rows: list[tuple[str, object]] = quote_rows(request.to_quote(), quote)
    if getattr(request, "auto_renewal", False):
        rows.insert(4, ("Auto-renewal", "on"))
    total = quote_total(quote)
    rows.append(("Wallet balance", dollars(balance)))
    if total is not None:
        rows.append(("Balance after", dollars(balance - total)))
    return rows


async def cmd_purchase(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders purchase PRODUCT ...``: quote, confirm, buy."""
    request = build_purchase(args)
    if not args.dry_run:
        _require_confirmation_possible(args.yes, "buy", "or --dry-run to only see the quote")
    client, out = ctx.client, ctx.out
    quote = await client.orders.quote(request.to_quote())
    account = await client.account.me()
    total = quote_total(quote)
    if not out.json_mode:
        out.table(key_values("Purchase", _purchase_rows(request, quote, account.wallet_balance)))
    if total is not None and total > account.wallet_balance:
        out.note("warning: the wallet balance does not cover the total; the API will refuse it")
    summary = {"request": request.to_json(), "quote": jsonable(quote)}
    if args.dry_run:
        if out.json_mode:
            out.json({"dry_run": True, **summary, "order_id": None})
        else:
            out.note("dry run: nothing was bought")
        return EXIT_OK
    if not args.yes and not await confirm(f"Buy {request.product} for {dollars(total)}?"):
        raise CommandError("aborted: nothing was bought")
    try:
        result = await client.orders.purchase(request)
    except PurchaseOutcomeUnknownError as exc:
        raise _unknown_purchase(exc, request, account.wallet_balance) from exc
    if out.json_mode:
        out.json({"dry_run": False, **summary, "order_id": result.order_id})
    else:
        out.line(f"Bought order {result.order_id} for {dollars(total)}: {result.message or 'paid'}")
    return EXIT_OK


def _unknown_purchase(
    exc: PurchaseOutcomeUnknownError, request: PurchaseRequest, balance: int
) -> CommandError:
    status = f"HTTP {exc.status}" if exc.status is not None else "no usable response"
    return CommandError(
        f"the purchase of {request.product!r} was sent, but its outcome is unknown ({status}). "
        "It was NOT retried, because retrying could buy twice.",
        code=EXIT_OUTCOME_UNKNOWN,
        hints=[
            "before buying again, check whether it went through:",
            f"  proxyorders orders list all   (a new {request.product} order?)",
            f"  proxyorders me                (wallet was {dollars(balance)} before the purchase)",
        ],
    )


# ---------------------------------------------------------------------------------------------
# Orders


def _next_offset(next_uri: str | None) -> str | None:
    if next_uri is None:
        return None
    try:
        return URL(next_uri).query.get("offset")
    except (TypeError, ValueError):
        return None


async def cmd_orders_list(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders list STATUS``."""
    page = await ctx.client.orders.list(args.status, offset=args.offset, limit=args.limit)
    if ctx.out.json_mode:
        ctx.out.json(jsonable(page))
        return EXIT_OK
    first = args.offset + 1
    title = f"Orders ({args.status}) {first}-{args.offset + len(page)}" if len(page) else None
    ctx.out.table(orders_table(page, title or f"Orders ({args.status})"))
    if not page.orders:
        ctx.out.note("no orders on this page")
    offset = _next_offset(page.next)
    if page.next is not None:
        more = f"--offset {offset}" if offset is not None else "the next page"
        ctx.out.note(f"more orders: proxyorders orders list {args.status} {more}")
    return EXIT_OK


async def cmd_orders_get(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders get ID``."""
    order = await ctx.client.orders.get(args.order_id)
    if ctx.out.json_mode:
        ctx.out.json(jsonable(order))
    else:
        ctx.out.table(order_detail_table(order))
    return EXIT_OK


async def cmd_orders_cycle(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders cycle ID CYCLE``."""
    change = await ctx.client.orders.change_billing_cycle(args.order_id, args.cycle)
    if ctx.out.json_mode:
        ctx.out.json(jsonable(change))
        return EXIT_OK
    line = f"Order {args.order_id} now bills {args.cycle}"
    if change.final_price is not None:
        line += f" at {dollars(change.final_price)}"
        if change.discount_percent:
            line += f" ({change.discount_percent}% off {dollars(change.original_price)})"
    ctx.out.line(line + (f": {change.message}" if change.message else ""))
    return EXIT_OK


async def cmd_orders_auto_renewal(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders auto-renewal ID on|off``."""
    result = await ctx.client.orders.edit_auto_renewal(args.order_id, args.state == "on")
    if ctx.out.json_mode:
        ctx.out.json({"order_id": args.order_id, **jsonable(result)})
    else:
        ctx.out.line(f"Auto-renewal of order {args.order_id} is {args.state}")
    return EXIT_OK


async def cmd_orders_renew(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders renew ID``: shows the order, confirms, pays."""
    _require_confirmation_possible(args.yes, "renew")
    client, out = ctx.client, ctx.out
    order = await client.orders.get(args.order_id)
    if not out.json_mode:
        out.table(order_detail_table(order))
    last = f", last paid {dollars(order.price_paid)}" if order.price_paid is not None else ""
    question = f"Renew order {order.order_id} ({order.product_name}{last})?"
    if not args.yes and not await confirm(question):
        raise CommandError("aborted: nothing was paid")
    try:
        result = await client.orders.renew(args.order_id)
    except PurchaseOutcomeUnknownError as exc:
        raise CommandError(
            f"the renewal of order {args.order_id} was sent, but its outcome is unknown. "
            "It was NOT retried, because retrying could charge twice.",
            code=EXIT_OUTCOME_UNKNOWN,
            hints=[
                "before renewing again, check whether it went through:",
                f"  proxyorders orders get {args.order_id}   (status active, later expiry?)",
                "  proxyorders me   (wallet balance)",
            ],
        ) from exc
    if out.json_mode:
        out.json({"order_id": args.order_id, **jsonable(result)})
    else:
        out.line(f"Renewed order {args.order_id}: {result.message or 'paid'}")
    return EXIT_OK


async def cmd_orders_tag(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders tag ID TAG``."""
    result = await ctx.client.orders.set_tag(args.order_id, args.tag)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": args.order_id, "tag": args.tag, **jsonable(result)})
    else:
        ctx.out.line(f"Tag of order {args.order_id} set to {args.tag!r}")
    return EXIT_OK


async def cmd_orders_export(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders export STATUS --out FILE``."""
    return await export_orders(ctx.client, ctx.out, ctx.invocation, args)


COMMANDS: dict[str, Command] = {
    "me": cmd_me,
    "products": cmd_products,
    "stock": cmd_stock,
    "quote": cmd_quote,
    "purchase": cmd_purchase,
    "orders.list": cmd_orders_list,
    "orders.get": cmd_orders_get,
    "orders.cycle": cmd_orders_cycle,
    "orders.auto_renewal": cmd_orders_auto_renewal,
    "orders.renew": cmd_orders_renew,
    "orders.tag": cmd_orders_tag,
    "orders.export": cmd_orders_export,
}
"""Command key (set by the parser) -> coroutine."""
