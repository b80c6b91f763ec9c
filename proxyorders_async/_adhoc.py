"""``client.request``: one request to an endpoint the SDK does not model yet, as a checked
:class:`~._endpoints.Request`.

Everything is checked before anything is sent: the path must stay on the configured base URL
(no other origin, no ``//host``, no dot-segment escape), parameters and body must be encodable,
and the safety class of a write must be stated or derived. An operation the SDK knows keeps its
safety class: ``request("POST", "/user/api/orders/7/renew")`` is a charging call however it is
made, so a lower ``safety=`` is refused.
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote

import attrs
from yarl import URL

from . import _endpoints
from ._converters import CONVERTER
from ._endpoints import ORDERS_AND_WALLET, Endpoint, Request, query_value
from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from ._protocol import same_origin
from ._retry import Safety

__all__ = ["adhoc_request"]

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# RFC 9110: GET, PUT and DELETE are idempotent; POST and PATCH are not, so by default they are
# never resent once they may have reached the server.
_IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
_RANK = {Safety.IDEMPOTENT: 0, Safety.NOT_IDEMPOTENT: 1, Safety.CHARGES: 2}
# pchar minus the percent sign, which is re-encoded from the decoded segment.
_SEGMENT_SAFE = "!$&'()*+,;=:@~"


def _default_advice(method: str, path: str) -> str:
    return (
        f"read back what {method} {path} changes (for example with a GET of that resource) "
        "before sending it again"
    )


def _check_method(method: object) -> str:
    if not isinstance(method, str):
        raise InvalidArgumentTypeError("method", f"expected a str, got {type(method).__name__}")
    upper = method.upper()
    if upper not in METHODS:
        raise InvalidArgumentError("method", f"expected one of {', '.join(sorted(METHODS))}")
    return upper


def _on_base(base: URL, path: str) -> str:
    """The part of an absolute ``path`` under ``base``; refuses any other origin."""
    try:
        url = URL(path)
    except (TypeError, ValueError):
        raise InvalidArgumentError("path", "is not a valid URL or path") from None
    if not url.absolute or not same_origin(url, base) or url.user or url.password:
        raise InvalidArgumentError(
            "path", f"must be a path on {base.origin()}; refusing to send the API key elsewhere"
        )
    prefix = base.raw_path.rstrip("/")
    if not (url.raw_path == prefix or url.raw_path.startswith(prefix + "/")):
        raise InvalidArgumentError("path", f"must be under {base}")
    if url.raw_query_string or url.raw_fragment:
        raise InvalidArgumentError("path", "must not carry a query or fragment: use params=")
    return url.raw_path[len(prefix) :] or "/"


def _check_path(base: URL, path: object) -> str:
    """``path`` as a percent-encoded path relative to the base URL's path."""
    if not isinstance(path, str):
        raise InvalidArgumentTypeError("path", f"expected a str, got {type(path).__name__}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in path):
        raise InvalidArgumentError("path", "must not contain whitespace, control characters or \\")
    if path.startswith("//") or "://" in path:
        path = _on_base(base, path)
    if not path.startswith("/"):
        raise InvalidArgumentError("path", "must start with '/' (relative to the base URL)")
    if "?" in path or "#" in path:
        raise InvalidArgumentError("path", "must not carry a query or fragment: use params=")
    segments = []
    for segment in path.split("/")[1:]:
        decoded = unquote(segment)
        # Also "%2F..%2F": a server that decodes before routing would see a dot segment.
        if any(part in (".", "..") for part in decoded.replace("\\", "/").split("/")):
            raise InvalidArgumentError("path", "must not contain '.' or '..' segments")
        segments.append(quote(decoded, safe=_SEGMENT_SAFE))
    return "/" + "/".join(segments)


def _check_params(params: object) -> tuple[tuple[str, str], ...]:
    if params is None:
        return ()
    if not isinstance(params, Mapping):
        raise InvalidArgumentTypeError("params", f"expected a mapping, got {type(params).__name__}")
    query = []
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgumentTypeError("params", "keys must be non-empty str")
        if value is None:
            continue  # as for the SDK's own endpoints: None means "not given"
        try:
            query.append((key, query_value(value)))
        except TypeError as exc:
            raise InvalidArgumentTypeError(f"params[{key!r}]", str(exc)) from None
    return tuple(query)


def _check_json(body: Any) -> Any:
    if body is None:
        return None
    try:
        jsonlib.dumps(body, allow_nan=False)
    except (TypeError, RecursionError) as exc:
        raise InvalidArgumentTypeError("json", f"is not JSON-serializable: {exc}") from None
    except ValueError as exc:  # NaN or infinity: not JSON
        raise InvalidArgumentError("json", str(exc)) from None
    return body


def _decoder(cast_to: object) -> Callable[[Any], Any]:
    if cast_to is None:
        return _identity
    if not (isinstance(cast_to, type) and attrs.has(cast_to)):
        raise InvalidArgumentTypeError("cast_to", "expected an attrs class or None")
    hook = CONVERTER.get_structure_hook(cast_to)
    return lambda data: hook(data, cast_to)


def _identity(data: Any) -> Any:
    return data


@functools.lru_cache(maxsize=1)
def _known() -> tuple[tuple[str, re.Pattern[str], Endpoint[Any]], ...]:
    """Every endpoint the SDK defines, as (method, path pattern, endpoint)."""
    found = []
    for value in vars(_endpoints).values():
        if isinstance(value, Endpoint):
            parts = re.split(r"\{[^}]*\}", value.path)
            pattern = re.compile("[^/]+".join(re.escape(part) for part in parts))
            found.append((value.method, pattern, value))
    return tuple(found)


def known_endpoint(method: str, path: str) -> Endpoint[Any] | None:
    """The SDK's own endpoint for ``method`` and the encoded ``path``, if it has one."""
    for known_method, pattern, endpoint in _known():
        if known_method == method and pattern.fullmatch(path):
            return endpoint
    return None


def _safety_and_advice(
    method: str, path: str, safety: object, advice: object
) -> tuple[Safety, str]:
    if safety is not None and not isinstance(safety, Safety):
        raise InvalidArgumentTypeError("safety", "expected a proxyorders_async.Safety or None")
    if advice is not None and (not isinstance(advice, str) or not advice.strip()):
        raise InvalidArgumentTypeError("advice", "expected a non-empty str or None")
    known = known_endpoint(method, path)
    floor = known.safety if known is not None else Safety.IDEMPOTENT
    if safety is None:
        safety = floor if known is not None else _by_method(method)
    elif _RANK[safety] < _RANK[floor]:
        assert known is not None
        raise InvalidArgumentError(
            "safety", f"{known.name} is {floor.value}: pass safety={floor} or leave it out"
        )
    if advice is None:
        if known is not None and known.advice:
            advice = known.advice
        elif safety is Safety.CHARGES:
            advice = ORDERS_AND_WALLET
        else:
            advice = _default_advice(method, path)
    return safety, advice


def _by_method(method: str) -> Safety:
    return Safety.IDEMPOTENT if method in _IDEMPOTENT_METHODS else Safety.NOT_IDEMPOTENT


def adhoc_request(
    base: URL,
    method: object,
    path: object,
    *,
    params: object = None,
    json: Any = None,
    cast_to: object = None,
    safety: object = None,
    advice: object = None,
) -> Request[Any]:
    """The checked request for ``client.request``; raises before anything is sent."""
    verb = _check_method(method)
    wire_path = _check_path(base, path)
    query = _check_params(params)
    body = _check_json(json)
    decode = _decoder(cast_to)
    level, why = _safety_and_advice(verb, wire_path, safety, advice)
    # Braces are percent-encoded by _check_path, so the path is a template without fields.
    endpoint = Endpoint(f"{verb} {wire_path}", verb, wire_path, decode, level, advice=why)
    return Request(endpoint, wire_path, query, body)
