"""Fault injection on the simulated venue (issue "live execution and resilience", Tests).

Each test builds the real kernel: the write-ahead ``SqlJournal`` on a SQLite file, the
ledger-backed ``PersistentSimulatedVenue`` wrapped in a ``FaultyVenue`` and then in a
``ResilientExecutor`` (breakers and a rate gate on the test clock), and the engine from
``runtime.assembly.build_engine``. The venue fills market orders at the last price (paper).
The ``ResilientExecutor`` is not bar-driven, so ``Kernel.bar`` hands each bar to the venue
itself, as the market would, and marks it in the engine's portfolio.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import ClientOrderId, ClientOrderIdGenerator
from ai_trader.domain.bar import Bar
from ai_trader.domain.commands import CancelOrder, SubmitOrder
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.domain.events import OrderAccepted, OrderFilled
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.engine.engine import TradingEngine
from ai_trader.resilience import (
    BreakerRegistry,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    RateBudget,
    RateGate,
    ResilientExecutor,
)
from ai_trader.runtime.assembly import build_engine, venue_config
from ai_trader.runtime.reconciliation import Reconciler
from ai_trader.runtime.recovery import NOT_SENT_REASON, RecoveryReport, recover
from ai_trader.runtime.spec import SessionSpec
from ai_trader.testing import (
    BASE_TS,
    DEFAULT_SYMBOL,
    MINUTE_NS,
    Disconnect,
    EventRecorder,
    Fault,
    FaultPlan,
    FaultyVenue,
    ListFeed,
    RateLimited,
    ServerError,
    TimeoutAfterAccept,
    VenueRateLimitedError,
    limit_order,
    make_bar,
    market_order,
    trade_behind_our_back,
)

pytestmark = pytest.mark.integration

PROVIDER = "sim"
PREFIX = "FI"
SPEC = SessionSpec(commission=0.0)
THRESHOLD = 3
RECOVERY_SECONDS = 30.0
RECOVERY_NS = int(RECOVERY_SECONDS * NANOS_PER_SECOND)
WIDE_BUDGET = RateBudget(provider=PROVIDER, limit=1_000, window_seconds=1)


@dataclass
class Kernel:
    """One start of the engine on a journal file and a venue ledger file."""

    clock: TestClock
    database: Engine
    journal: SqlJournal
    ledger: VenueLedger
    venue: PersistentSimulatedVenue
    faulty: FaultyVenue
    breakers: BreakerRegistry
    gate: RateGate
    executor: ResilientExecutor
    engine: TradingEngine
    order_ids: ClientOrderIdGenerator
    recorder: EventRecorder
    sleeps: list[float] = field(default_factory=list)

    def bar(self, close: float = 100.0, low: float | None = None) -> Bar:
        """The market moves a minute on: the venue trades the bar, the engine marks it."""
        bar = make_bar(close, low=low, ts_event=self.clock.timestamp_ns() + MINUTE_NS)
        self.clock.set_time(bar.ts_event)
        self.faulty.process_bar(bar)
        self.engine.portfolio.mark(bar.symbol, bar.close)
        return bar

    def market(self, side: Side = Side.BUY, quantity: int = 1) -> Order:
        cid = self.order_ids.next_id()
        return market_order(side, quantity, client_order_id=cid, ts_init=self.now)

    def limit(self, side: Side, price: float, quantity: int = 1) -> Order:
        cid = self.order_ids.next_id()
        return limit_order(side, quantity, price, client_order_id=cid, ts_init=self.now)

    def send(self, order: Order) -> TransientVenueError | None:
        """The engine submits ``order`` (intent journaled first); the error, if any."""
        try:
            self.engine.execute(SubmitOrder(order))
        except TransientVenueError as error:
            return error
        return None

    def cancel(self, client_order_id: ClientOrderId) -> TransientVenueError | None:
        try:
            self.engine.execute(CancelOrder(client_order_id, DEFAULT_SYMBOL, "test"))
        except TransientVenueError as error:
            return error
        return None

    def recover(self) -> RecoveryReport:
        return recover(
            self.journal, self.executor, database=self.database, prefix=PREFIX, ts_event=self.now
        )

    def status(self, client_order_id: str) -> str | None:
        row = self.journal.order(client_order_id)
        return None if row is None else row.status

    def attempts(self) -> Counter[str]:
        return Counter(cid for cid, _ in self.ledger.submit_attempts())

    @property
    def now(self) -> int:
        return self.clock.timestamp_ns()

    def close(self) -> None:
        self.ledger.close()
        self.database.dispose()


def open_kernel(
    directory: Path,
    plan: FaultPlan | None = None,
    *,
    budget: RateBudget = WIDE_BUDGET,
    missed_bars: Sequence[Bar] = (),
) -> Kernel:
    """Start on ``directory``'s journal and venue ledger; the venue first trades
    ``missed_bars``, the bars that passed while no engine was connected."""
    clock = TestClock(BASE_TS)
    database = create_database_engine(None, directory / "journal.db")
    upgrade_database(database)
    journal = SqlJournal(database)
    ledger = VenueLedger(directory / "venue.db")
    venue = PersistentSimulatedVenue(venue_config(SPEC, MarketFill.LAST_PRICE), clock, ledger)
    venue.catch_up(missed_bars)
    if venue.last_input_ts is not None:
        clock.set_time(venue.last_input_ts)
    faulty = FaultyVenue(venue, plan or FaultPlan(), clock)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(round(seconds * NANOS_PER_SECOND))

    breakers = BreakerRegistry(
        clock, failure_threshold=THRESHOLD, recovery_timeout=RECOVERY_SECONDS
    )
    gate = RateGate({PROVIDER: budget}, clock, sleeper=sleep)
    executor = ResilientExecutor(faulty, breakers, gate, PROVIDER)
    order_ids = ClientOrderIdGenerator(PREFIX, _highest_sequence(ledger))
    engine = build_engine(
        SPEC,
        clock=clock,
        feed=ListFeed(()),
        executor=executor,
        order_ids=order_ids,
        journal=journal,
    )
    recorder = EventRecorder()
    engine.subscribe(recorder)
    return Kernel(
        clock,
        database,
        journal,
        ledger,
        venue,
        faulty,
        breakers,
        gate,
        executor,
        engine,
        order_ids,
        recorder,
        sleeps,
    )


def _highest_sequence(ledger: VenueLedger) -> int:
    numbers = [int(cid.rsplit("-", 1)[1]) for cid, _ in ledger.submit_attempts()]
    return max(numbers, default=0)


@pytest.fixture
def kernels() -> Iterator[list[Kernel]]:
    """Kernels a test opened; closed at the end whatever happened."""
    opened: list[Kernel] = []
    yield opened
    for kernel in opened:
        kernel.close()


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state now (a function, so a type checker does not narrow it)."""
    return breaker.state


def by_trade(fills: Sequence[Fill]) -> list[Fill]:
    return sorted(fills, key=lambda f: (f.venue_order_id, f.trade_id))


# -- timeouts after acceptance -----------------------------------------------------------


def test_submit_times_out_after_accept_then_resolved_by_order_state_and_recover_not_resent(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    k = open_kernel(tmp_path, FaultPlan.at({0: TimeoutAfterAccept(), 1: TimeoutAfterAccept()}))
    kernels.append(k)
    k.bar(100)
    filled, resting = k.market(Side.BUY), k.limit(Side.BUY, 90)

    errors = [k.send(filled), k.send(resting)]

    assert all(isinstance(e, TransientVenueError) for e in errors)
    assert k.recorder.of_type(OrderAccepted) == []  # the answers were lost
    assert k.status(filled.client_order_id) == OrderStatus.PENDING_SUBMIT
    assert k.status(resting.client_order_id) == OrderStatus.PENDING_SUBMIT
    filled_state = k.executor.order_state(filled.client_order_id)
    resting_state = k.executor.order_state(resting.client_order_id)
    assert filled_state is not None
    assert filled_state.status is OrderStatus.FILLED
    assert resting_state is not None
    assert resting_state.status is OrderStatus.ACCEPTED

    report = k.recover()

    assert report.ok, report.problems
    assert sorted(report.accepted) == sorted([filled.client_order_id, resting.client_order_id])
    assert report.imported_fills == 1
    assert [o.order.client_order_id for o in report.open_orders] == [resting.client_order_id]
    assert k.status(filled.client_order_id) == OrderStatus.FILLED
    assert k.status(resting.client_order_id) == OrderStatus.ACCEPTED
    assert by_trade(k.journal.fills()) == by_trade(k.ledger.fills())
    assert k.attempts() == {filled.client_order_id: 1, resting.client_order_id: 1}
    assert [c.method for c in k.faulty.calls].count("submit") == 2
    assert k.faulty.injected == {"timeout_after_accept": 2}


def test_submit_times_out_after_its_reports_arrived_then_journal_keeps_what_engine_booked(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    k = open_kernel(tmp_path, FaultPlan.at({0: TimeoutAfterAccept(reports_lost=False)}))
    kernels.append(k)
    k.bar(100)
    order = k.market(Side.BUY)

    error = k.send(order)

    assert isinstance(error, TransientVenueError)
    assert len(k.recorder.of_type(OrderFilled)) == 1  # the engine booked the fill
    assert k.engine.portfolio.position_quantity(DEFAULT_SYMBOL) == 1
    assert len(k.journal.fills()) == 1
    assert k.status(order.client_order_id) == OrderStatus.FILLED


# -- 5xx and disconnects: the circuit breaker ---------------------------------------------


def test_server_errors_open_breaker_then_refused_unsent_then_half_open_trial_closes_it(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    k = open_kernel(tmp_path, FaultPlan.at({i: ServerError() for i in range(THRESHOLD)}))
    kernels.append(k)
    k.bar(100)
    breaker = k.breakers.get(PROVIDER, "orders")
    failed = [k.market() for _ in range(THRESHOLD)]

    errors = [k.send(order) for order in failed]

    assert all(type(e) is TransientVenueError for e in errors)
    assert state_of(breaker) == "open"
    assert k.ledger.submit_attempts() == []  # a 5xx: nothing happened at the venue

    refused = k.market()
    error = k.send(refused)

    assert isinstance(error, CircuitOpenError)
    assert len(k.faulty.calls) == THRESHOLD  # refused before reaching the venue
    assert k.status(refused.client_order_id) == OrderStatus.REJECTED  # known not sent
    refused_row = k.journal.order(refused.client_order_id)
    assert refused_row is not None
    assert str(refused_row.reason).startswith("not sent: circuit breaker")

    k.clock.advance(RECOVERY_NS - 1)
    assert state_of(breaker) == "open"
    k.clock.advance(1)
    assert state_of(breaker) == "half_open"

    trial = k.market()
    assert k.send(trial) is None

    assert state_of(breaker) == "closed"
    assert k.breakers.get(PROVIDER, "queries").state == "closed"
    assert k.attempts() == {trial.client_order_id: 1}
    assert k.status(trial.client_order_id) == OrderStatus.FILLED
    report = k.recover()
    assert report.ok, report.problems
    unsent = [o.client_order_id for o in failed]  # the 5xx ones: outcome was unknown
    assert sorted(report.canceled_unsent) == sorted(unsent)
    assert {k.status(cid) for cid in unsent} == {OrderStatus.CANCELED}
    assert {row.reason for cid in unsent if (row := k.journal.order(cid))} == {NOT_SENT_REASON}


def test_disconnect_opens_breaker_then_failed_trial_reopens_then_successful_trial_closes(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    k = open_kernel(tmp_path, FaultPlan.at({0: Disconnect(for_calls=THRESHOLD + 1)}))
    kernels.append(k)
    breaker = k.breakers.get(PROVIDER, "queries")

    for _ in range(THRESHOLD):
        with pytest.raises(TransientVenueError, match="connection lost"):
            k.executor.positions()

    assert state_of(breaker) == "open"
    with pytest.raises(CircuitOpenError):
        k.executor.positions()
    assert len(k.faulty.calls) == THRESHOLD

    k.clock.advance(RECOVERY_NS)
    assert state_of(breaker) == "half_open"
    with pytest.raises(TransientVenueError, match="connection lost"):
        k.executor.positions()  # the trial reaches a venue still disconnected

    assert state_of(breaker) == "open"
    with pytest.raises(CircuitOpenError):
        k.executor.balances()
    k.clock.advance(RECOVERY_NS)

    assert k.executor.positions() == {}

    assert state_of(breaker) == "closed"
    assert k.faulty.injected == {"disconnect": THRESHOLD + 1}
    assert len(k.faulty.calls) == THRESHOLD + 2


# -- a 429 storm: the rate gate ------------------------------------------------------------


def test_429_storm_never_exceeds_rate_budget_and_backoff_count_grows(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    budget = RateBudget(provider=PROVIDER, limit=5, window_seconds=1)
    every_third = FaultPlan(((lambda call: call.index % 3 == 2, RateLimited()),))
    k = open_kernel(tmp_path, every_third, budget=budget)
    kernels.append(k)
    k.bar(100)
    order = k.limit(Side.BUY, 90)
    assert k.send(order) is None
    backoffs: list[int] = []
    answered_429 = 0

    for _ in range(3):
        for _ in range(20):
            try:
                k.executor.order_state(order.client_order_id)
            except VenueRateLimitedError:
                answered_429 += 1
        backoffs.append(k.gate.status()[0].backoff_count)

    assert 0 < backoffs[0] < backoffs[1] < backoffs[2]
    assert len(k.sleeps) == backoffs[-1]
    assert answered_429 == k.faulty.rate_limited == (len(k.faulty.calls) + 1) // 3
    assert k.breakers.get(PROVIDER, "queries").state == "closed"
    stamps = [call.ts_ns for call in k.faulty.calls if call.ts_ns is not None]
    assert len(stamps) == 61
    window = NANOS_PER_SECOND
    busiest = max(sum(1 for t in stamps if now - window <= t <= now) for now in stamps)
    assert busiest <= budget.limit
    assert stamps[-1] - stamps[0] >= (len(stamps) // budget.limit - 1) * window


# -- fills while the engine is down ----------------------------------------------------------


def test_fills_while_engine_down_then_recover_after_restart_imports_them_once(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    first = open_kernel(tmp_path)
    kernels.append(first)
    first.bar(100)
    resting = first.limit(Side.BUY, 95, quantity=2)
    assert first.send(resting) is None
    assert first.status(resting.client_order_id) == OrderStatus.ACCEPTED
    last_seen = first.now
    first.close()
    kernels.remove(first)
    missed = [
        make_bar(99, ts_event=last_seen + MINUTE_NS),
        make_bar(96, low=94, close=95, ts_event=last_seen + 2 * MINUTE_NS),
    ]

    second = open_kernel(tmp_path, missed_bars=missed)
    kernels.append(second)
    report = second.recover()

    assert report.ok, report.problems
    assert report.imported_fills == 1
    assert second.status(resting.client_order_id) == OrderStatus.FILLED
    assert by_trade(second.journal.fills()) == by_trade(second.ledger.fills())
    assert second.journal.positions_from_fills()[DEFAULT_SYMBOL].quantity == 2
    assert second.recover().imported_fills == 0
    assert len(second.journal.fills()) == 1
    assert second.attempts() == {resting.client_order_id: 1}


# -- a position changed behind our back ----------------------------------------------------------


def test_position_changed_behind_our_back_then_drift_breaches_after_3_and_resumes_after_2(
    tmp_path: Path, kernels: list[Kernel]
) -> None:
    k = open_kernel(tmp_path)
    kernels.append(k)
    k.bar(100)
    assert k.send(k.market(Side.BUY, 2)) is None
    reconciler = Reconciler(k.journal, k.executor, k.clock, tmp_path / "events")
    assert reconciler.run_cycle().clean

    trade_behind_our_back(k.faulty, market_order(Side.SELL, 1, client_order_id="OTHER-1"))
    drifting = [reconciler.run_cycle() for _ in range(3)]

    assert [r.state for r in drifting] == ["mismatch", "mismatch", "breached"]
    assert [r.breach is not None for r in drifting] == [False, False, True]
    assert str(drifting[-1].breach).startswith("reconciliation: 3 consecutive")
    drift = drifting[0].positions[0]
    assert (drift.symbol, drift.fills_only_at_venue) == (DEFAULT_SYMBOL, 1)
    assert drift.drift == Decimal(-1)
    assert drifting[0].orders == ()
    assert k.journal.order("OTHER-1") is None  # the engine never heard of it
    assert k.engine.portfolio.position_quantity(DEFAULT_SYMBOL) == 2

    trade_behind_our_back(k.faulty, market_order(Side.BUY, 1, client_order_id="OTHER-2"))
    clean = [reconciler.run_cycle() for _ in range(2)]

    assert [r.clean for r in clean] == [True, True]
    assert [(r.state, r.resumed) for r in clean] == [("breached", False), ("ok", True)]
    assert k.executor.positions() == {DEFAULT_SYMBOL: Decimal(2)}
    lines = (tmp_path / "events" / "position_reconciliation_events.jsonl").read_text()
    assert len(lines.splitlines()) == 6


# -- property: random fault plans over a short session -----------------------------------

FAULTS: list[Fault] = [
    TimeoutAfterAccept(),
    TimeoutAfterAccept(reports_lost=False),
    ServerError(),
    RateLimited(),
    Disconnect(1),
    Disconnect(3),
]
SESSION_BARS = 8


def trade_session(k: Kernel) -> None:
    """Bars, market orders both ways, resting limits and their cancels, account queries;
    every transient failure is left for recovery (nothing is ever resent)."""
    resting: list[ClientOrderId] = []
    for step in range(SESSION_BARS):
        k.bar(100 + step % 3)
        k.send(k.market(Side.BUY if step % 2 == 0 else Side.SELL, 1 + step % 2))
        if step % 3 == 0:
            order = k.limit(Side.BUY, 80)
            resting.append(order.client_order_id)
            k.send(order)
        elif resting:
            k.cancel(resting.pop(0))
        with contextlib.suppress(TransientVenueError):
            k.executor.positions()


@settings(max_examples=30, deadline=None, database=None)
@given(plan=st.dictionaries(st.integers(0, 30), st.sampled_from(FAULTS), max_size=10))
def test_random_fault_plans_then_each_id_sent_at_most_once_and_recover_matches_venue(
    plan: dict[int, Fault],
) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        session = open_kernel(directory, FaultPlan.at(plan))
        try:
            trade_session(session)
        finally:
            session.close()
        restarted = open_kernel(directory)
        try:
            report = restarted.recover()

            assert report.ok, report.problems
            assert max(restarted.attempts().values(), default=1) == 1
            assert by_trade(restarted.journal.fills()) == by_trade(restarted.ledger.fills())
            pending = [r for r in restarted.journal.open_orders() if r.status == "pending_submit"]
            assert pending == []
        finally:
            restarted.close()
