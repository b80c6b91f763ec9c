"""The public surface: ``proxyorders_async.__all__`` is sorted, importable and documented."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

import proxyorders_async

PUBLIC = proxyorders_async.__all__


def isort_style(name: str) -> tuple[int, list[object]]:
    """Ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest; natural sort within."""
    if name.isupper() and len(name) > 1:
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    parts = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]
    return group, parts


def test_all_is_sorted_and_unique() -> None:
    assert sorted(PUBLIC, key=isort_style) == PUBLIC
    assert len(PUBLIC) == len(set(PUBLIC))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_name_is_importable_and_documented(name: str) -> None:
    module = importlib.import_module("proxyorders_async")
    value = getattr(module, name)
    exec(f"from proxyorders_async import {name}", {})
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), f"{name} has no docstring"
        assert value.__module__.startswith("proxyorders_async")


def test_star_import_exports_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from proxyorders_async import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


# API 1.1.0 (issue 11): the data layer of add-ons, signatures, residential traffic, sub-users
# and geo lists. Listed so that dropping one from ``__all__`` fails here, not in a user's code.
API_1_1_NAMES = [
    "AddonLine",
    "AddonPending",
    "AddonPurchase",
    "AddonQuote",
    "AddonSchedule",
    "City",
    "Country",
    "GeoList",
    "Isp",
    "ProxyType",
    "Region",
    "RegionRef",
    "ResidentialProfile",
    "Signature",
    "SignatureUpdate",
    "SubUser",
    "SubUserPage",
]


@pytest.mark.parametrize("name", API_1_1_NAMES)
def test_api_1_1_names_are_public(name: str) -> None:
    assert name in PUBLIC
    module = getattr(proxyorders_async, name).__module__
    assert module.split(".")[-1] in (
        "_models_addons",
        "_models_geo",
        "_models_residential",
        "_validation_more",
    )


# Issue 12: the resumable export in the SDK (``client.orders.export``) and what it reports.
EXPORT_NAMES = {
    "ExportCheckpointError": "_exceptions",
    "ExportError": "_exceptions",
    "ExportProgress": "_models_export",
    "ExportSummary": "_models_export",
}


@pytest.mark.parametrize("name", sorted(EXPORT_NAMES))
def test_export_names_are_public(name: str) -> None:
    assert name in PUBLIC
    assert getattr(proxyorders_async, name).__module__.split(".")[-1] == EXPORT_NAMES[name]
