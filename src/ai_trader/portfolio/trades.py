"""Round-trip trades: from flat to flat, with their PnL net of fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.core.money import ZERO
from ai_trader.domain.fills import Fill
from ai_trader.domain.positions import Position


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    symbol: str
    direction: str  # "long" | "short"
    entry_ts: int
    exit_ts: int
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    gross_pnl: Decimal
    fees: Decimal

    @property
    def net_pnl(self) -> Decimal:
        return self.gross_pnl - self.fees

    @property
    def return_fraction(self) -> Decimal:
        cost = self.entry_price * self.quantity
        return self.net_pnl / cost if cost else ZERO


@dataclass(slots=True)
class _OpenTrade:
    direction: str
    entry_ts: int
    quantity: Decimal = ZERO
    entry_notional: Decimal = ZERO
    exit_quantity: Decimal = ZERO
    exit_notional: Decimal = ZERO
    fees: Decimal = ZERO


class TradeLog:
    """Turns fills into round trips. A trade opens when a position leaves zero and closes
    when it returns to zero; a fill that flips the position closes one and opens the next."""

    def __init__(self) -> None:
        self.closed: list[ClosedTrade] = []
        self._open: dict[str, _OpenTrade] = {}

    def open_trade_count(self) -> int:
        return len(self._open)

    def on_fill(self, before: Position, after: Position, fill: Fill) -> None:
        trade = self._open.get(fill.symbol)
        if trade is None:
            self._open[fill.symbol] = self._start(fill, fill.quantity, fill.fee)
            return
        increases = (before.quantity > 0) == (fill.signed_quantity > 0)
        if increases:
            trade.quantity += fill.quantity
            trade.entry_notional += fill.notional
            trade.fees += fill.fee
            return
        closed_qty = min(fill.quantity, abs(before.quantity))
        share = closed_qty / fill.quantity
        trade.exit_quantity += closed_qty
        trade.exit_notional += closed_qty * fill.price
        trade.fees += fill.fee * share
        if after.quantity == 0 or (after.quantity > 0) != (before.quantity > 0):
            self._close(fill, trade)
            if after.quantity != 0:
                self._open[fill.symbol] = self._start(
                    fill, abs(after.quantity), fill.fee - fill.fee * share
                )

    def _start(self, fill: Fill, quantity: Decimal, fee: Decimal) -> _OpenTrade:
        direction = "long" if fill.signed_quantity > 0 else "short"
        return _OpenTrade(
            direction=direction,
            entry_ts=fill.ts_event,
            quantity=quantity,
            entry_notional=quantity * fill.price,
            fees=fee,
        )

    def _close(self, fill: Fill, trade: _OpenTrade) -> None:
        del self._open[fill.symbol]
        entry_price = trade.entry_notional / trade.quantity
        exit_price = trade.exit_notional / trade.exit_quantity
        sign = 1 if trade.direction == "long" else -1
        self.closed.append(
            ClosedTrade(
                symbol=fill.symbol,
                direction=trade.direction,
                entry_ts=trade.entry_ts,
                exit_ts=fill.ts_event,
                quantity=trade.quantity,
                entry_price=entry_price,
                exit_price=exit_price,
                gross_pnl=(exit_price - entry_price) * trade.quantity * sign,
                fees=trade.fees,
            )
        )
