"""Mapping of ccxt's unified structures: markets → instruments, trades → fills, fees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ccxt
import pytest

import ai_trader.adapters.ccxt as ccxt_adapter
from ai_trader.adapters.ccxt.mapping import (
    DECIMAL_PLACES,
    TICK_SIZE,
    MarketRules,
    fee_in_quote,
    fill_from_trade,
    refusal_reason,
    rules_from_market,
    state_from_raw,
)
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import LiquiditySide, OrderStatus, OrderType, Side
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Order

BINANCE_MARKET: dict[str, Any] = {
    "symbol": "BTC/USDT",
    "base": "BTC",
    "quote": "USDT",
    "spot": True,
    "active": True,
    "precision": {"amount": 1e-05, "price": 0.01, "base": 1e-08, "quote": 1e-08},
    "limits": {"amount": {"min": 1e-05, "max": 9000.0}, "cost": {"min": 5.0, "max": None}},
}
RULES = MarketRules(
    Instrument("BTC/USDT", Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001")),
    "BTC",
    "USDT",
    Decimal(5),
)


def _order(quantity: str, price: str | None = None) -> Order:
    order_type = OrderType.MARKET if price is None else OrderType.LIMIT
    return Order(
        ClientOrderId("A-1"),
        "BTC/USDT",
        Side.BUY,
        order_type,
        Decimal(quantity),
        0,
        None if price is None else Decimal(price),
    )


def test_public_names_are_pinned() -> None:
    assert sorted(ccxt_adapter.__all__) == [
        "CcxtExecutor",
        "MarketRules",
        "check_key_permissions",
        "rules_from_market",
    ]


def test_tick_size_market_then_increments_and_minimums() -> None:
    rules = rules_from_market(BINANCE_MARKET, TICK_SIZE)

    assert rules.instrument.price_increment == Decimal("0.01")
    assert rules.instrument.size_increment == Decimal("0.00001")
    assert rules.instrument.min_quantity == Decimal("0.00001")
    assert rules.instrument.quote_increment == Decimal("0.00000001")
    assert (rules.base, rules.quote, rules.min_notional) == ("BTC", "USDT", Decimal(5))


def test_decimal_places_market_then_steps_from_digits() -> None:
    market = {**BINANCE_MARKET, "precision": {"amount": 4, "price": 2}}

    rules = rules_from_market(market, DECIMAL_PLACES)

    assert rules.instrument.size_increment == Decimal("0.0001")
    assert rules.instrument.price_increment == Decimal("0.01")


def test_ccxt_precision_mode_constants_match_ours() -> None:
    assert (ccxt.TICK_SIZE, ccxt.DECIMAL_PLACES) == (TICK_SIZE, DECIMAL_PLACES)


def test_quantity_rounded_down_below_minimum_then_refused() -> None:
    order = _order("0.0000199")
    quantity = RULES.instrument.floor_quantity(order.quantity)

    assert quantity == Decimal("0.00001")
    assert refusal_reason(order, RULES, quantity) == ""
    tiny = _order("0.0000099")
    reason = refusal_reason(tiny, RULES, RULES.instrument.floor_quantity(tiny.quantity))
    assert "below minimum 0.00001" in reason


def test_limit_below_min_notional_then_refused() -> None:
    order = _order("0.0001", "40000")

    assert "notional 4.0000" in refusal_reason(order, RULES, order.quantity)


def test_fee_in_base_asset_then_valued_at_fill_price() -> None:
    trade = {"fee": {"cost": 0.000001, "currency": "BTC"}}

    assert fee_in_quote(trade, Decimal("50000"), RULES) == Decimal("0.05")


def test_fee_in_quote_asset_then_as_is_and_third_asset_booked_zero(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quote_fee = {"fees": [{"cost": 0.05, "currency": "USDT"}]}
    bnb_fee = {"id": "7", "fee": {"cost": 0.0001, "currency": "BNB"}}

    assert fee_in_quote(quote_fee, Decimal("50000"), RULES) == Decimal("0.05")
    assert fee_in_quote(bnb_fee, Decimal("50000"), RULES) == 0
    assert "not in BTC or USDT" in caplog.text


def test_trade_then_fill_with_ids_time_and_liquidity() -> None:
    trade = {
        "id": "5000",
        "order": "1001",
        "timestamp": 1_767_225_600_000,
        "side": "sell",
        "price": 50000.0,
        "amount": 0.001,
        "takerOrMaker": "maker",
        "fee": {"cost": 0.05, "currency": "USDT"},
    }

    fill = fill_from_trade(trade, ClientOrderId("A-1"), "BINANCE", RULES, 0)

    assert (fill.trade_id, fill.venue_order_id, fill.client_order_id) == ("5000", "1001", "A-1")
    assert fill.ts_event == 1_767_225_600_000 * 1_000_000
    assert (fill.side, fill.liquidity) == (Side.SELL, LiquiditySide.MAKER)
    assert (fill.quantity, fill.price, fill.fee) == (
        Decimal("0.001"),
        Decimal("50000.0"),
        Decimal("0.05"),
    )


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("open", 0.0, OrderStatus.ACCEPTED),
        ("open", 0.0005, OrderStatus.PARTIALLY_FILLED),
        ("closed", 0.001, OrderStatus.FILLED),
        ("canceled", 0.0, OrderStatus.CANCELED),
        ("expired", 0.0, OrderStatus.CANCELED),
        ("rejected", 0.0, OrderStatus.REJECTED),
    ],
)
def test_ccxt_order_status_then_our_status(
    status: str, filled: float, expected: OrderStatus
) -> None:
    raw = {"id": "9", "status": status, "filled": filled, "remaining": 0.001 - filled}

    state = state_from_raw(raw, _order("0.001"))

    assert state.status is expected
    assert state.venue_order_id == "9"
