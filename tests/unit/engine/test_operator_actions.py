"""Operator actions (API, CLI, chat): an entry goes through the same risk checks and halts
as a strategy's; close, close-all and cancel-all flatten and clean up; manual mode keeps
the strategies' signals visible but untraded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.adapters.sim import MarketFill
from ai_trader.core.errors import InvariantViolation
from ai_trader.domain.commands import OPERATOR, OpenPosition
from ai_trader.domain.enums import OrderType, Side, SignalAction
from ai_trader.domain.events import OrderDenied, SignalGenerated
from ai_trader.domain.orders import Order
from ai_trader.testing import EngineHarness, ScriptedStrategy, bars_from_closes, build_engine

SYMBOL = "TEST/USD"


def paper_engine(closes: list[float] | None = None, **kwargs: object) -> EngineHarness:
    harness = build_engine(
        bars_from_closes(closes or [100.0, 101.0, 102.0], symbol=SYMBOL),
        market_fill=MarketFill.LAST_PRICE,
        **kwargs,  # type: ignore[arg-type]
    )
    bar = bars_from_closes([100.0], symbol=SYMBOL)[0]
    harness.venue.process_bar(bar)
    harness.portfolio.mark(SYMBOL, bar.close)
    return harness


def test_open_market_by_quantity_when_allowed_then_filled_at_last_price_and_tagged() -> None:
    harness = paper_engine(cash=10_000)

    order = harness.engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(5)))

    assert isinstance(order, Order)
    assert order.tag == OPERATOR
    assert harness.portfolio.position(SYMBOL).quantity == Decimal(5)
    assert harness.fills()[0].price == Decimal(100)


def test_open_by_risk_fraction_when_stop_given_then_sized_to_the_stop() -> None:
    harness = paper_engine(cash=10_000)
    request = OpenPosition(SYMBOL, Side.BUY, risk_fraction=Decimal("0.01"), stop_loss=Decimal(95))

    order = harness.engine.open_position(request)

    assert isinstance(order, Order)
    assert order.quantity == Decimal(20)  # 1 % of 10 000 risked over a 5.00 stop
    assert order.bracket is not None
    assert order.bracket.stop_distance == Decimal(5)


def test_open_when_halted_then_denied_with_the_halt_reason() -> None:
    harness = paper_engine()
    harness.risk.halt_entries("mode is halt (kill switch)", 0)

    decision = harness.engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(1)))

    assert isinstance(decision, OrderDenied)
    assert decision.reason == "mode is halt (kill switch)"
    assert harness.recorder.of_type(OrderDenied) == [decision]
    assert harness.portfolio.position(SYMBOL).quantity == 0


def test_open_when_too_big_for_cash_then_denied_insufficient_cash() -> None:
    harness = paper_engine(cash=1_000)

    decision = harness.engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(50)))

    assert isinstance(decision, OrderDenied)
    assert decision.reason.startswith("insufficient_cash")


def test_open_when_stop_on_wrong_side_then_value_error_and_nothing_sent() -> None:
    harness = paper_engine()
    request = OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(1), stop_loss=Decimal(120))

    with pytest.raises(ValueError, match="stop_loss 120 must be below the entry price"):
        harness.engine.open_position(request)
    assert harness.fills() == []


def test_open_limit_when_below_market_then_works_until_price_trades_there() -> None:
    harness = paper_engine([100.0, 99.0, 97.0])
    request = OpenPosition(
        SYMBOL,
        Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal(2),
        limit_price=Decimal(98),
    )

    harness.engine.open_position(request)
    assert harness.fills() == []
    harness.run()

    assert harness.portfolio.position(SYMBOL).quantity == Decimal(2)


def test_open_when_no_price_seen_then_invariant_violation() -> None:
    harness = build_engine(bars_from_closes([100.0], symbol=SYMBOL))

    with pytest.raises(InvariantViolation, match="no price seen yet"):
        harness.engine.open_position(OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(1)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of quantity and risk_fraction"),
        ({"quantity": Decimal(1), "risk_fraction": Decimal("0.1")}, "exactly one"),
        ({"quantity": Decimal(-1)}, "quantity must be positive"),
        ({"risk_fraction": Decimal(2)}, "risk_fraction must be in"),
        ({"quantity": Decimal(1), "order_type": OrderType.LIMIT}, "needs a positive limit_price"),
        ({"quantity": Decimal(1), "limit_price": Decimal(1)}, "market order takes no"),
        ({"quantity": Decimal(1), "order_type": OrderType.STOP}, "must be market or limit"),
    ],
)
def test_open_request_when_malformed_then_value_error(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        OpenPosition(SYMBOL, Side.BUY, **kwargs)  # type: ignore[arg-type]


def test_close_position_when_long_with_bracket_then_exits_cancel_and_flatten() -> None:
    harness = paper_engine()
    harness.engine.open_position(
        OpenPosition(SYMBOL, Side.BUY, quantity=Decimal(3), stop_loss=Decimal(90))
    )
    assert harness.engine.orders.open_records(), "the bracket stop is working"

    order = harness.engine.close_position(SYMBOL, "operator close")

    assert order is not None
    assert order.reduce_only
    assert harness.portfolio.position(SYMBOL).quantity == 0
    assert harness.engine.orders.open_records() == []
    assert harness.engine.close_position(SYMBOL, "again") is None


def test_close_all_and_cancel_all_when_positions_and_orders_then_flat_and_clean() -> None:
    harness = paper_engine()
    harness.engine.open_position(OpenPosition(SYMBOL, Side.SELL, quantity=Decimal(2)))
    harness.engine.open_position(
        OpenPosition(
            SYMBOL,
            Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=Decimal(1),
            limit_price=Decimal(50),
        )
    )

    assert harness.engine.cancel_all("emergency") == 1
    exits = harness.engine.close_all("emergency")

    assert [o.side for o in exits] == [Side.BUY]
    assert harness.portfolio.open_positions() == []


def test_manual_mode_when_strategy_signals_then_published_not_traded() -> None:
    strategy = ScriptedStrategy({0: SignalAction.ENTER_LONG}, symbol=SYMBOL)
    harness = build_engine(bars_from_closes([10.0, 11.0], symbol=SYMBOL), strategies=[strategy])
    harness.engine.strategy_orders_enabled = False

    harness.run()

    assert len(harness.recorder.of_type(SignalGenerated)) == 1
    assert harness.fills() == []
