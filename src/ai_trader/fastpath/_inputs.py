"""Turn the session, the parameters and the bars into the kernels' plain arrays.

Everything a kernel cannot model is refused here, before any work starts, with a
``ConfigurationError`` saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ai_trader.core.errors import ConfigurationError
from ai_trader.core.money import to_decimal
from ai_trader.domain.bar import BarSeries, FloatArray
from ai_trader.fastpath._kernels import Market
from ai_trader.fastpath._state import (
    ALL_IN,
    BREAKOUT,
    CONFIG,
    FIXED,
    MAX_EXACT_LOTS,
    RISK,
    RSI_REVERSION,
    SMA_CROSS,
)
from ai_trader.risk.config import RiskConfig, Sizing, SizingKind
from ai_trader.risk.limits import LIMIT_TOLERANCE
from ai_trader.strategies.registry import build_params

ParamValue = int | float | bool | str
ParamSet = Mapping[str, ParamValue]

LOT = Decimal("0.00000001")
BPS = Decimal("0.0001")
MAX_SLIPPAGE_DECIMALS = 9  # a factor's scale up to 1e9 keeps the remainder products in int64
STRATEGY_CODES = {"sma_cross": SMA_CROSS, "rsi_reversion": RSI_REVERSION, "breakout": BREAKOUT}
PARAMETER_ORDER = {
    "sma_cross": ("fast", "slow", "allow_short"),
    "rsi_reversion": ("period", "oversold", "exit_level"),
    "breakout": ("lookback", "atr_period", "atr_multiplier", "risk_reward"),
}
_SIZING_CODES = {SizingKind.ALL_IN: ALL_IN, SizingKind.FIXED: FIXED, SizingKind.RISK: RISK}


class SessionCosts(Protocol):
    """What the fast path reads from a session: money, costs, sizing and risk limits.

    ``ai_trader.runtime.SessionSpec`` has all of these; its ``strategy`` and ``params``
    are not used (the sweep's own arguments say what runs).
    """

    @property
    def cash(self) -> Decimal: ...
    @property
    def commission(self) -> float: ...
    @property
    def slippage_bps(self) -> float: ...
    @property
    def sizing(self) -> str: ...
    @property
    def max_volume_share(self) -> float | None: ...
    @property
    def risk(self) -> RiskConfig: ...


def strategy_code(strategy: str) -> int:
    build_params(strategy)  # an unknown name fails here, with a "did you mean" hint
    if strategy not in STRATEGY_CODES:
        raise ConfigurationError(
            f"the fast path has no kernel for strategy {strategy!r}; it covers "
            f"{', '.join(STRATEGY_CODES)}. Run the engine (run_backtest) for {strategy!r}"
        )
    return STRATEGY_CODES[strategy]


def kernel_config(spec: SessionCosts) -> npt.NDArray[np.void]:
    """The ``CONFIG`` record of ``spec``; refuses what the kernels do not model."""
    if spec.max_volume_share is not None:
        raise ConfigurationError(
            f"max_volume_share={spec.max_volume_share}: the fast path does not model partial "
            "fills by volume share; leave max_volume_share unset (None) for a sweep, or run "
            "this configuration on the engine (run_backtest)"
        )
    sizing = Sizing.parse(spec.sizing)
    config = np.zeros(1, dtype=CONFIG)
    row = config[0]
    row["cash"] = float(spec.cash)
    row["fee"] = spec.commission
    _set_slippage(row, spec.slippage_bps)
    row["max_daily_loss"] = spec.risk.max_daily_loss - LIMIT_TOLERANCE  # as LossLimits
    row["max_drawdown"] = spec.risk.max_drawdown - LIMIT_TOLERANCE
    row["max_position_fraction"] = spec.risk.max_position_fraction
    row["sizing_kind"] = _SIZING_CODES[sizing.kind]
    value = sizing.value if sizing.value is not None else Decimal(0)
    row["sizing_fraction"] = float(value) if sizing.kind is SizingKind.RISK else 0.0
    row["fixed_lots"] = _lots(value, "fixed sizing") if sizing.kind is SizingKind.FIXED else 0
    units = spec.risk.max_position_units
    row["limit_lots"] = -1 if units is None else min(_lots(units, None), 2**62)
    return config


def _set_slippage(row: np.void, slippage_bps: float) -> None:
    """The fraction as the venue computes it, and the factors 1 ± it as exact fractions."""
    slippage = (to_decimal(slippage_bps) * BPS).normalize()
    row["slippage"] = float(slippage)
    decimals = max(0, -int(slippage.as_tuple().exponent))
    if decimals <= MAX_SLIPPAGE_DECIMALS:  # else ties are rounded in floats (see _venue)
        scale = 10**decimals
        row["slippage_scale"] = scale
        row["slippage_buy"] = int((1 + slippage) * scale)
        row["slippage_sell"] = int((1 - slippage) * scale)


def _lots(units: Decimal, what: str | None) -> int:
    lots = int((units / LOT).to_integral_value(rounding=ROUND_DOWN))
    if what is not None and lots > MAX_EXACT_LOTS:
        raise ConfigurationError(
            f"{what} of {units} units is more than the fast path counts exactly "
            f"({MAX_EXACT_LOTS * float(LOT):.0f} units in lots of 1e-8); use a smaller size"
        )
    return lots


def parameter_rows(
    strategy: str, grid: Sequence[ParamSet]
) -> tuple[list[dict[str, Any]], FloatArray]:
    """Validate every combination (``build_params``) and lay it out as kernel floats."""
    if not grid:
        raise ConfigurationError("the grid is empty: give at least one parameter combination")
    names = PARAMETER_ORDER[strategy]
    validated = [build_params(strategy, combination).model_dump() for combination in grid]
    rows = np.array([[float(params[name]) for name in names] for params in validated])
    padded = np.zeros((len(validated), 4))
    padded[:, : len(names)] = rows
    return validated, padded


def market_arrays(series: BarSeries) -> Market:
    """The columns the kernels read, contiguous and read-only (one compiled signature)."""
    return (
        _frozen(np.ascontiguousarray(series.ts_event, dtype=np.int64)),
        _frozen(np.ascontiguousarray(series.open, dtype=np.float64)),
        _frozen(np.ascontiguousarray(series.high, dtype=np.float64)),
        _frozen(np.ascontiguousarray(series.low, dtype=np.float64)),
        _frozen(np.ascontiguousarray(series.close, dtype=np.float64)),
    )


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array
