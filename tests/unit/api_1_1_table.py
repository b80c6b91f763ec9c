"""The API 1.1.0 operations of the SDK as a table: each call and the exact request it must send.

Shared by the wire, retry and secret tests of issue 11. Answers are the golden bodies of
``golden/1.1.0`` (from the spec's examples), so parsing is checked against the spec too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxyorders_async import (
    AddonPurchase,
    AddonQuote,
    AddonSchedule,
    City,
    Country,
    GeoList,
    Isp,
    OperationResult,
    ProxyOrdersClient,
    ProxyType,
    Region,
    ResidentialProfile,
    Signature,
    SubUser,
    SubUserPage,
)
from proxyorders_async._retry import Safety

from .helpers import BASE, NO_BODY

GOLDEN = Path(__file__).parent / "golden" / "1.1.0"


def golden(name: str) -> Any:
    """A golden 200 body of an operation, by its SDK name (``sub_users.list``)."""
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Op:
    """One SDK call of API 1.1.0, the request it must send and what its answer parses into."""

    id: str
    call: Callable[[ProxyOrdersClient], Awaitable[Any]]
    method: str
    path: str
    answer: Any
    result: type | None
    safety: Safety = Safety.IDEMPOTENT
    query: dict[str, str] = field(default_factory=dict)
    body: Any = NO_BODY
    auth: bool = True

    @property
    def pattern(self) -> re.Pattern[str]:
        """What to register with aioresponses for this operation (any query)."""
        return re.compile(re.escape(BASE + self.path) + r"(\?.*)?$")


STD = {"proxy_type": "standart"}
PREMIUM = {"proxy_type": "premium"}
GEO = "/user/api/proxies"
SUB_USER = "/user/api/proxies/sub-user/su-1001"

OPS: list[Op] = [
    Op(
        "orders.add_bandwidth",
        lambda c: c.orders.add_bandwidth(42, 5, promo_code="GB10"),
        "POST",
        "/user/api/orders/42/add-bandwidth",
        golden("orders.add_bandwidth"),
        OperationResult,
        Safety.CHARGES,
        body={"amount": 5, "promo_code": "GB10"},
    ),
    Op(
        "orders.set_signatures",
        lambda c: c.orders.set_signatures(
            42, {"203.0.113.7": Signature.WIN11, "2001:DB8::0001": "ios"}
        ),
        "POST",
        "/user/api/orders/42/signature/set",
        golden("orders.set_signatures"),
        int,
        body={
            "items": [
                {"ip": "203.0.113.7", "signature": "win11"},
                {"ip": "2001:db8::1", "signature": "ios"},
            ]
        },
    ),
    Op(
        "orders.set_ip_deletion",
        lambda c: c.orders.set_ip_deletion(42, {"203.0.113.7": True, "203.0.113.8": False}),
        "POST",
        "/user/api/orders/42/del-np/set",
        golden("orders.set_ip_deletion"),
        OperationResult,
        body={
            "items": [{"ip": "203.0.113.7", "value": True}, {"ip": "203.0.113.8", "value": False}]
        },
    ),
    Op(
        "addons.calculate",
        lambda c: c.addons.calculate(42, "p0f_slots", 2),
        "GET",
        "/user/api/orders/42/addons/calculate",
        golden("addons.calculate"),
        AddonQuote,
        query={"addon_key": "p0f_slots", "add_qty": "2"},
    ),
    Op(
        "addons.purchase",
        lambda c: c.addons.purchase(42, "p0f_slots", 2),
        "POST",
        "/user/api/orders/42/addons/purchase",
        golden("addons.purchase"),
        AddonPurchase,
        Safety.CHARGES,
        body={"addon_key": "p0f_slots", "add_qty": 2},
    ),
    Op(
        "addons.schedule_downgrade",
        lambda c: c.addons.schedule_downgrade(42, "p0f_slots", 3),
        "POST",
        "/user/api/orders/42/addons/schedule",
        golden("addons.schedule_downgrade"),
        AddonSchedule,
        body={"addon_key": "p0f_slots", "action": "downgrade", "next_qty": 3},
    ),
    Op(
        "addons.cancel_downgrade",
        lambda c: c.addons.cancel_downgrade(42, "p0f_slots"),
        "POST",
        "/user/api/orders/42/addons/schedule/cancel",
        golden("addons.cancel_downgrade"),
        AddonSchedule,
        body={"addon_key": "p0f_slots"},
    ),
    Op(
        "residential.profile",
        lambda c: c.residential.profile(ProxyType.STANDARD),
        "GET",
        "/user/api/proxies/profile",
        golden("residential.profile"),
        ResidentialProfile,
        query=STD,
    ),
    Op(
        "sub_users.list",
        lambda c: c.sub_users.list("premium", offset=20, limit=10),
        "GET",
        "/user/api/proxies/sub-users",
        golden("sub_users.list"),
        SubUserPage,
        query={**PREMIUM, "offset": "20", "limit": "10"},
    ),
    Op(
        "sub_users.get",
        lambda c: c.sub_users.get("su-1001", "standart"),
        "GET",
        SUB_USER,
        golden("sub_users.get"),
        SubUser,
        query=STD,
    ),
    Op(
        "sub_users.create",
        lambda c: c.sub_users.create(ProxyType.STANDARD, "new-team", 5),
        "POST",
        "/user/api/proxies/sub-user",
        golden("sub_users.create"),
        SubUser,
        Safety.NOT_IDEMPOTENT,
        query=STD,
        body={"name": "new-team", "data": 5},
    ),
    Op(
        "sub_users.rename",
        lambda c: c.sub_users.rename("su-1001", "standart", "renamed"),
        "PATCH",
        SUB_USER,
        golden("sub_users.rename"),
        OperationResult,
        query=STD,
        body={"name": "renamed"},
    ),
    Op(
        "sub_users.delete",
        lambda c: c.sub_users.delete("su-1001"),
        "DELETE",
        SUB_USER,
        golden("sub_users.delete"),
        OperationResult,
    ),
    Op(
        "sub_users.add_traffic",
        lambda c: c.sub_users.add_traffic("su-1001", "standart", 3),
        "POST",
        SUB_USER + "/data/add",
        golden("sub_users.add_traffic"),
        OperationResult,
        Safety.NOT_IDEMPOTENT,
        query=STD,
        body={"data": 3},
    ),
    Op(
        "sub_users.subtract_traffic",
        lambda c: c.sub_users.subtract_traffic("su-1001", "standart", 1),
        "POST",
        SUB_USER + "/data/subtract",
        golden("sub_users.subtract_traffic"),
        OperationResult,
        Safety.NOT_IDEMPOTENT,
        query=STD,
        body={"data": 1},
    ),
    Op(
        "sub_users.reset_password",
        lambda c: c.sub_users.reset_password("su-1001", "standart"),
        "POST",
        SUB_USER + "/password",
        golden("sub_users.reset_password"),
        OperationResult,
        query=STD,
        body={},
    ),
    Op(
        "geo.countries",
        lambda c: c.geo.countries("premium"),
        "GET",
        GEO + "/countries",
        golden("geo.countries"),
        GeoList,
        query=PREMIUM,
    ),
    Op(
        "geo.regions",
        lambda c: c.geo.regions("standart", "US"),
        "GET",
        GEO + "/regions",
        golden("geo.regions"),
        GeoList,
        query={**STD, "country_code": "US"},
    ),
    Op(
        "geo.cities",
        lambda c: c.geo.cities("premium", "US", "CA"),
        "GET",
        GEO + "/cities",
        golden("geo.cities"),
        GeoList,
        query={**PREMIUM, "country_code": "US", "region_code": "CA"},
    ),
    Op(
        "geo.isps",
        lambda c: c.geo.isps("US", "CA", "los-angeles"),
        "GET",
        GEO + "/isps",
        golden("geo.isps"),
        GeoList,
        query={**PREMIUM, "country_code": "US", "region_code": "CA", "city_code": "los-angeles"},
    ),
    Op("health.check", lambda c: c.health.check(), "GET", "/health", {}, bool, auth=False),
    Op("health.live", lambda c: c.health.live(), "GET", "/health/live", {}, bool, auth=False),
]

UNSAFE = [op for op in OPS if op.safety is not Safety.IDEMPOTENT]
CHARGING = [op for op in OPS if op.safety is Safety.CHARGES]
NOT_IDEMPOTENT = [op for op in OPS if op.safety is Safety.NOT_IDEMPOTENT]
IDEMPOTENT = [op for op in OPS if op.safety is Safety.IDEMPOTENT]
GEO_ITEMS = {"geo.countries": Country, "geo.regions": Region, "geo.cities": City, "geo.isps": Isp}


def op(id: str) -> Op:
    """The operation of the table with this id."""
    return next(o for o in OPS if o.id == id)
