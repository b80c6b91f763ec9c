"""The emulator's one JSON decoder for what clients send: every failure is a 400, never a 500."""

from __future__ import annotations

import pytest

from proxyorders_async.emulator._errors import ApiError
from proxyorders_async.emulator._rules import loads_request_json, parse_json_object


def test_valid_json_is_decoded() -> None:
    assert loads_request_json(b'{"a": [1, 2]}', "Request body") == {"a": [1, 2]}
    assert loads_request_json("[[[]]]", "addons_json") == [[[]]]


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 100_000, "[" * 5_000])
def test_nesting_past_the_recursion_limit_is_a_400(raw: bytes | str) -> None:
    with pytest.raises(ApiError) as caught:
        loads_request_json(raw, "Request body")
    assert caught.value.status == 400
    # Python 3.13's decoder nests deeper than 3.10-3.12's before its recursion guard trips, so
    # 5,000 unclosed brackets may end as plain invalid JSON there: a 400 either way.
    assert caught.value.message in (
        "Request body is nested too deeply to be valid JSON",
        "Request body is not valid JSON",
    )


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"", b"NaN-ish"])
def test_invalid_json_is_a_400_with_the_given_message(raw: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        loads_request_json(raw, "addons_json", "addons_json must be a JSON array")
    assert (caught.value.status, caught.value.message) == (400, "addons_json must be a JSON array")


def test_parse_json_object_refuses_a_nesting_bomb_with_a_400() -> None:
    with pytest.raises(ApiError) as caught:
        parse_json_object(b"[" * 100_000, "application/json")
    assert caught.value.status == 400
