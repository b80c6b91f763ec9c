"""The one exception the emulator's rules raise; the app turns it into the API's error shape."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ApiError"]


class ApiError(Exception):
    """An API error answered as ``{"success": false, "message": ...}`` with ``status``."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        """A 400: validation, insufficient balance or stock, or a forbidden operation."""
        return cls(400, message)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        """A 404: unknown order (or one that belongs to another account) or route."""
        return cls(404, message)
