"""Simulated venue (ENG-3): partial fills under ``max_volume_share`` and reduce-only orders."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.adapters.sim import MarketFill
from ai_trader.domain.enums import Side
from ai_trader.domain.events import OrderCanceled, OrderFilled
from ai_trader.domain.instrument import Instrument
from ai_trader.testing import DEFAULT_SYMBOL, limit_order, make_bar, make_venue, market_order

D = Decimal


def test_order_larger_than_the_volume_share_fills_over_several_bars_at_each_open() -> None:
    sim = make_venue(fee=0.001, max_volume_share=0.1)
    sim.submit(market_order(Side.BUY, "2.5"))

    sim.process(
        make_bar(100.0, volume=10.0, index=0),
        make_bar(102.0, volume=10.0, index=1),
        make_bar(104.0, volume=10.0, index=2),
    )

    # 10% of a 10-unit bar is 1 unit per bar
    assert [(f.quantity, f.price, f.fee) for f in sim.fills()] == [
        (D(1), D(100), D("0.1")),
        (D(1), D(102), D("0.102")),
        (D("0.5"), D(104), D("0.052")),
    ]
    assert [e.remaining for e in sim.recorder.of_type(OrderFilled)] == [D("1.5"), D("0.5"), 0]
    assert not sim.venue.working_orders


def test_orders_on_one_bar_share_its_volume_budget_oldest_first() -> None:
    sim = make_venue(max_volume_share=0.1)
    sim.submit(market_order(Side.BUY, 1, client_order_id="first"))
    sim.submit(market_order(Side.BUY, 1, client_order_id="second"))

    sim.process(make_bar(100.0, volume=15.0, index=0), make_bar(101.0, volume=15.0, index=1))

    assert [(f.client_order_id, f.quantity, f.price) for f in sim.fills()] == [
        ("first", D(1), D(100)),
        ("second", D("0.5"), D(100)),
        ("second", D("0.5"), D(101)),
    ]


def test_limit_order_without_volume_left_keeps_working() -> None:
    sim = make_venue(max_volume_share=0.5)
    sim.submit(market_order(Side.BUY, 5, client_order_id="market"))
    sim.submit(limit_order(Side.BUY, 1, 99, client_order_id="limit"))

    sim.process(make_bar(100.0, 100.0, 98.0, 99.0, volume=10.0))

    assert [f.client_order_id for f in sim.fills()] == ["market"]
    assert [o.client_order_id for o in sim.venue.open_orders()] == ["limit"]


def test_zero_volume_bar_fills_nothing_under_a_volume_share() -> None:
    sim = make_venue(max_volume_share=1.0)
    sim.submit(market_order(Side.BUY, 1))

    sim.process(make_bar(100.0, volume=0.0))

    assert sim.fills() == []
    assert sim.venue.working_orders


def test_partial_quantity_is_floored_to_the_lot_size() -> None:
    lot = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, size_increment=D("0.1"))}
    sim = make_venue(max_volume_share=0.5, instruments=lot)
    sim.submit(market_order(Side.BUY, 2))

    sim.process(make_bar(100.0, volume=2.5))  # budget 1.25 → 1.2

    assert sim.fills()[0].quantity == D("1.2")


def test_without_a_volume_share_the_whole_order_fills_on_one_bar() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1_000_000))

    sim.process(make_bar(100.0, volume=1.0))

    assert sim.fills()[0].quantity == D(1_000_000)


def test_paper_mode_fill_respects_the_volume_share_of_the_last_bar() -> None:
    sim = make_venue(market_fill=MarketFill.LAST_PRICE, max_volume_share=0.1)
    sim.process(make_bar(100.0, volume=10.0))

    sim.submit(market_order(Side.BUY, 5))

    assert sum(f.quantity for f in sim.fills()) <= D(1)


def test_reduce_only_sell_larger_than_the_position_is_clamped_to_it() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 2, client_order_id="entry"))
    sim.submit(market_order(Side.SELL, 5, client_order_id="exit", reduce_only=True))

    sim.process(make_bar(100.0, index=0))

    exit_fill = sim.fills()[-1]
    assert (exit_fill.client_order_id, exit_fill.quantity) == ("exit", D(2))
    assert sim.venue.positions() == {}


def test_reduce_only_order_while_flat_is_canceled_without_a_fill() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.SELL, 1, reduce_only=True))

    sim.process(make_bar(100.0))

    assert sim.fills() == []
    [canceled] = sim.recorder.of_type(OrderCanceled)
    assert canceled.reason == "reduce-only order with no position left to reduce"
    assert not sim.venue.working_orders


def test_reduce_only_buy_on_a_long_position_is_canceled() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 2, client_order_id="entry"))
    sim.submit(market_order(Side.BUY, 1, client_order_id="wrong-way", reduce_only=True))

    sim.process(make_bar(100.0))

    assert [f.client_order_id for f in sim.fills()] == ["entry"]
    assert sim.recorder.of_type(OrderCanceled)[0].client_order_id == "wrong-way"


def test_reduce_only_buy_covers_a_short() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.SELL, 3, client_order_id="entry"))
    sim.submit(market_order(Side.BUY, 3, client_order_id="cover", reduce_only=True))

    sim.process(make_bar(100.0))

    assert sim.venue.positions() == {}


def test_clamped_reduce_only_remainder_never_closes_a_later_position() -> None:
    sim = make_venue()
    sim.submit(limit_order(Side.BUY, 3, 90, client_order_id="dip-buy"))
    sim.submit(market_order(Side.BUY, 2, client_order_id="entry"))
    sim.submit(market_order(Side.SELL, 5, client_order_id="exit", reduce_only=True))
    sim.process(make_bar(100.0, 101.0, 95.0, 100.0, index=0))  # entry 2, exit clamped to 2

    sim.process(make_bar(95.0, 96.0, 89.0, 92.0, index=1))  # the dip buy fills 3 at 90

    assert sim.venue.positions() == {DEFAULT_SYMBOL: D(3)}
