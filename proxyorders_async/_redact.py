"""Masking the API key in every text built from what a server sent.

A server (or a proxy in front of it) can echo the ``Authorization`` header back in a body, a
reason phrase or a broken header line, and it can do so in many spellings: verbatim, JSON
escaped (``\\/``, ``\\u0073``), as Python's ``repr`` of bytes (``\\\\``, ``\\xc3\\xa9``),
percent-encoded, or cut short by a parser that quotes only the first 100 bytes of a line.
:class:`Redactor` masks every run of at least :data:`MIN_TOKEN_CHARS` characters of the token
in any of those spellings, however often the text was escaped on its way (an exception's
``repr`` escapes its message again). It is applied to error texts, error bodies and log lines
only: the data of a successful answer is never touched.
"""

from __future__ import annotations

import re
from typing import Any

from ._exceptions import APIError

__all__ = [
    "MASK",
    "MIN_TOKEN_CHARS",
    "PASSWORD_KEYS",
    "Redactor",
    "hide_password_text",
    "hide_passwords",
]

#: Shorter API keys are refused: shorter runs would mask innocent text (order ids, tags).
MIN_TOKEN_CHARS = 8
MASK = "***"

# One escape sequence of JSON, Python's repr or a URL. Groups: \uXXXX, \UXXXXXXXX, \xHH, %HH,
# a backslash-escaped character.
_ESCAPE = re.compile(
    r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|\\x([0-9a-fA-F]{2})|%([0-9a-fA-F]{2})"
    r"|\\([\\/\"'])"
)
# An exception's repr escapes its message, a log line may quote that repr: peel this many times.
_MAX_UNESCAPES = 4
# Python's surrogateescape spells undecodable byte 0xHH as the lone surrogate U+DC00+HH.
_LOW_SURROGATES = range(0xDC80, 0xDD00)
_SURROGATE = re.compile("[\udc80-\udcff]")

#: The keys under which the API sends proxy passwords (active proxies, profile, sub-users).
PASSWORD_KEYS = frozenset({"password", "proxy_password"})
# A password member in text (an error page, a body cut short, a repr): the key, possibly
# escaped once more, then its value up to the closing quote (or the end of a truncated text).
_PASSWORD_MEMBER = re.compile(
    r"(?P<key>(?P<q>\\*[\"'])(?:proxy_)?password(?P=q)\s*:\s*)"
    r"(?:(?P=q)(?:(?!(?P=q))(?:\\.|.))*(?:(?P=q)|\Z)|[^\s,}\]]+)",
    re.IGNORECASE | re.DOTALL,
)
# The same in a query or form text (``proxy_password=...&``), as an error page may quote it.
_PASSWORD_PARAM = re.compile(r"(?<![\w-])((?:proxy_)?password=)[^&\s\"',;]+", re.IGNORECASE)

Span = tuple[int, int]
# One character of a decoded view of a text, and the span of the original text it came from.
_View = tuple[str, list[Span]]


def _utf8_length(lead: int) -> int:
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    return 2 if lead >= 0xC0 else 1


def _decode_bytes(run: list[tuple[int, Span]], chars: list[str], spans: list[Span]) -> None:
    """Escaped bytes as UTF-8 characters where they form one, else one Latin-1 character each."""
    i = 0
    while i < len(run):
        size = _utf8_length(run[i][0])
        try:
            char = bytes(b for b, _ in run[i : i + size]).decode("utf-8") if size > 1 else ""
        except UnicodeDecodeError:
            char = ""
        if len(char) != 1:
            char, size = chr(run[i][0]), 1
        chars.append(char)
        spans.append((run[i][1][0], run[i + size - 1][1][1]))
        i += size


def _as_byte(match: re.Match[str]) -> int | None:
    """The byte an escape stands for (``\\xHH``, ``%HH``, ``\\udcHH``), else None."""
    hex_byte = match.group(3) or match.group(4)
    if hex_byte is not None:
        return int(hex_byte, 16)
    code = match.group(1)
    if code is not None and int(code, 16) in _LOW_SURROGATES:
        return int(code, 16) - 0xDC00
    return None


def _as_char(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code is None:
        return match.group(5)
    try:
        return chr(int(code, 16))
    except (ValueError, OverflowError):  # beyond U+10FFFF: not a character
        return match.group(0)


def _may_be_escaped(text: str) -> bool:
    return "\\" in text or "%" in text or _SURROGATE.search(text) is not None


def _unescape(view: _View) -> _View | None:
    """``view`` with one layer of escapes decoded, or None when it has none."""
    text, spans = view
    if not _may_be_escaped(text):
        return None
    chars: list[str] = []
    out_spans: list[Span] = []
    run: list[tuple[int, Span]] = []  # consecutive escaped bytes, decoded together
    i = 0
    while i < len(text):
        match = _ESCAPE.match(text, i) if text[i] in "\\%" else None
        end = match.end() if match else i + 1
        span = (spans[i][0], spans[end - 1][1])
        byte = _as_byte(match) if match else None
        if byte is None and match is None and ord(text[i]) in _LOW_SURROGATES:
            byte = ord(text[i]) - 0xDC00
        if byte is not None:
            run.append((byte, span))
        else:
            _decode_bytes(run, chars, out_spans)
            run = []
            chars.append(_as_char(match) if match else text[i])
            out_spans.append(span)
        i = end
    _decode_bytes(run, chars, out_spans)
    _join_surrogate_pairs(chars, out_spans)
    decoded = "".join(chars)
    return None if decoded == text else (decoded, out_spans)


def _join_surrogate_pairs(chars: list[str], spans: list[Span]) -> None:
    """JSON spells a character beyond U+FFFF as two escapes (``\\ud83d\\ude00``): join them."""
    i = 0
    while i < len(chars) - 1:
        high, low = ord(chars[i]), ord(chars[i + 1])
        if 0xD800 <= high < 0xDC00 and 0xDC00 <= low < 0xE000:
            chars[i : i + 2] = [chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))]
            spans[i : i + 2] = [(spans[i][0], spans[i + 1][1])]
        i += 1


def hide_password_text(text: str) -> str:
    """``text`` with the value of every ``"password"``/``"proxy_password"`` member masked.

    JSON members (also escaped once more, or cut short) and ``password=...`` parameters.
    """
    if "assword" not in text and "ASSWORD" not in text:
        return text
    return _PASSWORD_PARAM.sub(rf"\1{MASK}", _PASSWORD_MEMBER.sub(_masked_member, text))


def _masked_member(match: re.Match[str]) -> str:
    value = match.group(0)[len(match.group("key")) :]
    quote = match.group("q")
    if value.startswith(quote):
        return f"{match.group('key')}{quote}{MASK}{quote}"
    return match.group("key") + MASK


def hide_passwords(data: Any) -> Any:
    """A copy of a decoded body with every password value replaced by ``"***"``.

    For bodies kept on errors (``APIResponseValidationError.body``): a malformed profile or
    sub-user answer must not carry its password into a report or log. A text (a body that was
    not JSON, or an excerpt) has its password members masked.
    """
    try:
        return _hide(data)
    except RecursionError:  # a nesting bomb: show nothing rather than risk a password
        return "<body hidden: nested too deeply to check for passwords>"


def _hide(data: Any) -> Any:
    if isinstance(data, str):
        return hide_password_text(data)
    if isinstance(data, dict):
        return {
            key: MASK if _is_password_key(key) and value is not None else _hide(value)
            for key, value in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [_hide(item) for item in data]
    return data


def _is_password_key(key: object) -> bool:
    return isinstance(key, str) and key.lower() in PASSWORD_KEYS


class Redactor:
    """Masks any run of :data:`MIN_TOKEN_CHARS`+ characters of one secret, however spelled.

    Built once per client from the API key; every method is pure and safe to call on any text.
    Proxy passwords (:data:`PASSWORD_KEYS` members) are masked too, in texts and values.
    """

    def __init__(self, secret: str) -> None:
        # The key as sent, and as its UTF-8 bytes read back as Latin-1 (a common mis-decoding).
        needles = {secret, secret.encode("utf-8", "surrogatepass").decode("latin-1")}
        width = min(MIN_TOKEN_CHARS, len(secret))
        # Every run of ``width`` characters; an empty secret (refused by the client) has none.
        self._grams = {n[i : i + width] for n in needles for i in range(len(n) - width + 1) if n}
        self._width = width

    def _starts(self, text: str) -> list[int]:
        """Where a run of the secret starts in ``text`` (a set lookup: linear in the text)."""
        grams, width = self._grams, self._width
        if not grams:
            return []
        return [k for k in range(len(text) - width + 1) if text[k : k + width] in grams]

    def text(self, text: str) -> str:
        """``text`` with every spelling of the secret (and of its 8+-character runs) masked.

        Password members (``"proxy_password": "..."``) are masked as well.
        """
        if not text:
            return text
        text = hide_password_text(text)
        marks = [(k, k + self._width) for k in self._starts(text)]
        view: _View = (text, [])
        for _ in range(_MAX_UNESCAPES if _may_be_escaped(text) else 0):
            if not view[1]:
                view = (text, [(i, i + 1) for i in range(len(text))])
            unescaped = _unescape(view)
            if unescaped is None:
                break
            view = decoded, spans = unescaped
            for k in self._starts(decoded):
                marks.append((spans[k][0], spans[k + self._width - 1][1]))
        return _mask(text, marks) if marks else text

    def data(self, raw: bytes) -> bytes:
        """A response body with the secret masked; bytes that are not UTF-8 are kept as they are."""
        text = raw.decode("utf-8", "surrogateescape")
        masked = self.text(text)
        return raw if masked is text else masked.encode("utf-8", "surrogateescape")

    def value(self, value: Any) -> Any:
        """A decoded JSON value with the secret masked in every string, key and number."""
        try:
            return self._value(value)
        except RecursionError:  # a nesting bomb: nothing of it is worth showing
            return "[too deeply nested to show]"

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                self._value(k): MASK if _is_password_key(k) and v is not None else self._value(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self._value(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                shown = repr(value)
            except ValueError:  # an int too long to print is not shown anywhere either
                return value
            return value if self.text(shown) == shown else MASK
        return value

    def error(self, exc: APIError) -> APIError:
        """Mask ``exc`` (and every API error chained to it) in place; returns ``exc``.

        Its message, URL (a ``next`` URI comes from the server) and body are masked.
        """
        seen: set[int] = set()
        todo: list[BaseException | None] = [exc]
        while todo:
            link = todo.pop()
            if link is None or id(link) in seen:
                continue
            seen.add(id(link))
            if isinstance(link, APIError):
                link.message = self.text(link.message)
                link.url = self.text(link.url)
                link.args = tuple(self.text(a) if isinstance(a, str) else a for a in link.args)
                if hasattr(link, "body"):
                    link.body = self.value(link.body)
            todo += [link.__cause__, link.__context__]
        return exc


def _mask(text: str, marks: list[Span]) -> str:
    marks.sort()
    parts: list[str] = []
    done = 0
    start, end = marks[0]
    for s, e in [*marks[1:], (len(text) + 1, len(text) + 1)]:
        if s <= end:
            end = max(end, e)
            continue
        parts += [text[done:start], MASK]
        done = end
        start, end = s, e
    parts.append(text[done:])
    return "".join(parts)
