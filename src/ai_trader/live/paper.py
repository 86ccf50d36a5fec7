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

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.adapters.data.feeds import LivePacedFeed
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.adapters.state import keys
from ai_trader.core.clock import LiveClock
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import Mode
from ai_trader.engine.engine import EventListener, TradingEngine
from ai_trader.live.paper_market import PaperMarket, open_paper_market
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.runtime.account_records import AccountRecorder
from ai_trader.runtime.assembly import TradingSession, build_engine, venue_config
from ai_trader.runtime.backup_schedule import BackupSchedule
from ai_trader.runtime.recovery import RecoveryReport, recover
from ai_trader.runtime.result import RunResult, summarize
from ai_trader.runtime.resume import rebuild_portfolio, restore_working_orders
from ai_trader.runtime.spec import SessionSpec
from ai_trader.runtime.state_sync import RuntimeStatePublisher, restore_risk
from ai_trader.runtime.storage import Storage

logger = logging.getLogger(__name__)

STARTING_CASH_KEY = "account:starting_cash"
MODE_HALT_REASON = "mode is halt (kill switch)"


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


class PaperSession:
    """One paper-trading process: :meth:`open` recovers and prepares, :meth:`run` trades
    until the stop event, :meth:`close` releases the venue ledger.

    With ``engine_lock``, the engine only runs a bar while holding it, so another thread
    (the API) can act on the engine between bars by taking the same lock."""

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
        spec.validate_strategy()
        self.spec = spec
        self.config = config
        self.run_id = run_id
        self.storage = storage
        self._stop_event = stop_event
        self._listeners = listeners
        self._lock = engine_lock
        self._clock = LiveClock()
        self._ledger: VenueLedger | None = None
        self._session: TradingSession | None = None
        self._venue: PersistentSimulatedVenue | None = None
        self._market: PaperMarket | None = None
        self._recorder: AccountRecorder | None = None
        self._publisher: RuntimeStatePublisher | None = None
        self._backups: BackupSchedule | None = None
        self.recovery: RecoveryReport | None = None
        self.resumed = False
        self.missed_bars = 0

    @property
    def session(self) -> TradingSession:
        if self._session is None:
            raise RuntimeError("the paper session is not open")
        return self._session

    @property
    def engine(self) -> TradingEngine:
        return self.session.engine

    @property
    def venue(self) -> PersistentSimulatedVenue:
        """The paper venue, with its durable books (for reconciliation)."""
        if self._venue is None:
            raise RuntimeError("the paper session is not open")
        return self._venue

    @property
    def publisher(self) -> RuntimeStatePublisher | None:
        return self._publisher

    @property
    def recorder(self) -> AccountRecorder | None:
        return self._recorder

    @property
    def backups(self) -> BackupSchedule | None:
        return self._backups

    def open(self) -> RecoveryReport:
        """Everything before the first live bar; see the module docstring for the order."""
        config, storage, clock = self.config, self.storage, self._clock
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
        _resume_runtime_state(engine, storage, market)
        self._session = TradingSession(self.run_id, spec, engine, venue)
        self._wire(engine)
        engine.warm_up(market.history)
        assert self._publisher is not None
        self._publisher.publish()
        return recovery

    def _wire(self, engine: TradingEngine) -> None:
        storage, config = self.storage, self.config
        self._recorder = recorder = AccountRecorder(
            storage.repositories, storage.database, engine, self.spec.strategy
        )
        recorder.catch_up()
        self._publisher = publisher = RuntimeStatePublisher(storage.state, engine)
        if storage.backups is not None and storage.config.backup_interval_seconds > 0:
            self._backups = BackupSchedule(storage.backups, storage.config.backup_interval_seconds)
        for listener in (*self._listeners, recorder.on_event, publisher.on_event):
            engine.subscribe(listener)
        engine.subscribe_bars(publisher.on_bar)
        engine.subscribe_bars(recorder.on_bar)
        engine.subscribe_bars(_snapshots(recorder, config.snapshot_every_bars))
        engine.subscribe_bars(_status_logger(engine, config.status_every_bars))
        if self._backups is not None:
            engine.subscribe_bars(self._backups.on_bar)

    def run(self) -> RunResult:
        """Trade until the stop event (or ``max_bars``); state is published on the way out."""
        session = self.session
        engine = session.engine
        started = time.perf_counter()
        try:
            engine.run()  # the feed ends as soon as the stop event is set
        finally:
            with self._locked():
                if self._publisher is not None:
                    self._publisher.publish()
                if self._recorder is not None:
                    self._recorder.flush()
                if engine.bars_processed % self.config.snapshot_every_bars and self._recorder:
                    self._recorder.snapshot(engine.clock.timestamp_ns())
            if self._backups is not None:
                self._backups.close()
        return summarize(session, time.perf_counter() - started)

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def _locked(self) -> contextlib.AbstractContextManager[object]:
        return self._lock if self._lock is not None else contextlib.nullcontext()


class LockedFeed:
    """A feed whose consumer holds ``lock`` while it handles each bar: the lock is taken
    when a bar is handed over and released when the next one is asked for, so waiting for
    the market never blocks other users of the engine."""

    def __init__(self, feed: MarketDataFeed, lock: threading.RLock) -> None:
        self._feed = feed
        self._lock = lock

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._feed.symbols)

    def __iter__(self) -> Iterator[Bar]:
        for bar in self._feed:
            with self._lock:
                yield bar


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


def _resume_runtime_state(engine: TradingEngine, storage: Storage, market: PaperMarket) -> None:
    if market.last_close is not None:  # the last price is known before the first live bar
        engine.portfolio.mark(market.stream.symbol, market.last_close)
    state = storage.state
    restore_risk(engine.risk, state.risk_stats)
    if state.mode is Mode.HALT:
        if engine.risk.halt is None:
            engine.risk.halt_entries(MODE_HALT_REASON, engine.clock.timestamp_ns())
        logger.warning("mode is halt: entries stay halted until an operator resumes")
    elif state.store.get(keys.MODE) is None:
        state.mode = Mode.PAPER  # a mode an operator chose (auto, manual) is kept
    elif state.mode is Mode.MANUAL:
        engine.strategy_orders_enabled = False
    if state.store.get(keys.CAPITAL_EFFECTIVE) is None:
        state.capital_effective = 1.0


def _snapshots(recorder: AccountRecorder, every: int) -> Callable[[Bar], None]:
    seen = 0

    def snapshot(bar: Bar) -> None:
        nonlocal seen
        seen += 1
        if seen % every == 0:
            recorder.snapshot(bar.ts_event)

    return snapshot


def _status_logger(engine: TradingEngine, every: int) -> Callable[[Bar], None]:
    seen = 0

    def log_status(bar: Bar) -> None:
        nonlocal seen
        seen += 1
        if seen % every:
            return
        halt = engine.risk.halt
        logger.info(
            "bar %d: %s close %.4f, equity %.2f, position %g%s",
            seen,
            bar.symbol,
            bar.close,
            engine.portfolio.equity_float(),
            engine.portfolio.position_quantity(bar.symbol),
            f", entries halted ({halt.reason})" if halt else "",
        )

    return log_status
