"""Interactive Brokers mapping: symbols ↔ contracts, orders and brackets → IB order fields,
statuses, executions → fills. IB objects are ib_async's own classes, so the field names
the mapping reads and writes are checked against the library."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import ib_async
import pytest

from ai_trader.adapters.ibkr.constants import UNSET_DOUBLE
from ai_trader.adapters.ibkr.mapping import (
    ContractSpec,
    commission_reported,
    contract_spec,
    fee_in_quote,
    fill_from_ib,
    instrument_from_details,
    order_fields,
    order_from_ib,
    order_status,
    placement,
    refusal_reason,
    state_from_trade,
    symbol_from_contract,
    venue_order_id,
)
from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, OrderStatus, OrderType, Side
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Bracket, Order

EXECUTED_AT = datetime(2026, 11, 20, 15, 30, 1, 250_000, tzinfo=UTC)
STOCK = Instrument("AAPL/USD", Decimal("0.01"), Decimal(1), Decimal(1))
FOREX = Instrument("EUR/USD", Decimal("0.00005"), Decimal(1), Decimal(1))


def _order(
    order_type: OrderType = OrderType.MARKET,
    quantity: str = "10",
    price: str | None = None,
    *,
    side: Side = Side.BUY,
    symbol: str = "AAPL/USD",
    bracket: Bracket | None = None,
) -> Order:
    return Order(
        ClientOrderId("R1-7"),
        symbol,
        side,
        order_type,
        Decimal(quantity),
        0,
        None if price is None else Decimal(price),
        bracket=bracket,
    )


def _ib_fill(
    side: str = "BOT",
    *,
    commission: float = 1.0,
    currency: str = "USD",
    reported: bool = True,
    liquidity: int = 2,
) -> ib_async.Fill:
    execution = ib_async.Execution(
        execId="0000e0d5.6571a3b2.01.01",
        time=EXECUTED_AT,
        acctNumber="DU1234567",
        exchange="ISLAND",
        side=side,
        shares=10.0,
        price=187.25,
        permId=1_864_212_345,
        orderId=12,
        orderRef="R1-7",
        lastLiquidity=liquidity,
    )
    report = (
        ib_async.CommissionReport(execution.execId, commission, currency)
        if reported
        else ib_async.CommissionReport()
    )
    return ib_async.Fill(ib_async.Stock("AAPL", "SMART", "USD"), execution, report, EXECUTED_AT)


# -- symbols and contracts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "spec"),
    [
        ("AAPL/USD", ContractSpec("STK", "AAPL", "USD", "SMART")),
        ("BRK B/USD", ContractSpec("STK", "BRK B", "USD", "SMART")),
        ("SAP/EUR", ContractSpec("STK", "SAP", "EUR", "SMART")),
        ("EUR/USD", ContractSpec("CASH", "EUR", "USD", "IDEALPRO")),
        ("USD/JPY", ContractSpec("CASH", "USD", "JPY", "IDEALPRO")),
        ("ES/USD:FUT:202612", ContractSpec("FUT", "ES", "USD", "CME", "202612")),
        ("CL/USD:FUT:20261120", ContractSpec("FUT", "CL", "USD", "NYMEX", "20261120")),
    ],
)
def test_symbol_then_contract_fields(symbol: str, spec: ContractSpec) -> None:
    assert contract_spec(symbol) == spec


def test_contract_fields_then_ib_async_contract_takes_them() -> None:
    contract = ib_async.Contract(**contract_spec("ES/USD:FUT:202612").fields())

    assert (contract.secType, contract.symbol, contract.currency) == ("FUT", "ES", "USD")
    assert (contract.exchange, contract.lastTradeDateOrContractMonth) == ("CME", "202612")
    assert "lastTradeDateOrContractMonth" not in contract_spec("AAPL/USD").fields()


@pytest.mark.parametrize(
    "symbol",
    [
        "AAPL",
        "/USD",
        "AAPL/",
        "AAPL/USD:OPT:202612",
        "ES/USD:FUT",
        "ES/USD:FUT:2026",
        "ES/USD:FUT:2026DEC",
    ],
)
def test_unsupported_symbol_then_one_line_configuration_error(symbol: str) -> None:
    with pytest.raises(ConfigurationError, match="unsupported IBKR symbol") as caught:
        contract_spec(symbol)

    assert "\n" not in str(caught.value)
    assert "'AAPL/USD' (stock)" in str(caught.value)


def test_unknown_futures_root_then_configuration_error_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown futures root 'XX'.*'ES'"):
        contract_spec("XX/USD:FUT:202612")


@pytest.mark.parametrize(
    ("contract", "symbol"),
    [
        (ib_async.Stock("AAPL", "SMART", "USD"), "AAPL/USD"),
        (ib_async.Forex("EURUSD"), "EUR/USD"),
        (ib_async.Future("ES", "20261218", "CME", currency="USD"), "ES/USD:FUT:202612"),
    ],
)
def test_contract_then_our_symbol(contract: ib_async.Contract, symbol: str) -> None:
    assert symbol_from_contract(contract) == symbol


def test_option_contract_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unsupported IB security type 'OPT'"):
        symbol_from_contract(ib_async.Option("SPY", "20261218", 600, "C", "SMART"))


def test_stock_details_then_instrument_with_tick_and_whole_shares() -> None:
    details = ib_async.ContractDetails(
        contract=ib_async.Stock("AAPL", "SMART", "USD"),
        minTick=0.01,
        minSize=1.0,
        sizeIncrement=1.0,
    )

    instrument = instrument_from_details("AAPL/USD", details)

    assert instrument == Instrument("AAPL/USD", Decimal("0.01"), Decimal(1), Decimal(1))
    assert instrument.round_price(Decimal("187.126")) == Decimal("187.13")
    assert instrument.floor_quantity(Decimal("10.9")) == Decimal(10)


def test_forex_details_then_half_pip_tick_and_minimum_size() -> None:
    details = ib_async.ContractDetails(
        contract=ib_async.Forex("EURUSD"), minTick=5e-05, minSize=1.0, sizeIncrement=1.0
    )

    instrument = instrument_from_details("EUR/USD", details)

    assert instrument.price_increment == Decimal("0.00005")
    assert instrument.round_price(Decimal("1.084321")) == Decimal("1.08430")


def test_details_without_size_rules_then_whole_units() -> None:
    details = ib_async.ContractDetails(minTick=0.25, minSize=UNSET_DOUBLE, sizeIncrement=0.0)

    instrument = instrument_from_details("ES/USD:FUT:202612", details)

    assert instrument.price_increment == Decimal("0.25")
    assert (instrument.size_increment, instrument.min_quantity) == (Decimal(1), Decimal(1))


def test_fractional_share_details_then_fractional_lot_step() -> None:
    details = ib_async.ContractDetails(minTick=0.01, minSize=0.0001, sizeIncrement=0.0001)

    instrument = instrument_from_details("AAPL/USD", details)

    assert instrument.floor_quantity(Decimal("0.123456")) == Decimal("0.1234")
    assert instrument.min_quantity == Decimal("0.0001")


# -- orders ----------------------------------------------------------------------------


def test_market_buy_then_mkt_order_fields() -> None:
    fields = order_fields(_order(quantity="10.7"), STOCK)

    assert fields == {
        "action": "BUY",
        "orderType": "MKT",
        "totalQuantity": 10.0,
        "tif": "DAY",
        "orderRef": "R1-7",
        "transmit": True,
        "outsideRth": False,
    }


def test_limit_sell_then_lmt_price_rounded_to_tick() -> None:
    order = _order(OrderType.LIMIT, "5", "187.126", side=Side.SELL)

    fields = order_fields(order, STOCK)

    assert (fields["action"], fields["orderType"], fields["tif"]) == ("SELL", "LMT", "GTC")
    assert fields["lmtPrice"] == 187.13
    assert "auxPrice" not in fields


def test_stop_then_stp_with_trigger_in_aux_price() -> None:
    fields = order_fields(_order(OrderType.STOP, "5", "180.004", side=Side.SELL), STOCK)

    assert (fields["orderType"], fields["auxPrice"]) == ("STP", 180.0)
    assert "lmtPrice" not in fields


def test_order_fields_then_ib_async_order_takes_them_with_account() -> None:
    fields = order_fields(_order(OrderType.LIMIT, "20000", "1.08437", symbol="EUR/USD"), FOREX)

    ib_order = ib_async.Order(**order_fields(_order(symbol="EUR/USD"), FOREX, "DU1234567"))
    limit = ib_async.Order(**fields)

    assert ib_order.account == "DU1234567"
    assert ib_order.orderRef == "R1-7"
    assert (limit.lmtPrice, limit.totalQuantity) == (1.08435, 20000.0)


def test_quote_quantity_order_then_configuration_error() -> None:
    order = Order(
        ClientOrderId("Q-1"),
        "AAPL/USD",
        Side.BUY,
        OrderType.MARKET,
        Decimal(0),
        0,
        quote_quantity=Decimal(1000),
    )

    with pytest.raises(ConfigurationError, match="quote_quantity orders are not supported"):
        order_fields(order, STOCK)


def test_unsupported_order_type_then_configuration_error() -> None:
    order = _order("trailing_stop", "1", "100")  # type: ignore[arg-type]

    with pytest.raises(ConfigurationError, match="unsupported order type 'trailing_stop'"):
        order_fields(order, STOCK)


def test_quantity_below_minimum_after_flooring_then_refusal_reason() -> None:
    assert refusal_reason(_order(quantity="0.5"), STOCK).startswith("quantity 0.5 (rounded")
    assert refusal_reason(_order(quantity="1"), STOCK) == ""


# -- brackets --------------------------------------------------------------------------


def test_bracket_buy_then_parent_take_profit_and_stop_only_last_transmits() -> None:
    order = _order(OrderType.LIMIT, "10", "100", bracket=Bracket(Decimal(2), Decimal(5)))

    legs = placement(order, STOCK)

    (parent, parent_fields), (take, take_fields), (stop, stop_fields) = legs
    assert parent is order
    assert [f["transmit"] for _, f in legs] == [False, False, True]
    assert (take_fields["action"], take_fields["orderType"], take_fields["lmtPrice"]) == (
        "SELL",
        "LMT",
        105.0,
    )
    assert (stop_fields["action"], stop_fields["orderType"], stop_fields["auxPrice"]) == (
        "SELL",
        "STP",
        98.0,
    )
    assert take_fields["ocaGroup"] == stop_fields["ocaGroup"] == "R1-7.oca"
    assert take_fields["ocaType"] == stop_fields["ocaType"] == 1
    assert "ocaGroup" not in parent_fields
    assert (take.client_order_id, stop.client_order_id) == ("R1-7.tp", "R1-7.sl")
    assert (take_fields["orderRef"], stop_fields["orderRef"]) == ("R1-7.tp", "R1-7.sl")
    assert take.parent_id == stop.parent_id == "R1-7"
    assert (take.oco_id, stop.oco_id) == ("R1-7.sl", "R1-7.tp")
    assert take.reduce_only
    assert stop.reduce_only
    assert take.quantity == stop.quantity == Decimal(10)


def test_bracket_sell_then_exits_mirrored_and_rounded_to_tick() -> None:
    bracket = Bracket(Decimal("1.234"), Decimal("2.001"))
    order = _order(OrderType.LIMIT, "3", "50", side=Side.SELL, bracket=bracket)

    _, (take, take_fields), (stop, stop_fields) = placement(order, STOCK)

    assert take.side is stop.side is Side.BUY
    assert (take.price, stop.price) == (Decimal("48.00"), Decimal("51.23"))
    assert (take_fields["lmtPrice"], stop_fields["auxPrice"]) == (48.0, 51.23)


def test_bracket_with_stop_only_then_two_orders_stop_transmits() -> None:
    order = _order(OrderType.STOP, "10", "110", bracket=Bracket(stop_distance=Decimal(4)))

    legs = placement(order, STOCK)

    assert [leg.client_order_id for leg, _ in legs] == ["R1-7", "R1-7.sl"]
    assert [f["transmit"] for _, f in legs] == [False, True]
    assert legs[1][0].oco_id is None
    assert legs[1][1]["auxPrice"] == 106.0


def test_bracket_fields_then_ib_async_orders_take_them() -> None:
    order = _order(OrderType.LIMIT, "10", "100", bracket=Bracket(Decimal(2), Decimal(5)))

    ib_orders = [ib_async.Order(**fields) for _, fields in placement(order, STOCK, "DU1")]

    assert [o.orderType for o in ib_orders] == ["LMT", "LMT", "STP"]
    assert [o.transmit for o in ib_orders] == [False, False, True]
    assert {o.account for o in ib_orders} == {"DU1"}


def test_bracket_on_market_entry_then_configuration_error() -> None:
    order = _order(bracket=Bracket(Decimal(2), Decimal(5)))

    with pytest.raises(ConfigurationError, match="bracket on a market order is not supported"):
        placement(order, STOCK)


def test_bracket_exit_at_or_below_zero_then_configuration_error() -> None:
    order = _order(OrderType.LIMIT, "10", "1", bracket=Bracket(stop_distance=Decimal(2)))

    with pytest.raises(ConfigurationError, match=r"bracket exit R1-7\.sl would be at -1"):
        placement(order, STOCK)


def test_order_without_bracket_then_one_leg_that_transmits() -> None:
    legs = placement(_order(), STOCK)

    assert len(legs) == 1
    assert legs[0][1]["transmit"] is True


@pytest.mark.parametrize(
    ("ib_order", "order_type", "price"),
    [
        (ib_async.MarketOrder("BUY", 10, orderRef="X-1"), OrderType.MARKET, None),
        (ib_async.LimitOrder("SELL", 10, 101.5, orderRef="X-1"), OrderType.LIMIT, "101.5"),
        (ib_async.StopOrder("SELL", 10, 95.25, orderRef="X-1"), OrderType.STOP, "95.25"),
    ],
)
def test_ib_order_found_at_venue_then_our_order(
    ib_order: ib_async.Order, order_type: OrderType, price: str | None
) -> None:
    order = order_from_ib(ib_order, "AAPL/USD", "IBKR", 7)

    assert order.client_order_id == "X-1"
    assert order.order_type is order_type
    assert order.price == (None if price is None else Decimal(price))
    assert (order.quantity, order.ts_init) == (Decimal(10), 7)


def test_ib_order_without_order_ref_then_client_id_from_perm_id() -> None:
    order = order_from_ib(ib_async.MarketOrder("SELL", 3, permId=555), "AAPL/USD", "IBKR", 0)

    assert (order.client_order_id, order.side) == ("IBKR-555", Side.SELL)


def test_ib_stop_limit_order_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unsupported IB order type 'STP LMT'"):
        order_from_ib(ib_async.StopLimitOrder("BUY", 1, 10, 9), "AAPL/USD", "IBKR", 0)


# -- statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ours"),
    [
        ("PendingSubmit", OrderStatus.PENDING_SUBMIT),
        ("ApiPending", OrderStatus.PENDING_SUBMIT),
        ("PreSubmitted", OrderStatus.ACCEPTED),
        ("Submitted", OrderStatus.ACCEPTED),
        ("PendingCancel", OrderStatus.ACCEPTED),
        ("Filled", OrderStatus.FILLED),
        ("Cancelled", OrderStatus.CANCELED),
        ("ApiCancelled", OrderStatus.CANCELED),
        ("Inactive", OrderStatus.REJECTED),
    ],
)
def test_ib_status_then_ours(status: str, ours: OrderStatus) -> None:
    assert order_status(status) is ours


def test_ib_status_names_then_all_known_to_ib_async() -> None:
    statuses = ib_async.OrderStatus.DoneStates | ib_async.OrderStatus.ActiveStates
    assert {"PendingSubmit", "PreSubmitted", "Submitted", "Filled", "Inactive"} <= statuses
    assert {"Cancelled", "ApiCancelled"} <= statuses
    assert all(order_status(status) for status in statuses)


def test_submitted_with_a_fill_then_partially_filled() -> None:
    assert order_status("Submitted", Decimal(3)) is OrderStatus.PARTIALLY_FILLED
    assert order_status("Filled", Decimal(3)) is OrderStatus.FILLED


def test_unknown_status_then_open_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert order_status("SomethingNew") is OrderStatus.ACCEPTED

    assert "unknown IB order status 'SomethingNew'" in caplog.text


def _trade(
    status: str, *, perm_id: int = 0, fills: list[ib_async.Fill] | None = None
) -> ib_async.Trade:
    order = ib_async.LimitOrder("BUY", 10, 187.5, orderRef="R1-7", permId=perm_id)
    log = [
        ib_async.TradeLogEntry(EXECUTED_AT, "PendingSubmit"),
        ib_async.TradeLogEntry(EXECUTED_AT, status, "Order rejected: no trading permissions"),
    ]
    return ib_async.Trade(
        ib_async.Stock("AAPL", "SMART", "USD"),
        order,
        ib_async.OrderStatus(orderId=12, status=status, permId=perm_id),
        fills or [],
        log,
    )


def test_trade_partly_filled_then_state_with_remaining() -> None:
    trade = _trade("Submitted", perm_id=1_864_212_345, fills=[_ib_fill()])
    trade.order.totalQuantity = 25.0
    order = _order(OrderType.LIMIT, "25", "187.5")

    state = state_from_trade(trade, order)

    assert state.status is OrderStatus.PARTIALLY_FILLED
    assert (state.remaining, state.reason) == (Decimal(15), "")
    assert state.venue_order_id == "1864212345"


def test_trade_inactive_then_rejected_with_ib_message() -> None:
    state = state_from_trade(_trade("Inactive"), _order(OrderType.LIMIT, "10", "187.5"))

    assert state.status is OrderStatus.REJECTED
    assert state.reason == "Order rejected: no trading permissions"
    assert state.venue_order_id is None


def test_trade_not_acknowledged_then_no_venue_order_id() -> None:
    assert venue_order_id(_trade("PendingSubmit")) is None
    assert venue_order_id(_trade("Submitted", perm_id=42)) == VenueOrderId("42")


# -- fills -----------------------------------------------------------------------------


def test_buy_execution_with_commission_then_fill() -> None:
    fill = fill_from_ib(_ib_fill(commission=1.0054), ClientOrderId("R1-7"), "AAPL/USD", "IBKR")

    assert fill.client_order_id == "R1-7"
    assert fill.trade_id == TradeId("0000e0d5.6571a3b2.01.01")
    assert fill.venue_order_id == VenueOrderId("1864212345")
    assert (fill.venue, fill.symbol, fill.side) == ("IBKR", "AAPL/USD", Side.BUY)
    assert (fill.quantity, fill.price, fill.fee) == (
        Decimal(10),
        Decimal("187.25"),
        Decimal("1.0054"),
    )
    assert fill.liquidity is LiquiditySide.TAKER
    assert fill.ts_event == datetime_to_ns(EXECUTED_AT)


def test_sell_execution_that_added_liquidity_then_maker_sell() -> None:
    fill = fill_from_ib(_ib_fill("SLD", liquidity=1), ClientOrderId("R1-7"), "AAPL/USD", "IBKR")

    assert (fill.side, fill.liquidity) == (Side.SELL, LiquiditySide.MAKER)


def test_execution_side_unknown_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown IB execution side 'XXX'"):
        fill_from_ib(_ib_fill("XXX"), ClientOrderId("R1-7"), "AAPL/USD", "IBKR")


def test_commission_report_not_arrived_then_not_reported_and_fee_zero() -> None:
    waiting = _ib_fill(reported=False)

    assert not commission_reported(waiting)
    assert commission_reported(_ib_fill())
    assert fill_from_ib(waiting, ClientOrderId("R1-7"), "AAPL/USD", "IBKR").fee == 0


def test_commission_in_another_currency_then_zero_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    report = ib_async.CommissionReport("E-1", 2.0, "EUR")

    with caplog.at_level(logging.WARNING):
        assert fee_in_quote(report, "USD") == 0

    assert "commission of 2 EUR on execution E-1 is not in USD" in caplog.text


@pytest.mark.parametrize("commission", [UNSET_DOUBLE, float("nan"), 0.0, -0.12])
def test_commission_unset_or_rebate_then_zero(commission: float) -> None:
    assert fee_in_quote(ib_async.CommissionReport("E-1", commission, "USD"), "USD") == 0


def test_forex_commission_then_fee_in_quote_currency() -> None:
    report = ib_async.CommissionReport("E-1", 2.0, "USD")

    assert fee_in_quote(report, "USD") == Decimal(2)
