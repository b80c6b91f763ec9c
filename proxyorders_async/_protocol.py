"""Pure protocol functions: URLs, ``next`` resolution, response decoding, status mapping.

No I/O happens here; the client's transport is the only code that awaits the network.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from yarl import URL

from ._converters import first_loads
from ._exceptions import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InsufficientBalanceError,
    InternalServerError,
    NotFoundError,
    OutOfStockError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    excerpt,
    printable,
)
from ._retry import Failure, classify_status

DEFAULT_BASE_URL = "https://user-api.proxyshard.com"

_BALANCE_HINTS = ("insufficient balance", "not enough balance", "insufficient funds", "low balance")
_STOCK_HINTS = ("out of stock", "insufficient stock", "not enough stock", "not enough proxies")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


API_ROOT = "/user/api"


def normalize_base_url(value: str, *, allow_http: bool = False) -> URL:
    """Validate the API origin the token may be sent to, with an optional path prefix.

    A prefix (``https://gateway/proxyshard``) is kept: every request and every ``next`` URI
    stays under it. Plain http is refused unless the host is loopback (the emulator) or
    ``allow_http`` is set, because it would send the bearer token in clear text. A URL that
    already ends in ``/user/api`` is refused with a hint: the SDK adds that part itself.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError("base_url must be a non-empty string such as 'https://host'")
    try:
        value.encode("utf-8")  # yarl would silently drop a lone surrogate
        url = URL(value.strip())
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            "base_url must be an absolute http(s) URL with a host, e.g. 'https://host'"
        )
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not contain credentials; pass token= instead")
    if url.query_string or url.fragment:
        raise ConfigurationError("base_url must not contain a query or a fragment")
    if url.scheme == "http" and not allow_http and not is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain-http base_url for non-loopback host {url.host!r}: the API key "
            "would travel unencrypted. Use https, or pass allow_http=True to accept the risk."
        )
    prefix = url.path.rstrip("/")
    if prefix.lower().endswith(API_ROOT):
        suggested = url.with_path(prefix[: -len(API_ROOT)] or "/")
        raise ConfigurationError(
            f"base_url must not end in {API_ROOT}: the SDK adds it to every path (it would "
            f"request {API_ROOT}{API_ROOT}/me). Use base_url={str(suggested).rstrip('/')!r}"
        )
    return url.with_path(prefix or "/")


def endpoint_url(base: URL, path: str) -> URL:
    """The absolute URL of an API ``path`` (which starts with ``/``) under ``base``'s prefix."""
    prefix = base.path.rstrip("/")
    return base.with_path(prefix + path, encoded=False)


def under_prefix(base: URL, path: str) -> str:
    """``path`` (absolute) moved under ``base``'s path prefix unless it is already there.

    Servers behind a gateway that strips a prefix do not know it, so they announce
    ``/user/api/orders?...``; a server that does know it announces ``/prefix/user/api/...``.
    Both must reach the API under the prefix, never another application on the same origin.
    """
    prefix = base.raw_path.rstrip("/")
    if not prefix:
        return path
    if path.startswith(prefix + API_ROOT + "/") or path == prefix + API_ROOT:
        return path
    if path.startswith(API_ROOT + "/") or path == API_ROOT:
        return prefix + path
    return path if path.startswith(prefix + "/") else prefix + path


def same_origin(a: URL, b: URL) -> bool:
    """Scheme, host and (effective) port all equal."""
    return a.scheme == b.scheme and a.host == b.host and a.port == b.port


def resolve_next(base: URL, next_uri: str, *, page_url: str, relative_to: URL | None = None) -> URL:
    """Resolve a page's ``next`` URI and check it may receive the token.

    A relative URI is resolved against ``relative_to`` (the page it came from, so a query-only
    ``?offset=40`` keeps the page's path) or else ``base``; the result must be on ``base``'s
    origin, and is moved under ``base``'s path prefix if it is outside it (see
    :func:`under_prefix`).

    Raises :class:`PaginationError` for another origin (including an https to http downgrade),
    embedded credentials, or a value that is not a URI; nothing is sent in that case.
    """
    if not isinstance(next_uri, str) or not next_uri.strip():
        raise PaginationError(
            f"server sent an unusable next URI: {next_uri!r}", method="GET", url=page_url
        )
    try:
        next_uri.encode("utf-8")
        target = (base if relative_to is None else relative_to).join(URL(next_uri.strip()))
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError: a lone surrogate
        raise PaginationError(
            f"server sent an unparsable next URI: {exc}", method="GET", url=page_url
        ) from None
    if target.user is not None or target.password is not None:
        raise PaginationError(
            "refused a next URI that carries credentials", method="GET", url=page_url
        )
    if not same_origin(target, base):
        raise PaginationError(
            f"refused a next URI on another origin ({target.scheme}://{target.host}:{target.port})"
            f"; the API key is only sent to {base.scheme}://{base.host}:{base.port}",
            method="GET",
            url=page_url,
        )
    target = target.with_fragment(None)
    path = under_prefix(base, target.raw_path)
    if path == target.raw_path:
        return target
    return URL.build(
        scheme=target.scheme,
        authority=target.raw_authority,
        path=path,
        query_string=target.raw_query_string,
        encoded=True,
    )


def body_for_error(body: bytes) -> Any:
    """The body as attached to an error: decoded JSON if it is JSON, else a text excerpt."""
    text = body.decode("utf-8", errors="replace")
    if len(text) <= 64 * 1024:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass
    return excerpt(text)


def server_message(body: Any, fallback: str) -> str:
    """The API's ``message`` field, or ``fallback`` when the body has none."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return printable(excerpt(message))
    return printable(fallback)


def make_status_error(
    status: int,
    *,
    reason: str,
    body: bytes,
    method: str,
    url: str,
    attempts: int,
    retry_after: float | None = None,
) -> APIStatusError:
    """The typed error for an error status (one function maps every status to its class)."""
    decoded = body_for_error(body)
    message = server_message(decoded, reason or "error")
    common: dict[str, Any] = {
        "status": status,
        "body": decoded,
        "method": method,
        "url": url,
        "attempts": attempts,
    }
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **common)
    cls: type[APIStatusError]
    if status == 400:
        lowered = message.lower()
        if any(hint in lowered for hint in _BALANCE_HINTS):
            cls = InsufficientBalanceError
        elif any(hint in lowered for hint in _STOCK_HINTS):
            cls = OutOfStockError
        else:
            cls = BadRequestError
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    elif status == 404:
        cls = NotFoundError
    elif status >= 500:
        cls = InternalServerError
    else:
        cls = APIStatusError
    return cls(message, **common)


def invalid_body(
    reason: str, *, status: int, body: Any, method: str, url: str, attempts: int
) -> APIResponseValidationError:
    """The error for a 2xx body that is not what the API promises."""
    shown = body if isinstance(body, (dict, list)) else excerpt(str(body))
    if shown is body:
        # A decoded body is kept whole only when small, as body_for_error does.
        try:
            text = json.dumps(body, default=str)
        except (ValueError, TypeError, RecursionError):
            text = str(body)
        if len(text) > 64 * 1024:
            shown = excerpt(text)
    return APIResponseValidationError(
        reason, status=status, body=shown, method=method, url=url, attempts=attempts
    )


class Outcome:
    """What one HTTP attempt produced: ``data`` if it succeeded, else what the retry loop needs.

    A success has neither ``failure`` nor ``error`` (its ``data`` may be a JSON null). A plain
    class, not a named tuple: one is made per attempt, and this is a third cheaper to make.
    """

    __slots__ = ("data", "error", "failure", "retry_after", "status")

    def __init__(
        self,
        data: Any,
        status: int,
        failure: Failure | None = None,
        error: APIError | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.data, self.status, self.failure = data, status, failure
        self.error, self.retry_after = error, retry_after

    def __repr__(self) -> str:
        return (
            f"Outcome(data={self.data!r}, status={self.status}, failure={self.failure}, "
            f"error={self.error!r}, retry_after={self.retry_after})"
        )


def interpret_response(
    status: int,
    raw: bytes,
    *,
    reason: str,
    retry_after: float | None,
    method: str,
    url: str,
    attempts: int,
) -> Outcome:
    """What a complete response means: a 2xx's decoded JSON, or the failure and its error.

    ``raw`` is used as received, so a success is never altered; the transport masks the API key
    in an error page before and in the returned error after. ``reason`` and ``retry_after``
    matter for error statuses only, so the transport reads them only then.
    """
    error: APIError
    if not 200 <= status < 300:
        # A 1xx or 3xx is no answer, and may follow a request the server carried out (a 303
        # says "done, see elsewhere"): INVALID, raised for reads, outcome unknown for purchases.
        failure = classify_status(status) if status >= 400 else Failure.INVALID
        error = make_status_error(
            status,
            reason=reason,
            body=raw,
            method=method,
            url=url,
            attempts=attempts,
            retry_after=retry_after,
        )
        return Outcome(None, status, failure, error, retry_after)
    try:
        try:
            data = first_loads(raw)  # loads_json, written out: one is parsed per call
        except ValueError:
            data = json.loads(raw)  # what orjson refuses, the stdlib decides
    except (ValueError, RecursionError):  # RecursionError: nesting bombs
        # Likely cut short in transit: LOST, so reads retry and purchases report unknown outcome.
        text = raw.decode("utf-8", errors="replace")
        error = invalid_body(
            "response body is not valid JSON",
            status=status,
            body=text,
            method=method,
            url=url,
            attempts=attempts,
        )
        return Outcome(None, status, Failure.LOST, error)
    if isinstance(data, dict) and data.get("success") is False:
        # The server's answer, not a glitch: FINAL, so it is raised at once, never retried.
        error = invalid_body(
            f"server reported failure with status {status}: {data.get('message', 'no message')}",
            status=status,
            body=data,
            method=method,
            url=url,
            attempts=attempts,
        )
        return Outcome(None, status, Failure.FINAL, error)
    return Outcome(data, status)
