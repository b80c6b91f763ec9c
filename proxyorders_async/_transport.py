"""The narrow interface resources and walks use to reach the network.

Resources never see the client: they get a :class:`Transport`, so a test can hand them a fake
one and the modules form no import cycle with ``_client``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, TypeVar

from yarl import URL

from ._backpressure import Backpressure
from ._endpoints import Request
from ._exceptions import APIError
from ._models import PriceQuote, QuoteRequest
from ._quotes import Fetch, QuoteSharer

__all__ = ["Transport"]

T = TypeVar("T")


class Transport(Protocol):
    """Sends one endpoint request with the client's retries, limits and error mapping."""

    @property
    def base_url(self) -> URL:
        """The API origin (and path prefix) every request and ``next`` URI must stay on."""
        ...

    @property
    def quotes(self) -> QuoteSharer:
        """The client's shared quote coalescer and cache."""
        ...

    @property
    def pressure(self) -> Backpressure:
        """The client's 429 gate and refusal signal, which fan-outs follow (AIMD)."""
        ...

    def quote(self, request: QuoteRequest, fetch: Fetch) -> Awaitable[PriceQuote]:
        """``request``'s quote, shared with identical calls of the same settings in flight."""
        ...

    def scrub(self, error: APIError) -> APIError:
        """Mask the API key in ``error`` (built from a server's answer) in place; returns it."""
        ...

    async def send(self, request: Request[T]) -> T:
        """Perform ``request`` (retrying only as its safety allows) and return its result."""
        ...
