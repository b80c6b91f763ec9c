"""What every resource namespace shares: the transport it sends through."""

from __future__ import annotations

from .._transport import Transport


class Resource:
    """Base of ``client.orders`` and the other namespaces: holds the client's transport."""

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
