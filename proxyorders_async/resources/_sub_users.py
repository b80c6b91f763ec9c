"""``client.sub_users``: residential sub-users and the traffic they draw from the owner's pool."""

from __future__ import annotations

import functools

from .._decoders import decode_sub_user
from .._endpoints import (
    ADD_SUB_USER_TRAFFIC,
    CREATE_SUB_USER,
    DELETE_SUB_USER,
    GET_SUB_USER,
    LIST_SUB_USERS,
    RENAME_SUB_USER,
    RESET_SUB_USER_PASSWORD,
    SUBTRACT_SUB_USER_TRAFFIC,
    Endpoint,
)
from .._models import OperationResult
from .._models_residential import SubUser, SubUserPage
from .._pagination import (
    SUB_USER_LISTING,
    PageWalk,
    SubUserIterator,
    decode_sub_user_sheet,
    start_url,
)
from .._validation_more import (
    SUB_USER_PAGE_SIZE,
    ProxyType,
    check_gb,
    check_name,
    check_offset,
    check_positive,
    check_proxy_type,
    check_user_id,
)
from ._base import Resource

__all__ = ["SubUsersResource"]


class SubUsersResource(Resource):
    """Residential sub-users (``client.sub_users``).

    ``proxy_type`` is :class:`ProxyType` or ``"standart"``/``"premium"``; traffic is given in
    whole GB and reported in bytes. Creating a sub-user and moving traffic are never resent
    once they may have reached the server (an ambiguous failure raises
    :class:`OutcomeUnknownError` saying what to list); the other writes are retried like reads.
    Passwords are hidden from ``repr``.
    """

    __slots__ = ()

    async def list(
        self, proxy_type: ProxyType | str, *, offset: int = 0, limit: int = SUB_USER_PAGE_SIZE
    ) -> SubUserPage:
        """One page of sub-users; ``count`` is the total (``page.next_offset(offset)`` goes on)."""
        wire = check_proxy_type(proxy_type)
        offset = check_offset(offset)
        limit = check_positive("limit", limit)
        return await self._transport.send(
            LIST_SUB_USERS.request(proxy_type=wire, offset=offset, limit=limit)
        )

    def iter(
        self, proxy_type: ProxyType | str, *, page_size: int = SUB_USER_PAGE_SIZE
    ) -> SubUserIterator:
        """Iterate over every sub-user, a page of ``page_size`` at a time.

        Stops when ``count`` is reached or a page is empty; the next page is requested while
        you work on the current one. A server that repeats pages or stops advancing raises
        :class:`PaginationError`. Arguments are checked here, before iteration starts.
        """
        wire = check_proxy_type(proxy_type)
        size = check_positive("page_size", page_size)
        base = self._transport.base_url
        first = start_url(base, LIST_SUB_USERS.path, {"proxy_type": wire}, limit=size, start=0)
        pages = PageWalk(
            lambda url: self._transport.send(LIST_SUB_USERS.at(url, decode_sub_user_sheet)),
            base,
            first,
            listing=SUB_USER_LISTING,
            scrub=self._transport.scrub,
        )
        return SubUserIterator(pages)

    async def get(self, user_id: str, proxy_type: ProxyType | str) -> SubUser:
        """One sub-user, password included (hidden from ``repr``).

        :class:`NotFoundError` when there is none (the server answers an empty list).
        """
        uid = check_user_id(user_id)
        wire = check_proxy_type(proxy_type)
        decode = functools.partial(_decode_sub_user, uid)
        return await self._transport.send(
            GET_SUB_USER.request_decoded(decode, user_id=uid, proxy_type=wire)
        )

    async def create(self, proxy_type: ProxyType | str, name: str, gb: int) -> SubUser:
        """Create a sub-user with ``gb`` GB moved from the owner's traffic; returns it.

        Not repeatable (a second call makes a second sub-user): never resent once it may have
        reached the server; :class:`OutcomeUnknownError` then says what to list.
        """
        wire = check_proxy_type(proxy_type)
        checked_name = check_name(name)
        data = check_gb(gb)
        return await self._transport.send(
            CREATE_SUB_USER.request(proxy_type=wire, name=checked_name, data=data)
        )

    async def rename(self, user_id: str, proxy_type: ProxyType | str, name: str) -> OperationResult:
        """Give a sub-user another name."""
        uid = check_user_id(user_id)
        wire = check_proxy_type(proxy_type)
        checked_name = check_name(name)
        return await self._transport.send(
            RENAME_SUB_USER.request(user_id=uid, proxy_type=wire, name=checked_name)
        )

    async def delete(self, user_id: str) -> OperationResult:
        """Delete a sub-user. A retry after a lost answer may see :class:`NotFoundError`."""
        uid = check_user_id(user_id)
        return await self._transport.send(DELETE_SUB_USER.request(user_id=uid))

    async def add_traffic(
        self, user_id: str, proxy_type: ProxyType | str, gb: int
    ) -> OperationResult:
        """Move ``gb`` GB from the owner's traffic to the sub-user; never resent (see class)."""
        return await self._move(ADD_SUB_USER_TRAFFIC, user_id, proxy_type, gb)

    async def subtract_traffic(
        self, user_id: str, proxy_type: ProxyType | str, gb: int
    ) -> OperationResult:
        """Move ``gb`` GB from the sub-user back to the owner; never resent (see class)."""
        return await self._move(SUBTRACT_SUB_USER_TRAFFIC, user_id, proxy_type, gb)

    async def reset_password(self, user_id: str, proxy_type: ProxyType | str) -> OperationResult:
        """Issue a new proxy password; read it back with :meth:`get`."""
        uid = check_user_id(user_id)
        wire = check_proxy_type(proxy_type)
        return await self._transport.send(
            RESET_SUB_USER_PASSWORD.request(user_id=uid, proxy_type=wire)
        )

    async def _move(
        self,
        endpoint: Endpoint[OperationResult],
        user_id: str,
        proxy_type: ProxyType | str,
        gb: int,
    ) -> OperationResult:
        uid = check_user_id(user_id)
        wire = check_proxy_type(proxy_type)
        data = check_gb(gb)
        return await self._transport.send(endpoint.request(user_id=uid, proxy_type=wire, data=data))


def _decode_sub_user(user_id: str, data: object, url: str) -> SubUser:
    return decode_sub_user(data, user_id, method="GET", url=url)
