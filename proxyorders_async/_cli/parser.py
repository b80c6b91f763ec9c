"""The ``proxyorders`` argument parser: commands, options and argument types.

Building it imports neither rich nor the command modules, so ``--help`` works without the
``cli`` extra.
"""

from __future__ import annotations

import argparse

from .._settings import BASE_URL_ENV, TOKEN_ENV
from .._validation import OrderStatus
from .._version import __version__
from .argtypes import addon, int_between, positive_seconds
from .parser_more import add_api11_commands

__all__ = ["build_parser"]

DESCRIPTION = """\
Command line for the ProxyShard User API: account, catalog, quotes, purchases, orders,
resumable exports, proxies and add-ons, residential traffic and sub-users, geo lists. Money is
shown in dollars and exported as integer cents; traffic is exported in bytes."""

EPILOG = f"""\
exit codes:
  0    success
  1    API error or other failure (a quote row failed, a purchase was declined)
  2    usage error: bad arguments or input file, or --yes needed without a terminal
  3    authentication error: no API key, or the API answered 401
  4    purchase, renewal or other write unsafe to repeat sent, but its outcome is
       unknown: check what the error says before retrying
  5    cannot reach the API: connection failed or timed out
  130  interrupted (Ctrl-C)

environment:
  {TOKEN_ENV}     API key (safer than --token, which other users can see in ps)
  {BASE_URL_ENV}  API origin (default https://user-api.proxyshard.com)

Global options (--token, --base-url, --timeout, --max-retries, --deadline, --debug) go before
or after the command. Shell completion: proxyorders completion bash|zsh|fish."""

STATUSES = [status.value for status in OrderStatus]


# ---------------------------------------------------------------------------------------------
# The parser


def _add_global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # Subcommands repeat the global options with SUPPRESS defaults, so that they may be given
    # after the command without resetting a value given before it.
    def default(value: object) -> object:
        return value if top_level else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--token",
        default=default(None),
        help=f"API key (default: ${TOKEN_ENV}; prefer the variable: options show in ps)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help=f"API origin (default: ${BASE_URL_ENV}, else https://user-api.proxyshard.com)",
    )
    group.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        default=default(None),
        help="limit of each HTTP attempt (default 30)",
    )
    group.add_argument(
        "--max-retries",
        type=int_between(0, 20),
        metavar="N",
        default=default(None),
        help="retries of a failed request that is safe to repeat (default 2)",
    )
    group.add_argument(
        "--deadline",
        type=positive_seconds,
        metavar="SECONDS",
        default=default(None),
        help="limit of each call, retries and their waits included (default: none)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="log every request at DEBUG on stderr and show tracebacks (never the API key)",
    )


def _add_order_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--location", help="country code, e.g. DE (Datacenter, ISP and some other plans)")
    add("--cycle", help="billing cycle name as listed by 'proxyorders products', e.g. monthly")
    add("--quantity", type=int_between(1), help="IPs, GB or devices, depending on the product")
    add("--promo-code", metavar="CODE", help="promo code to apply")
    add(
        "--addon",
        type=addon,
        action="append",
        metavar="KEY=QTY",
        help="add-on to include, e.g. p0f_slots=5 (repeatable)",
    )


class _Builder:
    """Adds subcommands that share the global options, ``--json`` and the epilog."""

    def __init__(self) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        _add_global_options(self.common, top_level=False)
        self.as_json = argparse.ArgumentParser(add_help=False)
        self.as_json.add_argument(
            "--json", action="store_true", help="print machine-readable JSON on stdout"
        )

    def add(
        self,
        commands: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        summary: str,
        *,
        key: str | None = None,
        json: bool = True,
        description: str | None = None,
    ) -> argparse.ArgumentParser:
        parents = [self.common, self.as_json] if json else [self.common]
        parser = commands.add_parser(
            name,
            help=summary,
            description=description or summary[:1].upper() + summary[1:] + ".",
            parents=parents,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(command=key or name)
        return parser

    def group(
        self,
        commands: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        summary: str,
    ) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        """A command made of actions, such as ``orders list``; returns where to add them."""
        parser = commands.add_parser(
            name,
            help=summary,
            description=summary[:1].upper() + summary[1:] + ".",
            parents=[self.common],
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return parser.add_subparsers(title="actions", metavar="ACTION", required=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``proxyorders``."""
    parser = argparse.ArgumentParser(
        prog="proxyorders",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, top_level=True)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    build = _Builder()

    build.add(commands, "me", "show the account: e-mail, active orders, wallet balance")
    build.add(commands, "products", "list products with their locations and billing cycles")
    build.add(commands, "stock", "show how many proxies are in stock per product and country")
    _add_quote(build, commands)
    _add_purchase(build, commands)
    orders = _add_orders(build, commands)
    add_api11_commands(build, commands, orders)
    _add_emulator(commands)
    _add_completion(commands)
    _add_examples(parser)
    return parser


def _add_quote(
    build: _Builder, commands: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    quote = build.add(
        commands,
        "quote",
        "price a purchase without buying, or a batch of quotes from a CSV file",
        description=(
            "Price a purchase without buying anything. With --from-csv, quote every row of a\n"
            "CSV file with the columns product,location,cycle,quantity,promo_code (header\n"
            "required, empty cells allowed); the exit status is 1 if any row failed."
        ),
    )
    quote.add_argument("product", nargs="?", help='product name, e.g. "Datacenter Proxy"')
    _add_order_options(quote)
    quote.add_argument("--from-csv", metavar="FILE", help="quote every row of this CSV file")
    quote.add_argument(
        "--concurrency",
        type=int_between(1, 64),
        default=8,
        metavar="N",
        help="quotes in flight at once with --from-csv (default 8)",
    )
    quote.add_argument(
        "--format",
        choices=["table", "csv", "jsonl"],
        help="output of --from-csv, one row per CSV line as it is quoted (csv, jsonl: money "
        "in cents); default: table on a terminal, else csv",
    )


def _add_purchase(
    build: _Builder, commands: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    purchase = build.add(
        commands,
        "purchase",
        "buy an order (charges the wallet): shows the quote, then asks to confirm",
        description=(
            "Buy an order. The quote and the wallet balance are shown first, then you are asked\n"
            "to confirm. Without a terminal, --yes is required (nothing is ever bought\n"
            "silently); --dry-run only quotes. Which options apply depends on the product:\n"
            '  "Datacenter Proxy", "ISP Proxy": --location and --cycle required\n'
            '  "Standart Residential Proxy", "Premium Residential Proxy": --quantity in GB\n'
            '  "Unmetered Residential proxy": --cycle required\n'
            "  any other plan: --cycle required, --location and --quantity optional"
        ),
    )
    purchase.add_argument("product", help="product name, exactly as the API spells it")
    _add_order_options(purchase)
    purchase.add_argument("--auto-renewal", action="store_true", help="renew automatically")
    purchase.add_argument(
        "-y", "--yes", action="store_true", help="buy without asking (needed without a terminal)"
    )
    purchase.add_argument("--dry-run", action="store_true", help="only show the quote")


def _add_orders(
    build: _Builder, commands: argparse._SubParsersAction[argparse.ArgumentParser]
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    actions = build.group(commands, "orders", "list, inspect, change and export orders")
    order_id = int_between(1)

    listing = build.add(actions, "list", "show one page of orders", key="orders.list")
    listing.add_argument("status", choices=STATUSES)
    listing.add_argument("--offset", type=int_between(0), default=0, help="orders to skip")
    listing.add_argument(
        "--limit", type=int_between(1, 100), default=20, help="page size, 1-100 (default 20)"
    )

    get = build.add(actions, "get", "show one order in full", key="orders.get")
    get.add_argument("order_id", type=order_id, metavar="ID")

    cycle = build.add(
        actions,
        "cycle",
        "switch a Datacenter/ISP order to another billing cycle",
        key="orders.cycle",
    )
    cycle.add_argument("order_id", type=order_id, metavar="ID")
    cycle.add_argument("cycle", metavar="CYCLE", help="e.g. monthly")

    renewal = build.add(
        actions,
        "auto-renewal",
        "turn auto-renewal of a Datacenter/ISP order on or off",
        key="orders.auto_renewal",
    )
    renewal.add_argument("order_id", type=order_id, metavar="ID")
    renewal.add_argument("state", choices=["on", "off"])

    renew = build.add(
        actions,
        "renew",
        "pay for an on-hold order now (charges the wallet; asks to confirm)",
        key="orders.renew",
    )
    renew.add_argument("order_id", type=order_id, metavar="ID")
    renew.add_argument(
        "-y", "--yes", action="store_true", help="renew without asking (needed without a terminal)"
    )

    tag = build.add(actions, "tag", "set the free-text tag of an order", key="orders.tag")
    tag.add_argument("order_id", type=order_id, metavar="ID")
    tag.add_argument("tag", metavar="TAG", help='the new tag ("" clears it)')

    _add_export(build, actions)
    return actions


def _add_export(
    build: _Builder, actions: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    export = build.add(
        actions,
        "export",
        "write every order to a JSON Lines or CSV file, resumably",
        key="orders.export",
        json=False,
        description=(
            "Write every order in STATUS to FILE, one page at a time (constant memory), with\n"
            "progress on stderr. After each page is safely on disk, FILE.checkpoint.json\n"
            "records where the walk stands; if the export is killed, run the same command with\n"
            "--resume to continue without duplicates or gaps. The checkpoint is removed when\n"
            "the export completes. Ctrl-C and SIGTERM stop it between pages (exit 130 and 143).\n"
            "--out - writes to stdout (not resumable)."
        ),
    )
    export.add_argument("status", choices=STATUSES)
    export.add_argument("--out", required=True, metavar="FILE", help="output file, or - for stdout")
    export.add_argument(
        "--format",
        choices=["jsonl", "csv"],
        help="output format (default: from the file name: .csv, or .jsonl/.ndjson)",
    )
    export.add_argument(
        "--page-size",
        type=int_between(1, 100),
        metavar="N",
        help="orders per request, 1-100 (default 100; a resumed export keeps its own)",
    )
    export.add_argument(
        "--concurrency",
        type=int_between(1, 32),
        default=1,
        metavar="N",
        help="pages fetched ahead in parallel, 1-32 (default 1)",
    )
    export.add_argument(
        "--resume", action="store_true", help="continue an interrupted export from its checkpoint"
    )
    export.add_argument(
        "--dedupe",
        action="store_true",
        help="skip an order id already written (the list can shift while it is walked)",
    )
    export.add_argument(
        "--exact",
        action="store_true",
        help="overlap pages by one order and check the overlap, so that every order that "
        "exists for the whole export is written exactly once while orders are created and "
        "deleted, across --resume too (a resumed export keeps its own)",
    )


def _add_emulator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The options come from the emulator itself, so that this command and
    # ``python -m proxyorders_async.emulator`` take the same options with the same defaults.
    from ..emulator._launch import DESCRIPTION, add_options

    emulator = commands.add_parser(
        "emulator",
        help="serve the embedded API emulator on this machine (to try the CLI offline)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.set_defaults(command="emulator")
    add_options(emulator)


def _add_completion(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    completion = commands.add_parser(
        "completion",
        help="print the shell completion script of bash, zsh or fish",
        description=(
            "Print a script that makes the shell complete proxyorders' commands, options and\n"
            "their values. Load it once per shell session, or install it:\n"
            "  bash: source <(proxyorders completion bash)    (e.g. in ~/.bashrc)\n"
            "  zsh:  source <(proxyorders completion zsh)     (in ~/.zshrc, after compinit)\n"
            "  fish: proxyorders completion fish > ~/.config/fish/completions/proxyorders.fish"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.set_defaults(command="completion")
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])


def _add_examples(parser: argparse.ArgumentParser) -> None:
    # Kept in their own module: the definitions above stay about options.
    from .examples import add_examples

    add_examples(parser)
