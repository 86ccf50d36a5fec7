"""Paper trading: the same engine, paced by the wall clock, on a durable simulated venue.

Market orders fill at the last price (the latest bar's close) the moment they are sent, as
a paper account at a real venue would; stops and limits fill as the bars trade through
them. Everything that must survive the process is durable (SPEC STO-1..4):

* the order journal (database) records every intent before the venue sees it, then the
  venue's answer and every fill;
* the paper venue keeps its own ledger (``paper_venue.db``): the account's starting cash,
  its books, every bar it traded;
* the runtime state (mode, positions, P&L today, risk marks and halts) is published to the
  state store; closed trades, positions and performance snapshots go to the database tables.

On start — first run or restart after a crash — the order is: the market resumes where it
stopped and the venue trades the bars missed meanwhile; recovery reconciles the journal with
the venue and fails closed on a difference; the portfolio is rebuilt from the journal's
fills, working orders go back in the order book, the risk limits resume from the state
store (a halt stays a halt); the strategies warm up; only then are bars traded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.adapters.data.feeds import LivePacedFeed
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.engine.engine import EventListener
from ai_trader.live.paper_market import PaperMarket, open_paper_market
from ai_trader.live.session import DurableSession, LockedFeed, resume_runtime_state
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.runtime.assembly import TradingSession, build_engine, venue_config
from ai_trader.runtime.recovery import RecoveryReport, recover
from ai_trader.runtime.result import RunResult
from ai_trader.runtime.resume import rebuild_portfolio, restore_working_orders
from ai_trader.runtime.spec import SessionSpec
from ai_trader.runtime.storage import Storage

logger = logging.getLogger(__name__)

STARTING_CASH_KEY = "account:starting_cash"


class PaperConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bar_seconds: float = Field(1.0, gt=0.0, le=86_400.0, description="wall seconds per bar")
    warmup_bars: int = Field(500, ge=0, le=100_000, description="history bars for indicators")
    max_bars: int | None = Field(None, ge=1, description="stop after this many live bars")
    seed: int = Field(0, ge=0)
    symbol: str = Field("SYN/USD", min_length=1)
    status_every_bars: int = Field(60, ge=1, description="log equity and position this often")
    snapshot_every_bars: int = Field(60, ge=1, description="performance_metrics row this often")


@dataclass(frozen=True, slots=True)
class PaperResult:
    run: RunResult
    recovery: RecoveryReport
    resumed: bool
    """True when the account existed before this start (a restart)."""
    missed_bars: int


def run_paper(
    spec: SessionSpec,
    config: PaperConfig,
    *,
    run_id: str,
    stop_event: threading.Event,
    storage: Storage,
    listeners: tuple[EventListener, ...] = (),
    on_ready: Callable[[RecoveryReport], object] | None = None,
) -> PaperResult:
    """Recover, then trade until ``stop_event`` is set (or ``max_bars`` live bars).

    ``on_ready`` sees the recovery report after recovery and before the first live bar."""
    session = PaperSession(
        spec, config, run_id=run_id, stop_event=stop_event, storage=storage, listeners=listeners
    )
    try:
        recovery = session.open()
        if on_ready is not None:
            on_ready(recovery)
        run = session.run()
        return PaperResult(run, recovery, session.resumed, session.missed_bars)
    finally:
        session.close()


class PaperSession(DurableSession):
    """Durable paper trading on the synthetic market and the paper venue's ledger."""

    def __init__(
        self,
        spec: SessionSpec,
        config: PaperConfig,
        *,
        run_id: str,
        stop_event: threading.Event,
        storage: Storage,
        listeners: tuple[EventListener, ...] = (),
        engine_lock: threading.RLock | None = None,
    ) -> None:
        super().__init__(
            spec,
            config,
            run_id=run_id,
            stop_event=stop_event,
            storage=storage,
            listeners=listeners,
            engine_lock=engine_lock,
        )
        self.paper_config = config
        self._ledger: VenueLedger | None = None
        self._venue: PersistentSimulatedVenue | None = None
        self._market: PaperMarket | None = None

    @property
    def venue(self) -> PersistentSimulatedVenue:
        """The paper venue, with its durable books (for reconciliation)."""
        if self._venue is None:
            raise RuntimeError("the paper session is not open")
        return self._venue

    def open(self) -> RecoveryReport:
        """Everything before the first live bar; see the module docstring for the order."""
        config, storage, clock = self.paper_config, self.storage, self._clock
        self._ledger = ledger = VenueLedger(storage.config.paper_venue_path)
        self._venue = venue = PersistentSimulatedVenue(
            venue_config(self.spec, MarketFill.LAST_PRICE), clock, ledger
        )
        self.resumed = ledger.last_bar_ts() is not None
        cash = _account_cash(ledger, self.spec)
        self._market = market = open_paper_market(
            symbol=config.symbol,
            seed=config.seed,
            bar_seconds=config.bar_seconds,
            warmup_bars=config.warmup_bars,
            traded=ledger.recent_bars(config.symbol, config.warmup_bars),
            now_ns=clock.timestamp_ns(),
        )
        self.missed_bars = market.missed_bars
        if self.resumed:
            logger.info(
                "restart: %d bars closed while stopped, the venue trades %d of them now",
                market.missed_bars,
                len(market.venue_bars),
            )
        venue.catch_up(market.venue_bars)
        self.recovery = recovery = recover(
            storage.journal,
            venue,
            database=storage.database,
            prefix=self.run_id,
            ts_event=clock.timestamp_ns(),
        ).require_ok()
        self.spec = spec = self.spec.model_copy(update={"cash": cash})
        feed: MarketDataFeed = LivePacedFeed(
            market.stream, clock, config.bar_seconds, self._stop_event, config.max_bars
        )
        if self._lock is not None:
            feed = LockedFeed(feed, self._lock)
        engine = build_engine(
            spec,
            clock=clock,
            feed=feed,
            executor=venue,
            order_ids=ClientOrderIdGenerator(self.run_id, recovery.next_sequence),
            portfolio=rebuild_portfolio(cash, recovery.fills),
            journal=storage.journal,
        )
        restore_working_orders(engine, recovery)
        resume_runtime_state(engine, storage, market.stream.symbol, market.last_close)
        self._session = TradingSession(self.run_id, spec, engine, venue)
        self._wire(engine)
        engine.warm_up(market.history)
        assert self._publisher is not None
        self._publisher.publish()
        return recovery

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def _account_cash(ledger: VenueLedger, spec: SessionSpec) -> Decimal:
    """The paper account's starting cash: set when it is opened, kept by the venue."""
    stored = ledger.meta(STARTING_CASH_KEY)
    if stored is None:
        ledger.set_meta(STARTING_CASH_KEY, str(spec.cash))
        return spec.cash
    cash = Decimal(stored)
    if cash != spec.cash:
        logger.warning(
            "the paper account was opened with %s cash; the requested %s is ignored "
            "(a new account needs a new data directory)",
            stored,
            spec.cash,
        )
    return cash
