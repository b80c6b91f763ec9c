"""Fixtures of the unit tests: a token, quick clients, aioresponses and a sleep recorder.

Every HTTP request goes to aioresponses; an unmatched one fails with ClientConnectionError, so
nothing ever leaves the process.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest.mock import Mock

import aiohttp
import aioresponses.core
import pytest
from aioresponses import aioresponses as Aioresponses

from proxyorders_async import ProxyOrdersClient, RetryPolicy

from .helpers import TOKEN, SleepRecorder, patch_client_sleep

FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.002, max_retry_after=0.01)


class _CompatResponse(aiohttp.ClientResponse):
    """aiohttp >= 3.14 requires ``stream_writer``, which aioresponses 0.7.x does not pass
    (pnuckowski/aioresponses#289); the response only reads its ``output_size``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", Mock(output_size=0))
        super().__init__(*args, **kwargs)


_NEEDS_STREAM_WRITER = "stream_writer" in inspect.signature(aiohttp.ClientResponse).parameters


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own PROXYORDERS_* variables must not leak into any test."""
    monkeypatch.delenv("PROXYORDERS_TOKEN", raising=False)
    monkeypatch.delenv("PROXYORDERS_BASE_URL", raising=False)


@pytest.fixture
def token() -> str:
    """The API key every test client uses."""
    return TOKEN


@pytest.fixture
def m(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aioresponses]:
    """aioresponses intercepting every aiohttp request of the test."""
    if _NEEDS_STREAM_WRITER:
        monkeypatch.setattr(aioresponses.core, "ClientResponse", _CompatResponse)
    with Aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def make_client(token: str) -> AsyncIterator[Callable[..., ProxyOrdersClient]]:
    """Build clients with tiny backoffs; every one is closed after the test."""
    made: list[ProxyOrdersClient] = []

    def factory(**kwargs: Any) -> ProxyOrdersClient:
        kwargs.setdefault("token", token)
        kwargs.setdefault("retry_policy", FAST)
        client = ProxyOrdersClient(**kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.close()


@pytest.fixture
def client(make_client: Callable[..., ProxyOrdersClient]) -> ProxyOrdersClient:
    """A client of the default base URL with default settings and tiny backoffs."""
    return make_client()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    """Record the transport's backoff waits instead of sleeping."""
    recorder = SleepRecorder()
    patch_client_sleep(monkeypatch, recorder)
    return recorder
