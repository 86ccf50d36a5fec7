"""A journal that refuses a write (its database locked) and a submit refused before it
reached the venue: the engine books no order the journal does not hold, reports the
failure as an event, and keeps the strategy that asked attached."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.errors import JournalUnavailableError, OrderNotSentError
from ai_trader.domain.commands import OpenPosition, SubmitOrder
from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.events import Event, OrderDenied, OrderRejected
from ai_trader.domain.orders import Order
from ai_trader.testing import (
    DEFAULT_SYMBOL,
    EngineHarness,
    RecordingExecutor,
    RecordingJournal,
    ScriptedStrategy,
    bars_from_closes,
    build_engine,
    market_order,
)

LONG = SignalAction.ENTER_LONG
LOCKED = "journal unavailable: database is locked"


class LockableJournal(RecordingJournal):
    """Refuses every write while ``locked``, as a journal whose database is locked."""

    def __init__(self) -> None:
        super().__init__()
        self.locked = False

    def record_intent(self, order: Order) -> None:
        if self.locked:
            raise JournalUnavailableError(LOCKED)
        super().record_intent(order)

    def record_event(self, event: Event) -> None:
        if self.locked:
            raise JournalUnavailableError(LOCKED)
        super().record_event(event)


class RefusingExecutor(RecordingExecutor):
    """Refuses every submit before sending, as a venue behind an open circuit breaker."""

    def submit(self, order: Order) -> None:
        raise OrderNotSentError("circuit breaker orders is open")


def harness(
    script: dict[int, SignalAction], executor: RecordingExecutor | None = None
) -> tuple[EngineHarness, LockableJournal, RecordingExecutor, ScriptedStrategy]:
    journal = LockableJournal()
    venue = executor or RecordingExecutor()
    strategy = ScriptedStrategy(script)
    built = build_engine(
        bars_from_closes([10.0, 11.0, 12.0, 13.0]),
        strategies=[strategy],
        journal=journal,
        executor=venue,
    )
    return built, journal, venue, strategy


def test_strategy_order_when_journal_locked_then_denied_not_booked_and_strategy_stays() -> None:
    h, journal, venue, strategy = harness({0: LONG, 2: LONG})
    journal.locked = True
    h.engine.subscribe_bars(lambda bar: setattr(journal, "locked", False))  # after bar 0

    h.run()

    denied = h.recorder.of_type(OrderDenied)
    assert [d.reason for d in denied] == [LOCKED]
    assert denied[0].order is not None
    assert h.engine.strategies == [strategy]  # still attached
    assert len(strategy.bars_seen) == 4
    assert len(venue.submitted) == 1  # bar 2's order, once the lock was gone
    assert venue.submitted == journal.intents
    assert venue.submitted[0].client_order_id != denied[0].client_order_id
    booked = [r.order.client_order_id for r in h.engine.orders.records()]
    assert booked == [venue.submitted[0].client_order_id]  # no orphan from bar 0


def test_operator_order_when_journal_locked_then_error_and_nothing_booked_or_sent() -> None:
    h, journal, venue, _ = harness({})
    h.run()
    journal.locked = True

    with pytest.raises(JournalUnavailableError, match=r"^journal unavailable: database is locked$"):
        h.engine.open_position(OpenPosition(DEFAULT_SYMBOL, Side.BUY, quantity=Decimal(1)))

    assert len(h.engine.orders) == 0
    assert venue.submitted == []


def test_execute_when_intent_refused_then_order_not_in_book() -> None:
    h, journal, venue, _ = harness({})
    journal.locked = True
    order = market_order(Side.BUY, 1, client_order_id="TEST-9")

    with pytest.raises(JournalUnavailableError):
        h.engine.execute(SubmitOrder(order))

    assert h.engine.orders.get(order.client_order_id) is None
    assert not h.engine.has_working_entry(order.symbol)
    assert venue.submitted == []


def test_execute_when_submit_refused_before_sending_then_order_closed_not_sent() -> None:
    h, journal, _, _ = harness({}, RefusingExecutor())
    order = market_order(Side.BUY, 1, client_order_id="TEST-9")

    with pytest.raises(OrderNotSentError):
        h.engine.execute(SubmitOrder(order))

    record = h.engine.orders.get(order.client_order_id)
    assert record is not None
    assert record.status is OrderStatus.REJECTED
    assert record.reason.startswith("not sent: ")
    assert not h.engine.has_working_entry(order.symbol)
    rejected = [e for e in journal.events if isinstance(e, OrderRejected)]
    assert [e.order.client_order_id for e in rejected] == [order.client_order_id]


def test_strategy_order_when_submit_refused_before_sending_then_strategy_stays() -> None:
    h, journal, _, _ = harness({0: LONG, 1: LONG}, RefusingExecutor())

    h.run()

    assert len(h.engine.strategies) == 1
    assert [r.status for r in h.engine.orders.records()] == [OrderStatus.REJECTED] * 2
    assert len(journal.intents) == 2
