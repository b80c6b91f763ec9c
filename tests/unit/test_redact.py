"""The redactor as plain functions: every spelling and every 8+-character run is masked."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from proxyorders_async import APIStatusError, PurchaseOutcomeUnknownError
from proxyorders_async._redact import MASK, Redactor

TOKEN = "sk_live_Zq9/ab\\cd\u00e9\u20acx0123456789ABCDEFGHIJ"
R = Redactor(TOKEN)


def _u_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


SPELLINGS = {
    "verbatim": TOKEN,
    "json": json.dumps(TOKEN)[1:-1],
    "json-slash": json.dumps(TOKEN, ensure_ascii=False)[1:-1].replace("/", "\\/"),
    "u-escapes": _u_escaped(TOKEN),
    "bytes-repr": repr(TOKEN.encode())[2:-1],
    "bytes-repr-twice": repr(repr(TOKEN.encode())[2:-1])[1:-1],
    "str-repr-of-surrogates": repr(TOKEN.encode().decode("ascii", "surrogateescape"))[1:-1],
    "surrogateescape": TOKEN.encode().decode("ascii", "surrogateescape"),
    "latin-1-mojibake": TOKEN.encode().decode("latin-1"),
    "percent": urllib.parse.quote(TOKEN, safe=""),
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_every_spelling_is_masked_whole(spelling: str) -> None:
    assert R.text(f"before {spelling} after") == f"before {MASK} after"


@pytest.mark.parametrize("start", range(len(TOKEN) - 7))
def test_every_run_of_8_characters_is_masked_also_cut_short(start: int) -> None:
    for run in (TOKEN[start : start + 8], TOKEN[start:]):
        assert R.text(f"b'---{run}...'") == f"b'---{MASK}...'"
        escaped = repr(run.encode())[2:-1]
        assert R.text(f"b'---{escaped}...'") == f"b'---{MASK}...'"


def test_json_surrogate_pairs_are_joined() -> None:
    astral = "key_\U0001f600_0123456789"
    escaped = json.dumps(astral)[1:-1]
    assert "\\ud83d\\ude00" in escaped
    assert Redactor(astral).text(f"[{escaped}]") == f"[{MASK}]"


def test_runs_of_7_characters_and_innocent_text_are_kept() -> None:
    text = f"{TOKEN[:7]} order 77889 team-7788-prod 100% \\n \\u0041 %zz \\"
    assert R.text(text) is text


def test_a_short_secret_masks_only_itself() -> None:
    assert Redactor("7788").text("id 77889 and 7788") == f"id {MASK}9 and {MASK}"
    assert Redactor("").text("anything") == "anything"


def test_bytes_keep_everything_but_the_secret() -> None:
    raw = b'{"m": "' + TOKEN.encode() + b'", "bin": "\xff\xfe"}'
    assert R.data(raw) == b'{"m": "***", "bin": "\xff\xfe"}'
    clean = b'{"m": "\xff"}'
    assert R.data(clean) is clean


def test_decoded_values_are_masked_in_keys_strings_and_numbers() -> None:
    digits = Redactor("77889900")
    value = {"77889900k": ["x 77889900", 778899001, 7788, 1.5, None, True], "n": (1, 2)}
    assert digits.value(value) == {"***k": ["x ***", MASK, 7788, 1.5, None, True], "n": [1, 2]}
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    assert isinstance(digits.value(deep), str)  # too deep to walk: a masked text instead


def test_an_error_and_its_chain_are_masked_in_place() -> None:
    cause = APIStatusError(
        f"bad {TOKEN}", status=401, body={"m": TOKEN}, method="GET", url=f"http://h/?k={TOKEN}"
    )
    error = PurchaseOutcomeUnknownError(f"unknown {TOKEN}", method="POST", url="http://h/p")
    error.__cause__ = cause
    assert R.error(error) is error
    assert error.message == f"unknown {MASK}" and error.args == (f"unknown {MASK}",)
    assert cause.message == f"bad {MASK}" and cause.body == {"m": MASK}
    assert cause.url == f"http://h/?k={MASK}"
    assert TOKEN not in repr(error) + repr(cause) + str(cause)
