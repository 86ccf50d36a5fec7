"""The engine talks to its ports in a fixed order: the journal records an order's intent
before the executor sees the order (write-ahead), and every report is journaled."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import VenueOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.events import (
    OrderAccepted,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SignalGenerated,
)
from ai_trader.domain.orders import Order
from ai_trader.ports.journal import Journal
from ai_trader.testing import (
    EngineHarness,
    RecordingExecutor,
    RecordingJournal,
    ScriptedStrategy,
    bar_ts,
    bars_from_closes,
    build_engine,
    make_fill,
    stop_order,
)

LONG = SignalAction.ENTER_LONG


def harness_with_fakes(script: dict[int, SignalAction]) -> tuple[EngineHarness, list[str]]:
    log: list[str] = []
    harness = build_engine(
        bars_from_closes([10.0, 11.0, 12.0]),
        strategies=[ScriptedStrategy(script)],
        journal=RecordingJournal(log),
        executor=RecordingExecutor(log),
    )
    return harness, log


def journal_of(harness: EngineHarness) -> RecordingJournal:
    assert isinstance(harness.journal, RecordingJournal)
    return harness.journal


def executor_of(harness: EngineHarness) -> RecordingExecutor:
    assert isinstance(harness.executor, RecordingExecutor)
    return harness.executor


def test_recording_journal_implements_the_journal_port() -> None:
    assert isinstance(RecordingJournal(), Journal)


def test_journal_records_the_intent_before_the_executor_sees_the_order() -> None:
    harness, log = harness_with_fakes({0: LONG})

    harness.run()

    assert log == [
        "journal.record_intent TEST-1",
        "journal.record_event OrderSubmitted",
        "journal.batch begin",  # the venue's immediate answers share one commit
        "executor.submit TEST-1",
        "journal.batch commit",
    ]
    assert journal_of(harness).intents == executor_of(harness).submitted


def test_denied_entry_is_journaled_as_an_event_without_an_intent() -> None:
    harness, log = harness_with_fakes({0: LONG})
    harness.risk.halt_entries("operator", 0)

    harness.run()

    assert log == ["journal.record_event OrderDenied"]
    assert isinstance(journal_of(harness).events[0], OrderDenied)


def test_executor_reports_are_booked_and_journaled() -> None:
    harness, log = harness_with_fakes({0: LONG})
    harness.run()
    [order] = executor_of(harness).submitted
    fill = make_fill(Side.BUY, 1, 11, "0.01", client_order_id=order.client_order_id)

    executor_of(harness).report(OrderAccepted(order, VenueOrderId("V-1"), 1))
    executor_of(harness).report(OrderFilled(fill, Decimal(0), 2))

    assert log[-2:] == ["journal.record_event OrderAccepted", "journal.record_event OrderFilled"]
    record = harness.engine.orders.get(order.client_order_id)
    assert record is not None
    assert (record.status, record.venue_order_id) == (OrderStatus.FILLED, "V-1")
    assert harness.portfolio.cash == Decimal("9988.99")  # 10_000 - 11 - 0.01
    assert [type(e) for e in harness.events] == [
        SignalGenerated,
        OrderSubmitted,
        OrderAccepted,
        OrderFilled,
    ]


def test_rejected_order_is_closed_with_the_venues_reason() -> None:
    harness, _ = harness_with_fakes({0: LONG})
    harness.run()
    [order] = executor_of(harness).submitted

    executor_of(harness).report(OrderRejected(order, "insufficient margin", 1))

    record = harness.engine.orders.get(order.client_order_id)
    assert record is not None
    assert (record.status, record.reason) == (OrderStatus.REJECTED, "insufficient margin")
    assert not harness.engine.has_working_entry(order.symbol)


def test_exit_signal_cancels_working_reduce_only_orders_through_the_executor() -> None:
    harness, log = harness_with_fakes({0: LONG, 2: SignalAction.EXIT})
    executor = executor_of(harness)

    def venue_fills_the_entry_and_places_a_stop(bar: Bar) -> None:
        if bar.ts_event != bar_ts(1):
            return
        [entry] = executor.submitted
        stop = stop_order(
            Side.SELL, 1, 9, client_order_id=f"{entry.client_order_id}.sl", reduce_only=True
        )
        executor.report(OrderAccepted(entry, VenueOrderId("V-1"), bar.ts_event))
        fill = make_fill(Side.BUY, 1, 10, client_order_id=entry.client_order_id)
        executor.report(OrderFilled(fill, Decimal(0), bar.ts_event))
        executor.report(OrderAccepted(stop, VenueOrderId("V-2"), bar.ts_event))

    harness.engine.subscribe_bars(venue_fills_the_entry_and_places_a_stop)

    harness.run()

    assert executor.canceled == ["TEST-1.sl"]
    exit_order = executor.submitted[-1]
    assert (exit_order.side, exit_order.quantity, exit_order.reduce_only) == (
        Side.SELL,
        Decimal(1),
        True,
    )
    assert log.index("executor.cancel TEST-1.sl") < log.index("executor.submit TEST-2")


def test_strategy_signal_when_venue_times_out_then_strategy_stays_attached() -> None:
    class TimingOutExecutor(RecordingExecutor):
        def submit(self, order: Order) -> None:
            super().submit(order)
            raise TransientVenueError("read timeout")

    log: list[str] = []
    strategy = ScriptedStrategy({0: LONG, 2: SignalAction.EXIT, 3: LONG})
    harness = build_engine(
        bars_from_closes([10.0, 11.0, 12.0, 13.0]),
        strategies=[strategy],
        journal=RecordingJournal(log),
        executor=TimingOutExecutor(log),
    )

    harness.run()

    assert harness.engine.strategies == [strategy], "a venue timeout is not a strategy failure"
    # the exit at bar 2 finds no booked position (the entry's outcome is unknown): no order
    assert [o.client_order_id for o in executor_of(harness).submitted] == ["TEST-1", "TEST-3"]
    assert log.count("journal.batch commit") == 2, "what arrived before the timeout is kept"
