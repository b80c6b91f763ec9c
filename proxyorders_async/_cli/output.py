"""Output of the command line: JSON for scripts, rich tables for people, money as dollars.

Only imported once the CLI has checked that rich is installed. Every value that comes from the
API is wrapped in :class:`rich.text.Text`, so a tag such as ``[red]x`` is shown as typed and is
never read as rich markup.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._converters import CONVERTER
from .._models import (
    Account,
    OrderDetail,
    OrderPage,
    PriceQuote,
    Product,
    QuoteRequest,
    StockLevel,
)
from .._models_addons import AddonLine
from .base import dollars

UNWRAPPED_WIDTH = 100_000
"""Width of tables printed to a file or pipe: wide enough that no cell wraps."""

__all__ = [
    "Output",
    "dollars",
    "jsonable",
    "order_detail_table",
    "orders_table",
    "products_table",
    "quote_rows",
    "stock_table",
]


def jsonable(value: Any) -> Any:
    """A model as JSON-ready data: the SDK converter keeps cents as ints, datetimes as ISO."""
    return CONVERTER.unstructure(value)


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("on" if value else "off")


def _cell(value: object) -> Text:
    return Text("-" if value is None or value == "" else str(value))


class Output:
    """Where a command's results go: stdout (JSON or tables) and stderr (notes)."""

    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        # file=None: rich looks up sys.stdout/sys.stderr when printing, so redirection (and
        # pytest's capture) made after this point is honoured.
        self.console = Console(highlight=False, soft_wrap=True)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def json(self, data: Any) -> None:
        """Print ``data`` as indented JSON on stdout."""
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def table(self, table: Table) -> None:
        """Print a rich table on stdout; never word-wrapped when stdout is not a terminal."""
        # A file or a pipe has no width: wrapping cells at 80 columns would only break values
        # apart for whoever reads them (grep, a log, a diff).
        if self.console.is_terminal:
            self.console.print(table)
        else:
            Console(highlight=False, soft_wrap=True, width=UNWRAPPED_WIDTH).print(table)

    def line(self, text: str) -> None:
        """Print a result line on stdout (never interpreted as markup)."""
        self.console.print(Text(text))

    def note(self, text: str) -> None:
        """Print a note on stderr (progress, warnings, summaries)."""
        self.errors.print(Text(text))


def key_values(title: str, rows: Iterable[tuple[str, object]]) -> Table:
    """A two-column table of labelled values; rows whose value is None are left out."""
    table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    for label, value in rows:
        if value is not None:
            table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    return table


def account_table(account: Account) -> Table:
    """``proxyorders me``."""
    return key_values(
        "Account",
        [
            ("E-mail", account.email),
            ("Active orders", f"{account.active_orders:,}"),
            ("Wallet balance", dollars(account.wallet_balance)),
        ],
    )


def products_table(products: Sequence[Product]) -> Table:
    """``proxyorders products``: one row per product and location."""
    table = Table(title="Products", box=box.SIMPLE, title_justify="left")
    for name in ("Product", "Location", "Billing cycles", "Description"):
        table.add_column(name)
    for product in products:
        table.add_row(
            _cell(product.name),
            _cell(product.location),
            _cell(", ".join(product.cycles) or "-"),
            _cell(product.description),
        )
    return table


def stock_table(levels: Sequence[StockLevel]) -> Table:
    """``proxyorders stock``, sorted by product then country."""
    table = Table(title="Stock", box=box.SIMPLE, title_justify="left")
    table.add_column("Product")
    table.add_column("Country")
    table.add_column("Available", justify="right")
    for level in sorted(levels, key=lambda s: (s.product, s.country)):
        table.add_row(_cell(level.product), _cell(level.country), f"{level.amount:,}")
    return table


def quote_rows(request: QuoteRequest, quote: PriceQuote) -> list[tuple[str, object]]:
    """Labelled rows describing a quote and what it was for."""
    addons = (
        ", ".join(f"{a.addon_key} x{a.qty}" for a in request.addons) if request.addons else None
    )
    discount = quote.discount_percent
    return [
        ("Product", request.product),
        ("Location", request.location),
        ("Billing cycle", request.cycle),
        ("Quantity", request.quantity),
        ("Promo code", request.promo_code),
        ("Add-ons", addons),
        ("List price", dollars(quote.original_price)),
        ("Discount", f"{discount}%" if discount else None),
        ("Price", dollars(quote.final_price)),
        ("Add-ons price", dollars(quote.addons_price) if quote.addons_price else None),
        ("Total", dollars(quote_total(quote))),
    ]


def quote_total(quote: PriceQuote) -> int | None:
    """What the wallet is charged: the total with add-ons, else the final price."""
    return quote.total_with_addons if quote.total_with_addons is not None else quote.final_price


def orders_table(page: OrderPage, title: str) -> Table:
    """One page of ``proxyorders orders list``."""
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    table.add_column("Order", justify="right")
    for name in ("Product", "Cycle", "Expires", "Auto-renewal", "Tag"):
        table.add_column(name)
    for order in page.orders:
        table.add_row(
            str(order.order_id),
            _cell(order.product_name),
            _cell(order.cycle_name),
            _when(order.expires_at),
            _flag(order.auto_renewal),
            _cell(order.tag),
        )
    return table


def _addon_line(line: AddonLine) -> str:
    text = f"{line.addon_key or '?'} x{'?' if line.qty is None else line.qty}"
    pending = line.pending
    if pending is not None and pending.action == "downgrade" and pending.next_qty is not None:
        text += f" (x{pending.next_qty} from the next renewal)"
    elif pending is not None and pending.action is not None:
        text += f" ({pending.action} at the next renewal)"
    return text


def order_detail_table(order: OrderDetail) -> Table:
    """``proxyorders orders get``."""
    addons = ", ".join(_addon_line(a) for a in order.addons) if order.addons else None
    return key_values(
        f"Order {order.order_id}",
        [
            ("Product", order.product_name),
            ("Status", order.status),
            ("Billing cycle", order.cycle_name),
            ("Quantity", order.quantity),
            ("Price paid", dollars(order.price_paid) if order.price_paid is not None else None),
            (
                "Add-ons paid",
                dollars(order.addons_price_paid) if order.addons_price_paid else None,
            ),
            ("Add-ons", addons),
            ("Promo code", order.promo_code),
            ("Created", _when(order.created_at) if order.created_at else None),
            ("Expires", _when(order.expires_at) if order.expires_at else None),
            ("Auto-renewal", _flag(order.auto_renewal) if order.auto_renewal is not None else None),
            ("Tag", order.tag),
        ],
    )
