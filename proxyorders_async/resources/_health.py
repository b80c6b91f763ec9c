"""``client.health``: the service's health probes."""

from __future__ import annotations

from .._endpoints import HEALTH, HEALTH_LIVE
from ._base import Resource

__all__ = ["HealthResource"]


class HealthResource(Resource):
    """Health probes (``client.health``); they send no API key.

    The probe paths sit outside ``/user/api/`` and take no authentication, so the
    ``Authorization`` header is left out; like every path they go under the base URL's path.
    A failure is retried like any read; use ``client.with_options(max_retries=0)`` for a
    single-shot probe.
    """

    __slots__ = ()

    async def check(self) -> bool:
        """True when ``GET /health`` answers 2xx (any body); a typed :class:`APIError` otherwise."""
        return await self._transport.send(HEALTH.request())

    async def live(self) -> bool:
        """True when ``GET /health/live`` answers 2xx; a typed :class:`APIError` otherwise."""
        return await self._transport.send(HEALTH_LIVE.request())
