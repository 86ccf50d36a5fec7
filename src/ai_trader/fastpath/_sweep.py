"""The public entry points: ``sweep`` (many combinations), ``simulate`` (one, with its trades)
and ``compile_kernels``."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ai_trader.domain.bar import BarSeries
from ai_trader.fastpath._inputs import (
    ParamSet,
    SessionCosts,
    kernel_config,
    market_arrays,
    parameter_rows,
    strategy_code,
)
from ai_trader.fastpath._jit import drop_stale_cache
from ai_trader.fastpath._kernels import simulate_one, sweep_many
from ai_trader.fastpath._results import (
    STATISTICS,
    FastRun,
    SweepResult,
    periods_per_year,
    statistics,
    trades_frame,
)
from ai_trader.fastpath._state import CONFIG, SMA_CROSS, STAT_COLUMNS, TRADE


def sweep(
    strategy: str, series: BarSeries, grid: Sequence[ParamSet], spec: SessionCosts
) -> SweepResult:
    """Backtest every parameter combination of ``grid`` on ``series``, in parallel.

    ``spec`` gives the money, costs, sizing and risk limits (a ``SessionSpec``; its own
    strategy and params are ignored). Every combination is validated like the engine's
    (``build_params``); the result has one row per combination, in the order given, with
    the parameters and the statistics of ``portfolio.stats``. Each row's trades equal what
    ``run_backtest`` produces for the same parameters.
    """
    code = strategy_code(strategy)
    config = kernel_config(spec)
    validated, params = parameter_rows(strategy, grid)
    compile_seconds = compile_kernels()
    started = time.perf_counter()
    market = market_arrays(series)
    raw = np.zeros((len(validated), len(STAT_COLUMNS)))
    sweep_many(code, market, params, config, raw)
    cash, periods = float(spec.cash), periods_per_year(market[0])
    rows = [statistics(row, len(series), cash, periods) for row in raw]
    frame = pd.concat(
        [pd.DataFrame(validated), pd.DataFrame(rows, columns=list(STATISTICS))], axis=1
    )
    elapsed = time.perf_counter() - started
    return SweepResult(strategy, frame, len(series), elapsed, compile_seconds)


def simulate(strategy: str, series: BarSeries, params: ParamSet, spec: SessionCosts) -> FastRun:
    """Backtest one combination; returns its closed trades, equity curve and statistics."""
    compile_kernels()
    code = strategy_code(strategy)
    config = kernel_config(spec)
    validated, rows = parameter_rows(strategy, [params])
    market = market_arrays(series)
    bars = len(series)
    trades = np.zeros(max(bars, 1), dtype=TRADE)  # at most one round trip per bar
    curve = np.zeros(bars)
    raw = np.zeros(len(STAT_COLUMNS))
    closed = simulate_one(code, market, rows[0], config, trades, curve, raw)
    stats = statistics(raw, bars, float(spec.cash), periods_per_year(market[0]))
    return FastRun(
        strategy=strategy,
        params=validated[0],
        trades=trades_frame(trades[:closed], market[0]),
        timestamps=market[0],
        equity=curve,
        stats=stats,
    )


def compile_kernels() -> float:
    """Compile the kernels (or load them from numba's on-disk cache); returns the seconds.

    ``sweep`` and ``simulate`` call it first (``sweep`` reports the time apart from its
    own); once the kernels are compiled in a process, a call costs microseconds. Cached
    kernels compiled from other versions of the sources are dropped first.
    """
    started = time.perf_counter()
    drop_stale_cache(simulate_one)
    closes = np.array([1.0, 1.1, 1.2, 1.3])
    series = BarSeries(
        "COMPILE", np.arange(1, 5, dtype=np.int64), closes, closes, closes, closes, closes
    )
    market = market_arrays(series)
    config = np.zeros(1, dtype=CONFIG)
    config[0]["cash"] = 1.0
    config[0]["max_daily_loss"] = config[0]["max_drawdown"] = 1.0
    params = np.array([[2.0, 3.0, 0.0, 0.0]])
    trades = np.zeros(1, dtype=TRADE)
    stats = np.zeros(len(STAT_COLUMNS))
    simulate_one(SMA_CROSS, market, params[0], config, trades, np.zeros(4), stats)
    sweep_many(SMA_CROSS, market, params, config, np.zeros((1, len(STAT_COLUMNS))))
    return time.perf_counter() - started
