"""The portfolio and its trade log as kernels: book a fill, open and close round trips.

Mirrors ``portfolio.portfolio.Portfolio.apply_fill`` (``cash -= signed quantity × price +
fee``; the float position the equity mark uses is the lot count over 1e8) and
``portfolio.trades.TradeLog`` (a round trip runs from flat to flat; its PnL is
``(exit − entry) × quantity × direction`` less the fees of both fills). The built-in
strategies only ever open a position from flat and close all of it; a fill that adds to or
flips a position is flagged (``STATUS_UNMODELLED``) instead of being modelled.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ai_trader.fastpath._jit import outer_kernel
from ai_trader.fastpath._state import LOTS_PER_UNIT, QUOTE_UNITS, STATUS_UNMODELLED

TradeArray = npt.NDArray[np.void]


@outer_kernel
def book_fill(
    state: np.record,
    trades: TradeArray,
    bar: int,
    side: int,
    lots: int,
    price: float,
    fee_rate: float,
) -> None:
    """Book one fill of ``lots`` at ``price`` (side +1 buys, -1 sells)."""
    quantity = lots / LOTS_PER_UNIT
    # the venue rounds fees to the quote currency's 1e-8, as Instrument.round_quote does
    fee = np.round(price * quantity * fee_rate * QUOTE_UNITS) / QUOTE_UNITS
    before = state.position
    position = before + side * lots
    state.position = position
    state.quantity = position / LOTS_PER_UNIT
    state.cash = state.cash - (side * quantity * price + fee)
    state.fees += fee
    if before == 0:
        state.trade_direction = side
        state.trade_entry_bar = bar
        state.trade_lots = lots
        state.trade_entry_price = price
        state.trade_fees = fee
    elif position == 0:
        close_trade(state, trades, bar, price, fee)
        state.exit_side = 0  # the venue cancels every reduce-only order left: nothing to reduce
        state.stop_on = False
        state.take_on = False
    else:
        state.status = STATUS_UNMODELLED


@outer_kernel
def close_trade(state: np.record, trades: TradeArray, bar: int, price: float, fee: float) -> None:
    """Close the open round trip; count it, and record it when ``trades`` has room."""
    direction = state.trade_direction
    quantity = state.trade_lots / LOTS_PER_UNIT
    gross = (price - state.trade_entry_price) * quantity * direction
    fees = state.trade_fees + fee
    net = gross - fees
    if net > 0.0:
        state.wins += 1
        state.gross_profit += net
    elif net < 0.0:
        state.gross_loss += net
    if state.closed < trades.shape[0]:
        row = trades[state.closed]
        row.direction = direction
        row.entry_bar = state.trade_entry_bar
        row.exit_bar = bar
        row.quantity_lots = state.trade_lots
        row.entry_price = state.trade_entry_price
        row.exit_price = price
        row.fees = fees
        row.net_pnl = net
    state.closed += 1
