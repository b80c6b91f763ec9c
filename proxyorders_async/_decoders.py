"""One decode function per API 1.1.0 operation: a 2xx JSON body in, a model out.

Each raises only what the transport turns into :class:`APIResponseValidationError` (cattrs
validation errors, ``KeyError``, ``TypeError``, ``ValueError``) for a body of the wrong shape,
except :func:`decode_sub_user`, which raises :class:`NotFoundError` for the server's empty
answer about an unknown sub-user.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ._converters import CONVERTER
from ._exceptions import NotFoundError
from ._models import OperationResult, OrderDetail
from ._models_addons import AddonPurchase, AddonQuote, AddonSchedule, SignatureUpdate
from ._models_geo import City, Country, GeoList, Isp, Region
from ._models_residential import ResidentialProfile, SubUser, SubUserPage

# Re-exported: the decoders' callers mask the bodies they attach to errors with these.
from ._redact import PASSWORD_KEYS as PASSWORD_KEYS
from ._redact import hide_passwords as hide_passwords

T = TypeVar("T")


def _structure(data: Any, cls: type[T]) -> T:
    return CONVERTER.structure(data, cls)


def decode_operation(data: Any) -> OperationResult:
    """A ``{success, message}`` answer.

    Per-IP deletion, add-bandwidth, sub-user rename, delete, traffic add/subtract and
    password reset answer this way.
    """
    return _structure(data, OperationResult)


def decode_order_detail(data: Any) -> OrderDetail:
    """``GET /user/api/orders/{id}``: the ``order`` member, with its 1.1.0 add-on fields."""
    return _structure(data["order"], OrderDetail)


def decode_addon_quote(data: Any) -> AddonQuote:
    """``GET /user/api/orders/{order_id}/addons/calculate``."""
    return _structure(data, AddonQuote)


def decode_addon_purchase(data: Any) -> AddonPurchase:
    """``POST /user/api/orders/{order_id}/addons/purchase``."""
    return _structure(data, AddonPurchase)


def decode_addon_schedule(data: Any) -> AddonSchedule:
    """``POST .../addons/schedule`` and ``POST .../addons/schedule/cancel``."""
    return _structure(data, AddonSchedule)


def decode_signature_update(data: Any) -> SignatureUpdate:
    """``POST /user/api/orders/{order_id}/signature/set``."""
    return _structure(data, SignatureUpdate)


def decode_profile(data: Any) -> ResidentialProfile:
    """``GET /user/api/proxies/profile``."""
    return _structure(data, ResidentialProfile)


def decode_sub_user_page(data: Any) -> SubUserPage:
    """``GET /user/api/proxies/sub-users``: ``count`` is the total before paging."""
    return _structure(data, SubUserPage)


def _at_most_one(data: Any) -> list[Any]:
    """The ``data`` array of a sub-user get or create answer: empty or of one item."""
    items = data["data"]
    if not isinstance(items, list):
        raise TypeError(f"expected an array at data, got {type(items).__name__}")
    if len(items) > 1:
        # Which one is the sub-user meant? Guessing could show another user's password.
        raise ValueError(f"expected one sub-user at data, got {len(items)}")
    return items


def decode_sub_user(
    data: Any, user_id: str, *, method: str = "GET", url: str = "", status: int = 200
) -> SubUser:
    """``GET /user/api/proxies/sub-user/{user_id}``: the array of one, as one :class:`SubUser`.

    The answer carries no ``user_id``; the one asked for is filled in. An empty array means
    no such sub-user: :class:`NotFoundError` (with the answer's ``status``, ``method`` and
    ``url``). More than one item is a malformed body.
    """
    items = _at_most_one(data)
    if not items:
        raise NotFoundError(
            f"sub-user {user_id!r} not found (the server answered an empty list)",
            status=status,
            body=hide_passwords(data),
            method=method,
            url=url,
        )
    if not isinstance(items[0], dict):
        raise TypeError(f"expected an object at data[0], got {type(items[0]).__name__}")
    return _structure({**items[0], "user_id": user_id}, SubUser)


def decode_created_sub_user(data: Any) -> SubUser:
    """``POST /user/api/proxies/sub-user``: the new sub-user (an array of one).

    An answer without it is a malformed body: the sub-user may exist, so list the sub-users
    before creating it again.
    """
    items = _at_most_one(data)
    if not items:
        raise ValueError("the answer lists no created sub-user at data")
    return _structure(items[0], SubUser)


def decode_countries(data: Any) -> GeoList[Country]:
    """``GET /user/api/proxies/countries``."""
    return _structure(data, GeoList[Country])


def decode_regions(data: Any) -> GeoList[Region]:
    """``GET /user/api/proxies/regions``."""
    return _structure(data, GeoList[Region])


def decode_cities(data: Any) -> GeoList[City]:
    """``GET /user/api/proxies/cities``."""
    return _structure(data, GeoList[City])


def decode_isps(data: Any) -> GeoList[Isp]:
    """``GET /user/api/proxies/isps`` (``count`` may be 0 for a smaller city)."""
    return _structure(data, GeoList[Isp])
