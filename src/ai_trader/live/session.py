"""What every durable trading session shares (paper or exchange): the account tables,
the runtime state publisher, scheduled backups, the run loop that flushes state on the way
out, and the lock the API shares with the loop. Subclasses open their venue and feed."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from ai_trader.adapters.state import keys
from ai_trader.core.clock import LiveClock
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import Mode
from ai_trader.engine.engine import EventListener, TradingEngine
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.runtime.account_records import AccountRecorder
from ai_trader.runtime.assembly import TradingSession
from ai_trader.runtime.backup_schedule import BackupSchedule
from ai_trader.runtime.reconciliation import ReconciliationVenue
from ai_trader.runtime.recovery import RecoveryReport
from ai_trader.runtime.result import RunResult, summarize
from ai_trader.runtime.spec import SessionSpec
from ai_trader.runtime.state_sync import RuntimeStatePublisher, restore_risk
from ai_trader.runtime.storage import Storage

logger = logging.getLogger(__name__)

MODE_HALT_REASON = "mode is halt (kill switch)"


class SessionCadence(Protocol):
    @property
    def status_every_bars(self) -> int: ...

    @property
    def snapshot_every_bars(self) -> int: ...


class DurableSession:
    """:meth:`open` recovers and prepares (subclasses), :meth:`run` trades until the stop
    event, :meth:`close` releases the venue.

    With ``engine_lock``, the engine only runs a bar while holding it, so another thread
    (the API) can act on the engine between bars by taking the same lock."""

    def __init__(
        self,
        spec: SessionSpec,
        config: SessionCadence,
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
        self._session: TradingSession | None = None
        self._recorder: AccountRecorder | None = None
        self._publisher: RuntimeStatePublisher | None = None
        self._backups: BackupSchedule | None = None
        self.recovery: RecoveryReport | None = None
        self.resumed = False
        self.missed_bars = 0

    @property
    def session(self) -> TradingSession:
        if self._session is None:
            raise RuntimeError("the trading session is not open")
        return self._session

    @property
    def engine(self) -> TradingEngine:
        return self.session.engine

    @property
    def publisher(self) -> RuntimeStatePublisher | None:
        return self._publisher

    @property
    def recorder(self) -> AccountRecorder | None:
        return self._recorder

    @property
    def backups(self) -> BackupSchedule | None:
        return self._backups

    @property
    def venue(self) -> ReconciliationVenue:
        """The venue as reconciliation sees it (subclasses)."""
        raise NotImplementedError

    def open(self) -> RecoveryReport:
        raise NotImplementedError

    def on_tick(self) -> None:
        """Called about once a second with the engine lock held (venues to poll)."""

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
        """Release the venue (subclasses)."""

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


def resume_runtime_state(
    engine: TradingEngine, storage: Storage, symbol: str, last_close: float | None
) -> None:
    """Last price, risk marks and halts, and the mode, as they were before the restart."""
    if last_close is not None:  # the last price is known before the first live bar
        engine.portfolio.mark(symbol, last_close)
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
