"""Every error the SDK raises.

    ProxyOrdersError
    ├── ConfigurationError (ValueError)          bad client settings: no token, unsafe base URL
    ├── InvalidArgumentError (ValueError)        a bad argument, caught before any request
    ├── InvalidArgumentTypeError (TypeError)     an argument of the wrong type, before any request
    ├── ClientClosedError (RuntimeError)         the client (or its borrowed session) was closed
    ├── EventLoopMismatchError (RuntimeError)    the client was used from a second event loop
    ├── ExportError                              an export to a file cannot start or resume
    │   └── ExportCheckpointError                ... because its checkpoint cannot be used
    └── APIError                                 something went wrong with a request
        ├── APIConnectionError                   no usable HTTP response (refused, reset, ...)
        │   └── APITimeoutError                  the timeout or the call's deadline ran out
        ├── APIStatusError                       the server answered with a non-2xx status
        │   ├── BadRequestError (400)
        │   │   ├── InsufficientBalanceError
        │   │   └── OutOfStockError
        │   ├── AuthenticationError (401)
        │   ├── PermissionDeniedError (403)
        │   ├── NotFoundError (404)
        │   ├── RateLimitError (429)
        │   └── InternalServerError (5xx)
        ├── APIResponseValidationError           a 2xx body that is not what the API promises
        ├── PaginationError                      an unsafe or looping ``next`` URI
        └── OutcomeUnknownError                  an unsafe write may or may not have happened
            └── PurchaseOutcomeUnknownError      ... and it charges the wallet

Every :class:`APIError` carries ``method`` and ``url`` (never the token) and ``attempts``, the
number of HTTP attempts made before it was raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "EventLoopMismatchError",
    "ExportCheckpointError",
    "ExportError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "NotFoundError",
    "OutOfStockError",
    "OutcomeUnknownError",
    "PaginationError",
    "PermissionDeniedError",
    "ProxyOrdersError",
    "PurchaseOutcomeUnknownError",
    "RateLimitError",
]

# Bodies can be megabytes of HTML; errors keep enough to diagnose, not the whole page.
BODY_EXCERPT_CHARS = 2000


class ProxyOrdersError(Exception):
    """Base class of every error raised by ``proxyorders_async``."""


class ConfigurationError(ProxyOrdersError, ValueError):
    """The client was configured with a missing or unsafe setting (token, base URL, limits)."""


class InvalidArgumentError(ProxyOrdersError, ValueError):
    """An argument has an invalid value; raised before any request is sent.

    ``argument`` names the offending parameter.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class InvalidArgumentTypeError(ProxyOrdersError, TypeError):
    """An argument has the wrong type; raised before any request is sent.

    ``argument`` names the offending parameter.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class ClientClosedError(ProxyOrdersError, RuntimeError):
    """The client was closed (or the aiohttp session it borrowed was) before the call ended.

    Raised by a call made after ``close()``, and at once by every call still waiting or in
    flight when ``close()`` runs; none of them is retried. A purchase or renew already sent
    raises :class:`PurchaseOutcomeUnknownError` instead. Create a new client to go on.
    """


class EventLoopMismatchError(ProxyOrdersError, RuntimeError):
    """The client was used from an event loop other than the one it is bound to.

    A client binds to the loop of its first request (its session and connection pool live
    there). A second ``asyncio.run()``, another thread's loop or pytest's per-test loops need
    a client of their own: create one client per loop. Nothing was sent.
    """


class ExportError(ProxyOrdersError):
    """An export to a file cannot start or resume; nothing was sent and the file is unchanged.

    Raised as such when another export is writing the file, or when the file is shorter than
    its checkpoint records (it was changed or lost data since). ``path`` is the export's file,
    ``checkpoint_path`` its checkpoint and ``advice`` what to do about it.
    """

    def __init__(self, message: str, *, path: str, checkpoint_path: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.checkpoint_path = checkpoint_path
        self.advice = advice


class ExportCheckpointError(ExportError):
    """``resume=True`` cannot use the export's checkpoint: nothing was sent, the file is unchanged.

    The checkpoint is unreadable or of another version, was written for other options (status,
    format, page size, dedupe or API base URL), or is missing beside a non-empty file (an
    export whose checkpoint was deleted, or a file no export wrote). Resume with the options
    the export started with, or start over with ``resume=False``, which overwrites the file.
    """


class APIError(ProxyOrdersError):
    """A request to the API failed.

    ``method`` and ``url`` identify the request (the URL never contains credentials);
    ``attempts`` is how many HTTP attempts were made, retries included.
    """

    def __init__(self, message: str, *, method: str, url: str, attempts: int = 1) -> None:
        # Messages quote servers (bodies, reason phrases, parser errors) and end up in log lines:
        # a raw newline from a server would let it forge a log line of its own.
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.attempts = attempts

    def __str__(self) -> str:
        suffix = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.message} ({self.method} {self.url}{suffix})"


class APIConnectionError(APIError):
    """No usable HTTP response: connection refused or reset, DNS failure, truncated body."""


class APITimeoutError(APIConnectionError):
    """The per-attempt ``timeout`` or the call's total ``deadline`` ran out."""


class _ResponseError(APIError):
    """An error about a response that did arrive: carries its ``status``, ``body`` and
    ``headers``.

    ``headers`` is an immutable, case-insensitive mapping of the response headers, with the
    values of ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` and any
    echo of the API key masked as ``***``. It never appears in ``str()`` or ``repr()``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any,
        method: str,
        url: str,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, attempts=attempts)
        self.status = status
        self.body = body
        self.headers: CIMultiDictProxy[str] = _headers(headers)


class APIStatusError(_ResponseError):
    """The server answered with an error status.

    ``status`` is the HTTP status, ``message`` the server's ``message`` field (or the reason
    phrase when the body has none), ``body`` the decoded JSON body or a text excerpt of it.
    """

    def __str__(self) -> str:
        return f"HTTP {self.status}: {super().__str__()}"


class BadRequestError(APIStatusError):
    """400: the server rejected the request as invalid."""


class InsufficientBalanceError(BadRequestError):
    """400: the wallet balance does not cover the price; top up and try again."""


class OutOfStockError(BadRequestError):
    """400: not enough proxies in stock for the product and location."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the operation is not available to this account or order."""


class NotFoundError(APIStatusError):
    """404: the order or route does not exist."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any,
        method: str,
        url: str,
        attempts: int = 1,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            message,
            status=status,
            body=body,
            method=method,
            url=url,
            attempts=attempts,
            headers=headers,
        )
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class APIResponseValidationError(_ResponseError):
    """A successful status with a body that is not what the API promises.

    Raised for non-JSON bodies, bodies of the wrong shape, bodies over the size limit and
    ``{"success": false}`` inside a 200. ``status`` and ``body`` (an excerpt) are attached.
    """


class PaginationError(APIError):
    """A ``next`` URI was refused (another origin, credentials, downgrade) or would loop."""


class OutcomeUnknownError(APIError):
    """A write that is unsafe to repeat was sent, and whether it was carried out is unknown.

    No definite answer came back (a 5xx, a dropped connection, a timeout, an unreadable success
    body) and repeating the request could do it twice, so the SDK did not retry it. ``advice``
    says what to look at before acting again; ``request`` is the JSON body that was sent (never
    the token), ``status`` the HTTP status if one arrived, ``headers`` that response's headers
    (masked as on :class:`APIStatusError`; empty if none arrived) and ``__cause__`` the failure.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        attempts: int = 1,
        request: Any = None,
        status: int | None = None,
        advice: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, attempts=attempts)
        self.request = request
        self.status = status
        self.advice = advice
        self.headers: CIMultiDictProxy[str] = _headers(headers)


class PurchaseOutcomeUnknownError(OutcomeUnknownError):
    """A request that charges the wallet may or may not have been carried out.

    The request was sent, but no definite answer came back (a 5xx, a dropped connection, a
    timeout, an unreadable success body). The API has no idempotency key, so the SDK did not
    retry it: retrying could buy twice. Check before acting again: list recent orders with
    ``client.orders.list("all")`` or ``client.orders.get(order_id)`` and compare the wallet with
    ``client.account.me()``. ``request`` is the JSON body that was sent (never the token),
    ``status`` the HTTP status if one arrived, and ``__cause__`` the underlying failure.
    """


# C0 and C1 controls, line and paragraph separators, and the bidi controls that reorder text.
_UNPRINTABLE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (
        *range(0x20),
        *range(0x7F, 0xA0),
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    )
}
_UNPRINTABLE.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``, ``\\u2028``), so a server's
    text placed in a message or a log line cannot start a line of its own or rewrite one."""
    if text.isprintable():  # the common case: nothing to escape, nothing allocated
        return text
    return text.translate(_UNPRINTABLE)


def _no_headers() -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict())


def _headers(headers: Mapping[str, str] | None) -> CIMultiDictProxy[str]:
    if headers is None:
        return _no_headers()
    if isinstance(headers, CIMultiDictProxy):
        return headers
    return CIMultiDictProxy(CIMultiDict(headers))


def excerpt(text: str) -> str:
    """Shorten ``text`` to :data:`BODY_EXCERPT_CHARS`, marking the cut."""
    if len(text) <= BODY_EXCERPT_CHARS:
        return text
    return f"{text[:BODY_EXCERPT_CHARS]}... [{len(text) - BODY_EXCERPT_CHARS} more characters]"
