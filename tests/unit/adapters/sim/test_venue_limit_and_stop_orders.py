"""Simulated venue (ENG-3): limit and stop orders — the price they fill at (their own, or
the open when the bar gaps through it) and the fee side (maker for limits, taker for stops).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.adapters.sim.matching import trigger_price
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import LiquiditySide, OrderType, Side
from ai_trader.testing import limit_order, make_bar, make_venue, stop_order

D = Decimal
MAKER, TAKER = 0.0005, 0.002


def test_limit_buy_fills_at_its_price_when_the_low_touches_it_with_maker_fee() -> None:
    sim = make_venue(fee=TAKER, maker_fee=MAKER)
    sim.submit(limit_order(Side.BUY, 2, 95))

    sim.process(make_bar(100.0, 101.0, 94.0, 99.0))

    [fill] = sim.fills()
    assert (fill.price, fill.liquidity) == (D(95), LiquiditySide.MAKER)
    assert fill.fee == D("0.095")  # 2 * 95 * 0.0005


def test_limit_buy_fills_when_the_low_equals_the_limit() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.BUY, 1, 95))

    sim.process(make_bar(100.0, 101.0, 95.0, 99.0))

    assert sim.fills()[0].price == D(95)


def test_limit_buy_keeps_working_until_a_bar_reaches_it() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.BUY, 1, 95))

    sim.process(make_bar(100.0, 101.0, 95.5, 99.0, index=0))
    assert sim.fills() == []
    sim.process(make_bar(99.0, 99.5, 94.0, 96.0, index=1))

    assert sim.fills()[0].price == D(95)


def test_limit_buy_fills_at_the_open_when_the_bar_opens_below_the_limit() -> None:
    sim = make_venue(fee=TAKER, maker_fee=MAKER)
    sim.submit(limit_order(Side.BUY, 2, 95))

    sim.process(make_bar(90.0, 92.0, 88.0, 91.0))

    [fill] = sim.fills()
    assert (fill.price, fill.liquidity) == (D(90), LiquiditySide.MAKER)
    assert fill.fee == D("0.09")  # 2 * 90 * 0.0005


def test_limit_sell_fills_at_its_price_when_the_high_touches_it() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.SELL, 1, 105))

    sim.process(make_bar(100.0, 106.0, 99.0, 104.0))

    assert sim.fills()[0].price == D(105)


def test_limit_sell_fills_at_the_open_when_the_bar_opens_above_the_limit() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.SELL, 1, 105))

    sim.process(make_bar(108.0, 109.0, 107.0, 108.5))

    assert sim.fills()[0].price == D(108)


def test_limit_fills_get_no_slippage() -> None:
    sim = make_venue(slippage_bps=50)
    sim.submit(limit_order(Side.BUY, 1, 95))

    sim.process(make_bar(100.0, 101.0, 94.0, 99.0))

    assert sim.fills()[0].price == D(95)


def test_stop_sell_fills_at_the_stop_when_the_low_reaches_it_with_taker_fee() -> None:
    sim = make_venue(fee=TAKER, maker_fee=MAKER)
    sim.submit(stop_order(Side.SELL, 2, 95))

    sim.process(make_bar(100.0, 101.0, 94.0, 96.0))

    [fill] = sim.fills()
    assert (fill.price, fill.liquidity) == (D(95), LiquiditySide.TAKER)
    assert fill.fee == D("0.38")  # 2 * 95 * 0.002


def test_stop_sell_when_bar_gaps_below_then_fills_at_open() -> None:
    sim = make_venue(fee=TAKER, maker_fee=MAKER)
    sim.submit(stop_order(Side.SELL, 2, 95))

    sim.process(make_bar(93.0, 94.0, 90.0, 92.0))

    [fill] = sim.fills()
    assert fill.price == D(93)
    assert fill.fee == D("0.372")  # 2 * 93 * 0.002


def test_stop_sell_does_not_fill_while_the_low_stays_above() -> None:
    sim = make_venue()
    sim.submit(stop_order(Side.SELL, 1, 95))

    sim.process(make_bar(100.0, 101.0, 95.01, 96.0))

    assert sim.fills() == []
    assert sim.venue.working_orders


@pytest.mark.parametrize(
    ("bar", "expected"),
    [
        (make_bar(100.0, 106.0, 99.0, 104.0), D(105)),  # the high reaches the stop
        (make_bar(107.0, 108.0, 106.0, 107.5), D(107)),  # opens above it: fills at the open
    ],
)
def test_stop_buy_fills_at_the_stop_or_at_the_open_on_a_gap_up(bar: Bar, expected: Decimal) -> None:
    sim = make_venue()
    sim.submit(stop_order(Side.BUY, 1, 105))

    sim.process(bar)

    assert sim.fills()[0].price == expected


def test_stop_fills_are_taker_fills_and_get_slippage() -> None:
    sim = make_venue(slippage_bps=10)
    sim.submit(stop_order(Side.SELL, 1, 95))

    sim.process(make_bar(100.0, 101.0, 94.0, 96.0))

    assert sim.fills()[0].price == D("94.905")  # 95 * (1 - 0.001)


BAR = Bar("X", 1, 100.0, 110.0, 90.0, 105.0, 1.0)


@pytest.mark.parametrize(
    ("order_type", "side", "price", "expected"),
    [
        (OrderType.LIMIT, Side.BUY, 95.0, 95.0),
        (OrderType.LIMIT, Side.BUY, 89.0, None),
        (OrderType.LIMIT, Side.BUY, 100.0, 100.0),
        (OrderType.LIMIT, Side.BUY, 120.0, 100.0),
        (OrderType.LIMIT, Side.SELL, 105.0, 105.0),
        (OrderType.LIMIT, Side.SELL, 111.0, None),
        (OrderType.LIMIT, Side.SELL, 80.0, 100.0),
        (OrderType.STOP, Side.BUY, 105.0, 105.0),
        (OrderType.STOP, Side.BUY, 111.0, None),
        (OrderType.STOP, Side.BUY, 95.0, 100.0),
        (OrderType.STOP, Side.SELL, 95.0, 95.0),
        (OrderType.STOP, Side.SELL, 89.0, None),
        (OrderType.STOP, Side.SELL, 105.0, 100.0),
    ],
)
def test_trigger_price_with_the_open_checked(
    order_type: OrderType, side: Side, price: float, expected: float | None
) -> None:
    assert trigger_price(order_type, side, price, BAR) == expected


@pytest.mark.parametrize(
    ("order_type", "side", "price", "expected"),
    [
        (OrderType.LIMIT, Side.SELL, 98.0, 98.0),  # placed after the open: its own price
        (OrderType.LIMIT, Side.BUY, 102.0, 102.0),
        (OrderType.STOP, Side.SELL, 102.0, 102.0),
        (OrderType.STOP, Side.BUY, 98.0, 98.0),
        (OrderType.STOP, Side.SELL, 89.0, None),
    ],
)
def test_trigger_price_of_an_order_placed_after_the_open_ignores_the_open(
    order_type: OrderType, side: Side, price: float, expected: float | None
) -> None:
    assert trigger_price(order_type, side, price, BAR, check_open=False) == expected
