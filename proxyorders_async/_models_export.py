"""What ``client.orders.export`` reports: progress while it runs, a summary when it returns."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["ExportProgress", "ExportSummary"]


def _rate(orders: int, seconds: float) -> float:
    return orders / seconds if seconds > 0 else 0.0


@attrs.frozen(kw_only=True)
class ExportProgress:
    """Where an export stands; handed to the ``progress`` callback.

    ``orders``, ``pages``, ``bytes``, ``duplicates_skipped`` and ``seconds`` count everything
    the file holds, over every run of a resumed export (``seconds`` adds up each run's time to
    its last saved page); the ``*_this_run`` fields count this call only. ``resumed`` says
    whether this call continued an earlier run's checkpoint.
    """

    orders: int
    pages: int
    bytes: int
    duplicates_skipped: int
    seconds: float
    orders_this_run: int
    pages_this_run: int
    seconds_this_run: float
    resumed: bool

    @property
    def rate(self) -> float:
        """Orders per second over every run (0.0 before any time was spent)."""
        return _rate(self.orders, self.seconds)

    @property
    def rate_this_run(self) -> float:
        """Orders per second written by this call (0.0 before any time was spent)."""
        return _rate(self.orders_this_run, self.seconds_this_run)


@attrs.frozen(kw_only=True)
class ExportSummary(ExportProgress):
    """A finished export: the totals of :class:`ExportProgress` and where they went.

    ``path`` is the file; ``checkpoint_path`` its checkpoint, kept with ``"next": null`` as the
    record that the export is complete. ``already_complete`` is True when this call found that
    record and did nothing (no request sent, the file untouched); the ``*_this_run`` fields are
    then zero. ``format`` is ``"jsonl"`` or ``"csv"`` and ``status`` the status exported.
    """

    path: Path
    checkpoint_path: Path
    format: str
    status: str
    already_complete: bool
