"""Response models of the residential geo-targeting lists (API 1.1.0).

Countries contain regions, regions cities, cities ISPs; each list answer is a :class:`GeoList`
of one of them. Use the ``code`` fields as the next level's query arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

import attrs

__all__ = ["City", "Country", "GeoList", "Isp", "Region", "RegionRef"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Country:
    """A country: ``code`` is its ISO code."""

    code: str
    name: str


@attrs.frozen(kw_only=True)
class RegionRef:
    """The region a city or ISP belongs to, without its country."""

    code: str
    name: str


@attrs.frozen(kw_only=True)
class Region:
    """A region or state of a country."""

    code: str
    name: str
    country: Country


@attrs.frozen(kw_only=True)
class City:
    """A city: ``code`` is usually a slug; ``region`` may be ``None``."""

    code: str
    name: str
    country: Country
    region: RegionRef | None = None


@attrs.frozen(kw_only=True)
class Isp:
    """An internet provider inside a city (premium package only); ``region`` may be ``None``."""

    code: str
    name: str
    country: Country
    region: RegionRef | None = None


@attrs.frozen(kw_only=True)
class GeoList(Generic[T]):
    """A geo list answer: ``count`` as the server states it and the ``results``.

    Iterating yields the results. The lists are not paged.
    """

    count: int
    results: tuple[T, ...]

    def __iter__(self) -> Iterator[T]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)
