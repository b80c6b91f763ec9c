"""The one cattrs converter of the SDK, built once by :func:`make_converter`.

The converter is lenient about shape (unknown keys are ignored, so API additions never break
parsing) and strict about types: ``"5"`` is not an int and ``"false"`` is not a bool, because
silently coercing them would turn a server bug into a wrong order or a flipped setting.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, TypeVar

import cattrs

T = TypeVar("T")


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 string into an aware datetime (naive values are taken as UTC)."""
    # Python 3.10's fromisoformat rejects the "Z" suffix the API may send.
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _structure_datetime(value: Any, _type: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return parse_datetime(value)


def _strict(kind: type[T]) -> Any:
    name = kind.__name__

    def hook(value: Any, _type: Any) -> T:
        # type() rather than isinstance(): bool is an int subclass, and True is no order id.
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value  # type: ignore[no-any-return,unused-ignore]

    return hook


def make_converter() -> cattrs.Converter:
    """Build the converter with every hook the SDK's models need."""
    converter = cattrs.Converter(forbid_extra_keys=False)
    for kind in (int, str, bool):
        converter.register_structure_hook(kind, _strict(kind))
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    return converter


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def describe_error(exc: BaseException) -> str:
    """A one-line summary of a structuring failure, with JSON paths (``$.orders[3].tag``)."""
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc)
        shown = "; ".join(messages[:5])
        more = f" (+{len(messages) - 5} more)" if len(messages) > 5 else ""
        return shown + more
    return f"{type(exc).__name__}: {exc}"


CONVERTER = make_converter()
"""The SDK's converter; use it to (un)structure models in your own code too."""
