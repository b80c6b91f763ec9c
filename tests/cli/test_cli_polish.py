"""Completion, examples in --help, retry options, the streaming CSV batch of ``quote``, product
spelling in ``quote`` and the one emulator launcher."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from proxyorders_async import PriceQuote, QuoteRequest
from proxyorders_async._cli import build_parser
from proxyorders_async._cli.completion import FILES, SHELLS, candidates
from proxyorders_async._cli.quote_batch import OUTPUT_COLUMNS, Row, _quoted
from proxyorders_async.emulator import Emulator
from proxyorders_async.emulator._launch import build_parser as emulator_parser

from .conftest import PYTHON, Run, subprocess_env

# ---------------------------------------------------------------------------------------------
# Shell completion


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["or"], ["orders"]),
        (["orders", "ex"], ["export"]),
        (["orders", "export", ""], ["active", "on-hold", "cancelled", "all"]),
        (["orders", "export", "all", "--format", ""], ["jsonl", "csv"]),
        (["orders", "export", "all", "--out", "or"], [FILES]),
        (["--token", "orders", "or"], ["orders"]),  # a global option's value is no command
        (["quote", "--from"], ["--from-csv"]),
        (["quote", "--from-csv", "x"], [FILES]),
        (["quote", "--format", "j"], ["jsonl"]),
        (["orders", "auto-renewal", "7", ""], ["on", "off"]),
        (["completion", ""], ["bash", "zsh", "fish"]),
        (["me", "--max"], ["--max-retries"]),
        (["emulator", "--err"], ["--error-rate"]),
        (["nonsense", ""], []),
    ],
)
def test_completion_candidates_follow_the_parser(words: list[str], expected: list[str]) -> None:
    assert candidates(build_parser(), words) == expected


def test_every_command_and_option_is_completed() -> None:
    parser = build_parser()
    for path, command in _commands(parser):
        names = [
            name
            for action in command._actions
            if isinstance(action, argparse._SubParsersAction)
            for name in action.choices
        ]
        if names:
            assert candidates(parser, [*path, ""]) == names
        flags = {f for a in command._actions for f in a.option_strings if f.startswith("--")}
        assert flags <= set(candidates(parser, [*path, "--"])), path


@pytest.mark.parametrize("shell", sorted(SHELLS))
async def test_completion_command_prints_a_script(cli: Run, shell: str) -> None:
    result = await cli("completion", shell)
    assert result.code == 0, result.err
    assert result.out == SHELLS[shell]
    assert "__complete" in result.out
    assert "proxyorders" in result.out


def _bash_complete(tmp_path: Path, line: list[str]) -> list[str]:
    shim = tmp_path / "proxyorders"
    shim.write_text(f'#!/bin/sh\nexec "{PYTHON}" -m proxyorders_async "$@"\n')
    shim.chmod(0o755)
    words = " ".join(f"'{word}'" for word in line)
    script = (
        "source /dev/stdin <<'EOF'\n" + SHELLS["bash"] + "EOF\n"
        f"COMP_WORDS=({words}); COMP_CWORD={len(line) - 1}\n"
        "_proxyorders_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    env = subprocess_env({"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    done = subprocess.run(
        ["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_bash_script_completes_in_bash(tmp_path: Path) -> None:
    assert _bash_complete(tmp_path, ["proxyorders", "orders", "exp"]) == ["export"]
    assert _bash_complete(tmp_path, ["proxyorders", "quote", "--format", ""]) == [
        "table",
        "csv",
        "jsonl",
    ]
    (tmp_path / "quotes.csv").write_text("product\n")
    assert _bash_complete(tmp_path, ["proxyorders", "quote", "--from-csv", "quo"]) == ["quotes.csv"]


# ---------------------------------------------------------------------------------------------
# Examples in --help


def test_every_command_has_an_example_in_its_help() -> None:
    for path, command in _commands(build_parser()):
        text = command.format_help()
        assert "example" in text, f"proxyorders {' '.join(path)} --help has no example"
        if path and "examples:" in text:  # ours: command lines of this very command
            section = text.split("examples:", 1)[1].split("\n\n", 1)[0]
            assert f"proxyorders {' '.join(path)}" in section or path == ("completion",)


# ---------------------------------------------------------------------------------------------
# --max-retries and --deadline


async def test_max_retries_is_passed_to_the_client(cli: Run, emu: Emulator) -> None:
    emu.faults.set("me", fail_first=3, fail_with=503)
    failed = await cli("me", "--json")  # 1 attempt + 2 retries, all 503
    assert failed.code == 1
    assert len(emu.journal_for("me")) == 3
    emu.faults.set("me", fail_first=3, fail_with=503)
    passed = await cli("--max-retries", "3", "me", "--json")
    assert passed.code == 0, passed.err
    assert len(emu.journal_for("me")) == 3 + 4
    emu.faults.set("me", fail_first=1, fail_with=503)
    none = await cli("me", "--max-retries", "0")  # after the command works too
    assert none.code == 1
    assert len(emu.journal_for("me")) == 3 + 4 + 1


async def test_deadline_bounds_the_whole_call(cli: Run, emu: Emulator) -> None:
    emu.faults.set("me", latency_ms=30_000)
    result = await cli("me", "--deadline", "0.2")
    assert result.code == 5
    assert "did not answer in time" in result.err


@pytest.mark.parametrize("argv", [["--max-retries", "-1"], ["--deadline", "0"]])
async def test_retry_options_are_checked(cli: Run, argv: list[str]) -> None:
    assert (await cli(*argv, "me")).code == 2


# ---------------------------------------------------------------------------------------------
# quote --from-csv at scale, and spelling


BATCH = """\
product,location,cycle,quantity,promo_code
Datacenter Proxy,DE,monthly,10,SAVE10
Datacenter Proxy,DE,fortnightly,1,
Standard Residential Proxy,,,5,
Standart Residential Proxy,,,5,RESI20
"""


def _batch(tmp_path: Path) -> str:
    path = tmp_path / "quotes.csv"
    path.write_text(BATCH, encoding="utf-8")
    return str(path)


async def test_csv_batch_writes_csv_when_stdout_is_not_a_terminal(
    cli: Run, tmp_path: Path, emu: Emulator
) -> None:
    result = await cli("quote", "--from-csv", _batch(tmp_path))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == ",".join(OUTPUT_COLUMNS)
    assert lines[1] == "2,Datacenter Proxy,DE,monthly,10,SAVE10,1200,1080,10,0,1080,"
    assert "Cycle 'fortnightly' is not available" in lines[2]
    # The near miss is refused with the API's spelling and never sent.
    assert "did you mean 'Standart Residential Proxy'" in lines[3]
    assert lines[4].startswith("5,Standart Residential Proxy,,,5,RESI20,1000,800,")
    assert len(emu.journal_for("orders.calculate")) == 3


async def test_csv_batch_as_json_lines(cli: Run, tmp_path: Path) -> None:
    result = await cli("quote", "--from-csv", _batch(tmp_path), "--format", "jsonl")
    items = [json.loads(line) for line in result.out.splitlines()]
    assert [item["line"] for item in items] == [2, 3, 4, 5]
    assert items[0]["request"]["quantity"] == 10
    assert items[0]["quote"]["final_price"] == 1080
    assert items[2]["quote"] is None and "did you mean" in items[2]["error"]


async def test_tables_are_not_wrapped_off_a_terminal(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    result = await cli("quote", "--from-csv", _batch(tmp_path), "--format", "table")
    row = next(line for line in result.out.splitlines() if line.strip().startswith("3 "))
    assert "Cycle 'fortnightly' is not available" in row


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--json", "--format", "csv"], "--json and --format"),
    ],
)
async def test_csv_batch_output_choice_conflicts(
    cli: Run, tmp_path: Path, argv: list[str], message: str
) -> None:
    result = await cli("quote", "--from-csv", _batch(tmp_path), *argv)
    assert result.code == 2
    assert message in result.err


async def test_quote_refuses_a_near_miss_with_the_api_spelling(cli: Run, emu: Emulator) -> None:
    result = await cli("quote", "Standard Residential Proxy", "--quantity", "5")
    assert result.code == 2
    assert "did you mean 'Standart Residential Proxy'" in result.err
    assert emu.journal_for("orders.calculate") == []
    single = await cli("quote", "ISP Proxy", "--location", "US", "--format", "csv")
    assert single.code == 2
    assert "--format applies to --from-csv" in single.err


class _CountingQuotes:
    """A client stand-in whose quotes never finish until released; counts what it was given."""

    def __init__(self) -> None:
        self.orders = self
        self.started = 0
        self.release = asyncio.Event()

    async def quote(self, request: QuoteRequest) -> PriceQuote:
        self.started += 1
        await self.release.wait()
        return PriceQuote(final_price=request.quantity)


async def test_csv_rows_are_streamed_in_order_with_a_bounded_window() -> None:
    client = _CountingQuotes()
    read = 0

    def rows() -> Iterator[Row]:
        nonlocal read
        for line in range(2, 10_002):
            read += 1
            yield Row(line, {}, request=QuoteRequest(product="ISP Proxy", quantity=line))

    stream = _quoted(client, rows(), 2)  # type: ignore[arg-type]
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.01)
    assert not first.done()
    assert client.started == 2  # no more than --concurrency in flight
    assert read <= 2 * 4 + 1  # and only a small window of the file has been read
    client.release.set()
    row, quote = await first
    assert row.line == 2 and isinstance(quote, PriceQuote) and quote.final_price == 2
    lines = [row.line async for row, _ in stream]
    assert lines == list(range(3, 10_002))


# ---------------------------------------------------------------------------------------------
# export --out -


async def test_export_to_stdout_defaults_to_json_lines(cli: Run, emu: Emulator) -> None:
    result = await cli("orders", "export", "all", "--out", "-")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == len(list(emu.account))
    assert all(isinstance(json.loads(line)["order_id"], int) for line in lines)


# ---------------------------------------------------------------------------------------------
# One emulator launcher


def _options(parser: argparse.ArgumentParser) -> dict[str, object]:
    return {
        action.dest: (tuple(action.option_strings), action.default, action.nargs)
        for action in parser._actions
        if action.dest != "help"
    }


def test_both_emulator_launchers_take_the_same_options_and_defaults() -> None:
    command = dict(_commands(build_parser()))[("emulator",)]
    assert _options(command) == _options(emulator_parser())
    assert emulator_parser().parse_args([]).orders == 100


def test_python_m_emulator_help_lists_the_fault_options() -> None:
    done = subprocess.run(
        [PYTHON, "-m", "proxyorders_async.emulator", "--help"],
        capture_output=True,
        text=True,
        env=subprocess_env({}),
    )
    assert done.returncode == 0
    for option in ("--orders N", "--error-rate", "--latency-ms", "--traffic", "--token"):
        assert option in done.stdout
    assert sys.executable  # the same interpreter runs both launchers
