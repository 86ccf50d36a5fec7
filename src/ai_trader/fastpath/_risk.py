"""The risk engine as kernels: sizing, entry checks, loss limits and halts.

Mirrors ``risk.engine.RiskEngine`` and ``risk.limits.LossLimits`` step for step: the
loss-limit floors are precomputed when the peak or the day changes and only a bar at or
below a floor computes the exact ratios, as ``LossLimits.update`` does, so a halt fires on
the same bar in both.
"""

from __future__ import annotations

import numpy as np

from ai_trader.fastpath._jit import kernel, outer_kernel
from ai_trader.fastpath._state import (
    ALL_IN,
    DAILY_HALT,
    DAY_NS,
    DRAWDOWN_HALT,
    FIXED,
    LOTS_PER_UNIT,
    NO_HALT,
    QUOTE_UNITS,
    TOLERANCE,
)
from ai_trader.fastpath._venue import floor_to_lots

# -- loss limits ------------------------------------------------------------------------


@outer_kernel
def start_day(state: np.record, config: np.record, ts_event: int) -> None:
    """A new UTC day: the previous day's last equity becomes the day's reference."""
    day = ts_event // DAY_NS
    if state.day != -1:
        state.day_start = state.last_equity
        state.day_floor = state.last_equity * (1.0 - config.max_daily_loss)
    state.day = day
    state.next_day_ns = (day + 1) * DAY_NS


@outer_kernel
def breach(state: np.record, config: np.record, equity: float) -> int:
    """``LossLimits.update`` past the floors: which limit, if any, the equity reached."""
    drawdown = 1.0 - equity / state.peak
    if drawdown >= config.max_drawdown:
        return DRAWDOWN_HALT
    daily_loss = 1.0 - equity / state.day_start
    if daily_loss >= config.max_daily_loss:
        return DAILY_HALT
    return NO_HALT


@kernel
def on_equity(state: np.record, config: np.record, ts_event: int, equity: float) -> None:
    """``RiskEngine.on_equity``; the peak and its floor were updated with the statistics."""
    if ts_event >= state.next_day_ns:
        start_day(state, config, ts_event)
    state.last_equity = equity
    found = NO_HALT
    if not (equity > state.drawdown_floor and equity > state.day_floor):
        found = breach(state, config, equity)
    if found == NO_HALT and state.halt == NO_HALT:
        return
    if state.halt == DAILY_HALT and ts_event >= state.halt_until:
        state.halt = NO_HALT
    escalates = state.halt == DAILY_HALT and found == DRAWDOWN_HALT
    if found != NO_HALT and (state.halt == NO_HALT or escalates):
        state.halt = found
        state.halt_until = state.next_day_ns if found == DAILY_HALT else -1
        state.halts += 1


# -- orders -----------------------------------------------------------------------------


@outer_kernel
def emit_exit(state: np.record) -> None:
    """A reduce-only market order for the whole position (nothing while flat)."""
    if state.position == 0:
        return
    state.exit_side = -1 if state.position > 0 else 1
    state.exit_lots = abs(state.position)


@outer_kernel
def entry_lots(
    state: np.record,
    config: np.record,
    side: int,
    price: float,
    stop: float,
    equity: float,
    cash: float,
) -> int:
    """``RiskEngine._entry_order`` / ``_units``: the entry's size in lots at the signal."""
    kind = config.sizing_kind
    if kind == FIXED:
        return int(config.fixed_lots)
    if kind == ALL_IN:
        if side > 0:
            quote = np.floor(cash * QUOTE_UNITS) / QUOTE_UNITS  # Instrument.floor_quote
            state.entry_quote = quote  # the venue sizes the buy again at the fill price
            return floor_to_lots(quote / (price * (1.0 + config.fee)), state)
        return floor_to_lots(equity / (price * (1.0 + config.fee)), state)
    per_unit_risk = stop if stop > 0.0 else price
    units = config.sizing_fraction * equity / per_unit_risk
    if side > 0:
        units = min(units, cash / (price * (1.0 + config.fee)))
    return floor_to_lots(units, state)


@outer_kernel
def entry_allowed(
    config: np.record,
    side: int,
    lots: int,
    price: float,
    equity: float,
    cash: float,
    position: int,
) -> bool:
    """``RiskEngine._check_entry``: size, cash and position limits."""
    if lots <= 0:
        return False
    quantity = lots / LOTS_PER_UNIT
    if side > 0 and quantity * price * (1.0 + config.fee) > cash * (1.0 + TOLERANCE):
        return False
    projected = abs(position + side * lots)
    if config.limit_lots >= 0 and projected > config.limit_lots:
        return False
    limit_value = config.max_position_fraction * equity
    return not (projected / LOTS_PER_UNIT) * price > limit_value * (1.0 + TOLERANCE)


@outer_kernel
def emit_entry(
    state: np.record, config: np.record, side: int, price: float, stop: float, take: float
) -> None:
    """``RiskEngine.evaluate`` for an entry: denied while halted or when a check fails."""
    if state.halt != NO_HALT:
        state.denied += 1
        return
    equity = state.cash
    if state.position != 0:
        equity = state.cash + state.quantity * price
    cash = state.cash
    position = state.position
    if position != 0 and (position > 0) != (side > 0):
        # a reversal, as in RiskEngine: sized against what the exit leaves behind
        cash = cash + state.quantity * price - abs(state.quantity) * price * config.fee
        position = 0
    state.entry_quote = 0.0
    lots = entry_lots(state, config, side, price, stop, equity, cash)
    if not entry_allowed(config, side, lots, price, equity, cash, position):
        state.entry_quote = 0.0
        state.denied += 1
        return
    state.entry_side = side
    state.entry_lots = lots
    state.entry_stop = stop
    state.entry_take = take
