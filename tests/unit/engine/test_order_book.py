"""The engine's order book: statuses, working entries, and the invariants on ids and fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, VenueOrderId
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.engine import OrderBook
from ai_trader.testing import make_fill, market_order

D = Decimal


def test_added_order_is_pending_and_a_working_entry() -> None:
    book = OrderBook()

    record = book.add(market_order(Side.BUY, 2))

    assert record.status is OrderStatus.PENDING_SUBMIT
    assert book.has_working_entry("TEST/USD")
    assert len(book) == 1
    assert book.open_records() == [record]


def test_the_same_client_order_id_twice_is_an_invariant_violation() -> None:
    book = OrderBook()
    book.add(market_order(Side.BUY, 1))

    with pytest.raises(InvariantViolation, match="client order id O-1 used twice"):
        book.add(market_order(Side.SELL, 1))


def test_partial_then_full_fill() -> None:
    book = OrderBook()
    order = market_order(Side.BUY, 2)
    book.add(order)
    book.accepted(order, VenueOrderId("V-1"))

    partial = book.filled(make_fill(Side.BUY, 1, 10, trade_id="T-1"), remaining=D(1))
    assert partial is not None
    assert (partial.status, partial.filled) == (OrderStatus.PARTIALLY_FILLED, D(1))
    assert book.has_working_entry("TEST/USD")

    full = book.filled(make_fill(Side.BUY, 1, 11, trade_id="T-2"), remaining=D(0))
    assert full is not None
    assert (full.status, full.filled, len(full.fills)) == (OrderStatus.FILLED, D(2), 2)
    assert not book.has_working_entry("TEST/USD")
    assert book.open_records() == []
    assert book.filled_entries == 1


def test_same_trade_id_is_booked_once() -> None:
    book = OrderBook()
    book.add(market_order(Side.BUY, 2))
    fill = make_fill(Side.BUY, 1, 10, trade_id="T-1")

    assert book.filled(fill, remaining=D(1)) is not None
    assert book.filled(fill, remaining=D(1)) is None
    assert book.get(ClientOrderId("O-1")).filled == D(1)  # type: ignore[union-attr]


def test_fill_for_an_unknown_order_is_an_invariant_violation() -> None:
    with pytest.raises(InvariantViolation, match="for unknown order O-1"):
        OrderBook().filled(make_fill(Side.BUY, 1, 10), remaining=D(0))


def test_order_accepted_that_the_engine_never_sent_is_added() -> None:
    book = OrderBook()
    child = market_order(Side.SELL, 1, client_order_id="E.sl", reduce_only=True)

    record = book.accepted(child, VenueOrderId("V-2"))

    assert record.status is OrderStatus.ACCEPTED
    assert not book.has_working_entry("TEST/USD")


def test_closing_a_finished_order_changes_nothing() -> None:
    book = OrderBook()
    book.add(market_order(Side.BUY, 1))
    book.filled(make_fill(Side.BUY, 1, 10), remaining=D(0))

    book.closed(ClientOrderId("O-1"), OrderStatus.CANCELED, "too late")

    record = book.get(ClientOrderId("O-1"))
    assert record is not None
    assert (record.status, record.reason) == (OrderStatus.FILLED, "")


def test_canceled_entry_is_no_longer_working() -> None:
    book = OrderBook()
    book.add(market_order(Side.BUY, 1))

    book.closed(ClientOrderId("O-1"), OrderStatus.CANCELED, "strategy exit")

    assert not book.has_working_entry("TEST/USD")
    assert book.get(ClientOrderId("O-1")).reason == "strategy exit"  # type: ignore[union-attr]
