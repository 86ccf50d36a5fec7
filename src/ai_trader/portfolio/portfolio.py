"""Cash, positions, PnL and the equity curve (ENG-4).

Booked amounts are ``Decimal``. For the per-bar mark-to-market the portfolio also keeps
float mirrors of cash and open quantities, so a million bars cost a million float
multiply-adds rather than a million ``Decimal`` operations.
"""

from __future__ import annotations

from decimal import Decimal

from ai_trader.core.errors import InvariantViolation
from ai_trader.core.money import ZERO, to_decimal
from ai_trader.domain.fills import Fill
from ai_trader.domain.positions import Position
from ai_trader.portfolio.equity import EquityCurve
from ai_trader.portfolio.trades import TradeLog


class Portfolio:
    def __init__(self, starting_cash: Decimal) -> None:
        if starting_cash <= 0:
            raise ValueError(f"starting cash must be positive, got {starting_cash}")
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.fees_paid = ZERO
        self.trades = TradeLog()
        self.equity_curve = EquityCurve()
        self._positions: dict[str, Position] = {}
        self._marks: dict[str, float] = {}
        self._open_quantity: dict[str, float] = {}
        self._cash_float = float(starting_cash)

    # -- updates ------------------------------------------------------------------------

    def apply_fill(self, fill: Fill) -> Position:
        before = self.position(fill.symbol)
        after = before.apply(fill)
        self._positions[fill.symbol] = after
        self.cash -= fill.signed_quantity * fill.price + fill.fee
        self.fees_paid += fill.fee
        self._cash_float = float(self.cash)
        if after.quantity == 0:
            self._open_quantity.pop(fill.symbol, None)
        else:
            self._open_quantity[fill.symbol] = float(after.quantity)
        self._marks.setdefault(fill.symbol, float(fill.price))
        self.trades.on_fill(before, after, fill)
        return after

    def mark(self, symbol: str, price: float) -> float:
        """Record the latest price of ``symbol`` and return the equity as a float."""
        self._marks[symbol] = price
        equity = self._cash_float
        if not self._open_quantity:
            return equity
        for held, quantity in self._open_quantity.items():
            equity += quantity * self._marks[held]
        return equity

    # -- queries ------------------------------------------------------------------------

    def position(self, symbol: str) -> Position:
        return self._positions.get(symbol) or Position(symbol)

    def position_quantity(self, symbol: str) -> float:
        return self._open_quantity.get(symbol, 0.0)

    def open_positions(self) -> list[Position]:
        return [p for p in self._positions.values() if not p.is_flat]

    def mark_price(self, symbol: str) -> Decimal:
        try:
            return to_decimal(self._marks[symbol])
        except KeyError:
            raise InvariantViolation(f"no price seen yet for {symbol}") from None

    def positions_value(self) -> Decimal:
        return sum((p.quantity * self.mark_price(p.symbol) for p in self.open_positions()), ZERO)

    def equity(self) -> Decimal:
        """Cash plus open positions marked at their latest price (nothing force-closed)."""
        return self.cash + self.positions_value()

    def equity_float(self) -> float:
        return self._cash_float + sum(q * self._marks[s] for s, q in self._open_quantity.items())

    def realized_pnl(self) -> Decimal:
        """Realized PnL net of every fee paid (fees of open positions included)."""
        return sum((p.realized_pnl for p in self._positions.values()), ZERO) - self.fees_paid

    def unrealized_pnl(self) -> Decimal:
        return sum(
            (p.unrealized_pnl(self.mark_price(p.symbol)) for p in self.open_positions()), ZERO
        )

    def exposure(self) -> float:
        """Gross position value as a fraction of equity."""
        equity = self.equity_float()
        gross = sum(abs(q * self._marks[s]) for s, q in self._open_quantity.items())
        return gross / equity if equity > 0 else 0.0
