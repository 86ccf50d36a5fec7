"""Tradable instruments and their increments."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.money import ZERO, floor_to_step, round_to_step


@dataclass(frozen=True, slots=True)
class Instrument:
    """A symbol with its price tick, lot step, minimum order size, and the precision of
    amounts in its quote currency (fees, quote-sized orders)."""

    symbol: str
    price_increment: Decimal = Decimal("0.00000001")
    size_increment: Decimal = Decimal("0.00000001")
    min_quantity: Decimal = ZERO
    quote_increment: Decimal = Decimal("0.00000001")

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("instrument symbol must not be empty")
        if min(self.price_increment, self.size_increment, self.quote_increment) <= 0:
            raise ValueError(
                f"{self.symbol}: price, size and quote increments must be positive, got "
                f"{self.price_increment}, {self.size_increment} and {self.quote_increment}"
            )
        if self.min_quantity < 0:
            raise ValueError(f"{self.symbol}: min_quantity must be >= 0, got {self.min_quantity}")

    def round_price(self, price: Decimal) -> Decimal:
        return round_to_step(price, self.price_increment)

    def floor_quantity(self, quantity: Decimal) -> Decimal:
        return floor_to_step(quantity, self.size_increment)

    def round_quote(self, amount: Decimal) -> Decimal:
        """A fee or other quote-currency amount at the currency's precision."""
        return round_to_step(amount, self.quote_increment)

    def floor_quote(self, amount: Decimal) -> Decimal:
        return floor_to_step(amount, self.quote_increment)
