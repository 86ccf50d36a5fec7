"""The simulated venue's ledger: a reopened venue has the same books, and it fills working
orders on the bars that elapsed while no engine was connected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ai_trader.adapters.sim.config import MarketFill, SimulatedVenueConfig
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.clock import TestClock
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.domain.events import Event
from ai_trader.testing.orders import market_order

SYMBOL = "SYN/USD"


def bar(minute: int, price: float = 100.0) -> Bar:
    return Bar.create(SYMBOL, minute * 60_000_000_000, price, price + 1, price - 1, price, 1e6)


def open_venue(path: Path, clock: TestClock) -> PersistentSimulatedVenue:
    return PersistentSimulatedVenue(
        SimulatedVenueConfig(maker_fee=0.001, taker_fee=0.001), clock, VenueLedger(path)
    )


def test_reopened_venue_when_orders_filled_then_same_fills_positions_and_states(
    tmp_path: Path,
) -> None:
    clock = TestClock()
    venue = open_venue(tmp_path / "venue.db", clock)
    seen: list[Event] = []
    venue.connect(seen.append)
    clock.set_time(bar(1).ts_event)
    venue.submit(market_order(Side.BUY, 3, client_order_id="A-1", symbol=SYMBOL))
    venue.process_bar(bar(2))
    venue.submit(market_order(Side.SELL, 1, client_order_id="A-2", symbol=SYMBOL))
    venue.submit(market_order(Side.SELL, 1, client_order_id="A-2", symbol=SYMBOL))  # resend
    venue.ledger.close()

    reopened = open_venue(tmp_path / "venue.db", TestClock())

    assert list(reopened.fills()) == list(venue.fills())
    assert len(reopened.fills()) == 1
    assert reopened.positions() == {SYMBOL: Decimal(3)}
    state = reopened.order_state(ClientOrderId("A-2"))
    assert state is not None
    assert state.status is OrderStatus.ACCEPTED
    assert [cid for cid, _ in reopened.ledger.submit_attempts()] == ["A-1", "A-2", "A-2"]
    assert len(seen) == 3  # accepted, filled, accepted: the resend reported nothing
    reopened.ledger.close()


def test_catch_up_when_order_working_then_filled_without_engine(tmp_path: Path) -> None:
    clock = TestClock()
    venue = open_venue(tmp_path / "venue.db", clock)
    clock.set_time(bar(1).ts_event)
    venue.submit(market_order(Side.BUY, 2, client_order_id="A-1", symbol=SYMBOL))
    venue.ledger.close()
    reopened = open_venue(tmp_path / "venue.db", TestClock())

    traded = reopened.catch_up([bar(1), bar(2), bar(3)])

    assert traded == 2  # bar 1 was already behind the venue
    assert reopened.positions() == {SYMBOL: Decimal(2)}
    assert reopened.ledger.last_bar_ts() == bar(3).ts_event
    assert reopened.ledger.integrity_check() == "ok"
    reopened.ledger.close()


class TickingClock(TestClock):
    """A clock that moves on every reading, as the wall clock does."""

    def timestamp_ns(self) -> int:
        self.advance(1_000)
        return super().timestamp_ns()


def test_reopened_venue_when_clock_moves_during_a_step_then_replay_matches(
    tmp_path: Path,
) -> None:
    config = SimulatedVenueConfig(
        maker_fee=0.001, taker_fee=0.001, market_fill=MarketFill.LAST_PRICE
    )
    clock = TickingClock()
    clock.set_time(bar(1).ts_event)
    venue = PersistentSimulatedVenue(config, clock, VenueLedger(tmp_path / "venue.db"))
    venue.process_bar(bar(1))
    venue.submit(market_order(Side.BUY, 2, client_order_id="A-1", symbol=SYMBOL))
    venue.submit(market_order(Side.SELL, 2, client_order_id="A-2", symbol=SYMBOL))
    venue.ledger.close()

    reopened = PersistentSimulatedVenue(config, TestClock(), VenueLedger(tmp_path / "venue.db"))

    assert len(venue.fills()) == 2
    assert list(reopened.fills()) == list(venue.fills())
    reopened.ledger.close()
