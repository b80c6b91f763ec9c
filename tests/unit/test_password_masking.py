"""Proxy passwords masked in texts and values kept on errors (``_redact``)."""

from __future__ import annotations

import pytest

from proxyorders_async._redact import Redactor, hide_password_text, hide_passwords

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('{"proxy_password":"s3cr3t-Pa55","data":1}', '{"proxy_password":"***","data":1}'),
        ('{"password": "a\\"b", "x": 2}', '{"password": "***", "x": 2}'),
        ('{"proxy_password": "s3cr3t-P', '{"proxy_password": "***"'),
        ("{'password': 's3cr3t-Pa55', 'x': 1}", "{'password': '***', 'x': 1}"),
        ('{\\"password\\": \\"s3cr3t\\", \\"x\\": 1}', '{\\"password\\": \\"***\\", \\"x\\": 1}'),
        ('"PROXY_PASSWORD": 12345678, "y"', '"PROXY_PASSWORD": ***, "y"'),
        ("user=u&proxy_password=s3cr3t-Pa55&x=1", "user=u&proxy_password=***&x=1"),
        ("Invalid password: too short", "Invalid password: too short"),
        (
            "my-password=kept because it is another key",
            "my-password=kept because it is another key",
        ),
        ('{"password_hint":"kept"}', '{"password_hint":"kept"}'),
    ],
)
def test_password_members_are_masked_in_text(text: str, masked: str) -> None:
    assert hide_password_text(text) == masked


def test_values_mask_password_keys_in_any_case_and_keep_nulls() -> None:
    body = {"data": [{"Proxy_Password": SECRET, "password": None, "name": "n"}], "x": (SECRET,)}
    assert hide_passwords(body) == {
        "data": [{"Proxy_Password": "***", "password": None, "name": "n"}],
        "x": [SECRET],  # only password members are known to be passwords
    }
    assert hide_passwords(f'{{"password": "{SECRET}"}}') == '{"password": "***"}'


def test_the_redactor_masks_passwords_with_the_token() -> None:
    redactor = Redactor("tok_live_0123456789")
    text = '{"proxy_password":"s3cr3t-Pa55"} Bearer tok_live_0123456789'
    assert redactor.text(text) == '{"proxy_password":"***"} Bearer ***'
    assert redactor.value({"p": {"password": SECRET}}) == {"p": {"password": "***"}}
