"""Simulated venue (ENG-3): market orders, fees, slippage, idempotency, quote sizing,
paper mode and rejections. Every number is worked out by hand in the test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.adapters.sim import MarketFill
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import LiquiditySide, Side
from ai_trader.domain.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from ai_trader.domain.instrument import Instrument
from ai_trader.ports.executor import BarDrivenExecutor, Executor
from ai_trader.testing import DEFAULT_SYMBOL, limit_order, make_bar, make_venue, market_order

D = Decimal


def test_venue_implements_the_bar_driven_executor_port() -> None:
    venue = make_venue().venue

    assert isinstance(venue, Executor)
    assert isinstance(venue, BarDrivenExecutor)
    assert venue.venue == "SIM"


def test_market_order_waits_for_the_next_bar() -> None:
    sim = make_venue()

    sim.submit(market_order(Side.BUY, 2))

    assert sim.fills() == []
    assert [o.client_order_id for o in sim.venue.open_orders()] == ["O-1"]
    assert sim.venue.working_orders
    assert [type(e) for e in sim.recorder.events] == [OrderAccepted]


def test_market_order_fills_at_the_next_bar_open_with_taker_fee() -> None:
    sim = make_venue(fee=0.001)
    bar = make_bar(100.0, 105.0, 95.0, 102.0, index=1)
    sim.submit(market_order(Side.BUY, 2))

    sim.process(bar)

    [fill] = sim.fills()
    assert (fill.price, fill.quantity) == (D(100), D(2))
    assert fill.fee == D("0.2")  # 2 * 100 * 0.001
    assert fill.liquidity is LiquiditySide.TAKER
    assert fill.ts_event == bar.ts_event
    assert sim.recorder.of_type(OrderFilled)[0].remaining == 0
    assert sim.venue.positions() == {DEFAULT_SYMBOL: D(2)}
    assert not sim.venue.working_orders


def test_market_sell_fills_at_the_open_and_opens_a_short_at_the_venue() -> None:
    sim = make_venue(fee=0.002)
    sim.submit(market_order(Side.SELL, "1.5"))

    sim.process(make_bar(80.0, 81.0, 70.0, 75.0))

    [fill] = sim.fills()
    assert (fill.price, fill.fee) == (D(80), D("0.24"))  # 1.5 * 80 * 0.002
    assert sim.venue.positions() == {DEFAULT_SYMBOL: D("-1.5")}


@pytest.mark.parametrize(
    ("side", "expected_price", "expected_fee"),
    [
        (Side.BUY, D("100.1"), D("0.2002")),  # 100 * (1 + 0.001); fee 2 * 100.1 * 0.001
        (Side.SELL, D("99.9"), D("0.1998")),  # 100 * (1 - 0.001)
    ],
)
def test_slippage_moves_the_fill_price_against_the_taker(
    side: Side, expected_price: Decimal, expected_fee: Decimal
) -> None:
    sim = make_venue(fee=0.001, slippage_bps=10)
    sim.submit(market_order(side, 2))

    sim.process(make_bar(100.0, 101.0, 99.0, 100.0))

    [fill] = sim.fills()
    assert (fill.price, fill.fee) == (expected_price, expected_fee)


@pytest.mark.parametrize(
    ("side", "expected"),
    [(Side.BUY, D("123.54")), (Side.SELL, D("123.36"))],  # 123.536415 / 123.363585
)
def test_slipped_price_is_rounded_to_the_instrument_tick(side: Side, expected: Decimal) -> None:
    tick = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, price_increment=D("0.01"))}
    sim = make_venue(slippage_bps=7, instruments=tick)
    sim.submit(market_order(side, 1))

    sim.process(make_bar(123.45, 124.0, 123.0, 123.5))

    assert sim.fills()[0].price == expected


def test_submitting_the_same_client_order_id_twice_creates_one_order() -> None:
    sim = make_venue()
    order = market_order(Side.BUY, 1)

    sim.submit(order, order)
    sim.submit(market_order(Side.SELL, 9))  # same id "O-1", different content
    sim.process(make_bar(100.0))

    assert len(sim.recorder.of_type(OrderAccepted)) == 1
    assert [(f.side, f.quantity) for f in sim.fills()] == [(Side.BUY, D(1))]
    assert sim.venue.query_order(ClientOrderId("O-1")) == order


def test_resubmitting_a_filled_order_does_not_trade_again() -> None:
    sim = make_venue()
    order = market_order(Side.BUY, 1)
    sim.submit(order)
    sim.process(make_bar(100.0, index=0))

    sim.submit(order)
    sim.process(make_bar(101.0, index=1))

    assert len(sim.fills()) == 1


def test_quote_quantity_buy_is_sized_at_the_fill_price_fee_included() -> None:
    sim = make_venue(fee=0.001)
    sim.submit(market_order(Side.BUY, 0, quote_quantity=1000))

    sim.process(make_bar(100.0, 101.0, 99.0, 100.5))

    [fill] = sim.fills()
    # 1000 / (100 * 1.001) = 9.990009990..., floored to the 1e-8 lot
    assert fill.quantity == D("9.99000999")
    # 9.99000999 * 100 * 0.001 = 0.999000999, rounded to the 1e-8 quote precision
    assert fill.fee == D("0.99900100")
    assert fill.notional + fill.fee <= 1000


def test_quote_quantity_buy_without_fee_spends_exactly_the_quote() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 0, quote_quantity=1000))

    sim.process(make_bar(125.0))

    assert sim.fills()[0].quantity == D(8)


def test_quote_quantity_below_the_minimum_size_is_rejected_at_the_fill() -> None:
    lot = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, min_quantity=D(1))}
    sim = make_venue(instruments=lot)
    sim.submit(market_order(Side.BUY, 0, quote_quantity=50))

    sim.process(make_bar(100.0))

    [rejected] = sim.recorder.of_type(OrderRejected)
    assert rejected.reason == "quote quantity buys less than the minimum size"
    assert sim.fills() == []
    assert not sim.venue.working_orders


def test_quantity_below_the_instrument_minimum_is_rejected_on_submit() -> None:
    lot = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, min_quantity=D(1))}
    sim = make_venue(instruments=lot)

    sim.submit(market_order(Side.BUY, "0.5"))

    [rejected] = sim.recorder.of_type(OrderRejected)
    assert rejected.reason == "quantity 0.5 below minimum 1"
    assert sim.venue.open_orders() == []


def test_unknown_symbol_is_rejected_when_an_instrument_map_is_given() -> None:
    sim = make_venue(instruments={"BTC/USD": Instrument("BTC/USD")})

    sim.submit(market_order(Side.BUY, 1, symbol="ETH/USD"))

    assert [type(e) for e in sim.recorder.events] == [OrderRejected]
    assert sim.recorder.of_type(OrderRejected)[0].reason == "unknown symbol 'ETH/USD'"
    assert sim.venue.open_orders() == []


def test_without_an_instrument_map_every_symbol_is_accepted() -> None:
    sim = make_venue()

    sim.submit(market_order(Side.BUY, 1, symbol="AAA/USD", client_order_id="O-1"))
    sim.submit(market_order(Side.BUY, 1, symbol="BBB/USD", client_order_id="O-2"))

    assert sim.recorder.of_type(OrderRejected) == []
    assert len(sim.recorder.of_type(OrderAccepted)) == 2


def test_paper_mode_fills_a_market_order_at_the_last_close_at_once() -> None:
    sim = make_venue(fee=0.001, market_fill=MarketFill.LAST_PRICE)
    last = make_bar(100.0, 106.0, 99.0, 105.0, index=3)
    sim.process(last)
    sim.clock.set_time(last.ts_event + 5)

    sim.submit(market_order(Side.BUY, 2))

    [fill] = sim.fills()
    assert (fill.price, fill.fee) == (D(105), D("0.21"))  # 2 * 105 * 0.001
    assert fill.ts_event == last.ts_event + 5
    assert not sim.venue.working_orders


def test_paper_mode_before_any_bar_fills_at_the_first_bar_open() -> None:
    sim = make_venue(market_fill=MarketFill.LAST_PRICE)
    sim.submit(market_order(Side.BUY, 1))

    sim.process(make_bar(100.0, 101.0, 99.0, 100.5))

    assert sim.fills()[0].price == D(100)


def test_paper_mode_leaves_limit_orders_to_the_bars() -> None:
    sim = make_venue(market_fill=MarketFill.LAST_PRICE)
    sim.process(make_bar(100.0, index=0))

    sim.submit(limit_order(Side.BUY, 1, 99))

    assert sim.fills() == []
    assert sim.venue.working_orders


def test_cancel_removes_a_working_order_and_reports_it() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.BUY, 1, 90))

    sim.venue.cancel(ClientOrderId("O-1"))
    sim.process(make_bar(89.0))

    [canceled] = sim.recorder.of_type(OrderCanceled)
    assert (canceled.client_order_id, canceled.reason) == ("O-1", "canceled on request")
    assert sim.fills() == []


def test_cancel_of_an_unknown_or_finished_order_does_nothing() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1))
    sim.process(make_bar(100.0))
    before = list(sim.recorder.events)

    sim.venue.cancel(ClientOrderId("O-1"))
    sim.venue.cancel(ClientOrderId("never-sent"))

    assert sim.recorder.events == before


def test_a_bar_of_another_symbol_does_not_match_this_symbols_orders() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1, symbol="AAA/USD"))

    sim.process(make_bar(50.0, symbol="BBB/USD"))

    assert sim.fills() == []
    assert sim.venue.working_orders


def test_fills_and_positions_accumulate_and_flat_positions_are_left_out() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 3, client_order_id="O-1"))
    sim.process(make_bar(10.0, index=0))
    sim.submit(market_order(Side.SELL, 3, client_order_id="O-2"))
    sim.process(make_bar(11.0, index=1))

    assert [f.client_order_id for f in sim.venue.fills()] == ["O-1", "O-2"]
    assert sim.venue.positions() == {}
    assert len({f.trade_id for f in sim.venue.fills()}) == 2
