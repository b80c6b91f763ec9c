"""``client.geo``: residential targeting locations."""

from __future__ import annotations

from .._endpoints import CITIES, COUNTRIES, ISPS, REGIONS
from .._models_geo import City, Country, GeoList, Isp, Region
from .._validation_more import (
    ProxyType,
    check_code,
    check_isp_proxy_type,
    check_proxy_type,
)
from ._base import Resource

__all__ = ["GeoResource"]


class GeoResource(Resource):
    """Countries, regions, cities and ISPs residential proxies can target (``client.geo``).

    Each level's ``code`` is the next level's argument. The lists are not paged.
    """

    __slots__ = ()

    async def countries(self, proxy_type: ProxyType | str) -> GeoList[Country]:
        """Countries of the ``proxy_type`` package (ISO codes)."""
        wire = check_proxy_type(proxy_type)
        return await self._transport.send(COUNTRIES.request(proxy_type=wire))

    async def regions(self, proxy_type: ProxyType | str, country_code: str) -> GeoList[Region]:
        """Regions of a country."""
        wire = check_proxy_type(proxy_type)
        country = check_code("country_code", country_code)
        return await self._transport.send(REGIONS.request(proxy_type=wire, country_code=country))

    async def cities(
        self, proxy_type: ProxyType | str, country_code: str, region_code: str
    ) -> GeoList[City]:
        """Cities of a region."""
        wire = check_proxy_type(proxy_type)
        country = check_code("country_code", country_code)
        region = check_code("region_code", region_code)
        return await self._transport.send(
            CITIES.request(proxy_type=wire, country_code=country, region_code=region)
        )

    async def isps(
        self,
        country_code: str,
        region_code: str,
        city_code: str,
        *,
        proxy_type: ProxyType | str = ProxyType.PREMIUM,
    ) -> GeoList[Isp]:
        """Internet providers of a city; premium package only (``count`` may be 0).

        ``proxy_type`` exists for symmetry; anything but premium is refused before sending.
        """
        wire = check_isp_proxy_type(proxy_type)
        country = check_code("country_code", country_code)
        region = check_code("region_code", region_code)
        city = check_code("city_code", city_code)
        return await self._transport.send(
            ISPS.request(proxy_type=wire, country_code=country, region_code=region, city_code=city)
        )
