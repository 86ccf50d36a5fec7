"""TCA: slippage is measured against the decision price and signed so that positive is
worse for us; fill rate counts only decided orders; latency is submit to first fill."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import Side
from ai_trader.domain.events import OrderCanceled, OrderFilled, OrderRejected, OrderSubmitted
from ai_trader.service.tca import TcaTracker
from ai_trader.testing import limit_order, make_fill, market_order


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def tracker(price: str = "100") -> tuple[TcaTracker, Clock]:
    clock = Clock()
    return TcaTracker("SIM", lambda symbol: Decimal(price), clock), clock


def test_buy_filled_above_decision_price_then_positive_slippage_and_latency() -> None:
    tca, clock = tracker("100")
    order = market_order(Side.BUY, 2, client_order_id="O-1")
    tca.on_event(OrderSubmitted(order, 0))
    clock.now += 0.25
    fill = make_fill(Side.BUY, 2, 100.5, client_order_id="O-1")
    tca.on_event(OrderFilled(fill, Decimal(0), 0))

    [score] = tca.scorecard()

    assert score.mean_slippage_bps == pytest.approx(50.0)
    assert score.median_fill_latency_ms == pytest.approx(250.0)
    assert (score.orders_submitted, score.orders_filled, score.fill_rate) == (1, 1, 1.0)


def test_sell_filled_above_decision_price_then_negative_slippage() -> None:
    tca, _ = tracker("100")
    order = market_order(Side.SELL, 1, client_order_id="O-2")
    tca.on_event(OrderSubmitted(order, 0))
    tca.on_event(OrderFilled(make_fill(Side.SELL, 1, 101, client_order_id="O-2"), Decimal(0), 0))

    [score] = tca.scorecard()

    assert score.mean_slippage_bps == pytest.approx(-100.0)


def test_fill_rate_when_rejected_and_canceled_unfilled_then_counted_as_not_filled() -> None:
    tca, _ = tracker()
    filled = market_order(Side.BUY, 1, client_order_id="A")
    rejected = market_order(Side.BUY, 1, client_order_id="B")
    canceled = limit_order(Side.BUY, 1, 90, client_order_id="C")
    working = limit_order(Side.BUY, 1, 80, client_order_id="D")
    for order in (filled, rejected, canceled, working):
        tca.on_event(OrderSubmitted(order, 0))
    tca.on_event(OrderFilled(make_fill(Side.BUY, 1, 100, client_order_id="A"), Decimal(0), 0))
    tca.on_event(OrderRejected(rejected, "insufficient balance", 0))
    tca.on_event(OrderCanceled(ClientOrderId("C"), "operator", 0))

    [score] = tca.scorecard()

    assert (score.orders_filled, score.orders_rejected, score.orders_canceled_unfilled) == (1, 1, 1)
    assert score.fill_rate == pytest.approx(1 / 3)  # the working order is not decided yet


def test_scorecard_when_nothing_happened_then_empty() -> None:
    tca, _ = tracker()

    assert tca.scorecard() == []
