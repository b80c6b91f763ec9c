"""The README's API 1.1.0 examples run as written against the emulator.

Each fenced ``python`` block under the "Residential quickstart" and "p0f fingerprints" headings is
run in a fresh interpreter, as a reader would paste it, with ``PROXYORDERS_TOKEN`` and
``PROXYORDERS_BASE_URL`` pointing at an emulator on 127.0.0.1; the test then checks what the
block printed and what it did to the emulator's state.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import proxyorders_async
from proxyorders_async.emulator import BYTES_PER_GB, Emulator

PACKAGE_ROOT = Path(proxyorders_async.__file__).resolve().parent.parent
README = PACKAGE_ROOT / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks_under(heading: str) -> list[str]:
    """The ``python`` blocks between ``heading`` and the next heading of the same level."""
    text = README.read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = text.find(f"\n{level} ", start + 1)
    return FENCE.findall(text[start : end if end != -1 else len(text)])


async def run_block(code: str, emulator: Emulator) -> str:
    """Run ``code`` in a new interpreter against ``emulator``; return its stdout."""
    env = {
        **os.environ,
        "PROXYORDERS_TOKEN": emulator.token,
        "PROXYORDERS_BASE_URL": emulator.url,
        "PYTHONPATH": str(PACKAGE_ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


def test_the_new_sections_hold_one_example_each() -> None:
    assert len(blocks_under("## Residential quickstart")) == 1
    assert len(blocks_under("## p0f fingerprints")) == 1


async def test_residential_quickstart_runs(proxyorders_emulator: Emulator) -> None:
    [code] = blocks_under("## Residential quickstart")
    out = await run_block(code, proxyorders_emulator)

    lines = out.splitlines()
    assert lines[0] == "you hold 15 GB"
    assert re.fullmatch(r"[0-9a-f]{12} alice 3 GB", lines[1])
    assert re.fullmatch(r"[0-9a-f]{12} robert 3 GB", lines[2])
    assert lines[3] == "['US', 'DE', 'GB']"
    assert lines[4] == "3 ['Los Angeles', 'San Diego'] ['AT&T', 'Spectrum']"
    assert len(lines) == 5

    pool = proxyorders_emulator.account.pools["standart"]
    assert [(u.first_name, u.resets) for u in pool.sub_users.values()] == [("alice", 1)]
    assert pool.data == 12 * BYTES_PER_GB  # 15 bought, 3 still with alice
    for user in pool.sub_users.values():
        assert user.password not in out


async def test_p0f_example_runs(proxyorders_emulator: Emulator) -> None:
    [code] = blocks_under("## p0f fingerprints")
    out = await run_block(code, proxyorders_emulator)

    assert out.splitlines() == ["2 slots: 60 cents", "2 of 2 slots used", "1"]
    [order] = [o for o in proxyorders_emulator.account if o.product.name == "Datacenter Proxy"]
    assert sorted(order.signatures.values()) == ["macos", "win11"]
    assert order.addons_price_paid == 60
