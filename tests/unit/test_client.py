"""Client lifecycle: configuration, lazy session, ownership, closing, repr and the
ResourceWarning of a client that was never closed."""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from proxyorders_async import (
    ClientClosedError,
    ConfigurationError,
    ProxyOrdersClient,
)

from .helpers import BASE, TOKEN, endpoint, only_call, request_count

ME = endpoint("me")


def drop(holder: list[Any]) -> None:
    """Drop the last reference to what ``holder`` holds and collect it (clients hold cycles)."""
    holder.clear()
    gc.collect()


def serve_me(m: aioresponses, *, repeat: bool = False) -> None:
    m.get(f"{BASE}/user/api/me", payload=ME.response, repeat=repeat)


# Configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_a_configuration_error(token: str | None) -> None:
    with pytest.raises(ConfigurationError, match="PROXYORDERS_TOKEN"):
        ProxyOrdersClient(token=token)


@pytest.mark.parametrize("token", ["has space", "line\nbreak", "tab\tbed", 12345])
def test_malformed_token_is_refused_without_echoing_it(token: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        ProxyOrdersClient(token=token)
    if isinstance(token, str):
        assert token not in str(info.value)


async def test_token_from_the_environment(m: aioresponses, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXYORDERS_TOKEN", "env-token-123")
    serve_me(m)
    async with ProxyOrdersClient() as client:
        await client.account.me()
    assert only_call(m).kwargs["headers"]["Authorization"] == "Bearer env-token-123"


async def test_token_is_stripped(m: aioresponses, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXYORDERS_TOKEN", f"  {TOKEN}\n")
    serve_me(m)
    async with ProxyOrdersClient() as client:
        await client.account.me()
    assert only_call(m).kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_explicit_token_wins_over_the_environment(
    m: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROXYORDERS_TOKEN", "env-token")
    serve_me(m)
    async with ProxyOrdersClient(token=TOKEN) as client:
        await client.account.me()
    assert only_call(m).kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_base_url_from_the_environment(
    m: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROXYORDERS_BASE_URL", "https://staging.example.com/")
    m.get("https://staging.example.com/user/api/me", payload=ME.response)
    async with ProxyOrdersClient(token=TOKEN) as client:
        assert client.base_url == "https://staging.example.com/"
        await client.account.me()
    assert request_count(m) == 1


def test_default_base_url() -> None:
    assert ProxyOrdersClient(token=TOKEN).base_url == "https://user-api.proxyshard.com/"


def test_explicit_base_url_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXYORDERS_BASE_URL", "https://env.example.com")
    client = ProxyOrdersClient(token=TOKEN, base_url="https://arg.example.com")
    assert client.base_url == "https://arg.example.com/"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://user-api.proxyshard.com",
        "http://10.0.0.5:8080",
        "http://localhost.evil.example",
        "ftp://user-api.proxyshard.com",
        "user-api.proxyshard.com",
        "https://user:pw@user-api.proxyshard.com",
        "https://user-api.proxyshard.com/?x=1",
    ],
)
def test_unsafe_base_url_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError):
        ProxyOrdersClient(token=TOKEN, base_url=base_url)


def test_plain_http_to_a_remote_host_needs_allow_http() -> None:
    client = ProxyOrdersClient(token=TOKEN, base_url="http://api.internal", allow_http=True)
    assert client.base_url == "http://api.internal/"


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8765", "http://localhost:1234", "http://[::1]:80", "http://127.5.5.5"],
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert ProxyOrdersClient(token=TOKEN, base_url=base_url).base_url.startswith("http://")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": float("inf")},
        {"timeout": "30"},
        {"connect_timeout": 0},
        {"deadline": 0},
        {"max_retries": -1},
        {"max_retries": True},
        {"max_connections": 0},
        {"max_response_bytes": 0},
        {"session": "not a session"},
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        ProxyOrdersClient(token=TOKEN, **kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"timeout": 0}, {"max_retries": -1}, {"max_retries": 1.5}, {"deadline": -2}]
)
def test_bad_with_options_are_configuration_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        ProxyOrdersClient(token=TOKEN).with_options(**kwargs)


# Lifecycle ----------------------------------------------------------------------------------


def test_client_built_outside_a_running_loop(m: aioresponses) -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    client = ProxyOrdersClient(token=TOKEN)
    assert client._core.session is None  # created lazily, inside the loop
    serve_me(m)

    async def use() -> str:
        async with client:
            return (await client.account.me()).email

    assert asyncio.run(use()) == "a@example.com"
    assert client.is_closed


async def test_async_with_closes_an_owned_session(m: aioresponses) -> None:
    serve_me(m)
    async with ProxyOrdersClient(token=TOKEN) as client:
        await client.account.me()
        session = client._core.session
        assert session is not None and not session.closed
    assert session.closed
    assert client.is_closed


async def test_one_session_is_shared_by_concurrent_calls(m: aioresponses) -> None:
    serve_me(m, repeat=True)
    client = ProxyOrdersClient(token=TOKEN)
    try:
        results = await asyncio.gather(*(client.account.me() for _ in range(200)))
        assert {r.email for r in results} == {"a@example.com"}
        assert request_count(m) == 200
        session = client._core.session
        assert session is not None
        await client.account.me()
        assert client._core.session is session
    finally:
        await client.close()


async def test_borrowed_session_is_left_open(m: aioresponses) -> None:
    serve_me(m)
    async with aiohttp.ClientSession() as session:
        async with ProxyOrdersClient(token=TOKEN, session=session) as client:
            await client.account.me()
        assert client.is_closed
        assert not session.closed
        await client.close()  # idempotent
        assert not session.closed
    assert request_count(m) == 1


async def test_borrowed_session_closed_by_its_owner(m: aioresponses) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    client = ProxyOrdersClient(token=TOKEN, session=session)
    with pytest.raises(ClientClosedError):
        await client.account.me()
    assert m.requests == {}


async def test_use_after_close(m: aioresponses) -> None:
    serve_me(m, repeat=True)
    client = ProxyOrdersClient(token=TOKEN)
    await client.account.me()
    await client.close()
    await client.close()  # a second close is harmless

    with pytest.raises(ClientClosedError):
        await client.account.me()
    with pytest.raises(ClientClosedError):
        await client.with_options(timeout=1).account.me()
    with pytest.raises(ClientClosedError):
        await client.__aenter__()
    assert request_count(m) == 1


async def test_close_before_any_request(m: aioresponses) -> None:
    client = ProxyOrdersClient(token=TOKEN)
    await client.close()
    assert client._core.session is None
    with pytest.raises(ClientClosedError):
        await client.account.me()
    assert m.requests == {}


async def test_views_share_the_session_and_closing_one_closes_nothing(
    m: aioresponses,
) -> None:
    serve_me(m, repeat=True)
    async with ProxyOrdersClient(token=TOKEN) as client:
        view = client.with_options(max_retries=0, timeout=5)
        await view.account.me()
        await client.account.me()
        assert view._core.session is client._core.session
        await view.close()
        assert not client.is_closed
        assert not client._core.session.closed
        await view.account.me()
    assert view.is_closed
    assert request_count(m) == 3


@pytest.mark.parametrize("opened", [False, True], ids=["unopened", "opened"])
async def test_repr_never_shows_the_token(m: aioresponses, opened: bool) -> None:
    serve_me(m)
    client = ProxyOrdersClient(token=TOKEN)
    if opened:
        await client.account.me()
    for shown in (repr(client), str(client), repr(client.with_options(timeout=1))):
        assert TOKEN not in shown
        assert "token='***'" in shown
    await client.close()
    assert TOKEN not in repr(client)


async def test_dropped_unclosed_client_warns(m: aioresponses) -> None:
    serve_me(m)
    client = ProxyOrdersClient(token=TOKEN)
    await client.account.me()
    session = client._core.session
    assert session is not None

    holder = [client]
    del client
    with pytest.warns(ResourceWarning, match="not closed"):
        drop(holder)

    assert not session.closed  # __del__ warns only: closing belongs to the caller's loop
    await session.close()


@pytest.mark.parametrize("how", ["never-used", "closed", "view"])
async def test_no_warning_when_nothing_is_left_open(m: aioresponses, how: str) -> None:
    serve_me(m, repeat=True)
    client = ProxyOrdersClient(token=TOKEN)
    owner = None
    if how == "closed":
        await client.account.me()
        await client.close()
    if how == "view":
        owner, client = client, client.with_options(max_retries=0)
        await client.account.me()
    holder = [client]
    del client

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drop(holder)

    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    if owner is not None:
        session = owner._core.session
        assert session is not None and not session.closed  # dropping a view closes nothing
        await owner.close()


async def test_errors_never_chain_a_foreign_exception_being_handled(
    client: ProxyOrdersClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp 3.10 can leave its parser error (which quotes raw response bytes) as the
    exception being handled; it must not be chained to ours and printed with it."""
    from proxyorders_async import APIConnectionError

    def failing_request(*_args: object, **_kwargs: object) -> None:
        # Raised from aiohttp's side while its own error is being handled.
        try:
            raise ValueError("raw bytes quoting the secret")
        except ValueError:
            raise APIConnectionError("connection failed", method="GET", url="u") from None

    monkeypatch.setattr(aiohttp.ClientSession, "request", failing_request)
    with pytest.raises(APIConnectionError) as caught:
        await client.account.me()
    assert caught.value.__context__ is None
