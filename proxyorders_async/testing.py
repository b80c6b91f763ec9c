"""pytest plugin: a running ProxyShard emulator and a client bound to it, for your own tests.

Installed with the package and registered through the ``pytest11`` entry point, so the fixtures
are available in any project that has ``proxyorders-async`` and ``pytest-asyncio``::

    async def test_checkout(proxyorders_client, proxyorders_emulator):
        quote = await proxyorders_client.orders.calculate(
            "Datacenter Proxy", location="DE", cycle="monthly", quantity=2
        )
        assert quote.final_price == 240
        assert proxyorders_emulator.count("GET", "/user/api/orders/calculate") == 1

Configure the emulator per test with a marker (any ``Emulator`` keyword)::

    @pytest.mark.proxyorders_emulator(orders=500, seed=7, balance=0)
    async def test_empty_wallet(proxyorders_client): ...

Fixtures:

``proxyorders_emulator``
    A started :class:`proxyorders_async.emulator.Emulator` on a free 127.0.0.1 port.
``proxyorders_client``
    A :class:`proxyorders_async.ProxyOrdersClient` for that emulator's account, with quick
    retries, closed after the test.
``proxyorders_emulator_factory``
    ``await factory(**kwargs)`` starts more emulators (each stopped after the test).

Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._client import ProxyOrdersClient
    from .emulator import Emulator

__all__ = [
    "proxyorders_client",
    "proxyorders_emulator",
    "proxyorders_emulator_factory",
]

MARKER = "proxyorders_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker so ``--strict-markers`` projects accept it."""
    config.addinivalue_line(
        "markers", f"{MARKER}(**kwargs): keyword arguments for the proxyorders_async Emulator"
    )


def _needs_pytest_asyncio(function: Any) -> Any:
    """Stand-in decorator when pytest-asyncio is missing: the fixture fails with the fix."""

    @pytest.fixture(name=function.__name__)
    def missing() -> None:
        pytest.fail("proxyorders_async.testing fixtures need pytest-asyncio: pip install it")

    return missing


_async_fixture: Callable[..., Any]
try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - exercised only without pytest-asyncio
    _async_fixture = _needs_pytest_asyncio


@_async_fixture
async def proxyorders_emulator_factory() -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    """Start emulators on demand; every one is stopped when the test ends."""
    from .emulator import Emulator

    started: list[Emulator] = []

    async def factory(**kwargs: Any) -> Emulator:
        emulator = Emulator(**kwargs)
        await emulator.start()
        started.append(emulator)
        return emulator

    try:
        yield factory
    finally:
        for emulator in reversed(started):
            await emulator.stop()


@_async_fixture
async def proxyorders_emulator(
    request: pytest.FixtureRequest,
    proxyorders_emulator_factory: Callable[..., Awaitable[Emulator]],
) -> Emulator:
    """A running emulator, configured by the ``proxyorders_emulator`` marker if present."""
    marker = request.node.get_closest_marker(MARKER)
    kwargs = dict(marker.kwargs) if marker is not None else {}
    return await proxyorders_emulator_factory(**kwargs)


@_async_fixture
async def proxyorders_client(
    proxyorders_emulator: Emulator,
) -> AsyncIterator[ProxyOrdersClient]:
    """A client for the emulator's account; retries are quick so failing tests fail fast."""
    from ._client import ProxyOrdersClient
    from ._retry import RetryPolicy

    client = ProxyOrdersClient(
        token=proxyorders_emulator.token,
        base_url=proxyorders_emulator.url,
        timeout=10.0,
        retry_policy=RetryPolicy(base_backoff=0.01, max_backoff=0.05, max_retry_after=0.1),
    )
    async with client:
        yield client
