"""``traffic``, ``sub-users`` and ``geo`` against the emulator, and the exit status of an
unknown outcome of a write that charges nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxyorders_async import OutcomeUnknownError
from proxyorders_async._cli import build_parser
from proxyorders_async._cli.app import _describe
from proxyorders_async.emulator import Emulator

from .conftest import Run

GB = 2**30
SEEDED_USERS = 22  # more than one page of 20


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Standart traffic of 50 GB, 22 sub-users of 1 GB each; no premium traffic."""
    async with Emulator(seed=11, traffic_gb={"standart": 50}, sub_users=SEEDED_USERS) as emulator:
        yield emulator


def _pool(emu: Emulator) -> Any:
    return emu.account.pools["standart"]


def _users(emu: Emulator) -> dict[str, Any]:
    return dict(_pool(emu).sub_users)


def _first(emu: Emulator) -> Any:
    return next(iter(_users(emu).values()))


def _uid(emu: Emulator) -> str:
    return str(_first(emu).user_id)


def _password(emu: Emulator) -> str:
    return str(_first(emu).password)


# ---------------------------------------------------------------------------------------------
# traffic


async def test_traffic_in_gb_with_the_password_hidden(cli: Run, emu: Emulator) -> None:
    secret = _pool(emu).password
    result = await cli("traffic", "standart")
    assert result.code == 0, result.err
    assert "28.00 GB" in result.out  # 50 GB less 22 given to sub-users
    assert "***" in result.out
    assert secret not in result.out + result.err
    assert "--show-passwords" in result.err
    assert secret in (await cli("traffic", "standart", "--show-passwords")).out


async def test_traffic_json_in_bytes(cli: Run, emu: Emulator) -> None:
    data = (await cli("traffic", "standart", "--json")).json()
    assert data == {
        "proxy_type": "standart",
        "data": 28 * GB,
        "data_remain": 28 * GB,
        "data_spent": 0,
        "proxy_password": "***",
        "success": True,
    }
    shown = (await cli("traffic", "standart", "--json", "--show-passwords")).json()
    assert shown["proxy_password"] == _pool(emu).password


async def test_traffic_of_a_package_never_bought_exits_1(cli: Run) -> None:
    result = await cli("traffic", "premium")
    assert result.code == 1
    assert "HTTP 400" in result.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["traffic", "standard"], "did you mean 'standart'"),
        (["traffic", "Premium"], "expected standart, premium"),
        (["sub-users", "list", "standard"], "did you mean 'standart'"),
        (["geo", "countries", "basic"], "expected standart, premium"),
    ],
)
async def test_unknown_package_is_a_usage_error(
    cli: Run, emu: Emulator, argv: list[str], message: str
) -> None:
    result = await cli(*argv)
    assert result.code == 2
    assert message in result.err
    assert len(emu.journal) == 0


# ---------------------------------------------------------------------------------------------
# sub-users list / get


async def test_list_walks_every_page(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "list", "standart")
    assert result.code == 0, result.err
    assert f"{SEEDED_USERS} in all" in result.out
    for n in (1, 20, 21, SEEDED_USERS):
        assert f"standart-user-{n} " in result.out
    assert [e.query["offset"] for e in emu.journal_for("proxies.sub_users")] == ["0", "20"]
    assert _password(emu) not in result.out
    assert "more sub-users" not in result.err


async def test_list_json_walk_shape(cli: Run, emu: Emulator) -> None:
    data = (await cli("sub-users", "list", "standart", "--json")).json()
    assert data["proxy_type"] == "standart"
    assert data["count"] == SEEDED_USERS
    assert len(data["data"]) == SEEDED_USERS
    assert data["data"][0] == {
        "user_id": _uid(emu),
        "first_name": "standart-user-1",
        "proxy_password": "***",
        "data": GB,
        "data_spent": 0,
        "data_remain": GB,
    }


async def test_list_one_page_with_offset_and_limit(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "list", "standart", "--offset", "5", "--limit", "3")
    assert result.code == 0, result.err
    assert "standart-user-6 " in result.out
    assert "standart-user-9 " not in result.out
    assert "proxyorders sub-users list standart --offset 8 --limit 3" in result.err
    (entry,) = emu.journal_for("proxies.sub_users")
    assert (entry.query["offset"], entry.query["limit"]) == ("5", "3")
    data = (await cli("sub-users", "list", "standart", "--limit", "2", "--json")).json()
    assert data["count"] == SEEDED_USERS
    assert [user["first_name"] for user in data["data"]] == ["standart-user-1", "standart-user-2"]


async def test_list_shows_passwords_only_when_asked(cli: Run, emu: Emulator) -> None:
    data = (await cli("sub-users", "list", "standart", "--json", "--show-passwords")).json()
    assert data["data"][0]["proxy_password"] == _password(emu)
    result = await cli("sub-users", "list", "standart", "--limit", "1", "--show-passwords")
    assert _password(emu) in result.out


async def test_get_one_sub_user(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "get", "standart", _uid(emu))
    assert result.code == 0, result.err
    assert "standart-user-1" in result.out
    assert "1.00 GB" in result.out
    assert _password(emu) not in result.out
    data = (await cli("sub-users", "get", "standart", _uid(emu), "--json")).json()
    assert data == {
        "user_id": _uid(emu),
        "first_name": "standart-user-1",
        "proxy_password": "***",
        "data": GB,
        "data_spent": 0,
        "data_remain": None,
    }


async def test_get_an_unknown_sub_user_exits_1(cli: Run) -> None:
    result = await cli("sub-users", "get", "standart", "nobody")
    assert result.code == 1
    assert "not found" in result.err


# ---------------------------------------------------------------------------------------------
# sub-users writes


async def test_create_moves_traffic_and_hides_the_password(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "create", "standart", "scraper 1", "5")
    assert result.code == 0, result.err
    created = [u for u in _users(emu).values() if u.first_name == "scraper 1"]
    assert len(created) == 1
    user = created[0]
    assert f"Created sub-user {user.user_id} (scraper 1) with 5 GB" in result.out
    assert user.password not in result.out
    assert _pool(emu).data == 23 * GB


async def test_create_json_with_show_passwords(cli: Run, emu: Emulator) -> None:
    data = (
        await cli("sub-users", "create", "standart", "scraper 2", "2", "--json", "--show-passwords")
    ).json()
    user = _users(emu)[data["user_id"]]
    assert data == {
        "user_id": user.user_id,
        "first_name": "scraper 2",
        "proxy_password": user.password,
        "data": 2 * GB,
        "data_spent": 0,
        "data_remain": None,
    }


async def test_create_beyond_the_pool_exits_1(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "create", "standart", "greedy", "29")
    assert result.code == 1
    assert "HTTP 400" in result.err
    assert len(_users(emu)) == SEEDED_USERS


async def test_create_unknown_outcome_exits_4_and_is_sent_once(cli: Run, emu: Emulator) -> None:
    emu.faults.set("proxies.sub_user.create", reset_after_rate=1.0)  # created, then the reset
    result = await cli("sub-users", "create", "standart", "scraper 3", "1")
    assert result.code == 4
    first, *hints = result.err.splitlines()
    assert first.startswith("error: creating sub-user 'scraper 3' with 1 GB was sent")
    assert "NOT retried" in first
    assert any("proxyorders sub-users list standart" in hint for hint in hints)
    assert len(emu.journal_for("proxies.sub_user.create")) == 1
    assert len(_users(emu)) == SEEDED_USERS + 1


async def test_rename_and_delete(cli: Run, emu: Emulator) -> None:
    uid = _uid(emu)
    result = await cli("sub-users", "rename", "standart", uid, "renamed")
    assert result.code == 0, result.err
    assert _users(emu)[uid].first_name == "renamed"
    data = (await cli("sub-users", "delete", uid, "--json")).json()
    assert data["user_id"] == uid
    assert data["success"] is True
    assert uid not in _users(emu)
    result = await cli("sub-users", "delete", uid)
    assert result.code == 1
    assert "HTTP 404" in result.err


async def test_add_and_subtract_traffic(cli: Run, emu: Emulator) -> None:
    uid = _uid(emu)
    result = await cli("sub-users", "add-traffic", "standart", uid, "3")
    assert result.code == 0, result.err
    assert _users(emu)[uid].data == 4 * GB
    data = (await cli("sub-users", "subtract-traffic", "standart", uid, "2", "--json")).json()
    assert (data["user_id"], data["gb"], data["success"]) == (uid, 2, True)
    assert _users(emu)[uid].data == 2 * GB
    assert _pool(emu).data == 27 * GB


async def test_subtracting_more_than_a_sub_user_has_exits_1(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "subtract-traffic", "standart", _uid(emu), "5")
    assert result.code == 1
    assert "HTTP 400" in result.err


@pytest.mark.parametrize(
    ("verb", "route"),
    [
        ("add-traffic", "proxies.sub_user.data_add"),
        ("subtract-traffic", "proxies.sub_user.data_subtract"),
    ],
)
async def test_traffic_move_unknown_outcome_exits_4(
    cli: Run, emu: Emulator, verb: str, route: str
) -> None:
    emu.faults.set(route, reset_after_rate=1.0)
    result = await cli("sub-users", verb, "standart", _uid(emu), "1")
    assert result.code == 4
    assert "outcome is unknown" in result.err
    assert f"proxyorders sub-users get standart {_uid(emu)}" in result.err
    assert len(emu.journal_for(route)) == 1


async def test_reset_password(cli: Run, emu: Emulator) -> None:
    uid, old = _uid(emu), _password(emu)
    result = await cli("sub-users", "reset-password", "standart", uid)
    assert result.code == 0, result.err
    new = _password(emu)
    assert new != old
    assert new not in result.out + result.err
    assert "--show-passwords" in result.err
    assert len(emu.journal_for("proxies.sub_user.get")) == 0
    data = (
        await cli("sub-users", "reset-password", "standart", uid, "--show-passwords", "--json")
    ).json()
    assert data["proxy_password"] == _password(emu) != new


@pytest.mark.parametrize(
    "argv",
    [
        ["get", "standart", "a/b"],
        ["get", "standart", ".."],
        ["delete", ""],
        ["create", "standart", "", "1"],
        ["create", "standart", "x", "0"],
        ["add-traffic", "standart", "u1", "-1"],
        ["subtract-traffic", "standart", "u1", "1.5"],
        ["list", "standart", "--limit", "0"],
        ["list", "standart", "--offset", "-1"],
    ],
)
async def test_sub_user_usage_errors_send_nothing(cli: Run, emu: Emulator, argv: list[str]) -> None:
    result = await cli("sub-users", *argv)
    assert result.code == 2
    assert len(emu.journal) == 0


@pytest.mark.parametrize("verb", ["create", "add-traffic", "subtract-traffic"])
def test_help_says_what_is_not_safe_to_repeat(
    verb: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sub-users", verb, "--help"])
    text = capsys.readouterr().out
    assert "Not safe to repeat" in text
    assert "example:" in text


# ---------------------------------------------------------------------------------------------
# geo


async def test_geo_levels(cli: Run, emu: Emulator) -> None:
    countries = await cli("geo", "countries", "premium")
    assert countries.code == 0, countries.err
    assert "United States" in countries.out
    regions = await cli("geo", "regions", "premium", "US")
    assert "California" in regions.out
    cities = await cli("geo", "cities", "premium", "US", "CA")
    assert "los-angeles" in cities.out
    isps = await cli("geo", "isps", "US", "CA", "los-angeles")
    assert "AT&T" in isps.out
    (entry,) = emu.journal_for("proxies.isps")
    assert entry.query["proxy_type"] == "premium"


async def test_geo_json_shape(cli: Run) -> None:
    data = (await cli("geo", "cities", "standart", "US", "CA", "--json")).json()
    assert data["count"] == len(data["results"]) > 0
    city = data["results"][0]
    assert set(city) == {"code", "name", "country", "region"}
    assert city["country"]["code"] == "US"
    assert (await cli("geo", "countries", "premium", "--json")).json()["results"][0] == {
        "code": "US",
        "name": "United States",
    }


async def test_geo_empty_list_is_not_an_error(cli: Run) -> None:
    result = await cli("geo", "isps", "US", "CA", "nowhere")
    assert result.code == 0, result.err
    assert "nothing listed" in result.err


async def test_geo_usage_error_sends_nothing(cli: Run, emu: Emulator) -> None:
    result = await cli("geo", "regions", "premium", " ")
    assert result.code == 2
    assert len(emu.journal) == 0


# ---------------------------------------------------------------------------------------------
# exit status of the SDK's non-charging unknown outcome


def test_outcome_unknown_exits_4_with_the_advice_as_hint() -> None:
    exc = OutcomeUnknownError(
        "unknown",
        method="POST",
        url="https://api.test/user/api/proxies/sub-user",
        advice="client.sub_users.list(proxy_type)\n  (is the new sub-user there?)",
    )
    code, message, hints = _describe(exc)
    assert code == 4
    assert "POST https://api.test/user/api/proxies/sub-user was sent" in message
    assert "not retried" in message
    assert hints == [
        "before trying again, check client.sub_users.list(proxy_type) (is the new sub-user there?)"
    ]


@pytest.mark.parametrize(
    "command",
    [
        "proxies",
        "addons quote",
        "addons buy",
        "addons downgrade",
        "addons cancel-downgrade",
        "orders signatures",
        "orders ip-deletion",
        "orders add-traffic",
        "traffic",
        "sub-users list",
        "sub-users get",
        "sub-users create",
        "sub-users rename",
        "sub-users delete",
        "sub-users add-traffic",
        "sub-users subtract-traffic",
        "sub-users reset-password",
        "geo countries",
        "geo regions",
        "geo cities",
        "geo isps",
    ],
)
def test_every_new_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command.split(), "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert f"example:\n  proxyorders {command} " in text
    assert "--json" in text
    assert "exit codes:" in text


async def test_debug_output_never_shows_a_password(cli: Run, emu: Emulator) -> None:
    result = await cli("sub-users", "list", "standart", "--debug")
    assert result.code == 0, result.err
    assert "DEBUG" in result.err
    for user in _users(emu).values():
        assert user.password not in result.out + result.err
    assert _pool(emu).password not in (await cli("traffic", "standart", "--debug")).err
