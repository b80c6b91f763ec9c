"""The ``proxyorders`` command line: parser, commands, export, output and the demo.

``main`` and ``run`` are the entry points (``proxyorders = "proxyorders_async._cli:main"``,
``python -m proxyorders_async``); ``python -m proxyorders_async._cli.demo`` runs the demo.
Nothing here imports rich until a command runs.
"""

from __future__ import annotations

from .app import main, run
from .parser import build_parser

__all__ = ["build_parser", "main", "run"]
