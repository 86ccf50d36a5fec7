"""Positions: immutable snapshots, replaced on every fill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.money import ZERO
from ai_trader.domain.fills import Fill


@dataclass(frozen=True, slots=True)
class Position:
    """Signed quantity (long > 0, short < 0) with average entry price.

    ``realized_pnl`` is gross of fees; ``fees`` is what this position's fills paid, so the
    net realized PnL is ``realized_pnl - fees``.
    """

    symbol: str
    quantity: Decimal = ZERO
    average_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    @property
    def net_realized_pnl(self) -> Decimal:
        return self.realized_pnl - self.fees

    def unrealized_pnl(self, mark_price: Decimal) -> Decimal:
        return (mark_price - self.average_price) * self.quantity

    def apply(self, fill: Fill) -> Position:
        """Return the position after ``fill``; realizes PnL on the reduced part."""
        if fill.symbol != self.symbol:
            raise ValueError(f"fill for {fill.symbol} applied to position in {self.symbol}")
        delta = fill.signed_quantity
        new_quantity = self.quantity + delta
        realized = self.realized_pnl
        average = self.average_price
        same_direction = self.quantity == 0 or (self.quantity > 0) == (delta > 0)
        if same_direction:
            average = (self.average_price * abs(self.quantity) + fill.price * abs(delta)) / abs(
                new_quantity
            )
        else:
            closed = min(abs(delta), abs(self.quantity))
            direction = 1 if self.quantity > 0 else -1
            realized += (fill.price - self.average_price) * closed * direction
            if new_quantity == 0:
                average = ZERO
            elif (new_quantity > 0) != (self.quantity > 0):
                average = fill.price  # flipped through zero: the remainder opened at this fill
        return Position(self.symbol, new_quantity, average, realized, self.fees + fill.fee)
