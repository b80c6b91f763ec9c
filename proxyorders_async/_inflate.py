"""Reading a response body within a byte budget, decompressing it here, step by step.

aiohttp's own decompression may inflate a whole network chunk at once (64 KB of a gzip bomb
is 64 MB), and the ``Content-Length`` of a compressed body says nothing about its inflated
size. So the transport asks for the raw bytes (``auto_decompress=False``), advertises only the
codings this module can decode with a bounded output (:data:`ACCEPT_ENCODING`), and inflates
at most what is still allowed: memory stays within about the budget, whatever the ratio.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol

import aiohttp

__all__ = ["ACCEPT_ENCODING", "UndecodableBodyError", "read_capped"]

_CHUNK_BYTES = 64 * 1024
# A gzip body may concatenate members; real servers send one. Many tiny members would make
# every step copy the rest of the chunk, so more than this many is refused.
_MAX_GZIP_MEMBERS = 64


def _brotli_module() -> Any:
    """The brotli binding if it can decode with a bounded output (Brotli >= 1.2), else None."""
    for name in ("brotli", "brotlicffi"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        if hasattr(getattr(module, "Decompressor", None), "can_accept_more_data"):
            return module
    return None


_BROTLI = _brotli_module()
#: The ``Accept-Encoding`` the transport sends: exactly the codings :func:`read_capped` decodes.
ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI is not None else "gzip, deflate"


class UndecodableBodyError(Exception):
    """The body uses a coding that was not asked for, or its compressed stream is corrupt."""


class _Decoder(Protocol):
    def feed(self, data: bytes, max_out: int) -> bytes:
        """Inflate ``data`` (may be empty), returning about ``max_out`` bytes at most."""

    def pending(self) -> bool:
        """Whether more output is ready without more input."""


class _ZlibDecoder:
    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj: Any = None
        self._members = 0

    def _start(self, data: bytes) -> Any:
        wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        if not self._gzip and data and data[0] & 0x0F != 8:
            wbits = -zlib.MAX_WBITS  # "deflate" without its zlib header, as some servers send
        self._members += 1
        if self._members > _MAX_GZIP_MEMBERS:
            raise UndecodableBodyError(f"more than {_MAX_GZIP_MEMBERS} gzip members")
        return zlib.decompressobj(wbits)

    def feed(self, data: bytes, max_out: int) -> bytes:
        obj = self._obj
        if obj is not None and obj.eof:
            data = obj.unused_data + data
            if not self._gzip or not data:
                return b""  # bytes after the end of a deflate stream are ignored, as aiohttp does
            obj = None
        if obj is None:
            if not data:
                return b""
            obj = self._obj = self._start(data)
        try:
            return bytes(obj.decompress(obj.unconsumed_tail + data, max(max_out, 1)))
        except zlib.error as exc:
            raise UndecodableBodyError(
                f"corrupt {'gzip' if self._gzip else 'deflate'} data"
            ) from exc

    def pending(self) -> bool:
        obj = self._obj
        if obj is None:
            return False
        return bool(obj.unconsumed_tail) or (self._gzip and obj.eof and bool(obj.unused_data))


class _BrotliDecoder:
    def __init__(self) -> None:
        self._obj = _BROTLI.Decompressor()

    def feed(self, data: bytes, max_out: int) -> bytes:
        try:
            return bytes(self._obj.process(data, output_buffer_limit=max(max_out, 1)))
        except _BROTLI.error as exc:
            raise UndecodableBodyError("corrupt brotli data") from exc

    def pending(self) -> bool:
        return not self._obj.is_finished() and not self._obj.can_accept_more_data()


def _decoder(content_encoding: str | None) -> _Decoder | None:
    coding = (content_encoding or "").strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip", "deflate"):
        return _ZlibDecoder(gzip=coding != "deflate")
    if coding == "br" and _BROTLI is not None:
        return _BrotliDecoder()
    shown = coding if coding.isascii() and coding.isprintable() else "unknown"
    raise UndecodableBodyError(f"cannot decode Content-Encoding {shown[:40]!r}")


async def read_capped(
    content: aiohttp.StreamReader, content_encoding: str | None, limit: int
) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the (inflated) body, and whether the body had more.

    "More" means over ``limit`` on the wire or once inflated; reading stops there, so memory
    stays near ``limit``. Raises :class:`UndecodableBodyError` for a coding not asked for or a
    corrupt stream.
    """
    decoder = _decoder(content_encoding)
    out = bytearray()
    wire = 0
    async for chunk in content.iter_chunked(_CHUNK_BYTES):
        wire += len(chunk)
        if decoder is None:
            out += chunk
        else:
            # One byte past the budget is enough to know the body is too large.
            out += decoder.feed(chunk, limit + 1 - len(out))
            while len(out) <= limit and decoder.pending():
                out += decoder.feed(b"", limit + 1 - len(out))
        if len(out) > limit or wire > limit:
            del out[limit:]
            return bytes(out), True
    return bytes(out), False
