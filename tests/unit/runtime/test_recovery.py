"""Recovery decisions on start (SPEC STO-4, EXE-2), against a real SQLite journal and a
fake venue that has no way to receive an order: recovery never resends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.adapters.sim.ledger import VenueOrderState
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, OrderStatus, Side
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Order
from ai_trader.runtime.recovery import NOT_SENT_REASON, RecoveryFailed, recover
from ai_trader.testing.orders import market_order

SYMBOL = "SYN/USD"


class FakeVenue:
    """The venue's view: its orders by client id, fills and positions."""

    venue = "SIM"

    def __init__(self) -> None:
        self.states: dict[ClientOrderId, VenueOrderState] = {}
        self.fill_list: list[Fill] = []
        self.position_map: dict[str, Decimal] = {}

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self.states.get(client_order_id)

    def order_states(self) -> list[VenueOrderState]:
        return list(self.states.values())

    def fills(self) -> Sequence[Fill]:
        return tuple(self.fill_list)

    def positions(self) -> Mapping[str, Decimal]:
        return dict(self.position_map)

    def know(self, order: Order, status: OrderStatus, remaining: Decimal) -> None:
        vid = VenueOrderId(f"SIM-{order.client_order_id}")
        self.states[order.client_order_id] = VenueOrderState(order, vid, status, remaining)

    def fill(self, order: Order, quantity: str, trade: str) -> Fill:
        fill = Fill(
            client_order_id=order.client_order_id,
            venue_order_id=VenueOrderId(f"SIM-{order.client_order_id}"),
            trade_id=TradeId(trade),
            venue=self.venue,
            symbol=order.symbol,
            side=order.side,
            quantity=Decimal(quantity),
            price=Decimal("100"),
            fee=Decimal("0.1"),
            liquidity=LiquiditySide.TAKER,
            ts_event=1_000,
        )
        self.fill_list.append(fill)
        self.position_map[order.symbol] = (
            self.position_map.get(order.symbol, Decimal(0)) + fill.signed_quantity
        )
        return fill


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(None, tmp_path / "journal.db")
    upgrade_database(engine)
    yield engine
    engine.dispose()


def order(number: int, quantity: int = 2) -> Order:
    return market_order(Side.BUY, quantity, client_order_id=f"run-{number}", symbol=SYMBOL)


def test_recover_when_pending_order_unknown_to_venue_then_canceled_not_resent(
    database: Engine,
) -> None:
    journal, venue = SqlJournal(database), FakeVenue()
    journal.record_intent(order(1))

    report = recover(journal, venue, database=database, prefix="run")

    row = journal.order("run-1")
    assert row is not None
    assert (row.status, row.reason) == (OrderStatus.CANCELED, NOT_SENT_REASON)
    assert report.canceled_unsent == ("run-1",)
    assert report.ok


def test_recover_when_pending_order_known_to_venue_then_accepted_and_fills_imported(
    database: Engine,
) -> None:
    journal, venue = SqlJournal(database), FakeVenue()
    sent = order(1)
    journal.record_intent(sent)
    venue.know(sent, OrderStatus.FILLED, Decimal(0))
    fill = venue.fill(sent, "2", "T1")

    report = recover(journal, venue, database=database, prefix="run")

    row = journal.order("run-1")
    assert row is not None
    assert (row.status, row.venue_order_id) == (OrderStatus.FILLED, "SIM-run-1")
    assert journal.fills() == [fill]
    assert report.accepted == ("run-1",)
    assert report.fills == (fill,)
    assert report.ok


def test_recover_when_fill_missing_from_journal_then_imported_exactly_once(
    database: Engine,
) -> None:
    journal, venue = SqlJournal(database), FakeVenue()
    working = order(1, quantity=3)
    journal.record_intent(working)
    venue.know(working, OrderStatus.PARTIALLY_FILLED, Decimal(1))
    venue.fill(working, "2", "T1")

    first = recover(journal, venue, database=database, prefix="run")
    second = recover(journal, venue, database=database, prefix="run")

    assert (first.imported_fills, second.imported_fills) == (1, 0)
    assert len(journal.fills()) == 1
    assert [o.order.client_order_id for o in second.open_orders] == ["run-1"]
    assert second.open_orders[0].remaining == Decimal(1)


def test_recover_when_positions_differ_then_fails_closed(database: Engine) -> None:
    journal, venue = SqlJournal(database), FakeVenue()
    venue.position_map[SYMBOL] = Decimal(5)  # the venue holds what the journal never saw

    report = recover(journal, venue, database=database, prefix="run")

    assert not report.ok
    assert "positions differ" in report.problems[0]
    with pytest.raises(RecoveryFailed, match="positions differ"):
        report.require_ok()


def test_recover_then_order_sequence_continues_after_highest_id_used(
    database: Engine,
) -> None:
    journal, venue = SqlJournal(database), FakeVenue()
    for number in (1, 7, 3):
        journal.record_intent(order(number))

    report = recover(journal, venue, database=database, prefix="run")

    assert report.next_sequence == 7
