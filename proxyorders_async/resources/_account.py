"""``client.account``: the account behind the API key."""

from __future__ import annotations

from .._endpoints import ME
from .._models import Account
from ._base import Resource


class AccountResource(Resource):
    """The account behind the API key (``client.account``)."""

    __slots__ = ()

    async def me(self) -> Account:
        """E-mail, number of active orders and wallet balance (cents)."""
        return await self._transport.send(ME.request())
