"""JSON responses in the API's shapes (success bodies and ``{"success": false, ...}`` errors)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["dumps", "error", "json_response", "ok"]


def dumps(data: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(data, separators=(",", ":")).encode()


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response."""
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The API's error body with ``status``."""
    response = json_response({"success": False, "message": message}, status)
    if headers:
        response.headers.update(headers)
    return response


def ok(message: str) -> web.Response:
    """``{"success": true, "message": ...}``."""
    return json_response({"success": True, "message": message})
