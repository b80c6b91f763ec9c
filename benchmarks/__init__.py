"""Benchmarks of proxyorders_async against the code users would otherwise write.

Run ``make bench`` (or ``python benchmarks/run.py --help``); figures live in ``RESULTS.md``.
"""
