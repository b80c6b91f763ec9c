"""Response models of residential traffic and sub-users (API 1.1.0).

Traffic amounts are bytes (requests take GB). Proxy passwords are hidden from ``repr``, so a
model can be logged or shown in a traceback without leaking one.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

__all__ = ["ResidentialProfile", "SubUser", "SubUserPage"]


def _hidden(_value: object) -> str:
    return "'***'"


@attrs.frozen(kw_only=True)
class ResidentialProfile:
    """The account owner's traffic for one package, in bytes.

    ``data`` is the total allocated, ``data_remain`` what is left, ``data_spent`` what was used.
    ``proxy_password`` is the owner's proxy password; it is hidden from ``repr``.
    """

    data: int
    data_remain: int
    data_spent: int
    proxy_password: str = attrs.field(repr=_hidden)
    success: bool = True


@attrs.frozen(kw_only=True)
class SubUser:
    """A residential sub-user and its traffic, in bytes.

    ``first_name`` is the name given at creation (also readable as :attr:`name`).
    ``data_remain`` is only in list answers (``None`` from get and create). ``proxy_password``
    is hidden from ``repr``.
    """

    user_id: str
    first_name: str
    proxy_password: str = attrs.field(repr=_hidden)
    data: int
    data_spent: int
    data_remain: int | None = None

    @property
    def name(self) -> str:
        """The sub-user's name (the API calls it ``first_name``)."""
        return self.first_name


@attrs.frozen(kw_only=True)
class SubUserPage:
    """One page of sub-users.

    ``count`` is the total number of sub-users before paging (not this page's length), or
    ``None`` if the server left it out; ``data`` holds this page's sub-users.
    """

    data: tuple[SubUser, ...] = ()
    count: int | None = None
    success: bool = True

    @property
    def users(self) -> tuple[SubUser, ...]:
        """This page's sub-users (the API's ``data``)."""
        return self.data

    def next_offset(self, offset: int) -> int | None:
        """The offset of the following page if this page was fetched at ``offset``, else None.

        None when this page is empty or reaches ``count``; without ``count``, a walk goes on
        until an empty page.
        """
        end = offset + len(self.data)
        if not self.data or (self.count is not None and end >= self.count):
            return None
        return end

    def __iter__(self) -> Iterator[SubUser]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
