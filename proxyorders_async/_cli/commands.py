"""The commands of ``proxyorders``: one coroutine per command, run with one client.

Imported by ``_cli.app`` only after rich was found. Commands raise :class:`UsageError` for
impossible requests before anything is sent, and let SDK errors propagate to ``main``, which
turns them into an ``error:`` line and an exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from yarl import URL

from .._client import ProxyOrdersClient
from .._exceptions import PurchaseOutcomeUnknownError
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
from .quote_batch import quote_csv

__all__ = ["COMMANDS", "Command", "Context", "build_purchase"]


@attrs.define
class Context:
    """What a command works with: the client, the output and the invocation's settings."""

    client: ProxyOrdersClient
    out: Output
    invocation: Invocation


Command = Callable[[Context, argparse.Namespace], Awaitable[int]]


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


def _addons(args: argparse.Namespace) -> tuple[Addon, ...] | None:
    return tuple(args.addon) if args.addon else None


async def cmd_quote(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders quote PRODUCT ...`` or ``proxyorders quote --from-csv FILE``."""
    if args.from_csv is not None:
        return await _quote_csv(ctx, args)
    if args.product is None:
        raise UsageError("give a PRODUCT to quote, or --from-csv FILE")
    if args.format is not None:
        raise UsageError("--format applies to --from-csv; use --json for one quote")
    _check_spelling(args.product)
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
    return await quote_csv(ctx.client, ctx.out, args, _check_spelling)


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
