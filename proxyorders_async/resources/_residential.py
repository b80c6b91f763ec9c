"""``client.residential``: the account's residential traffic."""

from __future__ import annotations

from .._endpoints import PROFILE
from .._models_residential import ResidentialProfile
from .._validation_more import ProxyType, check_proxy_type
from ._base import Resource

__all__ = ["ResidentialResource"]


class ResidentialResource(Resource):
    """The owner's residential traffic per package (``client.residential``)."""

    __slots__ = ()

    async def profile(self, proxy_type: ProxyType | str) -> ResidentialProfile:
        """The owner's traffic of a package in bytes: ``data``, ``data_remain``, ``data_spent``.

        ``proxy_type`` is :class:`ProxyType` or ``"standart"``/``"premium"`` (the API's
        spelling). The answer carries the owner's proxy password, hidden from ``repr``.
        """
        wire = check_proxy_type(proxy_type)
        return await self._transport.send(PROFILE.request(proxy_type=wire))
