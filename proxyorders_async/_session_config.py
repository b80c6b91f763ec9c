"""Settings of the aiohttp session a client builds for itself: proxy, TLS, environment, tracing.

They configure only a session the client owns: a borrowed ``session=`` was built by the caller,
so setting them as well is a :class:`ConfigurationError` rather than silently ignored.

Proxy credentials never appear in a URL the SDK hands to aiohttp (whose errors print URLs):
they travel as a ``Proxy-Authorization`` header, on the CONNECT request for an https API, or on
the request itself for a plain-http (loopback) one.
"""

from __future__ import annotations

import base64
import ssl as ssl_module
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
import attrs
from yarl import URL

from ._exceptions import ConfigurationError
from ._protocol import is_loopback

__all__ = ["SessionSettings", "check_session_settings"]


@attrs.frozen(kw_only=True)
class SessionSettings:
    """What the owned session, its connector and each request are built with."""

    proxy: URL | None = None
    proxy_authorization: str | None = attrs.field(default=None, repr=False)
    ssl: ssl_module.SSLContext | bool = True
    trust_env: bool = False
    trace_configs: tuple[aiohttp.TraceConfig, ...] = ()

    def connector_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``aiohttp.TCPConnector`` (only the non-defaults)."""
        return {} if self.ssl is True else {"ssl": self.ssl}

    def session_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``aiohttp.ClientSession`` (only the non-defaults)."""
        kwargs: dict[str, Any] = {}
        if self.trust_env:
            kwargs["trust_env"] = True
        if self.trace_configs:
            kwargs["trace_configs"] = list(self.trace_configs)
        return kwargs

    def request_kwargs(self, base_url: URL) -> dict[str, Any]:
        """Keyword arguments for every ``session.request`` (the proxy, per request, works on
        every supported aiohttp)."""
        if self.proxy is None:
            return {}
        kwargs: dict[str, Any] = {"proxy": self.proxy}
        if self.proxy_authorization is not None and base_url.scheme == "https":
            kwargs["proxy_headers"] = {"Proxy-Authorization": self.proxy_authorization}
        return kwargs

    def plain_http_headers(self, base_url: URL) -> dict[str, str]:
        """Headers a plain-http API request needs: it goes to the proxy as it is."""
        if self.proxy_authorization is None or base_url.scheme != "http":
            return {}
        return {"Proxy-Authorization": self.proxy_authorization}


def _basic(login: str, password: str, encoding: str = "utf-8") -> str:
    # Built here: aiohttp 3.14 deprecates BasicAuth, and older versions lack its replacement.
    return "Basic " + base64.b64encode(f"{login}:{password}".encode(encoding)).decode("ascii")


def _check_auth(proxy_auth: object) -> str | None:
    """``proxy_auth`` as a ``Proxy-Authorization`` value."""
    if proxy_auth is None:
        return None
    if isinstance(proxy_auth, aiohttp.BasicAuth):
        return _basic(proxy_auth.login, proxy_auth.password, proxy_auth.encoding)
    if (
        isinstance(proxy_auth, tuple)
        and len(proxy_auth) == 2
        and all(isinstance(part, str) for part in proxy_auth)
    ):
        return _basic(*proxy_auth)
    raise ConfigurationError(
        "proxy_auth must be a (login, password) tuple of str or an aiohttp.BasicAuth, "
        f"got {type(proxy_auth).__name__}"
    )


def _check_proxy(proxy: object, proxy_auth: object) -> tuple[URL, str | None]:
    if not isinstance(proxy, (str, URL)):
        raise ConfigurationError(f"proxy must be a str or yarl.URL, got {type(proxy).__name__}")
    try:
        url = URL(proxy)
    except (TypeError, ValueError):
        raise ConfigurationError("proxy is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            "proxy must be an http(s) URL with a host, e.g. 'http://host:3128'"
        )
    if url.raw_query_string or url.raw_fragment:
        raise ConfigurationError("proxy must not contain a query or a fragment")
    authorization = _check_auth(proxy_auth)
    if url.user is not None or url.password is not None:
        if authorization is not None:
            raise ConfigurationError("pass the proxy credentials once: in proxy= or proxy_auth=")
        authorization = _basic(url.user or "", url.password or "")
    return url.with_user(None).with_path("").with_query(None), authorization


def _check_ssl(value: object) -> ssl_module.SSLContext | bool:
    if value is None or value is True:
        return True
    if value is False or isinstance(value, ssl_module.SSLContext):
        return value
    raise ConfigurationError(f"ssl must be an ssl.SSLContext or False, got {type(value).__name__}")


def _check_trace_configs(value: object) -> tuple[aiohttp.TraceConfig, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ConfigurationError("trace_configs must be a list of aiohttp.TraceConfig")
    configs = tuple(value)
    if not all(isinstance(config, aiohttp.TraceConfig) for config in configs):
        raise ConfigurationError("trace_configs must be a list of aiohttp.TraceConfig")
    return configs


def _env_proxy(base_url: URL) -> URL | None:
    """The proxy ``trust_env`` would use for ``base_url`` today (as aiohttp reads it)."""
    found = urllib.request.getproxies().get(base_url.scheme)
    if not found or urllib.request.proxy_bypass(base_url.host or ""):
        return None
    try:
        return URL(found if "://" in found else f"http://{found}")
    except (TypeError, ValueError):
        return None


def check_session_settings(
    *,
    session: aiohttp.ClientSession | None,
    base_url: URL,
    allow_http: bool,
    proxy: object = None,
    proxy_auth: object = None,
    ssl: object = None,
    trust_env: object = False,
    trace_configs: object = None,
) -> SessionSettings:
    """Check the owned session's settings against each other, the base URL and ``session``."""
    if proxy_auth is not None and proxy is None:
        raise ConfigurationError("proxy_auth needs proxy=")
    if not isinstance(trust_env, bool):
        raise ConfigurationError(f"trust_env must be a bool, got {type(trust_env).__name__}")
    given = [
        name
        for name, value, default in (
            ("proxy", proxy, None),
            ("ssl", ssl, None),
            ("trust_env", trust_env, False),
            ("trace_configs", trace_configs, None),
        )
        if value is not default
    ]
    if session is not None and given:
        raise ConfigurationError(
            f"{', '.join(given)} configure the session the client builds; with session= "
            "set them on your own aiohttp.ClientSession instead"
        )
    url, authorization = (None, None) if proxy is None else _check_proxy(proxy, proxy_auth)
    if trust_env and url is None:
        url = _env_proxy(base_url)
    if (
        url is not None
        and base_url.scheme == "http"
        and not allow_http
        and not is_loopback(url.host)
    ):
        raise ConfigurationError(
            "refusing a plain-http base_url through a proxy on another host (proxy= or, with "
            "trust_env=True, HTTP_PROXY): the API key would cross the network unencrypted. "
            "Use https, or pass allow_http=True to accept the risk."
        )
    return SessionSettings(
        proxy=None if proxy is None else url,
        proxy_authorization=authorization,
        ssl=_check_ssl(ssl),
        trust_env=trust_env,
        trace_configs=_check_trace_configs(trace_configs),
    )
