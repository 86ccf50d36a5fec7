"""Risk engine (RSK-1): entry sizes under each sizing rule and the position and cash
limits that deny an entry with a reason. Exits are always allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderType, Side, SignalAction
from ai_trader.domain.events import OrderDenied
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Bracket, Order
from ai_trader.portfolio import Portfolio
from ai_trader.risk import RiskConfig, RiskEngine, Sizing
from ai_trader.testing import DEFAULT_SYMBOL, make_fill, make_signal

D = Decimal
LONG, SHORT, EXIT = SignalAction.ENTER_LONG, SignalAction.ENTER_SHORT, SignalAction.EXIT
ID = ClientOrderId("R-1")


def risk_engine(
    sizing: str,
    *,
    fee: float = 0.0,
    cash: int = 10_000,
    config: RiskConfig | None = None,
    instruments: dict[str, Instrument] | None = None,
    portfolio: Portfolio | None = None,
) -> RiskEngine:
    portfolio = portfolio or Portfolio(D(cash))
    return RiskEngine(config or RiskConfig(), Sizing.parse(sizing), portfolio, fee, instruments)


def order_for(
    engine: RiskEngine, action: SignalAction, price: float = 100.0, **kw: object
) -> Order:
    decision = engine.evaluate(make_signal(action, price, **kw), ID)  # type: ignore[arg-type]
    assert isinstance(decision, Order), decision
    return decision


def denial_for(
    engine: RiskEngine, action: SignalAction, price: float = 100.0, **kw: object
) -> OrderDenied:
    decision = engine.evaluate(make_signal(action, price, **kw), ID)  # type: ignore[arg-type]
    assert isinstance(decision, OrderDenied), decision
    return decision


def holding(side: Side, quantity: int, price: int = 100) -> Portfolio:
    """A 10_000 portfolio that then traded ``quantity`` at ``price``."""
    portfolio = Portfolio(D(10_000))
    portfolio.apply_fill(make_fill(side, quantity, price))
    return portfolio


def test_fixed_sizing_buys_that_many_units_at_market() -> None:
    order = order_for(risk_engine("fixed:2"), LONG)

    assert (order.side, order.order_type, order.quantity) == (Side.BUY, OrderType.MARKET, D(2))
    assert order.client_order_id == ID
    assert order.quote_quantity is None
    assert order.is_entry
    assert order.tag == "test"


def test_fixed_sizing_is_floored_to_the_lot_size() -> None:
    lots = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, size_increment=D(1))}

    order = order_for(risk_engine("fixed:2.7", instruments=lots), LONG)

    assert order.quantity == D(2)


def test_all_in_long_spends_the_cash_as_a_quote_sized_order() -> None:
    order = order_for(risk_engine("all_in", fee=0.001), LONG)

    assert order.quote_quantity == D(10_000)
    assert order.quantity == D("99.90009990")  # 10_000 / (100 * 1.001), 1e-8 lots


def test_all_in_short_sells_what_the_equity_covers_fees_included() -> None:
    order = order_for(risk_engine("all_in", fee=0.001), SHORT, price=80.0)

    # 10_000 / (80 * 1.001) = 124.875124875..., rounded down to the 1e-8 lot
    assert (order.side, order.quantity, order.quote_quantity) == (
        Side.SELL,
        D("124.87512487"),
        None,
    )


def test_risk_sizing_loses_the_fraction_of_equity_at_the_stop() -> None:
    order = order_for(risk_engine("risk:0.01"), LONG, stop_distance=2)

    assert order.quantity == D(50)  # 0.01 * 10_000 / 2


def test_risk_sizing_without_a_stop_risks_the_whole_price() -> None:
    order = order_for(risk_engine("risk:0.01"), LONG)

    assert order.quantity == D(1)  # 0.01 * 10_000 / 100


def test_risk_sizing_of_a_long_is_capped_by_the_cash() -> None:
    order = order_for(risk_engine("risk:0.5", fee=0.001), LONG, stop_distance=1)

    assert order.quantity == D("99.90009990")  # not 5_000: 10_000 / (100 * 1.001)


def test_signal_stop_and_take_profit_become_the_order_bracket() -> None:
    order = order_for(risk_engine("fixed:1"), LONG, stop_distance=3, take_profit_distance=6)

    assert order.bracket == Bracket(D(3), D(6))


def test_entry_costing_more_than_the_cash_is_denied_as_insufficient_cash() -> None:
    denial = denial_for(risk_engine("fixed:200", fee=0.001), LONG)

    assert denial.reason == "insufficient_cash: entry needs 20020.00, cash is 10000.00"
    assert (denial.client_order_id, denial.symbol, denial.side) == (ID, DEFAULT_SYMBOL, Side.BUY)
    assert denial.order is None


def test_entry_above_the_unit_limit_is_denied_as_max_position() -> None:
    engine = risk_engine("fixed:10", config=RiskConfig(max_position_units=D(5)))

    denial = denial_for(engine, LONG, price=10.0)

    assert denial.reason == "max_position: 10 units would exceed the 5 unit limit"


def test_entry_above_the_equity_fraction_is_denied_as_max_position() -> None:
    engine = risk_engine("fixed:60", config=RiskConfig(max_position_fraction=0.5))

    denial = denial_for(engine, LONG)

    assert denial.reason == (
        "max_position: position value 6000.00 would exceed 50% of equity (5000.00)"
    )


def test_position_limit_counts_what_is_already_held() -> None:
    portfolio = holding(Side.BUY, 40)  # equity stays 10_000: 6_000 cash + 40 * 100
    config = RiskConfig(max_position_fraction=0.5)
    engine = risk_engine("fixed:20", config=config, portfolio=portfolio)

    denial = denial_for(engine, LONG)

    assert denial.reason.startswith("max_position: position value 6000.00")


def test_short_risk_sizing_is_not_capped_by_cash_but_by_the_position_limit() -> None:
    denial = denial_for(risk_engine("risk:0.5"), SHORT, stop_distance=1)  # 5_000 units

    assert denial.reason == (
        "max_position: position value 500000.00 would exceed 100% of equity (10000.00)"
    )
    assert denial.side is Side.SELL


def test_entry_that_rounds_to_nothing_is_denied_for_size() -> None:
    denial = denial_for(risk_engine("fixed:0.000000001"), LONG)

    assert denial.reason.startswith("size: entry rounds to 0")


def test_entry_below_the_instrument_minimum_is_denied_for_size() -> None:
    lots = {DEFAULT_SYMBOL: Instrument(DEFAULT_SYMBOL, min_quantity=D(5))}

    decision = risk_engine("fixed:2", instruments=lots).evaluate(make_signal(LONG), ID)

    assert isinstance(decision, OrderDenied)
    assert "below the minimum tradable size" in decision.reason


@pytest.mark.parametrize(("held", "expected_side"), [(Side.BUY, Side.SELL), (Side.SELL, Side.BUY)])
def test_exit_closes_the_whole_position_with_a_reduce_only_market_order(
    held: Side, expected_side: Side
) -> None:
    engine = risk_engine("fixed:1", portfolio=holding(held, 3))

    order = order_for(engine, EXIT)

    assert (order.side, order.quantity) == (expected_side, D(3))
    assert order.reduce_only
    assert order.order_type is OrderType.MARKET


def test_exit_while_flat_is_nothing_to_do() -> None:
    assert risk_engine("fixed:1").evaluate(make_signal(EXIT), ID) is None
