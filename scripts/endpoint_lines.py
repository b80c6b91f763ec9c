"""How many formatted lines a new endpoint takes, counted from the package's own source.

Run from the repository root: ``python scripts/endpoint_lines.py``. The figures are quoted in
docs/architecture.md ("Where a new endpoint goes").
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import proxyorders_async._endpoints as endpoints
from proxyorders_async import _decoders, _models_geo
from proxyorders_async.resources import _geo, _orders

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "unit" / "api_1_1_table.py"


def _statement_lines(path: Path, match: Any) -> int:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if match(node):
            return int(node.end_lineno or node.lineno) - node.lineno + 1
    raise LookupError(f"not found in {path}")


def constant(name: str) -> int:
    """Lines of the module-level ``name = Endpoint(...)`` of ``_endpoints.py``."""
    return _statement_lines(
        Path(endpoints.__file__),
        lambda node: isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name,
    )


def test_row(op_id: str) -> int:
    """Lines of the ``Op("<op_id>", ...)`` row of the unit tests' operation table."""

    def is_row(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "Op"
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == op_id
        )

    return _statement_lines(TABLE, is_row)


def source(obj: Any) -> int:
    """Lines of a function's or class's source."""
    return len(inspect.getsource(obj).rstrip("\n").splitlines())


def main() -> None:
    cases = {
        "GET geo.countries": {
            "_endpoints.COUNTRIES": constant("COUNTRIES"),
            "_decoders.decode_countries": source(_decoders.decode_countries),
            "_models_geo.Country": source(_models_geo.Country),
            "GeoResource.countries": source(_geo.GeoResource.countries),
            "test row": test_row("geo.countries"),
        },
        "charging POST orders.add_bandwidth": {
            "_endpoints.ADD_BANDWIDTH": constant("ADD_BANDWIDTH"),
            "OrdersResource.add_bandwidth": source(_orders.OrdersResource.add_bandwidth),
            "test row": test_row("orders.add_bandwidth"),
        },
    }
    for title, parts in cases.items():
        code = sum(n for name, n in parts.items() if name != "test row")
        shown = ", ".join(f"{name} {n}" for name, n in parts.items())
        print(f"{title}: {code} lines of package code ({shown})")


if __name__ == "__main__":
    main()
