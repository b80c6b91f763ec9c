"""A small, fixed geo-targeting catalogue: countries -> regions -> cities -> ISPs.

Deterministic on purpose (tests and the demo compare whole lists). The premium package lists one
more country than the standard one, so a client that ignores ``proxy_type`` shows up; ISPs exist
for premium only and for major cities only (smaller cities answer ``count: 0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["cities", "countries", "isps", "regions"]


@dataclass(frozen=True, slots=True)
class _City:
    code: str
    name: str
    isps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    name: str
    cities: tuple[_City, ...]


@dataclass(frozen=True, slots=True)
class _Country:
    code: str
    name: str
    regions: tuple[_Region, ...]
    premium_only: bool = False


_CATALOGUE = (
    _Country(
        "US",
        "United States",
        (
            _Region(
                "CA",
                "California",
                (
                    _City(
                        "los-angeles", "Los Angeles", (("att", "AT&T"), ("spectrum", "Spectrum"))
                    ),
                    _City("san-diego", "San Diego"),
                ),
            ),
            _Region(
                "NY",
                "New York",
                (_City("new-york", "New York", (("verizon", "Verizon"), ("optimum", "Optimum"))),),
            ),
            _Region("TX", "Texas", (_City("houston", "Houston", (("comcast", "Comcast"),)),)),
        ),
    ),
    _Country(
        "DE",
        "Germany",
        (
            _Region(
                "BE",
                "Berlin",
                (_City("berlin", "Berlin", (("telekom", "Deutsche Telekom"), ("o2-de", "O2"))),),
            ),
            _Region("BY", "Bavaria", (_City("munich", "Munich"), _City("nuremberg", "Nuremberg"))),
        ),
    ),
    _Country(
        "GB",
        "United Kingdom",
        (
            _Region(
                "ENG",
                "England",
                (
                    _City("london", "London", (("bt", "BT"), ("virgin-media", "Virgin Media"))),
                    _City("manchester", "Manchester"),
                ),
            ),
        ),
    ),
    _Country(
        "UA",
        "Ukraine",
        (_Region("30", "Kyiv", (_City("kyiv", "Kyiv", (("kyivstar", "Kyivstar"),)),)),),
        premium_only=True,
    ),
)


def _country_json(country: _Country) -> dict[str, str]:
    return {"code": country.code, "name": country.name}


def _find_country(proxy_type: str, code: str) -> _Country | None:
    return next((c for c in _countries(proxy_type) if c.code == code), None)


def _countries(proxy_type: str) -> tuple[_Country, ...]:
    return tuple(c for c in _CATALOGUE if proxy_type == "premium" or not c.premium_only)


def _find_region(proxy_type: str, country_code: str, region_code: str) -> _Region | None:
    country = _find_country(proxy_type, country_code)
    if country is None:
        return None
    return next((r for r in country.regions if r.code == region_code), None)


def countries(proxy_type: str) -> list[dict[str, Any]]:
    """Countries of a package (``standart`` or ``premium``)."""
    return [_country_json(c) for c in _countries(proxy_type)]


def regions(proxy_type: str, country_code: str) -> list[dict[str, Any]]:
    """Regions of a country (empty for an unknown country)."""
    country = _find_country(proxy_type, country_code)
    if country is None:
        return []
    return [
        {"code": r.code, "name": r.name, "country": _country_json(country)} for r in country.regions
    ]


def cities(proxy_type: str, country_code: str, region_code: str) -> list[dict[str, Any]]:
    """Cities of a region (empty for an unknown country or region)."""
    country = _find_country(proxy_type, country_code)
    region = _find_region(proxy_type, country_code, region_code)
    if country is None or region is None:
        return []
    return [
        {
            "code": city.code,
            "name": city.name,
            "country": _country_json(country),
            "region": {"code": region.code, "name": region.name},
        }
        for city in region.cities
    ]


def isps(country_code: str, region_code: str, city_code: str) -> list[dict[str, Any]]:
    """ISPs of a city, premium package only (empty for unknown or smaller cities)."""
    country = _find_country("premium", country_code)
    region = _find_region("premium", country_code, region_code)
    if country is None or region is None:
        return []
    city = next((c for c in region.cities if c.code == city_code), None)
    if city is None:
        return []
    return [
        {
            "code": code,
            "name": name,
            "country": _country_json(country),
            "region": {"code": region.code, "name": region.name},
        }
        for code, name in city.isps
    ]
