"""Fills, instruments and signals validate themselves when built."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.domain.enums import OrderStatus, Side, SignalAction
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.signals import Signal
from ai_trader.testing import make_fill


def test_fill_notional_and_signed_quantity() -> None:
    buy = make_fill(Side.BUY, "2.5", 40)
    sell = make_fill(Side.SELL, "2.5", 40)

    assert buy.notional == Decimal(100)
    assert (buy.signed_quantity, sell.signed_quantity) == (Decimal("2.5"), Decimal("-2.5"))


@pytest.mark.parametrize(
    ("quantity", "price", "fee", "message"),
    [
        (0, 10, 0, "fill quantity must be positive, got 0"),
        (-1, 10, 0, "fill quantity must be positive, got -1"),
        (1, 0, 0, "fill price must be positive, got 0"),
        (1, -5, 0, "fill price must be positive, got -5"),
        (1, 10, "-0.01", "fill fee must be >= 0, got -0.01"),
    ],
)
def test_fill_refuses_impossible_values(
    quantity: int, price: int, fee: int | str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_fill(Side.BUY, quantity, price, fee)


def test_fill_with_zero_fee_is_valid() -> None:
    assert make_fill(Side.BUY, 1, 1, 0).fee == 0


def test_instrument_rounds_prices_to_the_tick_and_floors_sizes_to_the_lot() -> None:
    instrument = Instrument("X", price_increment=Decimal("0.05"), size_increment=Decimal("0.1"))

    assert instrument.round_price(Decimal("10.024")) == Decimal("10.00")
    assert instrument.round_price(Decimal("10.026")) == Decimal("10.05")
    assert instrument.floor_quantity(Decimal("1.99")) == Decimal("1.9")


def test_instrument_defaults_to_eight_decimal_places() -> None:
    instrument = Instrument("X")

    assert instrument.floor_quantity(Decimal("1.123456789")) == Decimal("1.12345678")
    assert instrument.min_quantity == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"symbol": ""}, "symbol must not be empty"),
        ({"symbol": "X", "price_increment": Decimal(0)}, "must be positive, got 0, 1E-8 and 1E-8"),
        ({"symbol": "X", "size_increment": Decimal(-1)}, "must be positive"),
        ({"symbol": "X", "min_quantity": Decimal(-1)}, "min_quantity must be >= 0, got -1"),
    ],
)
def test_instrument_refuses_bad_increments(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Instrument(**fields)  # type: ignore[arg-type]


def signal(**fields: object) -> Signal:
    base: dict[str, object] = {
        "symbol": "X",
        "action": SignalAction.ENTER_LONG,
        "ts_event": 1,
        "reference_price": 100.0,
        "strategy": "s",
    }
    base.update(fields)
    return Signal(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_signal_confidence_must_be_a_probability(confidence: float) -> None:
    with pytest.raises(ValueError, match=r"confidence must be in \[0, 1\]"):
        signal(confidence=confidence)


@pytest.mark.parametrize("price", [0.0, -1.0])
def test_signal_reference_price_must_be_positive(price: float) -> None:
    with pytest.raises(ValueError, match="reference price must be positive"):
        signal(reference_price=price)


def test_side_sign_and_opposite() -> None:
    assert (Side.BUY.sign, Side.SELL.sign) == (1, -1)
    assert (Side.BUY.opposite, Side.SELL.opposite) == (Side.SELL, Side.BUY)


def test_open_statuses_are_those_that_can_still_fill() -> None:
    open_statuses = {status for status in OrderStatus if status.is_open}

    assert open_statuses == {
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
    }
