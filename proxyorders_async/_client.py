"""``ProxyOrdersClient``: owns or borrows one aiohttp session; the one place that awaits HTTP."""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import logging
import math
import os
import random
import ssl as ssl_module
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import aiohttp
import attrs
import cattrs
from yarl import URL

from ._adhoc import adhoc_request
from ._converters import describe_error
from ._endpoints import Endpoint, Request
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    OutcomeUnknownError,
    PurchaseOutcomeUnknownError,
)
from ._extras import add_extra_query, check_extra_headers, check_extra_query, with_extra
from ._protocol import (
    DEFAULT_BASE_URL,
    Outcome,
    endpoint_url,
    interpret_response,
    invalid_body,
    normalize_base_url,
)
from ._quotes import QuoteSharer
from ._raw import RawResponseClient, capturing, last_headers, note_response
from ._retry import Decision, Failure, RetryPolicy, Safety, decide, parse_retry_after
from ._session_config import SessionSettings, check_session_settings
from ._settings import BASE_URL_ENV, check_token
from ._version import __version__
from .resources import AccountResource, CatalogResource, OrdersResource, ProxiesResource

__all__ = ["ProxyOrdersClient"]

T = TypeVar("T")

logger = logging.getLogger("proxyorders_async")

USER_AGENT = f"proxyorders-async/{__version__}"
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 100
# An order page of 100 is ~30 KB; anything near this is not an API answer.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


def _attempt_timeout(total: float, connect: float) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for one attempt.

    The connect phase must run out strictly before the total, unrounded: aiohttp reports the
    total as a bare ``TimeoutError`` that may come after sending, so a purchase stuck connecting
    would otherwise be reported as "sent, outcome unknown" instead of "not sent".
    """
    return aiohttp.ClientTimeout(
        total=total, connect=min(connect, total * 0.95), ceil_threshold=math.inf
    )


@attrs.frozen(kw_only=True)
class _Options:
    timeout: float
    connect_timeout: float
    max_retries: int
    deadline: float | None
    # Built once (and again by attrs.evolve): the per-attempt timeout when no deadline applies.
    client_timeout: aiohttp.ClientTimeout = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(
            lambda self: _attempt_timeout(self.timeout, self.connect_timeout),
            takes_self=True,
        ),
    )
    # Per-call additions (with_options), already checked by _extras.
    extra_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    extra_query: Mapping[str, str] = attrs.field(factory=dict, repr=False)


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPENED = "opened"
    CLOSED = "closed"


class _BodyTooLargeError(Exception):
    def __init__(self, head: bytes) -> None:
        super().__init__()
        self.head = head  # the first bytes, for the error's excerpt


# An error page is read for its message only: a bigger one is cut here, not refused.
_ERROR_BODY_BYTES = 64 * 1024
_EXCERPT_BYTES = 4096


class _Core:
    """State shared by a client and the views ``with_options`` derives from it."""

    def __init__(
        self,
        *,
        token: str,
        base_url: URL,
        session: aiohttp.ClientSession | None,
        max_connections: int,
        max_response_bytes: int,
        retry_policy: RetryPolicy,
        quote_cache_ttl: float | None,
    ) -> None:
        self.base_url = base_url
        self.quotes = QuoteSharer(quote_cache_ttl)
        self.session = session
        self.owns_session = session is None
        self.state = _State.UNOPENED
        self.max_connections = max_connections
        self.max_response_bytes = max_response_bytes
        self.retry_policy = retry_policy
        self.rng = random.Random()
        # One slot per pooled connection, taken before an attempt's timeout starts: waiting
        # for a free connection sends nothing, so it must not time out as a lost request.
        self.slots: asyncio.Semaphore | None = None
        # Servers and proxies may echo the Authorization header back: see redact().
        self._secret = token
        self._secret_bytes = token.encode()
        # Built once; the token lives only here and in requests to base_url's origin.
        self.headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self.json_headers = {**self.headers, "Content-Type": "application/json"}
        self.settings = SessionSettings()
        self.request_options: dict[str, Any] = {}

    def configure(self, settings: SessionSettings) -> None:
        """Apply the owned session's settings (proxy, TLS, environment, tracing)."""
        self.settings = settings
        self.request_options = settings.request_kwargs(self.base_url)
        extra = settings.plain_http_headers(self.base_url)
        self.headers.update(extra)
        self.json_headers.update(extra)

    def redact(self, text: str) -> str:
        """``text`` with the API key masked (for messages built from what a server sent)."""
        return text.replace(self._secret, "***") if self._secret in text else text

    def redact_body(self, raw: bytes) -> bytes:
        """A response body with the API key masked, before anything is built from it."""
        return raw.replace(self._secret_bytes, b"***") if self._secret_bytes in raw else raw

    def session_for_request(self) -> aiohttp.ClientSession:
        if self.state is _State.CLOSED:
            raise ClientClosedError("this ProxyOrdersClient is closed; create a new one")
        if self.session is None:
            # Created lazily, inside the running loop, exactly once (no await in between).
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, ttl_dns_cache=300, **self.settings.connector_kwargs()
            )
            self.session = aiohttp.ClientSession(
                connector=connector, raise_for_status=False, **self.settings.session_kwargs()
            )
        elif self.session.closed:
            raise ClientClosedError("the aiohttp session given to ProxyOrdersClient is closed")
        if self.slots is None:
            pool = self.session.connector.limit if self.session.connector is not None else 0
            self.slots = asyncio.Semaphore(min(self.max_connections, pool or self.max_connections))
        self.state = _State.OPENED
        return self.session

    async def acquire_slot(self, timeout: float | None) -> bool:
        """Wait for a free connection slot; False if ``timeout`` seconds pass first."""
        slots = self.slots
        assert slots is not None  # session_for_request() made it
        if timeout is None or not slots.locked():
            await slots.acquire()
            return True
        try:
            await asyncio.wait_for(slots.acquire(), max(timeout, 0.0))
        except asyncio.TimeoutError:
            return False
        return True

    def release_slot(self) -> None:
        """Give back the slot taken by :meth:`acquire_slot`."""
        assert self.slots is not None
        self.slots.release()


def _exception_outcome(
    exc: Exception, core: _Core, *, status: int, seconds: float, method: str, url: str, attempt: int
) -> Outcome:
    """What an attempt that raised ``exc`` means: whether the request may have reached the server.

    ``exc`` is an ``aiohttp.ClientError``, a timeout or :class:`_BodyTooLargeError`; ``status``
    matters only for the last. aiohttp's texts may echo the token, hence ``core.redact``.
    """
    if isinstance(exc, _BodyTooLargeError):
        error = invalid_body(
            f"response body exceeds {core.max_response_bytes} bytes",
            status=status,
            body=core.redact(exc.head.decode("utf-8", errors="replace")),
            method=method,
            url=url,
            attempts=attempt,
        )
        return Outcome(None, status, Failure.INVALID, error)
    # Order matters: a ConnectionTimeoutError is also a ServerTimeoutError and a TimeoutError,
    # but it means nothing was sent.
    cls: type[APIConnectionError] = APITimeoutError
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy refused the tunnel (407, 403, 502...): the API never saw the request.
        failure, cls = Failure.NOT_SENT, APIConnectionError
        message = core.redact(
            f"the proxy refused to connect to the API: HTTP {exc.status} {exc.message}"
        )
    elif isinstance(exc, aiohttp.ClientConnectorError):
        failure, cls = Failure.NOT_SENT, APIConnectionError
        message = core.redact(f"cannot connect to the API: {exc}")
    elif isinstance(exc, aiohttp.ConnectionTimeoutError):
        failure, message = Failure.NOT_SENT, f"timed out connecting to the API after {seconds:.3g}s"
    elif isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        failure, message = Failure.LOST, f"no complete response within {seconds:.3g}s"
    else:  # any other aiohttp.ClientError: it may have come after the request went out
        failure, cls = Failure.LOST, APIConnectionError
        message = core.redact(f"connection failed: {type(exc).__name__}: {exc}")
    return Outcome(None, status, failure, cls(message, method=method, url=url, attempts=attempt))


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{name} must be a number of seconds, got {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond any float
        raise ConfigurationError(f"{name} is too large to be a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(f"{name} must be a finite number of seconds > 0, got {value}")
    return seconds


class ProxyOrdersClient:
    """Async client of the ProxyShard User API.

    ``token`` falls back to ``$PROXYORDERS_TOKEN``; ``base_url`` to ``$PROXYORDERS_BASE_URL``,
    then to ``https://user-api.proxyshard.com``. The aiohttp session is created lazily on the
    first request, so the client can be built outside a running loop. Pass ``session=`` to share
    your application's session: the client then never closes it. One client is safe to share
    between any number of concurrent tasks; close it once, at shutdown::

        async with ProxyOrdersClient() as client:
            account = await client.account.me()

    ``timeout`` bounds each HTTP attempt, ``max_retries`` the retries of a call (see the retry
    table in the README), ``deadline`` (optional) the whole call across attempts and waits.
    ``max_connections`` caps the connection pool (size it to your fan-out).
    ``quote_cache_ttl`` (seconds, off by default) lets identical price quotes be served from a
    short cache; identical quotes in flight always share one request. Plain-http base URLs are
    refused unless the host is loopback or ``allow_http=True``.

    The session the client builds can go through a ``proxy`` (``"http://host:3128"``, with
    ``proxy_auth=(login, password)`` or credentials in the URL; they are never logged),
    use ``ssl`` (an ``ssl.SSLContext``, or ``False`` to skip certificate checks: only for a
    test server), honour ``HTTP(S)_PROXY``/``NO_PROXY`` and ``.netrc`` with ``trust_env=True``,
    and report to aiohttp ``trace_configs``. With ``session=`` configure your own session
    instead: passing these too is a :class:`ConfigurationError`.
    """

    orders: OrdersResource
    catalog: CatalogResource
    account: AccountResource
    proxies: ProxiesResource

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        deadline: float | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry_policy: RetryPolicy | None = None,
        quote_cache_ttl: float | None = None,
        allow_http: bool = False,
        proxy: str | URL | None = None,
        proxy_auth: tuple[str, str] | aiohttp.BasicAuth | None = None,
        ssl: ssl_module.SSLContext | bool | None = None,
        trust_env: bool = False,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
    ) -> None:
        checked_token = check_token(token)
        url = normalize_base_url(
            # An explicit base_url="" is an error, not a silent switch to production.
            base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            allow_http=allow_http,
        )
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        for name, value in (
            ("max_connections", max_connections),
            ("max_response_bytes", max_response_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be an int >= 1, got {value!r}")
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(
                f"retry_policy must be a RetryPolicy, got {type(retry_policy).__name__}"
            )
        # max_retries always wins, so the common knob needs no RetryPolicy.
        policy = attrs.evolve(retry_policy or RetryPolicy(), max_retries=max_retries)
        self._core = _Core(
            token=checked_token,
            base_url=url,
            session=session,
            max_connections=max_connections,
            max_response_bytes=max_response_bytes,
            retry_policy=policy,
            quote_cache_ttl=None
            if quote_cache_ttl is None
            else _check_seconds("quote_cache_ttl", quote_cache_ttl),
        )
        self._core.configure(
            check_session_settings(
                session=session,
                base_url=url,
                allow_http=allow_http,
                proxy=proxy,
                proxy_auth=proxy_auth,
                ssl=ssl,
                trust_env=trust_env,
                trace_configs=trace_configs,
            )
        )
        self._options = _Options(
            timeout=_check_seconds("timeout", timeout),
            connect_timeout=_check_seconds("connect_timeout", connect_timeout),
            max_retries=policy.max_retries,
            deadline=None if deadline is None else _check_seconds("deadline", deadline),
        )
        self._is_view = False
        self._attach_resources()

    def _attach_resources(self) -> None:
        transport = _ClientTransport(self)
        self.orders = OrdersResource(transport)
        self.catalog = CatalogResource(transport)
        self.account = AccountResource(transport)
        self.proxies = ProxiesResource(transport)

    @property
    def base_url(self) -> str:
        """The API origin requests go to (and the only one the token is sent to)."""
        return str(self._core.base_url)

    @property
    def is_closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._core.state is _State.CLOSED

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        connect_timeout: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
    ) -> ProxyOrdersClient:
        """A view of this client with other per-call settings, sharing its session::

            await client.with_options(deadline=5, max_retries=0).orders.get(42)

        ``extra_headers`` and ``extra_query`` (str names and values, no CR/LF) are added to
        every request of the view, on top of any the client already has. ``Authorization``,
        ``Proxy-Authorization``, ``Host`` and the body framing headers cannot be set; an extra
        query parameter the call already sends (``limit``, ``offset``, ...) is refused when the
        call is made, before anything is sent.

        The view is cheap; it is not closed separately (closing it closes nothing).
        """
        options = self._options
        if timeout is not None:
            options = attrs.evolve(options, timeout=_check_seconds("timeout", timeout))
        if connect_timeout is not None:
            options = attrs.evolve(
                options, connect_timeout=_check_seconds("connect_timeout", connect_timeout)
            )
        if deadline is not None:
            options = attrs.evolve(options, deadline=_check_seconds("deadline", deadline))
        if max_retries is not None:
            # One check for the knob, wherever it is set: RetryPolicy's.
            attrs.evolve(self._core.retry_policy, max_retries=max_retries)
            options = attrs.evolve(options, max_retries=max_retries)
        if extra_headers is not None:
            merged = with_extra(options.extra_headers, check_extra_headers(extra_headers))
            options = attrs.evolve(options, extra_headers=merged)
        if extra_query is not None:
            query = {**options.extra_query, **check_extra_query(extra_query)}
            options = attrs.evolve(options, extra_query=query)
        view = object.__new__(type(self))
        view._core = self._core
        view._options = options
        view._is_view = True
        view._attach_resources()
        return view

    @functools.cached_property
    def with_raw_response(self) -> RawResponseClient:
        """The same calls, returning a :class:`RawResponse` (status, headers, url, parsed)::

            raw = await client.with_raw_response.orders.get(42)
            print(raw.status, raw.headers.get("Date"), raw.parsed.status)

        It uses this client's (or view's) options, retries and safety classes unchanged.
        """
        return RawResponseClient(self, _ClientTransport(self))

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = ...,
        json: Any = ...,
        cast_to: type[T],
        safety: Safety | None = ...,
        advice: str | None = ...,
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = ...,
        json: Any = ...,
        cast_to: None = ...,
        safety: Safety | None = ...,
        advice: str | None = ...,
    ) -> Any: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json: Any = None,
        cast_to: type[Any] | None = None,
        safety: Safety | None = None,
        advice: str | None = None,
    ) -> Any:
        """Call an endpoint the SDK does not model yet, with the client's retries and limits::

            data = await client.request("GET", "/user/api/geo/countries", params={"type": "dc"})

        ``path`` is relative to the base URL (a URL on the base URL's origin is accepted too);
        another origin, ``//host`` or a ``..`` segment is an :class:`InvalidArgumentError`
        before anything is sent. ``params`` values are str, int or bool (None is left out);
        ``json`` is the body. ``cast_to`` an attrs class structures the response with the
        SDK's converter; ``None`` returns the decoded JSON.

        ``safety`` defaults to ``Safety.IDEMPOTENT`` for GET, PUT and DELETE and
        ``Safety.NOT_IDEMPOTENT`` for POST and PATCH (never resent once it may have reached the
        server). Pass ``Safety.CHARGES`` for anything that takes money, and ``advice`` to say
        what to check after an unknown outcome (a generic one is used otherwise). An operation
        the SDK knows keeps its own safety class and advice: a lower ``safety`` is refused.
        """
        request = adhoc_request(
            self._core.base_url,
            method,
            path,
            params=params,
            json=json,
            cast_to=cast_to,
            safety=safety,
            advice=advice,
        )
        return await capturing(self._send, request)

    async def close(self) -> None:
        """Close the session if this client created it; a borrowed session stays open."""
        core = self._core
        if self._is_view or core.state is _State.CLOSED:
            return
        core.state = _State.CLOSED
        if core.owns_session and core.session is not None:
            await core.session.close()

    async def __aenter__(self) -> ProxyOrdersClient:
        self._core.session_for_request()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (
            f"<ProxyOrdersClient base_url={self.base_url!r} token='***' "
            f"state={self._core.state.value}>"
        )

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        # Closing needs the caller's event loop, which may be gone: only warn.
        core = getattr(self, "_core", None)
        if core is None or getattr(self, "_is_view", True):
            return
        if core.owns_session and core.session is not None and not core.session.closed:
            _warn(
                "ProxyOrdersClient was not closed; use 'async with' or 'await client.close()'",
                ResourceWarning,
                source=self,
            )

    # -----------------------------------------------------------------------------------------
    # Transport

    def _url(self, path: str) -> URL:
        return endpoint_url(self._core.base_url, path)

    # The second form and _url serve today's walk (_pagination), typed against this class;
    # they go when the walk takes a Transport.
    @overload
    async def _send(self, request: Request[T]) -> T: ...

    @overload
    async def _send(
        self, request: Endpoint[T], *, url: URL, decode: Callable[[Any, str], T]
    ) -> T: ...

    async def _send(
        self,
        request: Request[T] | Endpoint[T],
        *,
        url: URL | None = None,
        decode: Callable[[Any, str], T] | None = None,
    ) -> T:
        """Perform ``request`` with retries and return its decoded response."""
        if isinstance(request, Endpoint):
            assert url is not None
            request = request.at(url, decode)
        endpoint, json_body = request.endpoint, request.body
        target = request.url_under(self._core.base_url)
        if self._options.extra_query:
            target = add_extra_query(target, self._options.extra_query)
        shown = str(target)
        try:
            data, status, attempts = await self._request(endpoint, target, shown, json_body)
        except APIError as exc:
            # Some aiohttp versions (3.10) leave their parser error as the exception being
            # handled when a failure reaches us; it would be chained to ours and print the
            # unredacted text (an echoed token) in every traceback.
            exc.__context__ = None
            raise
        try:
            return request.decode(data, shown)
        except (cattrs.BaseValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            error = invalid_body(
                f"response does not match the API schema: {describe_error(exc)}",
                status=status,
                body=data,
                method=endpoint.method,
                url=shown,
                attempts=attempts,
            )
            error.headers = last_headers() or error.headers
            if endpoint.safety is not Safety.IDEMPOTENT:
                raise self._unknown_outcome(endpoint, shown, attempts, json_body, status) from error
            raise error from exc

    async def _request(
        self, endpoint: Endpoint[Any], url: URL, shown: str, json_body: Any
    ) -> tuple[Any, int, int]:
        """Attempt ``endpoint`` until one attempt succeeds or :func:`decide` says stop.

        Returns ``(data, status, attempts)``. Each attempt's connection slot is taken before its
        timeout starts: waiting for a pooled connection sends nothing, so only the deadline
        bounds that wait.
        """
        core, options = self._core, self._options
        session = core.session_for_request()
        body = None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        loop = asyncio.get_running_loop()
        deadline_at = None if options.deadline is None else loop.time() + options.deadline
        attempt = 0
        while True:
            attempt += 1
            remaining = None if deadline_at is None else deadline_at - loop.time()
            if not await core.acquire_slot(remaining):
                raise self._deadline_error(endpoint, shown, attempt - 1, waiting=True)
            seconds, timeout = options.timeout, options.client_timeout
            if deadline_at is not None:
                seconds = min(seconds, deadline_at - loop.time())
                if seconds <= 0:
                    core.release_slot()
                    raise self._deadline_error(endpoint, shown, attempt - 1, waiting=False)
                timeout = _attempt_timeout(seconds, options.connect_timeout)
            outcome = await self._attempt(
                session, endpoint.method, url, shown, body, timeout, seconds, attempt
            )
            failure, error = outcome.failure, outcome.error
            if failure is None or error is None:  # a success carries neither
                return outcome.data, outcome.status, attempt
            decision = decide(
                failure, endpoint.safety, attempt=attempt, max_retries=options.max_retries
            )
            if decision is Decision.UNKNOWN_OUTCOME:
                status = getattr(error, "status", None)
                raise self._unknown_outcome(endpoint, shown, attempt, json_body, status) from error
            if decision is Decision.RAISE:
                raise error
            delay = self._retry_delay(error, outcome.retry_after, attempt, deadline_at)
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        shown: str,
        body: bytes | None,
        timeout: aiohttp.ClientTimeout,
        seconds: float,
        attempt: int,
    ) -> Outcome:
        """One HTTP exchange, holding the slot the caller took; gives the slot back, always.

        ``seconds`` is ``timeout``'s total, for messages. Failures are returned, not raised, so
        the caller decides about retrying; anything unexpected propagates.
        """
        core = self._core
        loop = asyncio.get_running_loop()
        headers = core.headers if body is None else core.json_headers
        if self._options.extra_headers:
            headers = with_extra(headers, self._options.extra_headers)
        response_headers: Mapping[str, str] | None = None
        status, reason = 0, ""
        retry_after: float | None = None
        started = loop.time()
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                **core.request_options,
            ) as response:
                status = response.status
                response_headers = response.headers  # a view: copied only if needed
                raw = core.redact_body(await self._read_body(response))
                if status >= 300 or status < 200:  # only error statuses need these
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    reason = response.reason or ""
        except (aiohttp.ClientError, asyncio.TimeoutError, _BodyTooLargeError) as exc:
            return _exception_outcome(
                exc, core, status=status, seconds=seconds, method=method, url=shown, attempt=attempt
            )
        else:
            if logger.isEnabledFor(logging.DEBUG):
                elapsed_ms = (loop.time() - started) * 1000
                logger.debug(
                    "%s %s -> %d in %.1f ms (attempt %d)",
                    method,
                    shown,
                    status,
                    elapsed_ms,
                    attempt,
                )
            outcome = interpret_response(
                status,
                raw,
                reason=reason,
                retry_after=retry_after,
                method=method,
                url=shown,
                attempts=attempt,
            )
            return note_response(
                outcome, response_headers, core.redact, method=method, url=shown, attempt=attempt
            )
        finally:
            core.release_slot()

    def _deadline_error(
        self, endpoint: Endpoint[Any], shown: str, attempts: int, *, waiting: bool
    ) -> APITimeoutError:
        """The deadline ran out before the next attempt could start (so it sent nothing)."""
        what = " waiting for a free connection (nothing was sent)" if waiting else ""
        return APITimeoutError(
            f"deadline of {self._options.deadline}s exceeded{what}",
            method=endpoint.method,
            url=shown,
            attempts=attempts,
        )

    def _retry_delay(
        self, error: APIError, retry_after: float | None, attempt: int, deadline_at: float | None
    ) -> float | None:
        """Seconds to wait before retrying after ``error``; None if the deadline would pass."""
        core = self._core
        delay = core.retry_policy.delay(attempt, retry_after, core.rng)
        # error.method and error.url are the request's, as in every line logged for it.
        if deadline_at is not None and asyncio.get_running_loop().time() + delay >= deadline_at:
            logger.debug("not retrying %s %s: the deadline would pass", error.method, error.url)
            return None
        logger.info(
            "retrying %s %s in %.2fs (attempt %d of %d failed: %s)",
            error.method,
            error.url,
            delay,
            attempt,
            self._options.max_retries + 1,
            error.message,
        )
        return delay

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self._core.max_response_bytes
        cut = not 200 <= response.status < 300
        if cut:
            limit = min(limit, _ERROR_BODY_BYTES)
        length = response.content_length
        if length is not None and length <= limit:
            return await response.read()
        if length is not None and not cut:
            raise _BodyTooLargeError(await response.content.read(_EXCERPT_BYTES))
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                if cut:
                    return b"".join(chunks) + chunk[: limit - size + len(chunk)]
                raise _BodyTooLargeError((b"".join(chunks) + chunk)[:_EXCERPT_BYTES])
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _unknown_outcome(
        endpoint: Endpoint[Any], url: str, attempts: int, request: Any, status: int | None
    ) -> OutcomeUnknownError:
        what = f"HTTP {status}" if status is not None else "no usable response"
        charges = endpoint.safety is Safety.CHARGES
        cls = PurchaseOutcomeUnknownError if charges else OutcomeUnknownError
        risk = "that could charge the wallet twice" if charges else "repeating it could do it twice"
        return cls(
            f"{endpoint.name} was sent but its outcome is unknown ({what}); it was NOT retried "
            f"because {risk}. Check whether it happened before trying again: {endpoint.advice}",
            method=endpoint.method,
            url=url,
            attempts=attempts,
            request=request,
            status=status,
            advice=endpoint.advice,
            headers=None if status is None else last_headers(),
        )


class _ClientTransport:
    """The client as its resources see it: a :class:`~._transport.Transport`."""

    __slots__ = ("_client",)

    def __init__(self, client: ProxyOrdersClient) -> None:
        self._client = client

    @property
    def base_url(self) -> URL:
        return self._client._core.base_url

    @property
    def quotes(self) -> QuoteSharer:
        return self._client._core.quotes

    async def send(self, request: Request[T]) -> T:
        return await capturing(self._client._send, request)
