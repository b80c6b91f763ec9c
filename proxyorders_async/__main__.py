"""``python -m proxyorders_async``: the ``proxyorders`` command line."""

from ._cli import run

if __name__ == "__main__":
    run()
