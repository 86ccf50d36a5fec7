"""The fast path (ENG-7): parameter sweeps of the built-in strategies on numba kernels.

The kernels repeat the engine's per-bar order and its floating-point operations (see
``docs/concepts/fast-path.md``), so each combination trades exactly as ``run_backtest``
would, many thousand times faster::

    grid = parse_grid({"fast": "5:50:5", "slow": "20:200:10"})
    result = sweep("sma_cross", series, grid, SessionSpec(sizing="all_in"))
    result.frame.sort_values("sharpe", ascending=False).head()

Volume-share partial fills (``max_volume_share``) are not modelled and are refused.
"""

from ai_trader.fastpath._grid import MAX_COMBINATIONS, ParameterGrid, parse_grid
from ai_trader.fastpath._inputs import STRATEGY_CODES, ParamSet, ParamValue, SessionCosts
from ai_trader.fastpath._results import STATISTICS, TRADE_COLUMNS, FastRun, SweepResult
from ai_trader.fastpath._sweep import compile_kernels, simulate, sweep

FAST_PATH_STRATEGIES = tuple(STRATEGY_CODES)

__all__ = [
    "FAST_PATH_STRATEGIES",
    "MAX_COMBINATIONS",
    "STATISTICS",
    "TRADE_COLUMNS",
    "FastRun",
    "ParamSet",
    "ParamValue",
    "ParameterGrid",
    "SessionCosts",
    "SweepResult",
    "compile_kernels",
    "parse_grid",
    "simulate",
    "sweep",
]
