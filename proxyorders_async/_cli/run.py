"""Running a parsed command: one client, and the command looked up in every command module.

Apart from the command modules so that they import shared helpers without importing each other.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._client import ProxyOrdersClient
from .base import Invocation
from .commands import COMMANDS, Command, Context
from .commands_more import MORE_COMMANDS
from .output import Output

__all__ = ["run_command"]


async def run_command(args: argparse.Namespace, invocation: Invocation) -> int:
    """Run the parsed command with one client, closed before returning."""
    options: dict[str, Any] = {}
    if invocation.timeout is not None:
        options["timeout"] = invocation.timeout
    if invocation.max_retries is not None:
        options["max_retries"] = invocation.max_retries
    if invocation.deadline is not None:
        options["deadline"] = invocation.deadline
    client = ProxyOrdersClient(token=invocation.token, base_url=invocation.base_url, **options)
    async with client:
        context = Context(client, Output(json_mode=getattr(args, "json", False)), invocation)
        return await _command(args.command)(context, args)


def _command(key: str) -> Command:
    return COMMANDS.get(key) or MORE_COMMANDS[key]
