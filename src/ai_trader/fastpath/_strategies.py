"""The built-in strategies as kernels: their indicators and their per-bar decisions.

Each ``*_step`` repeats the ``on_bar`` of its strategy class, after the venue and risk steps
of the bar, on indicator values precomputed for the whole series (``NaN`` where the class
still has ``None``). Parameters arrive as four floats per combination:

- sma_cross: fast, slow, allow_short (0 or 1), unused
- rsi_reversion: period, oversold, exit_level, unused
- breakout: lookback, atr_period, atr_multiplier, risk_reward
"""

from __future__ import annotations

import math

import numpy as np

from ai_trader.domain.bar import FloatArray
from ai_trader.fastpath._indicators import atr_series, rolling_max_series, rsi_series, sma_series
from ai_trader.fastpath._jit import kernel, outer_kernel
from ai_trader.fastpath._risk import emit_entry, emit_exit
from ai_trader.fastpath._state import RSI_REVERSION, SMA_CROSS

Params = tuple[float, float, float, float]
Values = tuple[float, float, float, float]  # first and second indicator: now, one bar before


@outer_kernel
def indicators(
    strategy: int, high: FloatArray, low: FloatArray, close: FloatArray, params: Params
) -> tuple[FloatArray, FloatArray]:
    """The two indicator series a strategy reads (the second is empty when unused)."""
    if strategy == SMA_CROSS:
        return sma_series(close, int(params[0])), sma_series(close, int(params[1]))
    if strategy == RSI_REVERSION:
        return rsi_series(close, int(params[0])), np.empty(0)
    return rolling_max_series(high, int(params[0])), atr_series(high, low, close, int(params[1]))


@kernel
def sma_cross_step(
    state: np.record, config: np.record, close: float, values: Values, allow_short: bool
) -> None:
    """``SmaCross.on_bar``: act on a cross of the fast SMA over or under the slow one."""
    fast, slow, before_fast, before_slow = values
    if math.isnan(fast) or math.isnan(slow) or math.isnan(before_fast) or math.isnan(before_slow):
        return
    if fast > slow and before_fast <= before_slow:
        direction = 1
    elif fast < slow and before_fast >= before_slow:
        direction = -1
    else:
        return
    position = state.position
    if (position < 0) if direction > 0 else (position > 0):
        emit_exit(state)
        position = 0
    wants_entry = direction > 0 or allow_short
    if wants_entry and position == 0 and state.entry_side == 0:
        emit_entry(state, config, direction, close, 0.0, 0.0)


@kernel
def rsi_reversion_step(
    state: np.record, config: np.record, close: float, rsi: float, params: Params
) -> None:
    """``RsiReversion.on_bar``: buy below ``oversold`` while flat, sell above ``exit_level``."""
    if math.isnan(rsi):
        return
    if state.position > 0:
        if rsi > params[2]:
            emit_exit(state)
    elif rsi < params[1] and state.entry_side == 0:
        emit_entry(state, config, 1, close, 0.0, 0.0)


@kernel
def breakout_step(
    state: np.record, config: np.record, close: float, values: Values, params: Params
) -> None:
    """``Breakout.on_bar``: a close above the channel enters long with an ATR bracket."""
    channel_high, atr = values[0], values[1]
    if math.isnan(channel_high) or math.isnan(atr) or close <= channel_high or atr <= 0.0:
        return
    if state.position != 0 or state.entry_side != 0:
        return
    stop_distance = atr * params[2]
    emit_entry(state, config, 1, close, stop_distance, stop_distance * params[3])


@kernel
def strategy_step(
    strategy: int,
    state: np.record,
    config: np.record,
    close: float,
    values: Values,
    params: Params,
) -> None:
    if strategy == SMA_CROSS:
        sma_cross_step(state, config, close, values, params[2] != 0.0)
    elif strategy == RSI_REVERSION:
        rsi_reversion_step(state, config, close, values[0], params)
    else:
        breakout_step(state, config, close, values, params)
