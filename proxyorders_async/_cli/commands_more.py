"""The commands of the API 1.1.0 operations: proxies, add-ons, per-IP settings, traffic,
sub-users and geo lists.

Same rules as :mod:`.commands`: arguments were checked by the parser; whatever charges the wallet
shows what it will charge and asks to confirm (``--yes`` is required without a terminal); a
write whose outcome is unknown is never retried and exits with status 4 saying what to check.
Passwords are printed only with ``--show-passwords``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .._exceptions import OutcomeUnknownError, PurchaseOutcomeUnknownError
from .._models import PREMIUM_RESIDENTIAL, STANDARD_RESIDENTIAL, OrderDetail, QuoteRequest
from .._validation_more import SUB_USER_PAGE_SIZE
from .base import EXIT_OK, EXIT_OUTCOME_UNKNOWN, CommandError, UsageError, dollars
from .commands import Command, Context, _require_confirmation_possible, confirm
from .output import jsonable, key_values, order_detail_table, quote_total
from .output_more import (
    PASSWORD_NOTE,
    addon_lines_table,
    addon_quote_rows,
    geo_table,
    masked,
    profile_table,
    proxies_table,
    sub_user_table,
    sub_users_table,
)

__all__ = ["MORE_COMMANDS"]

_PACKAGE_OF = {STANDARD_RESIDENTIAL: "standart", PREMIUM_RESIDENTIAL: "premium"}


def _password_note(ctx: Context, show: bool) -> None:
    if not show and not ctx.out.json_mode:
        ctx.out.note(PASSWORD_NOTE)


def _unknown(what: str, exc: OutcomeUnknownError, why: str, hints: Sequence[str]) -> CommandError:
    """Exit status 4: ``what`` was sent, its outcome is unknown, here is what to check."""
    status = f"HTTP {exc.status}" if exc.status is not None else "no usable response"
    return CommandError(
        f"{what} was sent, but its outcome is unknown ({status}). "
        f"It was NOT retried, because retrying could {why}.",
        code=EXIT_OUTCOME_UNKNOWN,
        hints=hints,
    )


def _by_ip(items: Sequence[tuple[str, Any]], shape: str) -> dict[str, Any]:
    """``IP=VALUE`` arguments as a mapping; one IP given two different values is refused."""
    mapping: dict[str, Any] = {}
    for ip, value in items:
        if mapping.get(ip, value) != value:
            raise UsageError(f"{ip} is given twice with different values; give one {shape} per IP")
        mapping[ip] = value
    return mapping


# ---------------------------------------------------------------------------------------------
# Proxies and add-ons


async def cmd_proxies(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders proxies ORDER``."""
    proxies = await ctx.client.proxies.active(args.order_id)
    show = args.show_passwords
    if ctx.out.json_mode:
        ctx.out.json(masked({"order_id": args.order_id, **jsonable(proxies)}, show))
        return EXIT_OK
    ctx.out.table(proxies_table(args.order_id, proxies, show))
    if not len(proxies):
        ctx.out.note("no active proxies on this order")
    _password_note(ctx, show)
    return EXIT_OK


async def cmd_addons_quote(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders addons quote ORDER ADDON_KEY QTY``."""
    quote = await ctx.client.addons.calculate(args.order_id, args.addon_key, args.qty)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": args.order_id, **jsonable(quote)})
    else:
        ctx.out.table(key_values("Add-on quote", addon_quote_rows(args.order_id, quote)))
    return EXIT_OK


async def cmd_addons_buy(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders addons buy ORDER ADDON_KEY QTY``: quote, confirm, buy."""
    _require_confirmation_possible(
        args.yes, "buy", "or 'proxyorders addons quote' to only price it"
    )
    client, out = ctx.client, ctx.out
    order_id, key, qty = args.order_id, args.addon_key, args.qty
    quote = await client.addons.calculate(order_id, key, qty)
    balance = (await client.account.me()).wallet_balance
    rows = addon_quote_rows(order_id, quote) + _wallet_rows(balance, quote.add_total)
    if not out.json_mode:
        out.table(key_values("Add-on purchase", rows))
    _warn_short(ctx, balance, quote.add_total)
    question = f"Buy {qty} {key} for order {order_id} for {dollars(quote.add_total)}?"
    if not args.yes and not await confirm(question):
        raise CommandError("aborted: nothing was bought")
    try:
        result = await client.addons.purchase(order_id, key, qty)
    except PurchaseOutcomeUnknownError as exc:
        raise _unknown(
            f"the purchase of {qty} {key} for order {order_id}",
            exc,
            "buy twice",
            [
                "before buying again, check whether it went through:",
                f"  proxyorders orders get {order_id}   ({key} x{quote.new_qty} now?)",
                f"  proxyorders me   (wallet was {dollars(balance)} before the purchase)",
            ],
        ) from exc
    if out.json_mode:
        out.json({"order_id": order_id, "quote": jsonable(quote), "purchase": jsonable(result)})
        return EXIT_OK
    done = result.message or "paid"
    out.line(f"Bought {qty} {key} for order {order_id} for {dollars(quote.add_total)}: {done}")
    out.table(addon_lines_table(f"Add-ons of order {order_id}", result.addons))
    return EXIT_OK


def _wallet_rows(balance: int, total: int | None) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("Wallet balance", dollars(balance))]
    if total is not None:
        rows.append(("Balance after", dollars(balance - total)))
    return rows


def _warn_short(ctx: Context, balance: int, total: int | None) -> None:
    if total is not None and total > balance:
        ctx.out.note("warning: the wallet balance does not cover the total; the API will refuse it")


async def cmd_addons_downgrade(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders addons downgrade ORDER ADDON_KEY QTY``."""
    order_id, key = args.order_id, args.addon_key
    result = await ctx.client.addons.schedule_downgrade(order_id, key, args.qty)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": order_id, **jsonable(result)})
        return EXIT_OK
    ctx.out.line(f"Order {order_id} has {args.qty} {key} from the next renewal")
    ctx.out.table(addon_lines_table(f"Add-ons of order {order_id}", result.addons))
    return EXIT_OK


async def cmd_addons_cancel_downgrade(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders addons cancel-downgrade ORDER ADDON_KEY``."""
    order_id, key = args.order_id, args.addon_key
    result = await ctx.client.addons.cancel_downgrade(order_id, key)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": order_id, **jsonable(result)})
        return EXIT_OK
    ctx.out.line(f"The scheduled downgrade of {key} on order {order_id} is cancelled")
    ctx.out.table(addon_lines_table(f"Add-ons of order {order_id}", result.addons))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Per-IP settings and traffic of orders


async def cmd_orders_signatures(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders signatures ORDER IP=OS ...``."""
    signatures = _by_ip(args.items, "IP=OS")
    updated = await ctx.client.orders.set_signatures(args.order_id, signatures)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": args.order_id, "signatures": signatures, "updated": updated})
        return EXIT_OK
    listed = ", ".join(f"{ip}={os_name}" for ip, os_name in signatures.items())
    ctx.out.line(f"Order {args.order_id}: {updated} of {len(signatures)} IPs updated ({listed})")
    ctx.out.note("close open connections and allow 2-3 minutes for a new signature to apply")
    return EXIT_OK


async def cmd_orders_ip_deletion(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders ip-deletion ORDER IP=on|off ...``."""
    items = _by_ip(args.items, "IP=on|off")
    result = await ctx.client.orders.set_ip_deletion(args.order_id, items)
    if ctx.out.json_mode:
        ctx.out.json({"order_id": args.order_id, "items": items, **jsonable(result)})
        return EXIT_OK
    dropped = [ip for ip, drop in items.items() if drop]
    kept = [ip for ip, drop in items.items() if not drop]
    parts = [
        f"to drop: {', '.join(dropped)}" if dropped else "",
        f"kept: {', '.join(kept)}" if kept else "",
    ]
    ctx.out.line(f"Order {args.order_id}: " + "; ".join(p for p in parts if p))
    return EXIT_OK


async def cmd_orders_add_traffic(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders orders add-traffic ORDER GB``: show the order and an estimate, confirm, buy."""
    _require_confirmation_possible(args.yes, "buy")
    client, out = ctx.client, ctx.out
    order_id, gb, promo = args.order_id, args.gb, args.promo_code
    order = await client.orders.get(order_id)
    estimate = await _traffic_estimate(ctx, order, gb, promo)
    balance = (await client.account.me()).wallet_balance
    _show_traffic_purchase(ctx, args, order, estimate, balance)
    about = f" for about {dollars(estimate)}" if estimate is not None else ""
    question = f"Buy {gb} GB of traffic for order {order_id} ({order.product_name}){about}?"
    if not args.yes and not await confirm(question):
        raise CommandError("aborted: nothing was bought")
    try:
        result = await client.orders.add_bandwidth(order_id, gb, promo_code=promo)
    except PurchaseOutcomeUnknownError as exc:
        package = _PACKAGE_OF.get(order.product_name or "", "standart|premium")
        raise _unknown(
            f"adding {gb} GB of traffic to order {order_id}",
            exc,
            "buy twice",
            [
                "before buying again, check whether it went through:",
                f"  proxyorders traffic {package}   (total up by {gb} GB?)",
                f"  proxyorders me   (wallet was {dollars(balance)} before the purchase)",
            ],
        ) from exc
    if out.json_mode:
        summary = {"order_id": order_id, "gb": gb, "promo_code": promo}
        out.json({**summary, "estimated_price": estimate, **jsonable(result)})
    else:
        out.line(f"Added {gb} GB of traffic to order {order_id}: {result.message or 'paid'}")
    return EXIT_OK


def _show_traffic_purchase(
    ctx: Context, args: argparse.Namespace, order: OrderDetail, estimate: int | None, balance: int
) -> None:
    """The order, the estimate and the wallet before the question (warnings in JSON mode too)."""
    if not ctx.out.json_mode:
        ctx.out.table(order_detail_table(order))
        rows: list[tuple[str, object]] = [("Adding", f"{args.gb} GB")]
        rows.append(("Promo code", args.promo_code))
        if estimate is not None:
            rows.append(("Estimated price", dollars(estimate)))
        ctx.out.table(key_values("Add traffic", rows + _wallet_rows(balance, estimate)))
    _warn_short(ctx, balance, estimate)
    if estimate is None:
        ctx.out.note(f"no price estimate: {order.product_name!r} is not sold per GB")


async def _traffic_estimate(
    ctx: Context, order: OrderDetail, gb: int, promo_code: str | None
) -> int | None:
    """What ``gb`` GB of the order's residential product cost as a new purchase, in cents.

    The API has no quote for add-bandwidth; it charges per GB at the product's price, so this
    quote is the best estimate. None for products that are not sold per GB.
    """
    if order.product_name not in _PACKAGE_OF:
        return None
    request = QuoteRequest(product=order.product_name, quantity=gb, promo_code=promo_code)
    return quote_total(await ctx.client.orders.quote(request))


# ---------------------------------------------------------------------------------------------
# Residential traffic and sub-users


async def cmd_traffic(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders traffic TYPE``."""
    profile = await ctx.client.residential.profile(args.proxy_type)
    show = args.show_passwords
    if ctx.out.json_mode:
        ctx.out.json(masked({"proxy_type": args.proxy_type, **jsonable(profile)}, show))
        return EXIT_OK
    ctx.out.table(profile_table(args.proxy_type, profile, show))
    _password_note(ctx, show)
    return EXIT_OK


async def cmd_sub_users_list(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users list TYPE``: every sub-user, or one page with --offset/--limit."""
    kind, show = args.proxy_type, args.show_passwords
    next_offset: int | None = None
    if args.offset is None and args.limit is None:
        users = [user async for user in ctx.client.sub_users.iter(kind)]
        count: int | None = len(users)
    else:
        offset = args.offset or 0
        limit = args.limit or SUB_USER_PAGE_SIZE
        page = await ctx.client.sub_users.list(kind, offset=offset, limit=limit)
        users, count, next_offset = list(page), page.count, page.next_offset(offset)
    if ctx.out.json_mode:
        data = {"proxy_type": kind, "count": count, "data": jsonable(users)}
        ctx.out.json(masked(data, show))
        return EXIT_OK
    total = f", {count} in all" if count is not None else ""
    ctx.out.table(sub_users_table(f"Sub-users ({kind}{total})", users, show))
    if not users:
        ctx.out.note("no sub-users here")
    if next_offset is not None:
        more = f"--offset {next_offset} --limit {args.limit or SUB_USER_PAGE_SIZE}"
        ctx.out.note(f"more sub-users: proxyorders sub-users list {kind} {more}")
    _password_note(ctx, show)
    return EXIT_OK


async def cmd_sub_users_get(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users get TYPE USER_ID``."""
    user = await ctx.client.sub_users.get(args.user_id, args.proxy_type)
    if ctx.out.json_mode:
        ctx.out.json(masked(jsonable(user), args.show_passwords))
        return EXIT_OK
    ctx.out.table(sub_user_table(user, args.show_passwords))
    _password_note(ctx, args.show_passwords)
    return EXIT_OK


async def cmd_sub_users_create(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users create TYPE NAME GB`` (sent once, never retried)."""
    kind, name = args.proxy_type, args.name
    try:
        user = await ctx.client.sub_users.create(kind, name, args.gb)
    except OutcomeUnknownError as exc:
        raise _unknown(
            f"creating sub-user {name!r} with {args.gb} GB",
            exc,
            "create it twice",
            [
                "before creating it again, check whether it exists:",
                f"  proxyorders sub-users list {kind}   (a sub-user named {name!r}?)",
                f"  proxyorders traffic {kind}   (your traffic down by {args.gb} GB?)",
            ],
        ) from exc
    if ctx.out.json_mode:
        ctx.out.json(masked(jsonable(user), args.show_passwords))
        return EXIT_OK
    ctx.out.line(f"Created sub-user {user.user_id} ({user.name}) with {args.gb} GB")
    ctx.out.table(sub_user_table(user, args.show_passwords))
    _password_note(ctx, args.show_passwords)
    return EXIT_OK


async def cmd_sub_users_rename(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users rename TYPE USER_ID NAME``."""
    result = await ctx.client.sub_users.rename(args.user_id, args.proxy_type, args.name)
    if ctx.out.json_mode:
        ctx.out.json({"user_id": args.user_id, "name": args.name, **jsonable(result)})
    else:
        ctx.out.line(f"Sub-user {args.user_id} is now named {args.name!r}")
    return EXIT_OK


async def cmd_sub_users_delete(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users delete USER_ID``."""
    result = await ctx.client.sub_users.delete(args.user_id)
    if ctx.out.json_mode:
        ctx.out.json({"user_id": args.user_id, **jsonable(result)})
    else:
        ctx.out.line(f"Deleted sub-user {args.user_id}")
    return EXIT_OK


async def _move_traffic(ctx: Context, args: argparse.Namespace, *, add: bool) -> int:
    kind, uid, gb = args.proxy_type, args.user_id, args.gb
    users = ctx.client.sub_users
    try:
        if add:
            result = await users.add_traffic(uid, kind, gb)
        else:
            result = await users.subtract_traffic(uid, kind, gb)
    except OutcomeUnknownError as exc:
        verb = "adding" if add else "subtracting"
        raise _unknown(
            f"{verb} {gb} GB {'to' if add else 'from'} sub-user {uid}",
            exc,
            "move the traffic twice",
            [
                "before trying again, check the sub-user's traffic:",
                f"  proxyorders sub-users get {kind} {uid}",
                f"  proxyorders traffic {kind}",
            ],
        ) from exc
    if ctx.out.json_mode:
        ctx.out.json({"user_id": uid, "gb": gb, **jsonable(result)})
    elif add:
        ctx.out.line(f"Moved {gb} GB of your traffic to sub-user {uid}")
    else:
        ctx.out.line(f"Moved {gb} GB of traffic from sub-user {uid} back to you")
    return EXIT_OK


async def cmd_sub_users_add_traffic(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users add-traffic TYPE USER_ID GB`` (sent once, never retried)."""
    return await _move_traffic(ctx, args, add=True)


async def cmd_sub_users_subtract_traffic(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users subtract-traffic TYPE USER_ID GB`` (sent once, never retried)."""
    return await _move_traffic(ctx, args, add=False)


async def cmd_sub_users_reset_password(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders sub-users reset-password TYPE USER_ID``; reads the new one back if asked."""
    client, uid, kind = ctx.client, args.user_id, args.proxy_type
    result = await client.sub_users.reset_password(uid, kind)
    fresh = await client.sub_users.get(uid, kind) if args.show_passwords else None
    if ctx.out.json_mode:
        data = {"user_id": uid, **jsonable(result)}
        if fresh is not None:
            data["proxy_password"] = fresh.proxy_password
        ctx.out.json(data)
    elif fresh is not None:
        ctx.out.line(f"New proxy password of sub-user {uid}: {fresh.proxy_password}")
    else:
        ctx.out.line(f"Issued a new proxy password for sub-user {uid}")
        ctx.out.note(f"see it with: proxyorders sub-users get {kind} {uid} --show-passwords")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Geo lists


async def cmd_geo_countries(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders geo countries TYPE``."""
    found = await ctx.client.geo.countries(args.proxy_type)
    title = f"Countries ({args.proxy_type})"
    return _geo(ctx, found, geo_table(title, found.results))


async def cmd_geo_regions(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders geo regions TYPE COUNTRY``."""
    found = await ctx.client.geo.regions(args.proxy_type, args.country_code)
    title = f"Regions of {args.country_code} ({args.proxy_type})"
    return _geo(ctx, found, geo_table(title, found.results))


async def cmd_geo_cities(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders geo cities TYPE COUNTRY REGION``."""
    found = await ctx.client.geo.cities(args.proxy_type, args.country_code, args.region_code)
    title = f"Cities of {args.country_code}/{args.region_code} ({args.proxy_type})"
    return _geo(ctx, found, geo_table(title, found.results))


async def cmd_geo_isps(ctx: Context, args: argparse.Namespace) -> int:
    """``proxyorders geo isps COUNTRY REGION CITY`` (premium package only)."""
    found = await ctx.client.geo.isps(args.country_code, args.region_code, args.city_code)
    where = f"{args.country_code}/{args.region_code}/{args.city_code}"
    return _geo(ctx, found, geo_table(f"ISPs of {where}", found.results))


def _geo(ctx: Context, found: Any, table: Any) -> int:
    if ctx.out.json_mode:
        ctx.out.json(jsonable(found))
        return EXIT_OK
    ctx.out.table(table)
    if not len(found):
        ctx.out.note("nothing listed here")
    return EXIT_OK


MORE_COMMANDS: dict[str, Command] = {
    "proxies": cmd_proxies,
    "addons.quote": cmd_addons_quote,
    "addons.buy": cmd_addons_buy,
    "addons.downgrade": cmd_addons_downgrade,
    "addons.cancel_downgrade": cmd_addons_cancel_downgrade,
    "orders.signatures": cmd_orders_signatures,
    "orders.ip_deletion": cmd_orders_ip_deletion,
    "orders.add_traffic": cmd_orders_add_traffic,
    "traffic": cmd_traffic,
    "sub_users.list": cmd_sub_users_list,
    "sub_users.get": cmd_sub_users_get,
    "sub_users.create": cmd_sub_users_create,
    "sub_users.rename": cmd_sub_users_rename,
    "sub_users.delete": cmd_sub_users_delete,
    "sub_users.add_traffic": cmd_sub_users_add_traffic,
    "sub_users.subtract_traffic": cmd_sub_users_subtract_traffic,
    "sub_users.reset_password": cmd_sub_users_reset_password,
    "geo.countries": cmd_geo_countries,
    "geo.regions": cmd_geo_regions,
    "geo.cities": cmd_geo_cities,
    "geo.isps": cmd_geo_isps,
}
"""Command key (set by the parser) -> coroutine, for the 1.1.0 commands."""
