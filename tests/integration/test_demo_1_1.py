"""``make demo`` tells the add-on and sub-user stories after the order story, without secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proxyorders_async._cli import demo


async def test_demo_tells_the_add_on_and_sub_user_stories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await demo.run(50, tmp_path / "export.jsonl")
    out = capsys.readouterr().out

    headings = re.findall(r"^== (.+?) =+$", out, re.MULTILINE)
    assert headings[3:6] == [
        "Buy, change billing cycle, switch auto-renewal",
        "Add-ons: p0f OS-fingerprint slots on a Datacenter order",
        "Residential traffic and sub-users",
    ]
    assert re.search(r"3 p0f slots quoted \$0\.90, charged \$0\.90", out)
    assert "now looks like Windows 11; slots used 1 of 3" in out
    assert "downgrade scheduled: 2 slots from the next renewal" in out
    assert "5 GB more with RESI20 (20% off): $28.00 in all" in out
    assert re.search(r"^alice +[0-9a-f]{12} +3 GB$", out, re.MULTILINE)
    assert re.search(r"^bob +[0-9a-f]{12} +5 GB$", out, re.MULTILINE)
    together = re.search(r"together ([\d,]+ GB), as before sharing \(([\d,]+ GB)\)", out)
    assert together is not None and together[1] == together[2]
    assert "password reset: read back a new one (passwords are not shown)" in out
    # Proxy passwords are 16 hex digits (owner, sub-users and order proxies alike).
    assert not re.search(r"\b[0-9a-f]{16}\b", out)
