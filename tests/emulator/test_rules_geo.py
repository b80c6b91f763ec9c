"""The geo-targeting catalogue (countries -> regions -> cities -> ISPs) and the health probes."""

from __future__ import annotations

from typing import Any

import pytest

from proxyorders_async.emulator import Emulator

from .conftest import Api

US = {"code": "US", "name": "United States"}
CA = {"code": "CA", "name": "California"}


async def _list(api: Api, what: str, **params: str) -> list[Any]:
    status, body = await api.get(f"/user/api/proxies/{what}", params=params)
    assert status == 200, body
    assert set(body) == {"count", "results"}
    assert body["count"] == len(body["results"])
    results = body["results"]
    assert isinstance(results, list)
    return results


async def test_countries_differ_by_package(api: Api) -> None:
    standard = await _list(api, "countries", proxy_type="standart")
    premium = await _list(api, "countries", proxy_type="premium")
    assert [c["code"] for c in standard] == ["US", "DE", "GB"]
    assert [c["code"] for c in premium] == ["US", "DE", "GB", "UA"]
    assert standard[0] == US


async def test_the_hierarchy_down_to_isps(api: Api) -> None:
    regions = await _list(api, "regions", proxy_type="premium", country_code="US")
    assert [r["code"] for r in regions] == ["CA", "NY", "TX"]
    assert regions[0] == {**CA, "country": US}
    cities = await _list(api, "cities", proxy_type="standart", country_code="US", region_code="CA")
    assert cities == [
        {"code": "los-angeles", "name": "Los Angeles", "country": US, "region": CA},
        {"code": "san-diego", "name": "San Diego", "country": US, "region": CA},
    ]
    isps = await _list(
        api,
        "isps",
        proxy_type="premium",
        country_code="US",
        region_code="CA",
        city_code="los-angeles",
    )
    assert [(i["code"], i["name"]) for i in isps] == [("att", "AT&T"), ("spectrum", "Spectrum")]
    assert isps[0]["country"] == US
    assert isps[0]["region"] == CA


@pytest.mark.parametrize(
    ("what", "params"),
    [
        ("regions", {"proxy_type": "standart", "country_code": "UA"}),  # premium-only country
        ("regions", {"proxy_type": "premium", "country_code": "ZZ"}),
        ("cities", {"proxy_type": "premium", "country_code": "US", "region_code": "ZZ"}),
        ("isps", {"proxy_type": "premium", "country_code": "US", "region_code": "CA",
                  "city_code": "san-diego"}),  # a smaller city: no ISPs
    ],
)  # fmt: skip
async def test_unknown_places_and_small_cities_are_empty(
    api: Api, what: str, params: dict[str, str]
) -> None:
    assert await _list(api, what, **params) == []


@pytest.mark.parametrize(
    ("what", "params", "fragment"),
    [
        ("isps", {"proxy_type": "standart", "country_code": "US", "region_code": "CA",
                  "city_code": "los-angeles"}, "premium package only"),
        ("isps", {"proxy_type": "premium", "country_code": "US", "region_code": "CA"},
         "city_code is required"),
        ("countries", {"proxy_type": "unlimited"}, "Invalid proxy_type"),
        ("countries", {}, "proxy_type is required"),
        ("regions", {"proxy_type": "premium"}, "country_code is required"),
        ("regions", {"proxy_type": "premium", "country_code": ""}, "country_code is required"),
        ("cities", {"proxy_type": "premium", "country_code": "US"}, "region_code is required"),
        ("countries", {"proxy_type": "premium", "limit": "5"}, "Unknown query parameter(s)"),
    ],
)  # fmt: skip
async def test_geo_queries_are_strict(
    api: Api, what: str, params: dict[str, str], fragment: str
) -> None:
    status, body = await api.get(f"/user/api/proxies/{what}", params=params)
    assert status == 400
    assert body["success"] is False
    assert fragment in body["message"]


async def test_geo_lists_need_the_token(api: Api) -> None:
    status, _ = await api.get(
        "/user/api/proxies/countries", params={"proxy_type": "premium"}, token=None
    )
    assert status == 401


@pytest.mark.parametrize("path", ["/health", "/health/live"])
@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_health_probes_need_no_token(
    api: Api, emu: Emulator, path: str, token: str | None
) -> None:
    status, body = await api.get(path, token=token)
    assert status == 200
    assert body["success"] is True
    (entry,) = emu.journal.entries
    assert (entry.path, entry.token_valid, entry.status) == (path, False, 200)
