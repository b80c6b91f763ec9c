"""Examples shown at the top of the epilog of ``proxyorders [COMMAND] --help``.

Kept apart from the parser's definitions, which stay about options: :func:`add_examples` walks
the finished parser and adds the examples of each command path it knows.
"""

from __future__ import annotations

import argparse

__all__ = ["EXAMPLES", "add_examples"]

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "proxyorders me",
        "proxyorders quote 'Datacenter Proxy' --location DE --cycle monthly --quantity 10",
        "proxyorders orders export all --out orders.jsonl",
        "proxyorders --max-retries 6 --deadline 120 orders export all --out orders.csv",
    ),
    "me": ("proxyorders me", "proxyorders me --json"),
    "products": ("proxyorders products", "proxyorders products --json"),
    "stock": ("proxyorders stock",),
    "quote": (
        "proxyorders quote 'Datacenter Proxy' --location DE --cycle monthly --quantity 10",
        "proxyorders quote 'Standart Residential Proxy' --quantity 5 --promo-code RESI20",
        "proxyorders quote --from-csv quotes.csv --format csv > prices.csv",
        "proxyorders quote --from-csv quotes.csv --format jsonl --concurrency 16",
    ),
    "purchase": (
        "proxyorders purchase 'Datacenter Proxy' --location DE --cycle monthly --quantity 10",
        "proxyorders purchase 'Premium Residential Proxy' --quantity 2 --dry-run",
        "proxyorders purchase 'ISP Proxy' --location US --cycle monthly --yes --json",
    ),
    "orders": (
        "proxyorders orders list active",
        "proxyorders orders export all --out orders.jsonl",
    ),
    "orders list": (
        "proxyorders orders list active",
        "proxyorders orders list all --offset 100 --limit 100 --json",
    ),
    "orders get": ("proxyorders orders get 1234",),
    "orders cycle": ("proxyorders orders cycle 1234 monthly",),
    "orders auto-renewal": ("proxyorders orders auto-renewal 1234 off",),
    "orders renew": ("proxyorders orders renew 1234", "proxyorders orders renew 1234 --yes"),
    "orders tag": ("proxyorders orders tag 1234 billing-team", "proxyorders orders tag 1234 ''"),
    "orders export": (
        "proxyorders orders export all --out orders.jsonl --concurrency 4",
        "proxyorders orders export active --out active.csv --resume",
        "proxyorders orders export all --out - | jq .order_id",
    ),
    # The command groups of API 1.1.0 (their actions carry their own examples).
    "addons": (
        "proxyorders addons quote 1234 p0f_slots 5",
        "proxyorders addons buy 1234 p0f_slots 5",
    ),
    "sub-users": (
        "proxyorders sub-users list standart",
        "proxyorders sub-users create standart alice 5",
    ),
    "geo": ("proxyorders geo countries premium", "proxyorders geo regions premium DE"),
    "emulator": (
        "proxyorders emulator --orders 500",
        "proxyorders emulator --port 0 --error-rate 0.1 --latency-ms 50",
    ),
    "completion": (
        "source <(proxyorders completion bash)",
        "proxyorders completion fish > ~/.config/fish/completions/proxyorders.fish",
    ),
}
"""Command path (``""`` for ``proxyorders`` itself) -> example command lines; a path the
parser does not have is ignored."""


def _walk(
    parser: argparse.ArgumentParser, path: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _walk(child, f"{path} {name}".strip())
    return found


def add_examples(parser: argparse.ArgumentParser) -> None:
    """Put the examples of :data:`EXAMPLES` first in the epilog of each command's help."""
    for path, command in _walk(parser):
        lines = EXAMPLES.get(path)
        if lines:
            examples = "examples:\n" + "\n".join(f"  {line}" for line in lines)
            command.epilog = examples + (f"\n\n{command.epilog}" if command.epilog else "")
