"""Account and catalog commands, conventions, usage, authentication and connection errors."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from proxyorders_async._cli import main
from proxyorders_async.emulator import DEFAULT_BALANCE, Emulator

from .conftest import PYTHON, Run


async def test_me_table(cli: Run) -> None:
    result = await cli("me")
    assert result.code == 0, result.err
    assert "demo@proxyshard.test" in result.out
    assert "$10,000.00" in result.out
    assert result.err == ""


async def test_me_json_keeps_cents_as_ints(cli: Run, emu: Emulator) -> None:
    result = await cli("me", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data == {
        "email": "demo@proxyshard.test",
        "active_orders": emu.account.active_orders,
        "wallet_balance": DEFAULT_BALANCE,
    }
    assert type(data["wallet_balance"]) is int


async def test_products(cli: Run) -> None:
    table = await cli("products")
    assert table.code == 0, table.err
    assert "Datacenter Proxy" in table.out
    assert "3days, weekly, half-month, monthly" in table.out
    data = (await cli("products", "--json")).json()
    names = {item["name"] for item in data}
    assert {"Datacenter Proxy", "Standart Residential Proxy", "ISP Proxy"} <= names
    assert all(set(item) == {"name", "cycles", "description", "location"} for item in data)


async def test_stock(cli: Run) -> None:
    table = await cli("stock")
    assert table.code == 0, table.err
    assert "5,000" in table.out
    data = (await cli("stock", "--json")).json()
    assert {"country": "DE", "product": "Datacenter Proxy", "amount": 5000} in data


async def test_global_options_before_or_after_the_command(
    cli: Run, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROXYORDERS_TOKEN")
    monkeypatch.delenv("PROXYORDERS_BASE_URL")
    before = await cli("--token", emu.token, "--base-url", emu.url, "me", "--json")
    after = await cli("me", "--json", "--token", emu.token, "--base-url", emu.url)
    assert before.code == after.code == 0
    assert before.out == after.out


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for line in ("0    success", "2    usage error", "3    authentication", "4    purchase"):
        assert line in out
    assert "5    cannot reach the API" in out
    assert "130  interrupted" in out
    assert main(["orders", "export", "--help"]) == 0
    assert "--resume" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("proxyorders ")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["orders"],
        ["orders", "list"],
        ["orders", "list", "paused"],
        ["orders", "list", "all", "--limit", "500"],
        ["orders", "get", "abc"],
        ["orders", "get", "0"],
        ["orders", "auto-renewal", "5", "maybe"],
        ["quote", "Datacenter Proxy", "--addon", "p0f_slots"],
        ["quote", "Datacenter Proxy", "--quantity", "0"],
        ["me", "--timeout", "-1"],
        ["orders", "export", "all"],
        ["orders", "export", "all", "--out", "x.csv", "--concurrency", "99"],
    ],
)
async def test_argparse_usage_errors_exit_2(cli: Run, emu: Emulator, argv: list[str]) -> None:
    result = await cli(*argv)
    assert result.code == 2
    assert "usage:" in result.err
    assert len(emu.journal) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["quote"], "give a PRODUCT"),
        (["quote", "ISP Proxy", "--from-csv", "q.csv"], "drop PRODUCT"),
        (["purchase", "Datacenter Proxy", "--cycle", "monthly", "--yes"], "needs --location"),
        (["purchase", "Premium Residential Proxy", "--location", "DE", "--yes"], "--location"),
        (["orders", "export", "all", "--out", "orders.txt"], "--format"),
        (["--base-url", "ftp://example.com", "me"], "base_url"),
    ],
)
async def test_command_usage_errors_exit_2(
    cli: Run, emu: Emulator, argv: list[str], message: str
) -> None:
    result = await cli(*argv)
    assert result.code == 2, result.err
    assert result.err.startswith("error: ")
    assert message in result.err
    assert "Traceback" not in result.err
    assert len(emu.journal) == 0


async def test_wrong_token_exits_3(cli: Run, emu: Emulator) -> None:
    result = await cli("me", "--token", "emu_not_a_real_key")
    assert result.code == 3
    assert result.err.splitlines()[0].startswith("error: authentication failed")
    assert "emu_not_a_real_key" not in result.err
    assert emu.journal_for("me")[0].status == 401


async def test_missing_token_exits_3(
    cli: Run, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROXYORDERS_TOKEN")
    result = await cli("me")
    assert result.code == 3
    assert "PROXYORDERS_TOKEN" in result.err
    assert len(emu.journal) == 0


async def test_unreachable_api_exits_5(cli: Run) -> None:
    # Port 1 on loopback refuses connections at once (the SDK retries twice, quickly).
    result = await cli("me", "--base-url", "http://127.0.0.1:1")
    assert result.code == 5
    assert result.err.startswith("error: cannot reach the API")


async def test_api_error_exits_1_with_one_line(cli: Run) -> None:
    result = await cli("orders", "get", "999999")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "not found" in result.err.lower()
    assert "HTTP 404" in result.err


async def test_debug_logs_requests_but_never_the_token(cli: Run, emu: Emulator) -> None:
    ok = await cli("--debug", "me")
    assert ok.code == 0
    assert "DEBUG proxyorders_async" in ok.err
    assert "GET" in ok.err
    failed = await cli("orders", "get", "999999", "--debug")
    assert failed.code == 1
    assert "Traceback" in failed.err
    for result in (ok, failed):
        assert emu.token not in result.out + result.err


async def test_debug_logging_is_removed_afterwards(cli: Run) -> None:
    await cli("--debug", "me")
    quiet = await cli("me")
    assert "DEBUG" not in quiet.err


async def test_missing_rich_prints_install_hint(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # makes "import rich" raise ImportError
    result = await cli("me")
    assert result.code == 2
    assert result.err.strip() == (
        "error: the proxyorders command needs rich: pip install 'proxyorders-async[cli]'"
    )


def test_sdk_and_cli_module_do_not_import_rich() -> None:
    code = "import sys, proxyorders_async, proxyorders_async._cli; sys.exit('rich' in sys.modules)"
    assert subprocess.run([PYTHON, "-c", code], check=False).returncode == 0


async def test_python_dash_m_runs_the_cli(cli_env: dict[str, str]) -> None:
    from .conftest import subprocess_env

    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "proxyorders_async",
        "me",
        "--json",
        env=subprocess_env(cli_env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err
    assert b'"wallet_balance": 1000000' in out


async def test_malformed_token_exits_3_without_echoing_it(cli: Run, emu: Emulator) -> None:
    result = await cli("me", "--token", "emu_secret part")
    assert result.code == 3
    assert "whitespace" in result.err
    assert "secret" not in result.err
    assert len(emu.journal) == 0


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (None, "-"),
        (0, "$0.00"),
        (5, "$0.05"),
        (123456, "$1,234.56"),
        (-150, "-$1.50"),
        (-5, "-$0.05"),
    ],
)
def test_one_dollars_for_the_cli_and_the_demo(cents: int | None, shown: str) -> None:
    from proxyorders_async._cli import demo, output
    from proxyorders_async._cli.base import dollars

    assert dollars(cents) == shown
    assert output.dollars is dollars and demo.dollars is dollars
