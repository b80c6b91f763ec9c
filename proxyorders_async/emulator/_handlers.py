"""Handlers of the 1.1.0 operations: add-ons, per-IP settings, residential traffic, geo lists.

A mixin of the app's route class: faults, authentication, the error shape and the journal come
from the shared middleware, exactly as for the order routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._catalog import ADDONS
from ._errors import ApiError
from ._geo import cities, countries, isps, regions
from ._params import (
    addon_key,
    flag,
    int_field,
    ip_items,
    proxy_type,
    required_query,
    signature,
    text_field,
)
from ._respond import json_response, ok
from ._rules import parse_int_param, reject_unknown

if TYPE_CHECKING:
    from ._ctx import Ctx as _Ctx
    from ._store import Order, Store

__all__ = ["ExtendedRoutes"]

_MAX_ID = 10**18
_MAX_OFFSET = 10**12
_NO_KEYS: frozenset[str] = frozenset()
_TYPE_KEYS = frozenset({"proxy_type"})
_PAGE_KEYS = frozenset({"proxy_type", "offset", "limit"})
_REGION_KEYS = frozenset({"proxy_type", "country_code"})
_CITY_KEYS = frozenset({"proxy_type", "country_code", "region_code"})
_ISP_KEYS = frozenset({"proxy_type", "country_code", "region_code", "city_code"})
_CALC_KEYS = frozenset({"addon_key", "add_qty"})
_SCHEDULE_KEYS = frozenset({"addon_key", "action", "next_qty"})
_CANCEL_KEYS = frozenset({"addon_key"})
_BANDWIDTH_KEYS = frozenset({"amount", "promo_code"})
_SUB_USER_KEYS = frozenset({"name", "data"})
_NAME_KEYS = frozenset({"name"})
_DATA_KEYS = frozenset({"data"})


def _path_id(request: web.Request, key: str) -> int:
    return parse_int_param(key, request.match_info[key], minimum=0, maximum=_MAX_ID)


def _query(request: web.Request, allowed: frozenset[str]) -> Mapping[str, str]:
    reject_unknown(request.query, allowed, "query parameter(s)")
    return request.query


def _body(request: web.Request, ctx: _Ctx, allowed: frozenset[str]) -> dict[str, Any]:
    body = ctx.body(request)
    reject_unknown(body, allowed, "field(s)")
    return body


def _lines(order: Order) -> list[dict[str, Any]]:
    return [line.as_json() for line in order.addons]


def _listing(results: list[dict[str, Any]]) -> web.Response:
    return json_response({"count": len(results), "results": results})


class ExtendedRoutes:
    """Route handlers of the operations 1.1.0 added (bound to the app's store)."""

    store: Store

    # -- add-ons ------------------------------------------------------------------------

    async def addons_calculate(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/orders/{order_id}/addons/calculate."""
        order_id = _path_id(request, "order_id")
        query = _query(request, _CALC_KEYS)
        key = addon_key(required_query(query, "addon_key"))
        qty = parse_int_param(
            "add_qty", required_query(query, "add_qty"), minimum=1, maximum=ADDONS[key].max_qty
        )
        return json_response(self.store.quote_addon(ctx.user, order_id, key, qty))

    async def addons_purchase(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/addons/purchase (charges the wallet)."""
        order_id = _path_id(request, "order_id")
        body = _body(request, ctx, _CALC_KEYS)
        key = addon_key(body.get("addon_key"))
        qty = int_field(body, "add_qty")
        if qty > ADDONS[key].max_qty:
            raise ApiError.bad_request(f"add_qty must be at most {ADDONS[key].max_qty}")
        order = self.store.buy_addon(ctx.user, order_id, key, qty)
        return json_response(
            {
                "success": True,
                "message": "Add-on purchased",
                "addons_price_paid": order.addons_price_paid,
                "addons": _lines(order),
            }
        )

    async def addons_schedule(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/addons/schedule (a downgrade at renewal)."""
        order_id = _path_id(request, "order_id")
        body = _body(request, ctx, _SCHEDULE_KEYS)
        key = addon_key(body.get("addon_key"))
        if body.get("action") != "downgrade":
            raise ApiError.bad_request("action is required and must be 'downgrade'")
        next_qty = int_field(body, "next_qty")
        order = self.store.schedule_downgrade(ctx.user, order_id, key, next_qty)
        return json_response(
            {"success": True, "message": "Downgrade scheduled", "addons": _lines(order)}
        )

    async def addons_schedule_cancel(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/addons/schedule/cancel."""
        order_id = _path_id(request, "order_id")
        key = addon_key(_body(request, ctx, _CANCEL_KEYS).get("addon_key"))
        order = self.store.cancel_downgrade(ctx.user, order_id, key)
        return json_response(
            {"success": True, "message": "Pending downgrade cleared", "addons": _lines(order)}
        )

    # -- per-IP settings ----------------------------------------------------------------

    async def signature_set(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/signature/set."""
        order_id = _path_id(request, "order_id")
        items = ip_items(ctx.body(request), "signature", signature)
        updated = self.store.set_signatures(ctx.user, order_id, items)
        return json_response({"success": True, "message": "Signatures updated", "updated": updated})

    async def del_np_set(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{order_id}/del-np/set."""
        order_id = _path_id(request, "order_id")
        items = ip_items(ctx.body(request), "value", flag)
        self.store.set_ip_deletion(ctx.user, order_id, items)
        return ok("IP deletion settings updated")

    # -- residential traffic ------------------------------------------------------------

    async def add_bandwidth(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/orders/{id}/add-bandwidth (charges the wallet)."""
        order_id = _path_id(request, "id")
        body = _body(request, ctx, _BANDWIDTH_KEYS)
        amount = int_field(body, "amount")
        promo = body.get("promo_code")
        if promo is not None and not isinstance(promo, str):
            raise ApiError.bad_request("promo_code must be a string or null")
        self.store.add_bandwidth(ctx.user, order_id, amount, promo)
        return ok("Order paid successfully")

    async def profile(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/profile."""
        kind = proxy_type(_query(request, _TYPE_KEYS))
        return json_response(self.store.pool(ctx.user, kind).profile())

    async def sub_users(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/sub-users: ``count`` is the total, pages by offset/limit."""
        query = _query(request, _PAGE_KEYS)
        kind = proxy_type(query)
        offset = parse_int_param("offset", query.get("offset", "0"), minimum=0, maximum=_MAX_OFFSET)
        limit = parse_int_param("limit", query.get("limit", "20"), minimum=1, maximum=100)
        subs = list(self.store.pool(ctx.user, kind).sub_users.values())
        page = [sub.list_item() for sub in subs[offset : offset + limit]]
        return json_response({"success": True, "count": len(subs), "data": page})

    async def sub_user_get(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/sub-user/{user_id}: an array of one (empty when not found)."""
        kind = proxy_type(_query(request, _TYPE_KEYS))
        sub = self.store.pool(ctx.user, kind).sub_users.get(request.match_info["user_id"])
        return json_response({"success": True, "data": [] if sub is None else [sub.get_item()]})

    async def sub_user_create(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/proxies/sub-user (moves traffic from the owner's pool)."""
        kind = proxy_type(_query(request, _TYPE_KEYS))
        body = _body(request, ctx, _SUB_USER_KEYS)
        name, gb = text_field(body, "name"), int_field(body, "data")
        sub = self.store.create_sub_user(ctx.user, kind, name, gb)
        return json_response({"success": True, "data": [sub.created_item()]})

    async def sub_user_edit(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """PATCH /user/api/proxies/sub-user/{user_id}: rename."""
        kind = proxy_type(_query(request, _TYPE_KEYS))
        name = text_field(_body(request, ctx, _NAME_KEYS), "name")
        self.store.sub_user(ctx.user, request.match_info["user_id"], kind).first_name = name
        return ok("Sub user edited successfully")

    async def sub_user_delete(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """DELETE /user/api/proxies/sub-user/{user_id}: unspent traffic returns to the owner."""
        _query(request, _NO_KEYS)
        sub = self.store.sub_user(ctx.user, request.match_info["user_id"], None)
        self.store.delete_sub_user(ctx.user, sub)
        return ok("Sub user deleted successfully")

    async def sub_user_data_add(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/proxies/sub-user/{user_id}/data/add."""
        await self._move(request, ctx, 1)
        return ok("Traffic added to sub user successfully")

    async def sub_user_data_subtract(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/proxies/sub-user/{user_id}/data/subtract."""
        await self._move(request, ctx, -1)
        return ok("Traffic subtracted from sub user successfully")

    async def _move(self, request: web.Request, ctx: _Ctx, sign: int) -> None:
        kind = proxy_type(_query(request, _TYPE_KEYS))
        gb = int_field(_body(request, ctx, _DATA_KEYS), "data")
        sub = self.store.sub_user(ctx.user, request.match_info["user_id"], kind)
        self.store.move_traffic(ctx.user, sub, sign * gb)

    async def sub_user_password(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """POST /user/api/proxies/sub-user/{user_id}/password (read the new one back with GET)."""
        kind = proxy_type(_query(request, _TYPE_KEYS))
        sub = self.store.sub_user(ctx.user, request.match_info["user_id"], kind)
        self.store.reset_password(sub)
        return ok("Sub user password changed successfully")

    # -- geo lists ----------------------------------------------------------------------

    async def countries(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/countries."""
        return _listing(countries(proxy_type(_query(request, _TYPE_KEYS))))

    async def regions(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/regions."""
        query = _query(request, _REGION_KEYS)
        kind = proxy_type(query)
        return _listing(regions(kind, required_query(query, "country_code")))

    async def cities(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/cities."""
        query = _query(request, _CITY_KEYS)
        kind = proxy_type(query)
        country = required_query(query, "country_code")
        return _listing(cities(kind, country, required_query(query, "region_code")))

    async def isps(self, request: web.Request, ctx: _Ctx) -> web.StreamResponse:
        """GET /user/api/proxies/isps (premium only)."""
        query = _query(request, _ISP_KEYS)
        if proxy_type(query) != "premium":
            raise ApiError.bad_request("ISP targeting is available for the premium package only")
        codes = [required_query(query, k) for k in ("country_code", "region_code", "city_code")]
        return _listing(isps(*codes))
