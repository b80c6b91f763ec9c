"""``PROXYORDERS_LOG=debug|info``: a redacting stderr handler on the ``proxyorders_async`` logger.

Like ``OPENAI_LOG`` and ``STRIPE_LOG``: set the variable and run, no logging setup needed.
``info`` shows retries and their reasons; ``debug`` adds one line per HTTP attempt (method, URL,
status, time). Set up once per process, on import; calling :func:`setup_logging` again changes
nothing. Any other value is ignored with one warning on stderr.

The SDK never puts a secret in a log record; the handler still masks what looks like one in
the formatted line (bearer tokens, basic credentials, passwords in URLs, ``$PROXYORDERS_TOKEN``),
since it also prints tracebacks whose text comes from elsewhere.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping

from ._settings import TOKEN_ENV

__all__ = ["LOG_ENV", "RedactingFormatter", "setup_logging"]

LOG_ENV = "PROXYORDERS_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s'\",;]+"), r"\1\2***"),
    (re.compile(r"(://[^/\s:@'\"]*:)[^@\s/'\"]*@"), r"\1***@"),
)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message and traceback) has credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def redact(text: str) -> str:
    """``text`` with bearer/basic credentials, URL passwords and ``$PROXYORDERS_TOKEN`` masked."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token and token in text:
        text = text.replace(token, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_state: dict[str, object] = {}


def setup_logging(environ: Mapping[str, str] | None = None) -> logging.Handler | None:
    """Install the stderr handler if ``$PROXYORDERS_LOG`` asks for it; idempotent.

    Returns the handler (the same one on every call), or None when the variable is unset or
    invalid.
    """
    value = (os.environ if environ is None else environ).get(LOG_ENV, "").strip().lower()
    if not value:
        return None
    logger = logging.getLogger("proxyorders_async")
    level = LEVELS.get(value)
    if level is None:
        if not _state.get("warned"):
            _state["warned"] = True
            sys.stderr.write(f"proxyorders_async: ignoring {LOG_ENV}={value!r}: use debug, info\n")
        return None
    handler = _state.get("handler")
    if not isinstance(handler, logging.Handler):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingFormatter(FORMAT))
        logger.addHandler(handler)
        _state["handler"] = handler
    logger.setLevel(level)
    return handler
