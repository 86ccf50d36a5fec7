"""Decimal-safe money and quantity handling.

Prices in market data arrive as binary floats; every amount that is booked (fill price,
quantity, fee, cash, PnL) is a ``Decimal``. ``to_decimal`` converts a float through its
shortest round-tripping text, so ``to_decimal(0.1) == Decimal("0.1")``: the value a data
file spelled out, not the nearest binary fraction.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """Convert to ``Decimal`` without binary-float noise; refuse NaN and infinities."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"amount must be finite, got {value!r}")
    return result


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` down to a multiple of ``step`` (lot sizes: never buy more than asked)."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` to the nearest multiple of ``step`` (banker's rounding on ties)."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    return (value / step).to_integral_value(rounding=ROUND_HALF_EVEN) * step
