"""The :class:`Emulator`: state, faults and journal plus a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Literal

from aiohttp import web
from yarl import URL

from ._app import Settings, create_app
from ._faults import Faults, FaultSpec
from ._journal import Journal, JournalEntry
from ._limiter import RateLimiter
from ._store import DEFAULT_NOW, Account, Store

__all__ = ["DEFAULT_BALANCE", "Emulator"]

#: Wallet of a new account: $10,000 in cents, plenty for benchmarks that buy repeatedly.
DEFAULT_BALANCE = 1_000_000
#: The cycle a fresh account may not switch to (change-billing-cycle answers 403).
DEFAULT_RESTRICTED_CYCLES = ("3days",)


def _token_for(seed: int, n: int) -> str:
    # Derived from the seed so that a seeded emulator is reproducible down to its tokens.
    digest = hashlib.sha256(f"proxyorders-emulator:{seed}:{n}".encode()).hexdigest()
    return f"emu_{digest[:32]}"


class Emulator:
    """An in-process ProxyShard User API on a free 127.0.0.1 port.

    ::

        async with Emulator(orders=5000, seed=1) as emu:
            ...  # point a client at emu.url with emu.token

    Everything is deterministic for a given ``seed``: the token, the seeded orders and the
    random draws of the faults. ``start()``/``stop()`` work as well as ``async with``; an
    emulator may be started again after it stopped, keeping its state.
    """

    def __init__(
        self,
        *,
        orders: int = 0,
        seed: int = 0,
        token: str | None = None,
        email: str = "demo@proxyshard.test",
        balance: int = DEFAULT_BALANCE,
        restricted_cycles: Iterable[str] = DEFAULT_RESTRICTED_CYCLES,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Mapping[str, FaultSpec] | None = None,
        absolute_next: bool = False,
        order_sort: Literal["asc", "desc"] = "asc",
        change_cycle_shape: Literal["1.1.0", "1.0.0"] = "1.1.0",
        stock: Mapping[tuple[str, str], int] | None = None,
        now: int = DEFAULT_NOW,
        journal: bool = True,
        shutdown_timeout: float = 1.0,
        traffic_gb: Mapping[str, int] | None = None,
        sub_users: int = 0,
        p0f_orders: int = 0,
        rate_limit: float | None = None,
        rate_burst: int | None = None,
    ) -> None:
        """Create the state; nothing listens until :meth:`start`.

        :param orders: historical orders to seed into the main account.
        :param seed: drives the seeded orders, the default token and the fault draws.
        :param restricted_cycles: cycles the main account may not switch orders to (403).
        :param order_sort: the order list's sort: ``"asc"`` (ascending ids) or ``"desc"``.
        :param faults: initial fault specs by route key (see :class:`Faults`).
        :param stock: ``{(product, location): amount}`` overriding the catalog's stock.
        :param now: the frozen clock, epoch seconds (``store.now`` can be moved later).
        :param journal: False stops recording requests (long soak runs).
        :param shutdown_timeout: seconds ``stop()`` waits for in-flight (stalled) requests.
        :param traffic_gb: ``{"standart": 50, "premium": 20}``: a paid residential order of that
            many GB per ``proxy_type`` for the main account, feeding its traffic pool.
        :param sub_users: sub-users (1 GB each, from the pool) per ``traffic_gb`` type.
        :param p0f_orders: active monthly Datacenter orders (DE, 5 IPs) carrying 3 p0f slots,
            one IP signed ``win10`` (see :meth:`Store.seed_p0f_orders`).
        :param rate_limit: requests per second each account may make (a token bucket; off by
            default); more are answered 429 with a truthful ``Retry-After``. Change it later
            with ``emu.limiter.configure(rate, burst)``.
        :param rate_burst: the bucket's size (default: ``rate_limit`` rounded up).
        """
        if order_sort not in ("asc", "desc"):
            raise ValueError(f"order_sort must be 'asc' or 'desc', got {order_sort!r}")
        self.seed = seed
        self.store = Store(now=now, stock=stock)
        self.token = token if token is not None else _token_for(seed, 0)
        self.account = self.store.add_account(
            self.token, email=email, balance=balance, restricted_cycles=frozenset(restricted_cycles)
        )
        if orders:
            self.store.seed_orders(self.account, orders, seed)
        if traffic_gb:
            self.store.seed_residential(self.account, traffic_gb, sub_users)
        if p0f_orders:
            self.store.seed_p0f_orders(self.account, p0f_orders)
        self.faults = Faults(faults, seed=seed)
        self.journal = Journal(enabled=journal)
        self.limiter = RateLimiter(rate_limit, rate_burst)
        self.settings = Settings(
            absolute_next=absolute_next,
            change_cycle_shape=change_cycle_shape,
            order_sort=order_sort,
        )
        self._host = host
        self._port = port
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> Emulator:
        """Bind and start serving; returns ``self``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        app = create_app(
            self.store,
            faults=self.faults,
            journal=self.journal,
            settings=self.settings,
            limiter=self.limiter,
        )
        runner = web.AppRunner(
            app,
            access_log=None,
            # A client that gives up (timeout tests) cancels its handler instead of leaving a
            # stalled response for stop() to wait on.
            handler_cancellation=True,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
            host, port = runner.addresses[0][:2]
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._url = str(URL.build(scheme="http", host=host, port=port))
        return self

    async def stop(self) -> None:
        """Stop serving and close every connection; state, journal and faults are kept."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Emulator:
        """Start; see :meth:`start`."""
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop; see :meth:`stop`."""
        await self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._runner is not None

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:40123`` (no trailing slash)."""
        if self._url is None:
            raise RuntimeError("the emulator has not been started")
        return self._url

    @property
    def port(self) -> int:
        """The bound port."""
        port = URL(self.url).port
        assert port is not None
        return port

    @property
    def state(self) -> Store:
        """Alias of :attr:`store`."""
        return self.store

    # -- accounts and journal -------------------------------------------------------------

    def add_account(
        self,
        token: str | None = None,
        *,
        balance: int = DEFAULT_BALANCE,
        email: str | None = None,
        orders: int = 0,
        seed: int | None = None,
        restricted_cycles: Iterable[str] = DEFAULT_RESTRICTED_CYCLES,
    ) -> Account:
        """Add another account (its token defaults to one derived from the seed).

        Its ``orders`` are seeded from ``seed`` (default: derived from the emulator's seed).
        """
        n = len(self.store.accounts)
        account = self.store.add_account(
            token if token is not None else _token_for(self.seed, n),
            email=email if email is not None else f"user{n}@proxyshard.test",
            balance=balance,
            restricted_cycles=frozenset(restricted_cycles),
        )
        if orders:
            self.store.seed_orders(account, orders, seed if seed is not None else self.seed + n)
        return account

    def journal_for(self, route: str) -> list[JournalEntry]:
        """Journal entries of one route name, e.g. ``"orders.purchase"``."""
        return self.journal.for_route(route)

    def count(
        self, method: str | None = None, path: str | None = None, *, route: str | None = None
    ) -> int:
        """How many journaled requests match ``method``, ``path`` and ``route``."""
        return self.journal.count(method, path, route=route)

    def clear_journal(self) -> None:
        """Forget the journal (e.g. after arranging a test)."""
        self.journal.clear()
