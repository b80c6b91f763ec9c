"""Tables and JSON of the API 1.1.0 commands: proxies, add-ons, traffic, sub-users, geo lists.

Proxy passwords are replaced by ``***`` unless the user asked for them with
``--show-passwords``, in tables and in JSON alike; traffic is shown in GB (1 GB = 2**30 bytes,
the API's unit) and exported in bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from .._models import ActiveProxyList
from .._models_addons import AddonLine, AddonQuote
from .._models_geo import City, Country, Isp, Region
from .._models_residential import ResidentialProfile, SubUser
from .base import dollars

__all__ = [
    "MASK",
    "PASSWORD_NOTE",
    "addon_lines_table",
    "addon_quote_rows",
    "geo_table",
    "human_bytes",
    "masked",
    "password",
    "profile_table",
    "proxies_table",
    "sub_user_table",
    "sub_users_table",
]

MASK = "***"
"""What a hidden password is shown as."""

PASSWORD_NOTE = "passwords are hidden: add --show-passwords to print them"

_PASSWORD_KEYS = frozenset({"password", "proxy_password"})
_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def masked(data: Any, show: bool) -> Any:
    """JSON-ready ``data`` with every password value replaced by ``***`` unless ``show``."""
    if show:
        return data
    if isinstance(data, dict):
        return {
            key: (MASK if key in _PASSWORD_KEYS and value is not None else masked(value, show))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [masked(item, show) for item in data]
    return data


def password(value: str | None, show: bool) -> Text:
    """A password cell: the password itself only when ``show``."""
    if value is None:
        return Text("-")
    return Text(value if show else MASK)


def human_bytes(amount: int | None) -> str:
    """``53687091200`` -> ``"50.00 GB"``: binary steps, as the API counts a GB as 2**30 bytes."""
    if amount is None:
        return "-"
    value, unit = float(abs(amount)), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    sign = "-" if amount < 0 else ""
    if unit == 0:
        return f"{sign}{abs(amount):,} B"
    return f"{sign}{value:,.2f} {_UNITS[unit]}"


def _cell(value: object) -> Text:
    return Text("-" if value is None or value == "" else str(value))


def _table(title: str, columns: Iterable[str], right: Iterable[str] = ()) -> Table:
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    aligned = set(right)
    for name in columns:
        table.add_column(name, justify="right" if name in aligned else "left")
    return table


def proxies_table(order_id: int, proxies: ActiveProxyList, show: bool) -> Table:
    """``proxyorders proxies``: one row per proxy; the password masked unless ``show``."""
    title = f"Active proxies of order {order_id}"
    if proxies.order_tag:
        title += f" ({proxies.order_tag})"
    columns = ("IP", "Username", "Password", "HTTP", "SOCKS", "Until", "Status", "Signature")
    table = _table(title, columns, right=("HTTP", "SOCKS"))
    for proxy in proxies:
        table.add_row(
            _cell(proxy.ip),
            _cell(proxy.username),
            password(proxy.password, show),
            str(proxy.http_port),
            str(proxy.socks_port),
            _cell(proxy.until),
            _cell(proxy.status),
            _cell(proxy.signature),
        )
    return table


def addon_quote_rows(order_id: int, quote: AddonQuote) -> list[tuple[str, object]]:
    """Labelled rows of an add-on quote (for ``key_values``)."""
    return [
        ("Order", order_id),
        ("Add-on", quote.addon_key),
        ("Current quantity", quote.current_qty),
        ("Adding", quote.add_qty),
        ("New quantity", quote.new_qty),
        ("Price per unit", dollars(quote.price_per_unit)),
        ("Total", dollars(quote.add_total)),
    ]


def _pending(line: AddonLine) -> str:
    pending = line.pending
    if pending is None or pending.action is None:
        return "-"
    if pending.action == "downgrade" and pending.next_qty is not None:
        return f"downgrade to {pending.next_qty} at the next renewal"
    return f"{pending.action} at the next renewal"


def addon_lines_table(title: str, lines: Sequence[AddonLine] | None) -> Table:
    """The add-on lines of an order, with what the next renewal changes."""
    table = _table(title, ("Add-on", "Quantity", "Price per unit", "Next renewal"), ("Quantity",))
    for line in lines or ():
        table.add_row(
            _cell(line.addon_key),
            _cell(line.qty),
            dollars(line.price_per_unit),
            _pending(line),
        )
    return table


def profile_table(proxy_type: str, profile: ResidentialProfile, show: bool) -> Table:
    """``proxyorders traffic``."""
    table = Table(
        title=f"Residential traffic ({proxy_type})",
        box=box.SIMPLE,
        show_header=False,
        title_justify="left",
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("Total", human_bytes(profile.data))
    table.add_row("Remaining", human_bytes(profile.data_remain))
    table.add_row("Spent", human_bytes(profile.data_spent))
    table.add_row("Proxy password", password(profile.proxy_password, show))
    return table


def sub_users_table(title: str, users: Iterable[SubUser], show: bool) -> Table:
    """Sub-users, one row each."""
    columns = ("User id", "Name", "Password", "Traffic", "Spent", "Remaining")
    table = _table(title, columns, right=("Traffic", "Spent", "Remaining"))
    for user in users:
        table.add_row(
            _cell(user.user_id),
            _cell(user.name),
            password(user.proxy_password, show),
            human_bytes(user.data),
            human_bytes(user.data_spent),
            human_bytes(user.data_remain),
        )
    return table


def sub_user_table(user: SubUser, show: bool) -> Table:
    """One sub-user as labelled rows."""
    table = Table(
        title=f"Sub-user {user.user_id}", box=box.SIMPLE, show_header=False, title_justify="left"
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("Name", _cell(user.name))
    table.add_row("Proxy password", password(user.proxy_password, show))
    table.add_row("Traffic", human_bytes(user.data))
    table.add_row("Spent", human_bytes(user.data_spent))
    if user.data_remain is not None:
        table.add_row("Remaining", human_bytes(user.data_remain))
    return table


GeoItem = Country | Region | City | Isp


def geo_table(title: str, items: Sequence[GeoItem]) -> Table:
    """A geo list: each item's code (the next level's argument) and name."""
    table = _table(title, ("Code", "Name"))
    for item in items:
        table.add_row(_cell(item.code), _cell(item.name))
    return table
