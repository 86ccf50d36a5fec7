"""What the fast path returns: ``FastRun`` (one combination) and ``SweepResult`` (many).

The statistics follow ``portfolio.stats`` (same definitions, same ``None`` cases; in a
``DataFrame`` an undefined value is ``NaN``). The kernels hand back raw sums; this module
turns them into the published columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.core.errors import ConfigurationError, InvariantViolation
from ai_trader.domain.bar import FloatArray, IntArray
from ai_trader.fastpath._state import (
    LOTS_PER_UNIT,
    STAT_COLUMNS,
    STATUS_OK,
    STATUS_TOO_LARGE,
)
from ai_trader.portfolio.stats import SECONDS_PER_YEAR

Stat = float | int | None
STATISTICS = (
    "trades",
    "closed_trades",
    "final_equity",
    "total_return",
    "max_drawdown",
    "sharpe",
    "win_rate",
    "profit_factor",
    "fees",
    "denied_entries",
    "halts",
)
TRADE_COLUMNS = (
    "direction",
    "entry_bar",
    "exit_bar",
    "entry_ts",
    "exit_ts",
    "quantity",
    "quantity_lots",
    "entry_price",
    "exit_price",
    "fees",
    "net_pnl",
)


@dataclass(frozen=True, slots=True)
class FastRun:
    """One combination: its closed round trips, its equity curve and its statistics."""

    strategy: str
    params: dict[str, Any]
    trades: pd.DataFrame  # one row per closed round trip, columns TRADE_COLUMNS
    timestamps: IntArray
    equity: FloatArray  # one point per bar, after the bar's fills, marked at the close
    stats: dict[str, Stat]


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Statistics of every combination, one row each, in the order the grid gave them."""

    strategy: str
    frame: pd.DataFrame  # the parameters, then STATISTICS
    bars: int
    elapsed_seconds: float  # the sweep without compilation
    compile_seconds: float  # compiling (or loading cached) kernels; 0 once done

    @property
    def combinations(self) -> int:
        return len(self.frame)

    @property
    def bar_combos_per_second(self) -> float:
        work = self.bars * self.combinations
        return work / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


def periods_per_year(timestamps: IntArray) -> float | None:
    """``portfolio.stats``: 365.25 days over the median bar interval."""
    if timestamps.size < 2:
        return None
    step_seconds = float(np.median(np.diff(timestamps))) / NANOS_PER_SECOND
    return SECONDS_PER_YEAR / step_seconds if step_seconds > 0 else None


def statistics(raw: FloatArray, bars: int, cash: float, periods: float | None) -> dict[str, Stat]:
    """The published statistics of one kernel row (``_state.STAT_COLUMNS``)."""
    value = dict(zip(STAT_COLUMNS, raw.tolist(), strict=True))
    check_status(int(value["status"]))
    closed = int(value["closed_trades"])
    final = value["final_equity"]
    gross_loss = -value["gross_loss"]
    return {
        "trades": int(value["trades"]),
        "closed_trades": closed,
        "final_equity": final,
        "total_return": final / cash - 1.0,
        "max_drawdown": value["max_drawdown"],
        "sharpe": _sharpe(value["sum_returns"], value["sum_squared_returns"], bars, periods),
        "win_rate": value["wins"] / closed if closed else None,
        "profit_factor": value["gross_profit"] / gross_loss if gross_loss != 0 else None,
        "fees": value["fees"],
        "denied_entries": int(value["denied_entries"]),
        "halts": int(value["halts"]),
    }


def check_status(status: int) -> None:
    if status == STATUS_OK:
        return
    if status == STATUS_TOO_LARGE:
        raise ConfigurationError(
            "an entry came to more than 2**53 lots of 1e-8 (about 9e7 units), beyond what "
            "the fast path counts exactly; run this configuration on the engine "
            "(run_backtest), or use a smaller size"
        )
    raise InvariantViolation(
        "a fill added to or flipped an open position, which no built-in strategy does; "
        "the fast path does not model it"
    )


def _sharpe(total: float, squares: float, bars: int, periods: float | None) -> float | None:
    """mean / stdev(ddof=1) × sqrt(periods per year), from the sums of r and r²."""
    if periods is None or bars < 2:
        return None
    mean = total / bars
    variance = (squares - total * mean) / (bars - 1)
    deviation = math.sqrt(variance) if variance > 0.0 else 0.0
    if deviation == 0.0 or not math.isfinite(deviation):
        return None
    return mean / deviation * math.sqrt(periods)


def trades_frame(trades: npt.NDArray[np.void], timestamps: IntArray) -> pd.DataFrame:
    """Closed round trips as a frame (``TRADE_COLUMNS``)."""
    lots = trades["quantity_lots"]
    frame = pd.DataFrame(
        {
            "direction": np.where(trades["direction"] > 0, "long", "short"),
            "entry_bar": trades["entry_bar"],
            "exit_bar": trades["exit_bar"],
            "entry_ts": timestamps[trades["entry_bar"]],
            "exit_ts": timestamps[trades["exit_bar"]],
            "quantity": lots / LOTS_PER_UNIT,
            "quantity_lots": lots,
            "entry_price": trades["entry_price"],
            "exit_price": trades["exit_price"],
            "fees": trades["fees"],
            "net_pnl": trades["net_pnl"],
        }
    )
    return frame.loc[:, list(TRADE_COLUMNS)]
