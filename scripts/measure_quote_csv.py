"""Time and peak RSS of ``proxyorders quote --from-csv`` on N rows against the emulator.

Usage: ``python scripts/measure_quote_csv.py [ROWS] [-- extra proxyorders options]``. Starts the
emulator in a child process on 127.0.0.1, writes a CSV of ROWS quotes (default 5,000), runs the
command in another child with stdout to a file (not a terminal, as in a pipeline) and prints
wall time, the child's peak RSS and the output size.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCATIONS = ("DE", "FR", "GB", "NL", "PL")


def _write_csv(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["product", "location", "cycle", "quantity", "promo_code"])
        for i in range(rows):
            promo = "SAVE10" if i % 3 == 0 else ""
            writer.writerow(
                ["Datacenter Proxy", LOCATIONS[i % 5], "monthly", 1 + (i // 5) % 1000, promo]
            )


def main() -> int:
    """Run the measurement and print the figures."""
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    rows = int(argv[0]) if argv and argv[0] != "--" else 5000
    emulator = subprocess.Popen(
        [sys.executable, "-m", "proxyorders_async.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().split(": ", 1)[1].strip()
        token = emulator.stdout.readline().split(": ", 1)[1].strip()
        with tempfile.TemporaryDirectory() as tmp:
            source, target = Path(tmp) / "quotes.csv", Path(tmp) / "out"
            _write_csv(source, rows)
            env = {**os.environ, "PROXYORDERS_BASE_URL": url, "PROXYORDERS_TOKEN": token}
            command = [sys.executable, "-m", "proxyorders_async", "quote", "--from-csv"]
            started = time.perf_counter()
            with open(target, "wb") as out:
                code = subprocess.call([*command, str(source), *extra], stdout=out, env=env)
            elapsed = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            size = target.stat().st_size
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"rows={rows} exit={code} time={elapsed:.2f}s peak_rss={peak_mb:.0f}MB out={size:,}B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
