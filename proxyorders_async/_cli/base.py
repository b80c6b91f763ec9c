"""What every part of the command line shares: exit codes, the errors commands raise and the
settings of one invocation. Imports nothing beyond the standard library and the SDK's errors,
so ``proxyorders --help`` works without the ``cli`` extra."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "EXIT_AUTH",
    "EXIT_CONNECTION",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTCOME_UNKNOWN",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "CommandError",
    "Invocation",
    "Terminated",
    "UsageError",
    "dollars",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_OUTCOME_UNKNOWN = 4
EXIT_CONNECTION = 5
EXIT_INTERRUPTED = 130
# 128 + SIGTERM: what a shell reports for a terminated process (``orders export`` only).
EXIT_TERMINATED = 143


def dollars(cents: int | None) -> str:
    """``1234`` -> ``"$12.34"``, ``-150`` -> ``"-$1.50"``; integer arithmetic only, so no
    float rounding can creep in."""
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{fraction:02d}"


class CommandError(Exception):
    """A failure reported as one ``error:`` line, then ``hints`` (what to do next)."""

    def __init__(self, message: str, *, code: int = EXIT_ERROR, hints: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hints = tuple(hints)


class UsageError(CommandError):
    """The command line asks for something impossible; nothing was sent to the API."""

    def __init__(self, message: str, *, hints: Sequence[str] = ()) -> None:
        super().__init__(message, code=EXIT_USAGE, hints=hints)


class Terminated(Exception):
    """A command stopped by SIGTERM; reported like Ctrl-C (its hints), with exit status 143."""


@attrs.define(kw_only=True)
class Invocation:
    """Settings of one ``proxyorders`` run, resolved from options and the environment.

    ``hints`` collects advice a command wants shown if it fails or is interrupted (for example
    how to resume an export); ``main`` prints them after the error line.
    """

    token: str
    base_url: str | None
    timeout: float | None
    debug: bool
    hints: list[str] = attrs.field(factory=list)
    max_retries: int | None = None
    deadline: float | None = None
