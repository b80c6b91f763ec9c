"""Per-request state the middleware hands to a route handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ._faults import Decision
from ._rules import parse_json_object
from ._store import Account

__all__ = ["Ctx"]


@dataclass(slots=True)
class Ctx:
    """Per-request state passed explicitly from the middleware to the handler."""

    decision: Decision
    faults: list[str]
    account: Account | None = None
    raw_body: bytes = b""
    received_at: float = 0.0  # time.monotonic() on arrival

    @property
    def user(self) -> Account:
        assert self.account is not None  # authenticated routes only
        return self.account

    def body(self, request: web.Request) -> dict[str, Any]:
        return parse_json_object(self.raw_body, request.content_type)
