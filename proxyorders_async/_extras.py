"""Per-call ``extra_headers`` and ``extra_query`` (``client.with_options``), checked up front.

Extra headers may not replace what the client owns (the API key, the Host it is pinned to, the
framing of the body); values are str without CR, LF or NUL, so nothing can be smuggled into the
request head. Extra query parameters are added to a request and may not replace one it already
has (a walk's ``offset`` and ``limit``, a quote's product): that is refused when the call is made,
before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from yarl import URL

from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError

__all__ = ["add_extra_query", "check_extra_headers", "check_extra_query", "with_extra"]

# RFC 9110 token characters: anything else cannot be a header name.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
    }
)


def _check_text(argument: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(argument, f"expected a str, got {type(value).__name__}")
    if any(ch in value for ch in "\r\n\0"):
        raise InvalidArgumentError(argument, "must not contain CR, LF or NUL")
    return value


def _items(argument: str, value: object) -> list[tuple[object, object]]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentTypeError(argument, f"expected a mapping, got {type(value).__name__}")
    return list(value.items())


def check_extra_headers(headers: object) -> dict[str, str]:
    """Validated extra headers; refuses the ones the client must own."""
    checked: dict[str, str] = {}
    for name, value in _items("extra_headers", headers):
        name = _check_text("extra_headers", name)
        if not _TOKEN.fullmatch(name):
            raise InvalidArgumentError("extra_headers", f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise InvalidArgumentError(
                "extra_headers", f"{name} is set by the client and cannot be overridden"
            )
        checked[name] = _check_text(f"extra_headers[{name!r}]", value)
    return checked


def check_extra_query(query: object) -> dict[str, str]:
    """Validated extra query parameters (str names and values)."""
    checked: dict[str, str] = {}
    for name, value in _items("extra_query", query):
        name = _check_text("extra_query", name)
        if not name:
            raise InvalidArgumentError("extra_query", "parameter names must not be empty")
        checked[name] = _check_text(f"extra_query[{name!r}]", value)
    return checked


def add_extra_query(url: URL, extra: Mapping[str, str]) -> URL:
    """``url`` with ``extra`` appended; a parameter the request already has is refused.

    A parameter already there with the same value (a ``next`` URI echoing it) is kept as is.
    """
    present = url.query
    clash = sorted(n for n, v in extra.items() if n in present and present.getall(n) != [v])
    if clash:
        raise InvalidArgumentError(
            "extra_query", f"{', '.join(clash)} already set by this call; pass it as an argument"
        )
    missing = {n: v for n, v in extra.items() if n not in present}
    return url.extend_query(missing) if missing else url


def with_extra(headers: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with ``extra`` on top; names compare case-insensitively (one value each)."""
    replaced = {name.lower() for name in extra}
    return {**{k: v for k, v in headers.items() if k.lower() not in replaced}, **extra}
