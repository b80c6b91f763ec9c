"""``PROXYORDERS_LOG``: a redacting stderr handler, set up once per process, in a subprocess."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from proxyorders_async._logging import LOG_ENV, RedactingFormatter, setup_logging

from .helpers import TOKEN

# Runs the SDK against the embedded emulator (loopback) with one retried request, then tries to
# set logging up twice more and logs secrets-looking text on purpose.
SCRIPT = textwrap.dedent(
    """
    import asyncio, logging
    import proxyorders_async
    from proxyorders_async import ProxyOrdersClient, RetryPolicy
    from proxyorders_async._logging import setup_logging
    from proxyorders_async.emulator import Emulator

    SECRETS = ("tok-S3CRET", "pw-S3CRET")

    async def main():
        async with Emulator(token="tok-S3CRET") as emulator:
            emulator.faults.set("me", fail_first=1, fail_with=503)
            fast = RetryPolicy(base_backoff=0.001, max_backoff=0.002)
            async with ProxyOrdersClient(
                token=emulator.token, base_url=emulator.url, retry_policy=fast
            ) as client:
                await client.account.me()

    asyncio.run(main())
    assert setup_logging() is setup_logging()
    import importlib; importlib.reload(proxyorders_async)
    log = logging.getLogger("proxyorders_async")
    print("handlers", len(log.handlers), logging.getLevelName(log.level))
    log.warning("echo Authorization: Bearer %s via http://bob:%s@proxy:3128", *SECRETS)
    """
)


def run(value: str | None, token: str = "tok-S3CRET") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROXYORDERS_")}
    env["PROXYORDERS_TOKEN"] = token
    if value is not None:
        env[LOG_ENV] = value
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_debug_shows_attempts_and_retries_on_stderr_without_secrets() -> None:
    done = run("debug")
    lines = done.stderr.splitlines()
    assert sum(" DEBUG proxyorders_async: GET http://127.0.0.1:" in line for line in lines) == 2
    assert sum(" INFO proxyorders_async: retrying GET " in line for line in lines) == 1
    assert "-> 503 in" in done.stderr and "-> 200 in" in done.stderr
    # Set up once: three setups (import, explicit, reload) leave one handler.
    assert "handlers 1 DEBUG" in done.stdout
    assert "tok-S3CRET" not in done.stderr and "pw-S3CRET" not in done.stderr
    assert "Bearer *** via http://bob:***@proxy:3128" in done.stderr


def test_info_shows_retries_only() -> None:
    done = run("INFO")
    assert " INFO proxyorders_async: retrying GET " in done.stderr
    assert " DEBUG " not in done.stderr
    assert "handlers 1 INFO" in done.stdout


def test_unset_means_no_handler() -> None:
    done = run(None)
    # Only Python's last-resort output of the deliberate WARNING: no SDK handler, no retries.
    assert "proxyorders_async:" not in done.stderr and "retrying" not in done.stderr
    assert "handlers 0 NOTSET" in done.stdout


def test_an_invalid_value_is_ignored_with_one_warning() -> None:
    done = run("verbose")
    assert done.stderr.count("ignoring PROXYORDERS_LOG='verbose'") == 1
    assert "retrying" not in done.stderr
    assert "handlers 0 NOTSET" in done.stdout


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer ***"),
        ("Proxy-Authorization: Basic YWxpY2U6cHc=", "Proxy-Authorization: Basic ***"),
        (
            "proxy http://alice:pw@10.0.0.1:3128 failed",
            "proxy http://alice:***@10.0.0.1:3128 failed",
        ),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_the_formatter_masks_credentials(text: str, shown: str) -> None:
    record = logging.LogRecord("proxyorders_async", logging.INFO, __file__, 1, text, None, None)
    assert RedactingFormatter("%(message)s").format(record) == shown


def test_setup_logging_ignores_an_empty_environment() -> None:
    assert setup_logging({}) is None
    assert setup_logging({LOG_ENV: "  "}) is None
