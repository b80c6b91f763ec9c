"""Residential traffic: the owner's pool per ``proxy_type`` and the sub-users drawing from it.

Traffic is conserved: residential purchases and add-bandwidth feed the owner's pool; creating a
sub-user or adding traffic to one moves bytes from the pool to the sub-user; subtracting or
deleting the sub-user moves its unspent bytes back. Requests speak GB, state is in bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._catalog import BYTES_PER_GB
from ._errors import ApiError

if TYPE_CHECKING:
    from ._store import Account

__all__ = ["Pool", "ResidentialState", "SubUser"]


def _password(*parts: object) -> str:
    text = ":".join(str(p) for p in parts)
    return hashlib.blake2b(f"proxy-password:{text}".encode(), digest_size=8).hexdigest()


@dataclass(slots=True, eq=False)
class SubUser:
    """A sub-user of one residential package; traffic in bytes."""

    user_id: str
    proxy_type: str
    first_name: str
    password: str = field(repr=False)
    data: int
    data_spent: int = 0
    resets: int = 0

    @property
    def data_remain(self) -> int:
        """Unspent bytes."""
        return self.data - self.data_spent

    def list_item(self) -> dict[str, Any]:
        """An item of ``GET /user/api/proxies/sub-users``."""
        return {"user_id": self.user_id, **self.created_item(), "data_remain": self.data_remain}

    def created_item(self) -> dict[str, Any]:
        """The item of ``POST /user/api/proxies/sub-user`` (with ``user_id``)."""
        return {"user_id": self.user_id, **self.get_item()}

    def get_item(self) -> dict[str, Any]:
        """The item of ``GET /user/api/proxies/sub-user/{id}`` (without ``user_id``)."""
        return {
            "first_name": self.first_name,
            "proxy_password": self.password,
            "data": self.data,
            "data_spent": self.data_spent,
        }


@dataclass(slots=True, eq=False)
class Pool:
    """The owner's traffic of one ``proxy_type`` (bytes) and its sub-users, in creation order."""

    proxy_type: str
    password: str = field(repr=False)
    data: int = 0
    data_spent: int = 0
    sub_users: dict[str, SubUser] = field(default_factory=dict, repr=False)

    @property
    def data_remain(self) -> int:
        """Bytes the owner can still spend or give to sub-users."""
        return self.data - self.data_spent

    def profile(self) -> dict[str, Any]:
        """The body of ``GET /user/api/proxies/profile``."""
        return {
            "success": True,
            "data": self.data,
            "data_remain": self.data_remain,
            "data_spent": self.data_spent,
            "proxy_password": self.password,
        }


class ResidentialState:
    """Residential operations of :class:`~proxyorders_async.emulator.Store` (a mixin)."""

    _next_sub_user: int = 1

    def feed_pool(self, account: Account, proxy_type: str, gb: int) -> Pool:
        """Add ``gb`` GB to the owner's pool of ``proxy_type``, creating it if needed."""
        pool = account.pools.get(proxy_type)
        if pool is None:
            pool = Pool(proxy_type, _password(account.email, proxy_type))
            account.pools[proxy_type] = pool
        pool.data += gb * BYTES_PER_GB
        return pool

    @staticmethod
    def pool(account: Account, proxy_type: str) -> Pool:
        """The owner's pool, or a 400 when the account never bought that traffic."""
        pool = account.pools.get(proxy_type)
        if pool is None:
            raise ApiError.bad_request(f"User resident not set for proxy_type '{proxy_type}'")
        return pool

    def create_sub_user(self, account: Account, proxy_type: str, name: str, gb: int) -> SubUser:
        """Create a sub-user holding ``gb`` GB taken from the owner's pool."""
        pool = self.pool(account, proxy_type)
        _take(pool, gb, "the owner's pool")
        n = self._next_sub_user
        self._next_sub_user = n + 1
        user_id = hashlib.blake2b(f"sub-user:{n}".encode(), digest_size=6).hexdigest()
        sub = SubUser(user_id, proxy_type, name, _password(user_id, 0), gb * BYTES_PER_GB)
        pool.data -= sub.data
        pool.sub_users[user_id] = sub
        return sub

    def sub_user(self, account: Account, user_id: str, proxy_type: str | None) -> SubUser:
        """A sub-user of the account (of ``proxy_type`` when given), or a 404."""
        pools = account.pools.values() if proxy_type is None else [self.pool(account, proxy_type)]
        for pool in pools:
            sub = pool.sub_users.get(user_id)
            if sub is not None:
                return sub
        raise ApiError.not_found(f"Sub-user {user_id} not found")

    def move_traffic(self, account: Account, sub: SubUser, gb: int) -> None:
        """Move ``gb`` GB from the owner to ``sub`` (negative: back to the owner)."""
        pool = self.pool(account, sub.proxy_type)
        if gb > 0:
            _take(pool, gb, "the owner's pool")
        elif -gb * BYTES_PER_GB > sub.data_remain:
            raise ApiError.bad_request(
                f"Insufficient traffic: sub-user {sub.user_id} has {sub.data_remain} bytes left, "
                f"{-gb} GB requested"
            )
        pool.data -= gb * BYTES_PER_GB
        sub.data += gb * BYTES_PER_GB

    def delete_sub_user(self, account: Account, sub: SubUser) -> None:
        """Delete ``sub``; its unspent traffic returns to the owner's pool."""
        pool = self.pool(account, sub.proxy_type)
        pool.data += sub.data_remain
        del pool.sub_users[sub.user_id]

    @staticmethod
    def reset_password(sub: SubUser) -> str:
        """Give ``sub`` a new password (different from every earlier one) and return it."""
        sub.resets += 1
        sub.password = _password(sub.user_id, sub.resets)
        return sub.password


def _take(pool: Pool, gb: int, what: str) -> None:
    if gb * BYTES_PER_GB > pool.data_remain:
        raise ApiError.bad_request(
            f"Insufficient traffic: {what} has {pool.data_remain} bytes left, {gb} GB requested"
        )
