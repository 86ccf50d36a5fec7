"""The engine a chaos scenario runs against: the real kernel on simulated time.

``Rig`` wires what ``ai-trader run`` wires for the paper venue — the write-ahead
``SqlJournal`` on a SQLite file, the ledger-backed ``PersistentSimulatedVenue`` (here behind
the drill's ``InjectingVenue``), the circuit breakers and the rate gate in a
``ResilientExecutor``, recovery, the reconciliation loop and the auto-heal snapshot store —
on a ``TestClock``. ``tick()`` is one second of the service: a bar every ``BAR_SECONDS``
(the venue trades it, the engine handles it, the operator's order flow acts), an account
poll, a reconciliation cycle when due, and the facade's breaker policy (an open breaker
halts entries, all closed lifts that halt). A loop failure is healed as the facade heals
it: snapshot, rebuild from durable state (recovery first), resume.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock, datetime_to_ns
from ai_trader.core.errors import JournalUnavailableError, TransientVenueError
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.domain.bar import Bar
from ai_trader.domain.commands import OpenPosition
from ai_trader.domain.enums import Side
from ai_trader.domain.events import OrderDenied
from ai_trader.domain.fills import Fill
from ai_trader.drills._venue import FaultSwitch, InjectingVenue
from ai_trader.resilience import BreakerRegistry, RateBudget, RateGate, ResilientExecutor
from ai_trader.resilience.breaker import BreakerState
from ai_trader.runtime.assembly import build_engine, venue_config
from ai_trader.runtime.auto_heal import TRADING_EXECUTOR, AutoHealStore
from ai_trader.runtime.reconciliation import Reconciler, ReconciliationLoop
from ai_trader.runtime.recovery import recover
from ai_trader.runtime.resume import rebuild_portfolio, restore_working_orders
from ai_trader.runtime.spec import SessionSpec

logger = logging.getLogger(__name__)

PROVIDER = "sim"
PREFIX = "drill"
SYMBOL = "SYN/USD"
SPEC = SessionSpec()
START_NS = datetime_to_ns(datetime(2024, 1, 1, tzinfo=UTC))
TICK_NS = NANOS_PER_SECOND
BAR_SECONDS = 10
BAR_NS = BAR_SECONDS * NANOS_PER_SECOND
RECONCILE_SECONDS = 30.0
BUDGET = RateBudget(provider=PROVIDER, limit=20, window_seconds=1)
BREAKER_REASON = "circuit breaker"


class StepFeed:
    """The market data feed: the rig pushes one bar, the engine consumes it and returns.
    No symbol is subscribed, so no strategy runs: orders come from the operator's flow."""

    def __init__(self) -> None:
        self._bars: deque[Bar] = deque()

    @property
    def symbols(self) -> tuple[str, ...]:
        return ()

    def push(self, bar: Bar) -> None:
        self._bars.append(bar)

    def __iter__(self) -> Iterator[Bar]:
        while self._bars:
            yield self._bars.popleft()


class Rig:
    def __init__(self, directory: Path, rng: random.Random) -> None:
        self.directory = directory
        self.rng = rng
        self.clock = TestClock(START_NS)
        self.started_ns = START_NS
        self.database = create_database_engine(None, directory / "trading_bot.db")
        upgrade_database(self.database)
        self.journal = SqlJournal(self.database)
        self.switch = FaultSwitch()
        self.breakers = BreakerRegistry(self.clock)
        self.breaker_openings = 0
        self.breakers.add_listener(self._on_breaker)
        self.gate = RateGate({PROVIDER: BUDGET}, self.clock, sleeper=self._sleep)
        self.heal_store = AutoHealStore(directory / "auto_heal")
        self.feed = StepFeed()
        self.market_open = True
        self.bar_listeners: list[Callable[[Bar], None]] = []
        self.tick_listeners: list[Callable[[], None]] = []
        self.loop_failures: list[tuple[int, str]] = []
        self.journal_failures: list[tuple[int, str]] = []
        self.denied: list[tuple[int, str]] = []
        self.heals = 0
        self.orders_sent = 0
        self.bars = 0
        self._price = 100.0
        self._last_bar: Bar | None = None
        self._next_bar_ns = START_NS + BAR_NS
        self._attach(())

    # -- assembly (the facade's configure()) ------------------------------------------------

    def _attach(self, missed: tuple[Bar, ...], halt_reason: str | None = None) -> None:
        self.ledger = VenueLedger(self.directory / "paper_venue.db")
        venue = PersistentSimulatedVenue(
            venue_config(SPEC, MarketFill.LAST_PRICE), self.clock, self.ledger
        )
        venue.catch_up(missed)
        self.venue = InjectingVenue(venue, self.switch)
        self.executor = ResilientExecutor(self.venue, self.breakers, self.gate, PROVIDER)
        report = recover(
            self.journal, self.executor, database=self.database, prefix=PREFIX, ts_event=self.now
        ).require_ok()
        self.engine = build_engine(
            SPEC,
            clock=self.clock,
            feed=self.feed,
            executor=self.executor,
            order_ids=ClientOrderIdGenerator(PREFIX, report.next_sequence),
            portfolio=rebuild_portfolio(SPEC.cash, report.fills),
            journal=self.journal,
        )
        restore_working_orders(self.engine, report)
        if self._last_bar is not None:
            self.engine.portfolio.mark(SYMBOL, self._last_bar.close)
        if halt_reason is not None:  # a halt in force survives a rebuild (restore_risk)
            self.engine.halt_entries(halt_reason)
        reconciler = Reconciler(
            self.journal,
            self.executor,
            self.clock,
            self.directory / "events",
            report=self.engine.process,
        )
        self.reconciliation = ReconciliationLoop(reconciler, RECONCILE_SECONDS)
        if not reconciler.reconcile_at_start():
            self.engine.halt_entries("reconciliation at start: mismatch")

    def heal(self, error: Exception, missed: tuple[Bar, ...] = ()) -> None:
        """The facade's ``_heal``: snapshot, release the failed venue, rebuild, resume."""
        self.heal_store.record_failure(
            TRADING_EXECUTOR,
            error,
            exec_mode="paper",
            dry_run=True,
            venue=self.venue.venue,
            testnet=False,
            config={"drill": True},
        )
        halt = self.engine.risk.halt
        self.ledger.close()
        self._attach(missed, halt.reason if halt is not None else None)
        self.heal_store.mark_replayed(TRADING_EXECUTOR)
        self.heals += 1

    # -- one second of the service ---------------------------------------------------------

    @property
    def now(self) -> int:
        return self.clock.timestamp_ns()

    @property
    def halt_reason(self) -> str | None:
        halt = self.engine.risk.halt
        return halt.reason if halt is not None else None

    def run_for(self, seconds: float, stop: Callable[[], bool] | None = None) -> bool:
        """Tick for ``seconds`` of simulated time, or until ``stop()``; True if stopped."""
        end = self.now + round(seconds * NANOS_PER_SECOND)
        while self.now < end:
            self.tick()
            if stop is not None and stop():
                return True
        return False

    def tick(self) -> None:
        self.clock.advance(TICK_NS)
        if self.now >= self._next_bar_ns:
            while self._next_bar_ns <= self.now:
                self._next_bar_ns += BAR_NS
            if self.market_open:
                self._bar()
        self._poll()
        self._reconcile()
        self._halt_while_breaker_open()
        for listener in self.tick_listeners:
            listener()

    def _bar(self) -> None:
        bar = self._next_bar()
        try:
            self.venue.process_bar(bar)
            self.feed.push(bar)
            self.engine.run()
            self._trade()
        except Exception as exc:  # the trading loop failed: heal it, as the service does
            logger.warning("drill: the trading loop failed: %s", exc)
            self.loop_failures.append((self.now, f"{type(exc).__name__}: {exc}"))
            self.heal(exc, (bar,))
        self._last_bar = bar
        self.bars += 1
        for listener in self.bar_listeners:
            listener(bar)

    def _next_bar(self) -> Bar:
        open_ = self._price
        close = round(open_ * math.exp(self.rng.gauss(0.0, 0.002)), 2)
        self._price = close
        high, low = max(open_, close) + 0.05, min(open_, close) - 0.05
        return Bar.create(SYMBOL, self.now, open_, high, low, close, 1_000.0)

    def _trade(self) -> None:
        """The operator's order flow: enter when flat (denied while halted), exit when
        holding and entries are not halted (nothing is sent into a known outage)."""
        engine = self.engine
        try:
            if engine.portfolio.position_quantity(SYMBOL) == 0:
                quantity = Decimal(self.rng.randint(1, 3))
                decision = engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=quantity))
                if isinstance(decision, OrderDenied):
                    self.denied.append((self.now, decision.reason))
                    return
            elif engine.risk.halt is None:
                engine.close_position(SYMBOL, "drill round trip")
            else:
                return
            self.orders_sent += 1
        except TransientVenueError as exc:  # outcome unknown: left for reconciliation
            logger.warning("drill: order outcome unknown: %s", exc)
        except JournalUnavailableError as exc:  # the journal refused the intent: nothing sent
            self.journal_failures.append((self.now, str(exc)))

    def _poll(self) -> None:
        """The account poll of a venue session (every tick)."""
        with contextlib.suppress(TransientVenueError):
            self.executor.positions()

    def _reconcile(self) -> None:
        """The facade's ``_reconcile_if_due``: a breach halts, the resuming cycle resumes."""
        try:
            result = self.reconciliation.run_if_due(self.now)
        except TransientVenueError:
            return  # the cycle does not count
        if result is None:
            return
        if result.breach is not None:
            self.engine.halt_entries(result.breach)
        elif result.resumed and (self.halt_reason or "").startswith("reconciliation"):
            self.engine.resume_entries("reconciliation clean for 2 cycles")

    def _halt_while_breaker_open(self) -> None:
        """The facade's ``_halt_while_breaker_open``."""
        open_breaker = self.breakers.any_open()
        halt = self.halt_reason
        if open_breaker is not None and halt is None:
            cause = open_breaker.last_error or "failures"
            self.engine.halt_entries(f"{BREAKER_REASON} {open_breaker.name} open: {cause}")
        elif open_breaker is None and halt is not None and halt.startswith(BREAKER_REASON):
            self.engine.resume_entries("circuit breakers closed")

    def _on_breaker(self, name: str, old: BreakerState, new: BreakerState, reason: str) -> None:
        if new == "open":
            self.breaker_openings += 1

    def _sleep(self, seconds: float) -> None:
        self.clock.advance(round(seconds * NANOS_PER_SECOND))

    # -- what the drill counts -------------------------------------------------------------

    def ours(self, fills: list[Fill]) -> set[tuple[str, str, str]]:
        return {
            (f.venue, str(f.venue_order_id), str(f.trade_id))
            for f in fills
            if str(f.client_order_id).startswith(f"{PREFIX}-")
        }

    def data_lost(self) -> int:
        """Our fills the venue's ledger holds that the journal lacks, plus our orders the
        venue knows that the journal never recorded."""
        fills = len(self.ours(self.ledger.fills()) - self.ours(self.journal.fills()))
        orders = sum(
            1
            for state in self.venue.inner.order_states()
            if str(state.order.client_order_id).startswith(f"{PREFIX}-")
            and self.journal.order(state.order.client_order_id) is None
        )
        return fills + orders

    def ledger_attempts(self) -> str:
        """How many submits reached the venue, and whether any id came twice."""
        ids = [cid for cid, _ in self.ledger.submit_attempts()]
        twice = len(ids) - len(set(ids))
        return f"{len(ids)}" if twice == 0 else f"{len(ids)} ({twice} duplicated)"

    def venue_fills(self) -> int:
        return len(self.ours(self.ledger.fills()))

    def close(self) -> None:
        self.ledger.close()
        self.database.dispose()
