"""``quote`` (single and CSV batch) and ``purchase`` (confirmation, dry run, outcomes)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
from pathlib import Path

import pytest

from proxyorders_async import (
    DatacenterIspPurchase,
    GenericPurchase,
    PremiumResidentialPurchase,
    StandardResidentialPurchase,
    UnmeteredResidentialPurchase,
)
from proxyorders_async._cli import build_parser, commands
from proxyorders_async._cli.base import UsageError
from proxyorders_async.emulator import DEFAULT_BALANCE, Emulator

from .conftest import PYTHON, SEEDED_ORDERS, Run, subprocess_env

DC = ["Datacenter Proxy", "--location", "DE", "--cycle", "monthly", "--quantity", "10"]


async def test_quote_table(cli: Run) -> None:
    result = await cli("quote", *DC, "--promo-code", "SAVE10", "--addon", "p0f_slots=3")
    assert result.code == 0, result.err
    assert "$12.00" in result.out  # list price: 10 IPs at $1.20
    assert "10%" in result.out
    assert "$10.80" in result.out
    assert "$11.70" in result.out  # plus 3 p0f slots at $0.30 (monthly Datacenter)


async def test_quote_json(cli: Run, emu: Emulator) -> None:
    result = await cli("quote", *DC, "--promo-code", "SAVE10", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "original_price": 1200,
        "final_price": 1080,
        "discount_percent": 10,
        "addons_price": 0,
        "total_with_addons": 1080,
    }
    assert emu.journal_for("orders.calculate")[0].query["promo_code"] == "SAVE10"


async def test_quote_rejected_by_the_api_exits_1(cli: Run) -> None:
    result = await cli("quote", "Datacenter Proxy", "--location", "DE", "--cycle", "day")
    assert result.code == 1
    assert "HTTP 400" in result.err


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "quotes.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


BATCH = """\
product,location,cycle,quantity,promo_code
Datacenter Proxy,DE,monthly,10,SAVE10
Datacenter Proxy,DE,fortnightly,1,
Standart Residential Proxy,,,five,
Standart Residential Proxy,,,5,RESI20
"""


async def test_csv_batch_table_with_failed_rows(cli: Run, tmp_path: Path, emu: Emulator) -> None:
    argv = ["--from-csv", _csv(tmp_path, BATCH), "--concurrency", "2", "--format", "table"]
    result = await cli("quote", *argv)
    assert result.code == 1
    rows = {line.split()[0]: line for line in result.out.splitlines() if line.split()[:1] != []}
    assert "$10.80" in rows["2"]
    assert "Cycle 'fortnightly' is not available" in rows["3"]
    assert "quantity: expected an integer" in rows["4"]
    assert "$8.00" in rows["5"]  # 5 GB at $2, 20% off
    assert result.err.strip() == "error: 2 of 4 quotes failed (see the error column)"
    # The row with a bad quantity never reached the API.
    assert len(emu.journal_for("orders.calculate")) == 3


async def test_csv_batch_json(cli: Run, tmp_path: Path) -> None:
    result = await cli("quote", "--from-csv", _csv(tmp_path, BATCH), "--json")
    assert result.code == 1
    items = result.json()
    assert [item["line"] for item in items] == [2, 3, 4, 5]
    assert items[0]["quote"]["final_price"] == 1080
    assert items[0]["error"] is None
    assert items[1]["quote"] is None
    assert "HTTP 400" in items[1]["error"]
    assert items[0]["request"]["quantity"] == 10  # an integer, as in the API
    assert items[2]["request"]["quantity"] is None  # not an integer: the error says why
    assert "'five'" in items[2]["error"]
    assert items[3]["quote"]["final_price"] == 800


async def test_csv_batch_all_good_exits_0(cli: Run, tmp_path: Path) -> None:
    # A byte-order mark, as spreadsheets write, and only some of the columns.
    text = "\ufeffproduct,quantity\nPremium Residential Proxy,2\n\nStandart Residential Proxy,1\n"
    result = await cli("quote", "--from-csv", _csv(tmp_path, text), "--json")
    assert result.code == 0, result.err
    assert [item["quote"]["final_price"] for item in result.json()] == [600, 200]


@pytest.mark.parametrize(
    ("text", "message"),
    [("product,colour\nISP Proxy,red\n", "unknown column"), ("name\nx\n", "'product' column")],
)
async def test_csv_with_bad_header_exits_2(
    cli: Run, tmp_path: Path, text: str, message: str
) -> None:
    result = await cli("quote", "--from-csv", _csv(tmp_path, text))
    assert result.code == 2
    assert message in result.err


async def test_missing_csv_exits_2(cli: Run, tmp_path: Path) -> None:
    result = await cli("quote", "--from-csv", str(tmp_path / "absent.csv"))
    assert result.code == 2
    assert "cannot read" in result.err


# ---------------------------------------------------------------------------------------------
# Purchase


def _purchases(emu: Emulator) -> int:
    return len(emu.journal_for("orders.purchase"))


async def test_purchase_refused_without_yes_and_without_a_terminal(cli: Run, emu: Emulator) -> None:
    result = await cli("purchase", *DC)
    assert result.code == 2
    assert "refusing to buy without confirmation" in result.err
    assert "--yes" in result.err
    assert len(emu.journal) == 0  # not even a quote: nothing happens before the refusal
    assert len(list(emu.account)) == SEEDED_ORDERS


async def test_purchase_with_yes_buys_exactly_one_order(cli: Run, emu: Emulator) -> None:
    result = await cli("purchase", *DC, "--yes")
    assert result.code == 0, result.err
    assert _purchases(emu) == 1
    orders = list(emu.account)
    assert len(orders) == SEEDED_ORDERS + 1
    bought = orders[-1]
    assert (bought.product.name, bought.location, bought.quantity) == ("Datacenter Proxy", "DE", 10)
    assert f"Bought order {bought.order_id} for $12.00" in result.out
    assert "Wallet balance" in result.out
    assert emu.account.balance == DEFAULT_BALANCE - 1200


async def test_purchase_json(cli: Run, emu: Emulator) -> None:
    result = await cli(
        "purchase", "ISP Proxy", "--location", "US", "--cycle", "monthly", "-y", "--json"
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["order_id"] == list(emu.account)[-1].order_id
    assert data["dry_run"] is False
    assert data["quote"]["final_price"] == 200
    assert data["request"] == {
        "product": "ISP Proxy",
        "location": "US",
        "cycle": "monthly",
        "quantity": 1,
        "auto_renewal": False,
    }


async def test_dry_run_buys_nothing(cli: Run, emu: Emulator) -> None:
    result = await cli("purchase", *DC, "--dry-run")
    assert result.code == 0, result.err
    assert "dry run: nothing was bought" in result.err
    assert "$12.00" in result.out
    assert _purchases(emu) == 0
    assert len(emu.journal_for("orders.calculate")) == 1
    data = (await cli("purchase", *DC, "--dry-run", "--json")).json()
    assert data["dry_run"] is True
    assert data["order_id"] is None
    assert _purchases(emu) == 0
    assert emu.account.balance == DEFAULT_BALANCE


@pytest.mark.parametrize(("answer", "bought"), [("y\n", 1), ("yes\n", 1), ("n\n", 0), ("", 0)])
async def test_confirmation_prompt_on_a_terminal(
    cli: Run, emu: Emulator, monkeypatch: pytest.MonkeyPatch, answer: str, bought: int
) -> None:
    monkeypatch.setattr(commands, "stdin_is_interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    result = await cli("purchase", *DC)
    assert "Buy Datacenter Proxy for $12.00? [y/N]" in result.err
    assert _purchases(emu) == bought
    if bought:
        assert result.code == 0
    else:
        assert result.code == 1
        assert "aborted: nothing was bought" in result.err


async def test_unknown_purchase_outcome_exits_4_with_what_to_check(cli: Run, emu: Emulator) -> None:
    # The order is created and paid, then the connection is reset mid-answer.
    emu.faults.set("orders.purchase", reset_after_rate=1.0)
    result = await cli("purchase", *DC, "--yes")
    assert result.code == 4
    first, *hints = result.err.splitlines()
    assert first.startswith("error: the purchase of 'Datacenter Proxy' was sent")
    assert "outcome is unknown" in first
    assert "NOT retried" in first
    assert any("proxyorders orders list all" in hint for hint in hints)
    assert any("proxyorders me" in hint and "$10,000.00" in hint for hint in hints)
    assert _purchases(emu) == 1  # never sent twice


async def test_insufficient_balance_exits_1(cli: Run, emu: Emulator) -> None:
    emu.account.balance = 100
    result = await cli("purchase", *DC, "--yes")
    assert result.code == 1
    assert "does not cover the total" in result.err
    assert "balance" in result.err.splitlines()[-1].lower()
    assert len(list(emu.account)) == SEEDED_ORDERS


def _build(*argv: str) -> object:
    args = build_parser().parse_args(["purchase", *argv])
    return commands.build_purchase(args)


@pytest.mark.parametrize(
    ("argv", "variant"),
    [
        (["Datacenter Proxy", "--location", "DE", "--cycle", "weekly"], DatacenterIspPurchase),
        (["ISP Proxy", "--location", "US", "--cycle", "monthly"], DatacenterIspPurchase),
        (["Standart Residential Proxy", "--quantity", "3"], StandardResidentialPurchase),
        (["Premium Residential Proxy"], PremiumResidentialPurchase),
        (
            ["Unmetered Residential proxy", "--cycle", "day", "--auto-renewal"],
            UnmeteredResidentialPurchase,
        ),
        (["Mobile Proxy Basic", "--cycle", "day", "--location", "US"], GenericPurchase),
        (
            ["Residential Proxy NEW", "--cycle", "monthly", "--addon", "p0f_slots=2"],
            GenericPurchase,
        ),
    ],
)
def test_purchase_variant_follows_the_product(argv: list[str], variant: type) -> None:
    assert type(_build(*argv)) is variant


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ISP Proxy", "--location", "US"], "needs --cycle"),
        (["Unmetered Residential proxy"], "needs --cycle"),
        (
            ["Unmetered Residential proxy", "--cycle", "day", "--quantity", "2"],
            "--quantity does not",
        ),
        (["Standart Residential Proxy", "--cycle", "day", "--auto-renewal"], "do not apply"),
        (["Standard Residential Proxy"], "did you mean 'Standart Residential Proxy'"),
        (["datacenter proxy", "--location", "DE", "--cycle", "weekly"], "did you mean"),
        (["Mobile Proxy Basic"], "needs --cycle"),
    ],
)
def test_purchase_options_are_checked_against_the_product(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _build(*argv)


async def _read_until(master: int, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = await asyncio.wait_for(asyncio.to_thread(os.read, master, 4096), 30)
        assert chunk, seen
        seen += chunk
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("answer", "code", "bought"), [("y\n", 0, 1), (None, 130, 0)])
async def test_prompt_on_a_real_terminal(
    cli_env: dict[str, str], emu: Emulator, answer: str | None, code: int, bought: int
) -> None:
    import pty

    master, slave = pty.openpty()
    try:
        child = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "proxyorders_async",
            "purchase",
            *DC,
            stdin=slave,
            stdout=asyncio.subprocess.PIPE,
            stderr=slave,
            env=subprocess_env(cli_env),
        )
        os.close(slave)
        slave = -1
        prompt = await _read_until(master, b"[y/N] ")
        assert b"Buy Datacenter Proxy for $12.00?" in prompt
        if answer is None:
            child.send_signal(signal.SIGINT)  # what Ctrl-C at the prompt sends
        else:
            os.write(master, answer.encode())
        out, _ = await child.communicate()
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    assert child.returncode == code
    assert _purchases(emu) == bought
    if bought:
        assert b"Bought order" in out
