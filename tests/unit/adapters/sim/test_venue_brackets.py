"""Simulated venue (ENG-3): brackets. The stop and take-profit are created when the entry
fills, trade against the rest of the same bar, the stop wins when both are touched, and
one cancels the other."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import LiquiditySide, OrderType, Side
from ai_trader.domain.events import OrderAccepted, OrderCanceled
from ai_trader.domain.orders import Bracket, Order
from ai_trader.testing import DEFAULT_SYMBOL, make_bar, make_venue, market_order

D = Decimal
BRACKET = Bracket(stop_distance=D(5), take_profit_distance=D(10))


def test_entry_fill_creates_a_reduce_only_stop_and_take_profit_as_oco_siblings() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=BRACKET))

    sim.process(make_bar(100.0, 103.0, 97.0, 101.0))

    legs = {str(o.client_order_id): o for o in sim.venue.open_orders()}
    assert set(legs) == {"E.sl", "E.tp"}
    stop, take = legs["E.sl"], legs["E.tp"]
    assert (stop.order_type, stop.side, stop.price) == (OrderType.STOP, Side.SELL, D(95))
    assert (take.order_type, take.side, take.price) == (OrderType.LIMIT, Side.SELL, D(110))
    assert all(o.reduce_only and o.parent_id == "E" and o.quantity == 1 for o in (stop, take))
    assert (stop.oco_id, take.oco_id) == ("E.tp", "E.sl")
    accepted = [e.order.client_order_id for e in sim.recorder.of_type(OrderAccepted)]
    assert accepted == ["E", "E.sl", "E.tp"]


def test_take_profit_hit_on_a_later_bar_fills_at_its_price_and_cancels_the_stop() -> None:
    sim = make_venue(fee=0.001)
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=BRACKET))

    sim.process(
        make_bar(100.0, 103.0, 97.0, 101.0, index=0),
        make_bar(101.0, 111.0, 99.0, 108.0, index=1),
    )

    take = sim.fills()[-1]
    assert (take.client_order_id, take.price, take.fee) == ("E.tp", D(110), D("0.11"))
    assert take.liquidity is LiquiditySide.MAKER
    [canceled] = sim.recorder.of_type(OrderCanceled)
    assert (canceled.client_order_id, canceled.reason) == (
        "E.sl",
        "one-cancels-other: sibling filled",
    )
    assert sim.venue.positions() == {}
    assert not sim.venue.working_orders


def test_stop_wins_when_the_entry_bar_touches_both_legs() -> None:
    sim = make_venue(fee=0.001)
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=BRACKET))
    bar = make_bar(100.0, 112.0, 94.0, 105.0)

    sim.process(bar)

    assert [(f.client_order_id, f.price) for f in sim.fills()] == [("E", D(100)), ("E.sl", D(95))]
    assert sim.fills()[-1].fee == D("0.095")  # 1 * 95 * 0.001, taker
    assert sim.fills()[-1].ts_event == bar.ts_event
    assert [e.client_order_id for e in sim.recorder.of_type(OrderCanceled)] == ["E.tp"]


def test_stop_wins_when_a_later_bar_touches_both_legs() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=BRACKET))

    sim.process(
        make_bar(100.0, 103.0, 97.0, 101.0, index=0),
        make_bar(101.0, 115.0, 90.0, 100.0, index=1),
    )

    assert sim.fills()[-1].client_order_id == "E.sl"
    assert sim.fills()[-1].price == D(95)


def test_stop_leg_fills_at_the_open_when_a_later_bar_gaps_below_it() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=BRACKET))

    sim.process(
        make_bar(100.0, 103.0, 97.0, 101.0, index=0),
        make_bar(93.0, 94.0, 90.0, 92.0, index=1),
    )

    assert (sim.fills()[-1].client_order_id, sim.fills()[-1].price) == ("E.sl", D(93))


def test_exit_legs_of_a_mid_bar_limit_entry_ignore_the_bars_earlier_open() -> None:
    sim = make_venue()
    entry = Order(
        client_order_id=ClientOrderId("E"),
        symbol=DEFAULT_SYMBOL,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(1),
        ts_init=0,
        price=D(95),
        bracket=Bracket(stop_distance=D(2), take_profit_distance=D(3)),
    )
    sim.submit(entry)

    sim.process(make_bar(100.0, 101.0, 94.0, 99.0))

    # the take-profit at 98 was placed after the open of 100: it fills at 98, not 100
    assert [(f.client_order_id, f.price) for f in sim.fills()] == [("E", D(95)), ("E.tp", D(98))]


def test_short_entry_gets_a_stop_above_and_a_take_profit_below() -> None:
    sim = make_venue()
    sim.submit(market_order(Side.SELL, 1, client_order_id="E", bracket=BRACKET))

    sim.process(make_bar(100.0, 104.0, 96.0, 101.0, index=0))
    legs = {str(o.client_order_id): o for o in sim.venue.open_orders()}
    sim.process(make_bar(101.0, 106.0, 99.0, 105.0, index=1))

    assert (legs["E.sl"].side, legs["E.sl"].price) == (Side.BUY, D(105))
    assert (legs["E.tp"].side, legs["E.tp"].price) == (Side.BUY, D(90))
    assert (sim.fills()[-1].client_order_id, sim.fills()[-1].price) == ("E.sl", D(105))
    assert sim.venue.positions() == {}


def test_take_profit_only_bracket_has_no_oco_sibling() -> None:
    sim = make_venue()
    bracket = Bracket(take_profit_distance=D(10))
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=bracket))

    sim.process(make_bar(100.0, 103.0, 97.0, 101.0))

    [take] = sim.venue.open_orders()
    assert (take.client_order_id, take.oco_id) == ("E.tp", None)


def test_stop_at_or_below_zero_is_not_placed() -> None:
    sim = make_venue()
    bracket = Bracket(stop_distance=D(100), take_profit_distance=D(10))
    sim.submit(market_order(Side.BUY, 1, client_order_id="E", bracket=bracket))

    sim.process(make_bar(100.0, 103.0, 97.0, 101.0))

    assert [o.client_order_id for o in sim.venue.open_orders()] == ["E.tp"]


def test_partial_entry_fills_grow_the_legs_and_a_partial_exit_shrinks_the_sibling() -> None:
    sim = make_venue(max_volume_share=0.1)
    sim.submit(market_order(Side.BUY, 2, client_order_id="E", bracket=BRACKET))

    sim.process(
        make_bar(100.0, 103.0, 97.0, 101.0, volume=10.0, index=0),  # entry 1 @ 100
        make_bar(101.0, 104.0, 99.0, 102.0, volume=10.0, index=1),  # entry 1 @ 101
    )
    legs = {o.client_order_id: o.quantity for o in sim.venue.open_orders()}
    sim.process(make_bar(102.0, 111.0, 101.0, 109.0, volume=10.0, index=2))  # tp 1 @ 110

    assert legs == {"E.sl": D(2), "E.tp": D(2)}
    assert sim.venue.positions() == {DEFAULT_SYMBOL: D(1)}
    assert sim.recorder.of_type(OrderCanceled) == []
    sim.process(make_bar(109.0, 112.0, 108.0, 111.0, volume=10.0, index=3))  # tp 1 more
    assert sim.venue.positions() == {}
    assert [e.client_order_id for e in sim.recorder.of_type(OrderCanceled)] == ["E.sl"]


def test_bracket_leg_ids_are_never_reused_for_a_new_order() -> None:
    sim = make_venue(max_volume_share=0.1)
    entry = Order(
        client_order_id=ClientOrderId("E"),
        symbol=DEFAULT_SYMBOL,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(2),
        ts_init=0,
        price=D(95),
        bracket=BRACKET,
    )
    sim.submit(entry)

    sim.process(
        make_bar(100.0, 101.0, 94.0, 99.0, volume=10.0, index=0),  # entry 1 of 2 at 95
        make_bar(100.0, 106.0, 97.0, 104.0, volume=10.0, index=1),  # tp 1 at 105, stop gone
        make_bar(96.0, 97.0, 94.0, 95.0, volume=10.0, index=2),  # entry 2 of 2 at 95
    )

    accepted = [e.order.client_order_id for e in sim.recorder.of_type(OrderAccepted)]
    assert len(accepted) == len(set(accepted)), accepted
