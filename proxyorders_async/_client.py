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
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, NoReturn, TypeVar, overload

import aiohttp
import attrs
import cattrs
from yarl import URL

from ._adhoc import adhoc_request
from ._backpressure import Backpressure, check_rate_limit
from ._converters import describe_error
from ._decoders import hide_passwords
from ._endpoints import CALCULATE, Endpoint, Request
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    EventLoopMismatchError,
    OutcomeUnknownError,
    PurchaseOutcomeUnknownError,
)
from ._extras import add_extra_query, check_extra_headers, check_extra_query, with_extra
from ._inflate import ACCEPT_ENCODING, UndecodableBodyError, read_capped
from ._models import PriceQuote, QuoteRequest
from ._protocol import (
    DEFAULT_BASE_URL,
    Outcome,
    interpret_response,
    invalid_body,
    normalize_base_url,
)
from ._quotes import Fetch, QuoteSharer
from ._raw import CAPTURE, Capture, RawResponseClient, safe_headers
from ._redact import Redactor
from ._retry import Decision, Failure, RetryPolicy, Safety, decide, parse_retry_after
from ._session_config import SessionSettings, check_session_settings
from ._settings import BASE_URL_ENV, check_token
from ._slots import SlotPool, Woken
from ._version import __version__
from .resources import (
    AccountResource,
    AddonsResource,
    CatalogResource,
    GeoResource,
    HealthResource,
    OrdersResource,
    ProxiesResource,
    ResidentialResource,
    SubUsersResource,
)

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


@attrs.frozen(kw_only=True, cache_hash=True)  # hashed on every quote (its sharing group)
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
    # Per-call additions (with_options), already checked by _extras; dicts, so left out of the
    # hash (quote sharing groups callers by options) but still compared.
    extra_headers: Mapping[str, str] = attrs.field(factory=dict, repr=False, hash=False)
    extra_query: Mapping[str, str] = attrs.field(factory=dict, repr=False, hash=False)


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
        rate_limit: float | None = None,
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
        # The loop of the first request: the session and the slots live there (see _bind).
        self.loop: asyncio.AbstractEventLoop | None = None
        # One slot per pooled connection, taken before an attempt's timeout starts: waiting
        # for a free connection sends nothing, so it must not time out as a lost request.
        self.slots: SlotPool | None = None
        # The 429 gate and the rate_limit= bucket, shared by every task and view.
        self.pressure = Backpressure(rate_limit)
        # Servers and proxies may echo the Authorization header back, in any spelling.
        self.redactor = Redactor(token)
        # Built once; the token lives only here and in requests to base_url's origin.
        self.headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # Only what _read_body can inflate within max_response_bytes.
            "Accept-Encoding": ACCEPT_ENCODING,
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
        return self.redactor.text(text)

    def redact_body(self, raw: bytes) -> bytes:
        """An error body with the API key masked, before anything is built from it."""
        return self.redactor.data(raw)

    def session_for_request(self) -> aiohttp.ClientSession:
        """The session for a request made now, in the running loop (the client's only loop)."""
        if self.state is _State.CLOSED:
            raise ClientClosedError("this ProxyOrdersClient is closed; create a new one")
        if asyncio.get_running_loop() is not self.loop:  # one identity check per request
            self._bind()
        session = self.session
        assert session is not None  # _bind() made or checked it
        # An owned session is closed only by close(), which marks the client CLOSED first.
        if not self.owns_session and session.closed:
            raise self.closed_error()
        self.state = _State.OPENED
        return session

    def _bind(self) -> None:
        """Bind the client to the running loop on first use; any other loop is refused."""
        loop = asyncio.get_running_loop()
        if self.loop is not None:
            raise EventLoopMismatchError(_OTHER_LOOP)
        if self.session is None:
            # Created lazily, inside the running loop, exactly once (no await in between).
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, ttl_dns_cache=300, **self.settings.connector_kwargs()
            )
            self.session = aiohttp.ClientSession(
                connector=connector, raise_for_status=False, **self.settings.session_kwargs()
            )
        elif getattr(self.session, "_loop", loop) is not loop:
            raise EventLoopMismatchError(
                "the aiohttp session given to ProxyOrdersClient belongs to another event loop; "
                "create the session and the client in the loop that uses them"
            )
        pool = self.session.connector.limit if self.session.connector is not None else 0
        self.slots = SlotPool(min(self.max_connections, pool or self.max_connections), loop)
        self.loop = loop

    def check_loop(self) -> None:
        """Refuse a running loop other than the client's (before touching shared state)."""
        if self.loop is not None and asyncio.get_running_loop() is not self.loop:
            raise EventLoopMismatchError(_OTHER_LOOP)

    @property
    def closing(self) -> bool:
        """Whether calls must end now: ``close()`` ran or the borrowed session was closed."""
        return self.state is _State.CLOSED or (self.session is not None and self.session.closed)

    def shut(self) -> None:
        """Wake every call waiting for a slot, at the gate or before a retry: the client closes."""
        if self.slots is not None:
            self.slots.shut()
        self.pressure.shut()

    def closed_error(self, during: str = "") -> ClientClosedError:
        """The error of a call ended by closing; ``during`` names the request it was making."""
        where = f" during {during}" if during else ""
        if self.state is _State.CLOSED:
            return ClientClosedError(f"this ProxyOrdersClient was closed{where}")
        return ClientClosedError(
            f"the aiohttp session given to ProxyOrdersClient was closed{where}"
        )

    async def acquire_slot(self, timeout: float | None) -> bool:
        """Wait for a free connection slot; False if ``timeout`` seconds pass first.

        Raises :class:`ClientClosedError` if the client closes first. A cancel is never lost:
        a slot handed over in the same step is passed on and the cancel propagates.
        """
        assert self.slots is not None  # session_for_request() made it
        woken = await self.slots.acquire(timeout)
        if woken is Woken.READY and self.closing:
            self.release_slot()
            woken = Woken.SHUT
        if woken is Woken.SHUT:
            self.shut()  # the borrowed session may have been closed: wake the others too
            raise self.closed_error()
        return woken is Woken.READY

    async def admit(self, deadline_at: float | None) -> bool:
        """Wait at the client's 429 gate and ``rate_limit`` bucket; False past ``deadline_at``.

        Called holding a connection slot, so that a gate closed while the call waited for the
        slot still holds it. Raises :class:`ClientClosedError` if the client closes first.
        """
        woken = await self.pressure.admit(deadline_at)
        if woken is Woken.SHUT or self.closing:
            self.shut()
            raise self.closed_error()
        return woken is Woken.READY

    def refused(self, retry_after: float | None, sent_at: float) -> None:
        """A 429 (with ``retry_after`` parsed seconds) answered a request sent at ``sent_at``."""
        if retry_after is not None:
            retry_after = min(retry_after, self.retry_policy.max_retry_after)
        self.pressure.refused(retry_after, sent_at, asyncio.get_running_loop().time())

    def release_slot(self) -> None:
        """Give back the slot taken by :meth:`acquire_slot`."""
        assert self.slots is not None
        self.slots.release()

    async def pause(self, delay: float) -> None:
        """Sleep ``delay`` seconds before a retry; :class:`ClientClosedError` if closed first."""
        assert self.slots is not None
        shut = self.slots.shut_signal
        # A task per retry wait (retries are rare), so that closing can end the wait at once.
        sleeper = asyncio.ensure_future(asyncio.sleep(delay))
        try:
            await asyncio.wait((sleeper, shut), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
        if shut.done() or self.closing:
            self.shut()
            raise self.closed_error()


# What a decoder raises for an answer of the wrong shape (APIStatusError: its own answer).
_UNDECODABLE = (
    APIStatusError,
    cattrs.BaseValidationError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
)

_FOR_SLOT = "for a free connection"
_FOR_GATE = "for the API's rate limit (a 429's Retry-After, or rate_limit=)"

_OTHER_LOOP = (
    "this client is bound to another event loop; create one client per loop "
    "(a client belongs to the loop of its first request)"
)


def _exception_outcome(
    exc: Exception, core: _Core, *, status: int, seconds: float, method: str, url: str, attempt: int
) -> Outcome:
    """What an attempt that raised ``exc`` means: whether the request may have reached the server.

    ``exc`` is an ``aiohttp.ClientError``, a timeout, :class:`_BodyTooLargeError` or
    :class:`UndecodableBodyError`; ``status`` matters only for the last two. aiohttp's texts
    may echo the token, hence ``core.redact``.
    """
    if isinstance(exc, UndecodableBodyError):
        # Like a body cut short: reads retry, purchases report an unknown outcome.
        error = invalid_body(
            f"response body cannot be decoded: {exc}",
            status=status,
            body="",
            method=method,
            url=url,
            attempts=attempt,
        )
        return Outcome(None, status, Failure.LOST, error)
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

    A 429 with ``Retry-After`` holds every new request of the client (all its tasks and views)
    until that time passes; requests in flight finish. ``rate_limit`` (requests per second,
    optional) spaces the client's requests evenly at that rate, for a quota you know.

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
    addons: AddonsResource
    residential: ResidentialResource
    sub_users: SubUsersResource
    geo: GeoResource
    health: HealthResource

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
        rate_limit: float | None = None,
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
            rate_limit=check_rate_limit(rate_limit),
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
        self.addons = AddonsResource(transport)
        self.residential = ResidentialResource(transport)
        self.sub_users = SubUsersResource(transport)
        self.geo = GeoResource(transport)
        self.health = HealthResource(transport)

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
        return RawResponseClient(self.request, _ClientTransport(self))

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

            data = await client.request(
                "GET", "/user/api/proxies/countries", params={"proxy_type": "premium"}
            )

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
        return await self._send(request)

    async def close(self) -> None:
        """Close the session if this client created it; a borrowed session stays open.

        Every call still waiting (for a connection or before a retry) or in flight on the
        client's own session ends at once with :class:`ClientClosedError`, never retried; a
        write unsafe to repeat already sent raises :class:`OutcomeUnknownError` instead
        (:class:`PurchaseOutcomeUnknownError` for a purchase or renew).
        Call it from the loop the client was used in.
        """
        core = self._core
        if self._is_view or core.state is _State.CLOSED:
            return
        core.check_loop()
        core.state = _State.CLOSED
        core.shut()
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

    def _quote(self, request: QuoteRequest, fetch: Fetch) -> Awaitable[PriceQuote]:
        """``request``'s quote, shared with identical calls of the same settings in flight.

        Sharing only between equal settings keeps each caller's timeout, retries and deadline;
        a caller whose fetching peer was cancelled fetches within what is left of its deadline.
        A plain method returning the awaitable: one coroutine less on every quote's path.
        """
        core, options = self._core, self._options
        if core.state is _State.CLOSED or asyncio.get_running_loop() is not core.loop:
            core.session_for_request()  # closed, or another loop: refuse before sharing anything
        if options.deadline is None:
            return core.quotes.get(request, fetch, group=options)
        loop = asyncio.get_running_loop()
        deadline_at = loop.time() + options.deadline

        async def late_fetch(request: QuoteRequest) -> PriceQuote:
            remaining = deadline_at - loop.time()
            if remaining <= 0:
                url = str(CALCULATE.request(request=request).url_under(self._core.base_url))
                raise self._deadline_error(CALCULATE, url, 0)
            return await self.with_options(deadline=remaining).orders.quote(request)

        return core.quotes.get(request, fetch, group=options, late_fetch=late_fetch)

    # -----------------------------------------------------------------------------------------
    # Transport

    async def _send(self, request: Request[T]) -> T:
        """Perform ``request`` with retries and return its decoded response.

        Each attempt's connection slot is taken, and the client's 429 gate and rate bucket
        passed, before its timeout starts: waiting for them sends nothing, so only the deadline
        bounds those waits. The call records its last response in a :class:`~._raw.Capture` of
        its own (its errors read it), handed on to an enclosing raw call if any.
        """
        core, options = self._core, self._options
        endpoint, json_body = request.endpoint, request.body
        url, shown = request.target(core.base_url)
        if options.extra_query:
            url = add_extra_query(url, options.extra_query)
            shown = str(url)
        capture = Capture(core.redact)
        try:
            session = core.session_for_request()
            slots, loop = core.slots, core.loop  # the running loop: session_for_request() said so
            assert slots is not None and loop is not None
            body: bytes | None = None
            if json_body is not None:
                body = json.dumps(json_body, separators=(",", ":")).encode()
            deadline_at = None if options.deadline is None else loop.time() + options.deadline
            attempt = 0
            while True:
                attempt += 1
                remaining = None if deadline_at is None else deadline_at - loop.time()
                # The first attempt takes a free slot at once (the common case: the client was
                # just found open); a retry, or a call finding every slot taken, waits for one.
                if not (attempt == 1 and slots.try_acquire()) and not await core.acquire_slot(
                    remaining
                ):
                    raise self._deadline_error(endpoint, shown, attempt - 1, waiting=_FOR_SLOT)
                if core.pressure.active:  # a 429 closed the gate, or rate_limit= is set
                    await self._admit(endpoint, shown, attempt, deadline_at)
                seconds, timeout = options.timeout, options.client_timeout
                if deadline_at is not None:
                    seconds = min(seconds, deadline_at - loop.time())
                    if seconds <= 0:
                        core.release_slot()
                        raise self._deadline_error(endpoint, shown, attempt - 1)
                    timeout = _attempt_timeout(seconds, options.connect_timeout)
                try:
                    outcome = await self._attempt(
                        session, endpoint, url, shown, body, timeout, seconds, attempt, capture
                    )
                except asyncio.CancelledError:
                    self._cancelled_in_flight(endpoint, shown)
                    raise
                if outcome.error is None:  # a success
                    break
                delay = self._after_failure(outcome, request, shown, attempt, capture, deadline_at)
                await core.pause(delay)
        except APIError as exc:
            # Some aiohttp versions (3.10) leave their parser error as the exception being
            # handled when a failure reaches us; it would be chained to ours and print the
            # unredacted text (an echoed token) in every traceback.
            exc.__context__ = None
            core.redactor.error(exc)
            raise
        finally:
            outer = CAPTURE.get()
            if outer is not None:  # a raw call encloses this one
                outer.take(capture)
        data = outcome.data
        try:  # request.decode(), written out: one hop less on every call
            if request.decode_at is not None:
                return request.decode_at(data, shown)
            return endpoint.decode(data)
        except _UNDECODABLE as exc:
            self._decode_failed(request, outcome, attempt, shown, capture, exc)

    def _after_failure(
        self,
        outcome: Outcome,
        request: Request[Any],
        shown: str,
        attempt: int,
        capture: Capture,
        deadline_at: float | None,
    ) -> float:
        """Seconds to wait before retrying a failed attempt, or the error that ends the call."""
        core, endpoint = self._core, request.endpoint
        failure, error = outcome.failure, outcome.error
        assert failure is not None and error is not None  # a failed attempt carries both
        decision = decide(
            failure, endpoint.safety, attempt=attempt, max_retries=self._options.max_retries
        )
        if decision is Decision.UNKNOWN_OUTCOME:
            status = getattr(error, "status", None)
            cause = self._closed_during(endpoint, shown, error) if core.closing else error
            raise self._unknown_outcome(
                endpoint, shown, attempt, request.body, status, capture
            ) from cause
        if core.closing and failure not in (Failure.FINAL, Failure.INVALID):
            # No answer because the client (or its session) closed: never retried.
            raise self._closed_during(endpoint, shown, error)
        if decision is Decision.RAISE:
            raise error
        delay = self._retry_delay(error, outcome.retry_after, attempt, deadline_at)
        if delay is None:
            raise error
        return delay

    def _decode_failed(
        self,
        request: Request[Any],
        outcome: Outcome,
        attempts: int,
        shown: str,
        capture: Capture,
        exc: Exception,
    ) -> NoReturn:
        """Raise the typed error of an answer its decoder refused with ``exc`` (being handled)."""
        if isinstance(exc, APIStatusError):  # a decoder's own answer (an unknown sub-user's)
            exc.headers = capture.safe_headers() or exc.headers
            raise self._core.redactor.error(exc) from None
        endpoint = request.endpoint
        error = invalid_body(
            f"response does not match the API schema: {describe_error(exc)}",
            status=outcome.status,
            body=hide_passwords(outcome.data),  # a malformed profile or sub-user answer
            method=endpoint.method,
            url=shown,
            attempts=attempts,
        )
        self._core.redactor.error(error)
        error.headers = capture.safe_headers() or error.headers
        if endpoint.safety is not Safety.IDEMPOTENT:
            unknown = self._unknown_outcome(
                endpoint, shown, attempts, request.body, outcome.status, capture
            )
            raise self._core.redactor.error(unknown) from error
        # Not chained to ``exc``: its text quotes the body unmasked (the message has it).
        raise error from None

    async def _admit(
        self, endpoint: Endpoint[Any], shown: str, attempt: int, deadline_at: float | None
    ) -> None:
        """Pass the client's gate and bucket holding the slot taken; gives it back on failure."""
        core = self._core
        try:
            admitted = await core.admit(deadline_at)
        except BaseException:  # closed or cancelled: nothing was sent
            core.release_slot()
            raise
        if not admitted:
            core.release_slot()
            raise self._deadline_error(endpoint, shown, attempt - 1, waiting=_FOR_GATE)

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        endpoint: Endpoint[Any],
        url: URL,
        shown: str,
        body: bytes | None,
        timeout: aiohttp.ClientTimeout,
        seconds: float,
        attempt: int,
        capture: Capture,
    ) -> Outcome:
        """One HTTP exchange, holding the slot the caller took; gives the slot back, always.

        ``seconds`` is ``timeout``'s total, for messages. Failures are returned, not raised, so
        the caller decides about retrying; anything unexpected propagates. An endpoint without
        ``auth`` is sent without the API key; one without ``json_answer`` takes any 2xx body.
        A complete answer is recorded in ``capture``.
        """
        core = self._core
        slots, loop = core.slots, core.loop  # the caller holds a slot, in the client's loop
        assert slots is not None and loop is not None
        method = endpoint.method
        headers: Mapping[str, str] = core.headers if body is None else core.json_headers
        if not endpoint.auth or self._options.extra_headers:
            headers = self._request_headers(endpoint, body)
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
                auto_decompress=False,  # _read_body inflates, within max_response_bytes
                **core.request_options,
            ) as response:
                status = response.status
                response_headers = response.headers  # a view: copied only if needed
                length = response.content_length
                if (
                    200 <= status < 300
                    and length is not None
                    and length <= core.max_response_bytes
                    and "Content-Encoding" not in response_headers
                ):
                    raw = await response.read()  # the common case, as _read_body would read it
                else:
                    raw = await self._read_body(response)
                if status >= 300 or status < 200:  # only error statuses need these
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if status == 429:  # the whole client holds back, not only this call
                        core.refused(retry_after, started)
                    reason = response.reason or ""
                    # Masked before anything is built from an error page; a success is data
                    # and is never changed (its error texts are masked below, if any).
                    raw = core.redact_body(raw)
        except (
            aiohttp.ClientError,
            asyncio.TimeoutError,
            _BodyTooLargeError,
            UndecodableBodyError,
        ) as exc:
            outcome = _exception_outcome(
                exc, core, status=status, seconds=seconds, method=method, url=shown, attempt=attempt
            )
        else:
            if logger.isEnabledFor(logging.DEBUG):
                elapsed_ms = (loop.time() - started) * 1000
                logger.debug(
                    "%s %s -> %d in %.1f ms (attempt %d)",
                    method,
                    core.redact(shown),
                    status,
                    elapsed_ms,
                    attempt,
                )
            if endpoint.json_answer or not 200 <= status < 300:
                outcome = interpret_response(
                    status,
                    raw,
                    reason=reason,
                    retry_after=retry_after,
                    method=method,
                    url=shown,
                    attempts=attempt,
                )
            else:
                outcome = Outcome(None, status)  # a health probe: any 2xx body will do
            capture.record(status, response_headers, method, shown, attempt)
            if isinstance(outcome.error, (APIStatusError, APIResponseValidationError)):
                outcome.error.headers = safe_headers(response_headers, core.redact)
        finally:
            slots.release()
        if outcome.error is not None:
            # Masked again once decoded: the reason phrase, JSON escapes, parser excerpts.
            core.redactor.error(outcome.error)
        return outcome

    def _request_headers(self, endpoint: Endpoint[Any], body: bytes | None) -> Mapping[str, str]:
        """The headers of one attempt: the key (unless the endpoint goes without), the extras."""
        core = self._core
        headers: Mapping[str, str] = core.headers if body is None else core.json_headers
        if not endpoint.auth:  # the health probes: no API key outside /user/api/
            headers = {k: v for k, v in headers.items() if k != "Authorization"}
        if self._options.extra_headers:
            headers = with_extra(headers, self._options.extra_headers)
        return headers

    def _closed_during(
        self, endpoint: Endpoint[Any], shown: str, error: APIError
    ) -> ClientClosedError:
        """The error of a request that failed because the client closed; wakes the other calls."""
        core = self._core
        core.shut()
        closed = core.closed_error(f"{endpoint.method} {shown}")
        closed.__cause__ = error
        return closed

    def _cancelled_in_flight(self, endpoint: Endpoint[Any], shown: str) -> None:
        """Called when a cancel reaches an attempt in flight; the caller re-raises it.

        aiohttp cancels its own connection waiters when its session closes: that is no cancel
        of this task (``cancelling()`` is 0, Python 3.11+), so it becomes the close error. A
        real cancel of a write unsafe to repeat (a purchase, a sub-user or traffic change) that
        may have been sent is logged as a WARNING.
        """
        task = asyncio.current_task()
        cancelling = getattr(task, "cancelling", None)
        if cancelling is not None and cancelling() == 0 and self._core.closing:
            self._core.shut()
            raise self._core.closed_error(f"{endpoint.method} {shown}") from None
        if endpoint.safety is not Safety.IDEMPOTENT:
            logger.warning(
                "%s %s was cancelled while in flight: the server may have carried it out, "
                "so its outcome is unknown; check before trying again: %s",
                endpoint.method,
                shown,
                endpoint.advice,
            )

    def _deadline_error(
        self, endpoint: Endpoint[Any], shown: str, attempts: int, *, waiting: str = ""
    ) -> APITimeoutError:
        """The deadline ran out before the next attempt could start (so it sent nothing)."""
        what = f" waiting {waiting} (nothing was sent)" if waiting else ""
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
        """The body, inflated here: the limits count inflated bytes, not wire bytes.

        A 2xx over ``max_response_bytes`` raises :class:`_BodyTooLargeError`; an error page is
        cut at 64 KiB. Reading stops at the limit, so memory stays near it whatever the ratio.
        """
        limit = self._core.max_response_bytes
        cut = not 200 <= response.status < 300
        if cut:
            limit = min(limit, _ERROR_BODY_BYTES)
        encoding = response.headers.get("Content-Encoding")
        length = response.content_length
        if length is not None and length <= limit and not encoding:
            return await response.read()
        if length is not None and length > limit and not cut:
            head, _ = await read_capped(response.content, encoding, _EXCERPT_BYTES)
            raise _BodyTooLargeError(head)
        try:
            body, more = await read_capped(response.content, encoding, limit)
        except UndecodableBodyError:
            if not cut:
                raise
            return b""  # an error page is read for its message only; its status still counts
        if more and not cut:
            raise _BodyTooLargeError(body[:_EXCERPT_BYTES])
        return body

    @staticmethod
    def _unknown_outcome(
        endpoint: Endpoint[Any],
        url: str,
        attempts: int,
        request: Any,
        status: int | None,
        capture: Capture,
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
            headers=None if status is None else capture.safe_headers(),
        )


class _ClientTransport:
    """The client as its resources see it: a :class:`~._transport.Transport`."""

    __slots__ = ("_client", "quote", "send")

    def __init__(self, client: ProxyOrdersClient) -> None:
        self._client = client
        # The client's own methods, bound once: no extra frame on every call's path.
        self.quote: Callable[[QuoteRequest, Fetch], Awaitable[PriceQuote]] = client._quote
        self.send: Callable[[Request[Any]], Coroutine[Any, Any, Any]] = client._send

    @property
    def base_url(self) -> URL:
        return self._client._core.base_url

    @property
    def quotes(self) -> QuoteSharer:
        return self._client._core.quotes

    @property
    def pressure(self) -> Backpressure:
        return self._client._core.pressure

    def scrub(self, error: APIError) -> APIError:
        return self._client._core.redactor.error(error)
