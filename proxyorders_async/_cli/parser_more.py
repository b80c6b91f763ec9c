"""The commands of the API 1.1.0 operations: proxies, add-ons, per-IP settings, traffic, sub-users
and geo lists.

Every argument is checked by a type of :mod:`.argtypes` (the SDK's own checks), so a bad IP, OS,
package or amount is a usage error (exit status 2) before anything is sent.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from .argtypes import (
    PROXY_TYPES,
    SIGNATURES,
    addon_key,
    geo_code,
    int_between,
    ip_flag,
    ip_signature,
    proxy_type,
    sub_user_name,
    user_id,
)

if TYPE_CHECKING:
    from .parser import _Builder

__all__ = ["add_api11_commands"]

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

CHARGES = "CHARGES THE WALLET"
UNSAFE = (
    "Not safe to repeat: if its outcome is unknown (exit status 4), it was not retried;\n"
    "run 'proxyorders sub-users list TYPE' to see whether it happened before trying again."
)


def _example(text: str, *lines: str) -> str:
    return text + "\n\nexample:\n" + "\n".join(f"  {line}" for line in lines)


def _show_passwords(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--show-passwords",
        action="store_true",
        help="print proxy passwords (hidden as *** by default, in tables and in --json)",
    )


def _yes(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help=f"{verb} without asking (needed without a terminal)",
    )


def add_api11_commands(build: _Builder, commands: SubParsers, orders: SubParsers) -> None:
    """Add the 1.1.0 commands to ``proxyorders`` and the 1.1.0 actions to ``orders``."""
    positive = int_between(1)
    _add_proxies(build, commands, positive)
    _add_addons(build, commands, positive)
    _add_order_actions(build, orders, positive)
    _add_traffic(build, commands)
    _add_sub_users(build, commands, positive)
    _add_geo(build, commands)


def _add_proxies(build: _Builder, commands: SubParsers, order_id: Callable[[str], int]) -> None:
    proxies = build.add(
        commands,
        "proxies",
        "list the active proxies of an order with their p0f signatures",
        description=_example(
            "List the active proxies of an order: IP, username, password, ports, expiry and\n"
            "p0f signature (OS fingerprint). Passwords are shown as *** unless --show-passwords.",
            "proxyorders proxies 1234 --show-passwords",
        ),
    )
    proxies.add_argument("order_id", type=order_id, metavar="ORDER")
    _show_passwords(proxies)


def _add_addons(build: _Builder, commands: SubParsers, positive: Callable[[str], int]) -> None:
    actions = build.group(commands, "addons", "price, buy and downgrade add-ons of an order")
    add = build.add

    def order_and_key(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("order_id", type=positive, metavar="ORDER")
        parser.add_argument("addon_key", type=addon_key, metavar="ADDON_KEY", help="e.g. p0f_slots")

    quote = add(
        actions,
        "quote",
        "price adding QTY units of an add-on to an order, without buying",
        key="addons.quote",
        description=_example(
            "Price adding QTY units of an add-on (e.g. p0f_slots, OS-fingerprint slots) to an\n"
            "order. Nothing is bought.",
            "proxyorders addons quote 1234 p0f_slots 5",
        ),
    )
    order_and_key(quote)
    quote.add_argument("qty", type=positive, metavar="QTY", help="units to add")

    buy = add(
        actions,
        "buy",
        f"add QTY units of an add-on to an order ({CHARGES}; asks to confirm)",
        key="addons.buy",
        description=_example(
            "Add QTY units of an add-on to an order. This charges the wallet at once: the quote\n"
            "and the wallet balance are shown first, then you are asked to confirm. Without a\n"
            "terminal, --yes is required. An unknown outcome is never retried (exit status 4).",
            "proxyorders addons buy 1234 p0f_slots 5",
        ),
    )
    order_and_key(buy)
    buy.add_argument("qty", type=positive, metavar="QTY", help="units to add")
    _yes(buy, "buy")

    downgrade = add(
        actions,
        "downgrade",
        "lower an add-on to QTY units from the next renewal",
        key="addons.downgrade",
        description=_example(
            "Schedule an add-on downgrade: from the next renewal the order carries QTY units\n"
            "(fewer than now) and is charged for those. Repeating it is harmless.",
            "proxyorders addons downgrade 1234 p0f_slots 2",
        ),
    )
    order_and_key(downgrade)
    downgrade.add_argument("qty", type=positive, metavar="QTY", help="units from the next renewal")

    cancel = add(
        actions,
        "cancel-downgrade",
        "cancel a scheduled add-on downgrade",
        key="addons.cancel_downgrade",
        description=_example(
            "Cancel the downgrade scheduled for an add-on: the next renewal keeps today's units.",
            "proxyorders addons cancel-downgrade 1234 p0f_slots",
        ),
    )
    order_and_key(cancel)


def _add_order_actions(build: _Builder, orders: SubParsers, positive: Callable[[str], int]) -> None:
    add = build.add
    signatures = add(
        orders,
        "signatures",
        "set the p0f OS fingerprint of IPs of a Datacenter/ISP order",
        key="orders.signatures",
        description=_example(
            "Set the p0f signature (OS fingerprint) of IPs of a Datacenter/ISP order; OS is one\n"
            f"of {SIGNATURES}. An IP's first signature takes one p0f slot for\n"
            "good (buy slots with 'proxyorders addons buy ORDER p0f_slots QTY'); changing it\n"
            "later takes none. Close open connections and wait 2-3 minutes after a change.",
            "proxyorders orders signatures 1234 203.0.113.7=win11 203.0.113.8=macos",
        ),
    )
    signatures.add_argument("order_id", type=positive, metavar="ORDER")
    signatures.add_argument("items", type=ip_signature, nargs="+", metavar="IP=OS")

    deletion = add(
        orders,
        "ip-deletion",
        "mark IPs of a Datacenter/ISP order to be dropped (on) or kept (off)",
        key="orders.ip_deletion",
        description=_example(
            "Mark IPs of a Datacenter/ISP order to be dropped from it (IP=on) or kept (IP=off).\n"
            "The order's quantity and price are recalculated; an order keeps at least one IP.",
            "proxyorders orders ip-deletion 1234 203.0.113.7=on 203.0.113.8=off",
        ),
    )
    deletion.add_argument("order_id", type=positive, metavar="ORDER")
    deletion.add_argument("items", type=ip_flag, nargs="+", metavar="IP=on|off")

    traffic = add(
        orders,
        "add-traffic",
        f"buy GB more traffic for a residential order ({CHARGES}; asks to confirm)",
        key="orders.add_traffic",
        description=_example(
            "Buy GB more traffic for a residential order. This charges the wallet at once: the\n"
            "order, an estimate and the wallet balance are shown first, then you are asked to\n"
            "confirm. Without a terminal, --yes is required. An unknown outcome is never\n"
            "retried (exit status 4).",
            "proxyorders orders add-traffic 1234 10 --promo-code RESI20",
        ),
    )
    traffic.add_argument("order_id", type=positive, metavar="ORDER")
    traffic.add_argument("gb", type=positive, metavar="GB", help="whole GB to add")
    traffic.add_argument("--promo-code", metavar="CODE", help="promo code to apply")
    _yes(traffic, "buy")


def _add_traffic(build: _Builder, commands: SubParsers) -> None:
    traffic = build.add(
        commands,
        "traffic",
        "show the residential traffic of a package: total, remaining, spent",
        description=_example(
            "Show your residential traffic of one package (TYPE: standart or premium, as the API\n"
            "spells them): total, remaining and spent, and the package's proxy password\n"
            "(shown as *** unless --show-passwords).",
            "proxyorders traffic standart",
        ),
    )
    traffic.add_argument("proxy_type", type=proxy_type, metavar="TYPE", help=PROXY_TYPES)
    _show_passwords(traffic)


def _typed(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    """The ``TYPE`` argument of a sub-user action, and ``USER_ID`` when ``user``."""
    parser.add_argument("proxy_type", type=proxy_type, metavar="TYPE", help=PROXY_TYPES)
    if user:
        parser.add_argument("user_id", type=user_id, metavar="USER_ID")


def _add_sub_users(build: _Builder, commands: SubParsers, positive: Callable[[str], int]) -> None:
    actions = build.group(commands, "sub-users", "manage residential sub-users and their traffic")
    _add_sub_user_reads(build, actions, positive)
    _add_sub_user_writes(build, actions, positive)


def _add_sub_user_reads(
    build: _Builder, actions: SubParsers, positive: Callable[[str], int]
) -> None:
    listing = build.add(
        actions,
        "list",
        "list every sub-user of a package, or one page with --offset/--limit",
        key="sub_users.list",
        description=_example(
            "List the sub-users of a package with their traffic. Without --offset and --limit\n"
            "every sub-user is listed (page after page); with either, one page.",
            "proxyorders sub-users list premium",
        ),
    )
    _typed(listing, user=False)
    listing.add_argument("--offset", type=int_between(0), help="sub-users to skip (one page)")
    listing.add_argument("--limit", type=positive, help="page size (one page; default 20)")
    _show_passwords(listing)

    get = build.add(
        actions,
        "get",
        "show one sub-user",
        key="sub_users.get",
        description=_example(
            "Show one sub-user and its traffic.", "proxyorders sub-users get premium 42"
        ),
    )
    _typed(get)
    _show_passwords(get)


def _add_sub_user_writes(
    build: _Builder, actions: SubParsers, positive: Callable[[str], int]
) -> None:
    add = build.add
    create = add(
        actions,
        "create",
        "create a sub-user with GB of your traffic (not safe to repeat)",
        key="sub_users.create",
        description=_example(
            "Create a sub-user named NAME, moving GB of your traffic to it.\n" + UNSAFE,
            'proxyorders sub-users create premium "scraper 1" 5',
        ),
    )
    _typed(create, user=False)
    create.add_argument("name", type=sub_user_name, metavar="NAME")
    create.add_argument("gb", type=positive, metavar="GB", help="whole GB moved to the sub-user")
    _show_passwords(create)

    rename = add(
        actions,
        "rename",
        "rename a sub-user",
        key="sub_users.rename",
        description=_example(
            "Rename a sub-user.", 'proxyorders sub-users rename premium 42 "scraper 2"'
        ),
    )
    _typed(rename)
    rename.add_argument("name", type=sub_user_name, metavar="NAME")

    delete = add(
        actions,
        "delete",
        "delete a sub-user",
        key="sub_users.delete",
        description=_example("Delete a sub-user.", "proxyorders sub-users delete 42"),
    )
    delete.add_argument("user_id", type=user_id, metavar="USER_ID")

    for verb, summary, direction in (
        ("add-traffic", "move GB of your traffic to a sub-user", "from you to the sub-user"),
        ("subtract-traffic", "take GB of traffic back from a sub-user", "from the sub-user to you"),
    ):
        action = add(
            actions,
            verb,
            f"{summary} (not safe to repeat)",
            key="sub_users." + verb.replace("-", "_"),
            description=_example(
                f"Move GB of traffic {direction}.\n" + UNSAFE,
                f"proxyorders sub-users {verb} premium 42 3",
            ),
        )
        _typed(action)
        action.add_argument("gb", type=positive, metavar="GB", help="whole GB")

    reset = add(
        actions,
        "reset-password",
        "issue a new proxy password for a sub-user",
        key="sub_users.reset_password",
        description=_example(
            "Issue a new proxy password for a sub-user (the old one stops working). With\n"
            "--show-passwords the new password is read back and printed.",
            "proxyorders sub-users reset-password premium 42 --show-passwords",
        ),
    )
    _typed(reset)
    _show_passwords(reset)


def _add_geo(build: _Builder, commands: SubParsers) -> None:
    actions = build.group(commands, "geo", "list residential targeting locations")
    add = build.add

    def positional(parser: argparse.ArgumentParser, *names: str) -> None:
        for label in names:
            parser.add_argument(label.lower() + "_code", type=geo_code(label), metavar=label)

    def typed(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("proxy_type", type=proxy_type, metavar="TYPE", help=PROXY_TYPES)

    countries = add(
        actions,
        "countries",
        "list the countries of a package",
        key="geo.countries",
        description=_example(
            "List the countries a package can target.", "proxyorders geo countries premium"
        ),
    )
    typed(countries)
    regions = add(
        actions,
        "regions",
        "list the regions of a country",
        key="geo.regions",
        description=_example(
            "List the regions of a country.", "proxyorders geo regions premium US"
        ),
    )
    typed(regions)
    positional(regions, "COUNTRY")
    cities = add(
        actions,
        "cities",
        "list the cities of a region",
        key="geo.cities",
        description=_example(
            "List the cities of a region.", "proxyorders geo cities premium US CA"
        ),
    )
    typed(cities)
    positional(cities, "COUNTRY", "REGION")
    isps = add(
        actions,
        "isps",
        "list the internet providers of a city (premium package only)",
        key="geo.isps",
        description=_example(
            "List the internet providers of a city; only the premium package has them.",
            "proxyorders geo isps US CA los-angeles",
        ),
    )
    positional(isps, "COUNTRY", "REGION", "CITY")
