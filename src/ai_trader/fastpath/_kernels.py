"""The bar loop and its two drivers: one combination (with its trades and equity curve)
and a parallel sweep over many combinations (statistics only).

Per bar, in the engine's order (``engine.engine``): the venue matches the working orders
(``_venue.match_orders``, only on bars where something can fill); the portfolio marks the
close and the equity is recorded; the risk engine sees the equity; the strategy sees the
bar. Functions called every bar take records and scalars only: passing an array to a
compiled function costs a reference-count round trip.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import prange

from ai_trader.domain.bar import FloatArray, IntArray
from ai_trader.fastpath._jit import kernel, outer_kernel, parallel_kernel
from ai_trader.fastpath._portfolio import TradeArray
from ai_trader.fastpath._risk import on_equity
from ai_trader.fastpath._state import STATE, TRADE
from ai_trader.fastpath._strategies import Params, indicators, strategy_step
from ai_trader.fastpath._venue import bracket_touched, match_orders

Market = tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]
INT64_MIN = np.iinfo(np.int64).min


@outer_kernel
def reset(state: np.record, config: np.record) -> None:
    """Set the non-zero starting values of a freshly zeroed state."""
    cash = config.cash
    state.cash = cash
    state.previous_equity = cash
    state.peak = cash
    state.trough = cash
    state.last_equity = cash
    state.day_start = cash
    state.day_floor = cash * (1.0 - config.max_daily_loss)
    state.drawdown_floor = cash * (1.0 - config.max_drawdown)
    state.day = -1
    state.next_day_ns = INT64_MIN
    state.halt_until = -1


@kernel
def track_equity(state: np.record, config: np.record, equity: float) -> None:
    """Per-bar return sums (Sharpe), the drawdown from the running peak and its floor."""
    ret = equity / state.previous_equity - 1.0
    state.previous_equity = equity
    state.sum_returns += ret
    state.sum_squared_returns += ret * ret
    if equity > state.peak:
        drawdown = 1.0 - state.trough / state.peak
        if drawdown > state.max_drawdown:
            state.max_drawdown = drawdown
        state.peak = equity
        state.trough = equity
        state.drawdown_floor = equity * (1.0 - config.max_drawdown)
    elif equity < state.trough:
        state.trough = equity


@kernel
def working(state: np.record, high: float, low: float) -> bool:
    """Is there an order that may fill on this bar?"""
    if state.exit_side != 0 or state.entry_side != 0:
        return True
    return (state.stop_on or state.take_on) and bracket_touched(state, high, low)


@kernel
def run_bars(
    strategy: int,
    market: Market,
    indicator: tuple[FloatArray, FloatArray],
    params: Params,
    config: np.record,
    state: np.record,
    trades: TradeArray,
    curve: FloatArray,
) -> None:
    ts_event, open_, high, low, close = market
    first, second = indicator
    if second.shape[0] == 0:
        second = first  # a strategy with one indicator ignores the second
    record = curve.shape[0] > 0
    before = (np.nan, np.nan)
    for bar in range(ts_event.shape[0]):
        if working(state, high[bar], low[bar]):
            match_orders(state, config, trades, bar, (open_[bar], high[bar], low[bar]))
        equity = state.cash
        if state.position != 0:
            equity = state.cash + state.quantity * close[bar]
        if record:
            curve[bar] = equity
        track_equity(state, config, equity)
        on_equity(state, config, ts_event[bar], equity)
        now = (first[bar], second[bar])
        strategy_step(strategy, state, config, close[bar], now + before, params)
        before = now
    drawdown = 1.0 - state.trough / state.peak
    if drawdown > state.max_drawdown:
        state.max_drawdown = drawdown


@kernel
def write_stats(state: np.record, out: FloatArray) -> None:
    """One row of ``_state.STAT_COLUMNS``."""
    out[0] = state.entries
    out[1] = state.closed
    out[2] = state.previous_equity
    out[3] = state.max_drawdown
    out[4] = state.sum_returns
    out[5] = state.sum_squared_returns
    out[6] = state.wins
    out[7] = state.gross_profit
    out[8] = state.gross_loss
    out[9] = state.fees
    out[10] = state.denied
    out[11] = state.halts
    out[12] = state.status


@outer_kernel
def run_combination(
    strategy: int,
    market: Market,
    row: FloatArray,
    config: np.record,
    state: np.record,
    trades: TradeArray,
    curve: FloatArray,
    stats: FloatArray,
) -> None:
    """One combination from a zeroed ``state``: indicators, the bar loop, statistics."""
    params = (row[0], row[1], row[2], row[3])
    _, _, high, low, close = market
    indicator = indicators(strategy, high, low, close, params)
    reset(state, config)
    run_bars(strategy, market, indicator, params, config, state, trades, curve)
    write_stats(state, stats)


@outer_kernel
def zeroed_states(count: int) -> npt.NDArray[np.void]:
    return np.zeros(count, dtype=STATE)


@outer_kernel
def no_records() -> tuple[TradeArray, FloatArray]:
    """Empty trade and curve outputs: a sweep keeps statistics only."""
    return np.zeros(0, dtype=TRADE), np.zeros(0)


@outer_kernel
def simulate_one(
    strategy: int,
    market: Market,
    params: FloatArray,
    configs: npt.NDArray[np.void],
    trades: TradeArray,
    curve: FloatArray,
    stats: FloatArray,
) -> int:
    """One combination with its closed trades and equity curve; returns the trade count."""
    states = zeroed_states(1)
    run_combination(strategy, market, params, configs[0], states[0], trades, curve, stats)
    return int(states[0].closed)


@parallel_kernel
def sweep_many(
    strategy: int,
    market: Market,
    params: FloatArray,
    configs: npt.NDArray[np.void],
    stats: FloatArray,
) -> None:
    """Every row of ``params`` (one combination each), spread over the cores."""
    no_trades, no_curve = no_records()
    states = zeroed_states(params.shape[0])
    for index in prange(params.shape[0]):
        run_combination(
            strategy,
            market,
            params[index],
            configs[0],
            states[index],
            no_trades,
            no_curve,
            stats[index],
        )
