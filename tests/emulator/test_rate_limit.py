"""The emulator's rate limit: a token bucket per account with a truthful ``Retry-After``.

The bucket's clock is replaced by one the test moves, so every answer is exact.
"""

from __future__ import annotations

import aiohttp
import pytest

from proxyorders_async.emulator import Emulator, RateLimiter
from proxyorders_async.emulator._launch import build_parser as _parser

from .conftest import Api

ME = "/user/api/me"


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_burst_is_served_then_refused_with_the_wait_for_one_token() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, 3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 1  # a token in 0.5 s: the next whole second
    clock.now += 0.5
    assert limiter.take("a") is None
    assert limiter.take("a") == 1


@pytest.mark.parametrize(("rate", "expected"), [(0.5, 2), (0.25, 4), (1 / 3, 3), (0.4, 3)])
def test_retry_after_is_the_smallest_whole_wait_that_is_enough(rate: float, expected: int) -> None:
    clock = Clock()
    limiter = RateLimiter(rate, 1, clock=clock)
    assert limiter.take("a") is None
    assert limiter.take("a") == expected
    clock.now += expected - 1
    assert limiter.take("a") is not None  # a second less would still be refused
    clock.now += 1
    assert limiter.take("a") is None  # waiting as told is enough


def test_a_refused_request_takes_no_token_and_accounts_are_separate() -> None:
    clock = Clock()
    limiter = RateLimiter(1.0, 1, clock=clock)
    assert limiter.take("a") is None
    for _ in range(5):
        assert limiter.take("a") == 1  # refusals do not push the next token further away
    assert limiter.take("b") is None
    clock.now += 1
    assert limiter.take("a") is None


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(10.0, 2, clock=clock)
    clock.now += 3600
    assert [limiter.take("a") for _ in range(3)] == [None, None, 1]


def test_configure_turns_it_off_and_on_and_checks_values() -> None:
    limiter = RateLimiter()
    assert not limiter
    assert limiter.take("a") is None
    limiter.configure(2.5)
    assert limiter and limiter.burst == 3  # default burst: one second's worth, rounded up
    for rate, burst in ((0.0, None), (float("nan"), None), (-1.0, None), (1.0, 0), (None, 2)):
        with pytest.raises(ValueError):
            limiter.configure(rate, burst)


async def test_http_429_with_retry_after_and_journal(session: aiohttp.ClientSession) -> None:
    async with Emulator(rate_limit=1, rate_burst=2) as emu:
        clock = Clock()
        emu.limiter.clock = clock
        api = Api(session, emu)
        other = emu.add_account()
        statuses = [(await api.get(ME))[0] for _ in range(3)]
        async with session.get(
            emu.url + ME, headers={"Authorization": f"Bearer {emu.token}"}
        ) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "1"
            body = await response.json()
        assert (await api.get(ME, token=other.token))[0] == 200  # its own bucket
        assert (await api.get("/health"))[0] == 200  # never limited
        clock.now += 1
        assert (await api.get(ME))[0] == 200
    assert statuses == [200, 200, 429]
    assert body == {"success": False, "message": "Too many requests: rate limit exceeded"}
    entries = emu.journal_for("me")
    assert [e.faults for e in entries] == [(), (), ("rate_limited",), ("rate_limited",), (), ()]
    arrivals = [e.received_at for e in emu.journal]
    assert arrivals == sorted(arrivals) and arrivals[0] > 0


async def test_configure_on_a_running_emulator(api: Api, emu: Emulator) -> None:
    emu.limiter.configure(1, 1)
    emu.limiter.clock = Clock()
    assert [(await api.get(ME))[0] for _ in range(2)] == [200, 429]
    emu.limiter.configure(None)
    assert (await api.get(ME))[0] == 200


def test_command_line_flags() -> None:
    args = _parser().parse_args(["--rate-limit", "500", "--rate-burst", "50"])
    assert (args.rate_limit, args.rate_burst) == (500.0, 50)
    assert _parser().parse_args([]).rate_limit is None
    for bad in (["--rate-limit", "0"], ["--rate-limit", "x"], ["--rate-burst", "0"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(bad)


def test_a_burst_without_a_rate_is_refused() -> None:
    from proxyorders_async.emulator.__main__ import main

    assert main(["--rate-burst", "5"]) == 2
