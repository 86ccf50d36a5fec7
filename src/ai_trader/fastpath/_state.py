"""Records and constants shared by the fast-path kernels.

The kernels keep a simulation's state in one numpy record (``STATE``), so the small
numba functions that model the venue, the portfolio, the risk engine and a strategy can
share it by reference, with a field name for every value. Quantities are counted in lots
of the default instrument's size step (1e-8) as ``int64``, so positions add up exactly, as
the engine's ``Decimal`` quantities do.
"""

from __future__ import annotations

import numpy as np

LOTS_PER_UNIT = 100_000_000.0  # the default instrument's size step is 1e-8
QUOTE_UNITS = 1e8  # quote precision (Instrument.quote_increment 1e-8): fees, quote sizes
TICKS_PER_UNIT = 100_000_000.0  # ... and its price tick is 1e-8
MAX_EXACT_LOTS = 2.0**53  # beyond this a lot count is no longer exact as a float
DAY_NS = 86_400 * 1_000_000_000
TOLERANCE = 1e-9  # the risk engine's tolerance on cash and position-value checks

# strategies
SMA_CROSS = 0
RSI_REVERSION = 1
BREAKOUT = 2

# sizing kinds
ALL_IN = 0
FIXED = 1
RISK = 2

# halts (risk.limits): none, until the next UTC midnight, until an operator resumes
NO_HALT = 0
DAILY_HALT = 1
DRAWDOWN_HALT = 2

# how a simulation ended
STATUS_OK = 0
STATUS_TOO_LARGE = 1  # a size beyond 2**53 lots: float lot arithmetic would not be exact
STATUS_UNMODELLED = 2  # a fill that adds to or flips an open position (no strategy does)

CONFIG = np.dtype(
    [
        ("cash", np.float64),
        ("fee", np.float64),
        ("slippage", np.float64),
        # the slippage factors 1 ± slippage as exact fractions buy/scale and sell/scale
        # (scale 0: not exact in int64), to round fills on the tick grid exactly
        ("slippage_scale", np.int64),
        ("slippage_buy", np.int64),
        ("slippage_sell", np.int64),
        ("max_daily_loss", np.float64),  # less LossLimits' LIMIT_TOLERANCE, as it uses them
        ("max_drawdown", np.float64),
        ("max_position_fraction", np.float64),
        ("sizing_kind", np.int64),
        ("sizing_fraction", np.float64),
        ("fixed_lots", np.int64),
        ("limit_lots", np.int64),  # -1: no unit limit
    ]
)

_STATE_FIELDS: list[tuple[str, type]] = [
    # portfolio
    ("cash", np.float64),
    ("position", np.int64),  # lots, signed
    ("quantity", np.float64),  # position as a float, for the mark
    ("fees", np.float64),
    # equity curve statistics
    ("previous_equity", np.float64),
    ("sum_returns", np.float64),
    ("sum_squared_returns", np.float64),
    ("peak", np.float64),
    ("trough", np.float64),
    ("max_drawdown", np.float64),
    # loss limits and halts
    ("drawdown_floor", np.float64),
    ("day", np.int64),
    ("next_day_ns", np.int64),
    ("day_start", np.float64),
    ("day_floor", np.float64),
    ("last_equity", np.float64),
    ("halt", np.int64),
    ("halt_until", np.int64),
    ("halts", np.int64),
    ("denied", np.int64),
    # working market orders: a reduce-only exit and an entry
    ("exit_side", np.int64),  # 0: none
    ("exit_lots", np.int64),
    ("entry_side", np.int64),  # 0: none
    ("entry_lots", np.int64),
    ("entry_quote", np.float64),  # > 0: an all-in buy sized in cash at the fill
    ("entry_stop", np.float64),  # bracket distances, 0: none
    ("entry_take", np.float64),
    # bracket exits of the open position
    ("stop_on", np.bool_),
    ("stop_price", np.float64),
    ("take_on", np.bool_),
    ("take_price", np.float64),
    ("legs_check_open", np.bool_),
    # the open round trip and the closed ones
    ("trade_direction", np.int64),
    ("trade_entry_bar", np.int64),
    ("trade_lots", np.int64),
    ("trade_entry_price", np.float64),
    ("trade_fees", np.float64),
    ("entries", np.int64),
    ("closed", np.int64),
    ("wins", np.int64),
    ("gross_profit", np.float64),
    ("gross_loss", np.float64),
    ("status", np.int64),
]
STATE = np.dtype(_STATE_FIELDS)

TRADE = np.dtype(
    [
        ("direction", np.int64),
        ("entry_bar", np.int64),
        ("exit_bar", np.int64),
        ("quantity_lots", np.int64),
        ("entry_price", np.float64),
        ("exit_price", np.float64),
        ("fees", np.float64),
        ("net_pnl", np.float64),
    ]
)

# columns of the per-combination statistics the sweep kernel writes
STAT_COLUMNS = (
    "trades",
    "closed_trades",
    "final_equity",
    "max_drawdown",
    "sum_returns",
    "sum_squared_returns",
    "wins",
    "gross_profit",
    "gross_loss",
    "fees",
    "denied_entries",
    "halts",
    "status",
)
