"""SMA crossover: long when the fast average crosses above the slow one."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.indicators import MovingAverageCross
from ai_trader.strategies.params import StrategyParams


class SmaCrossParams(StrategyParams):
    fast: int = Field(10, ge=2, le=500, description="fast SMA period (bars)")
    slow: int = Field(30, ge=3, le=2000, description="slow SMA period (bars)")
    allow_short: bool = Field(False, description="also go short on a downward cross")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class SmaCross(Strategy[SmaCrossParams]):
    """SMAs of the close including bar t. Enter long when fast > slow on bar t and
    fast <= slow on bar t-1; exit on the mirror condition (fast < slow on t, fast >= slow
    on t-1). With ``allow_short`` the mirror condition also opens a short, and the
    upward cross closes it."""

    name: ClassVar[str] = "sma_cross"
    params_type: ClassVar[type] = SmaCrossParams

    def __init__(self, params: SmaCrossParams, symbol: str) -> None:
        super().__init__(params, symbol)
        self._cross = MovingAverageCross(params.fast, params.slow)

    def on_bar(self, bar: Bar) -> None:
        cross = self._cross.update(bar.close)
        if cross == 1:
            self._on_cross(bar, SignalAction.ENTER_LONG, "fast SMA crossed above slow SMA")
        elif cross == -1:
            self._on_cross(bar, SignalAction.ENTER_SHORT, "fast SMA crossed below slow SMA")

    def _on_cross(self, bar: Bar, direction: SignalAction, reason: str) -> None:
        position = self.context.position_quantity(self.symbol)
        opposite_open = position < 0 if direction is SignalAction.ENTER_LONG else position > 0
        if opposite_open:
            self.signal(bar, SignalAction.EXIT, reason)
            position = 0.0
        wants_entry = direction is SignalAction.ENTER_LONG or self.params.allow_short
        if wants_entry and position == 0 and not self.context.has_working_entry(self.symbol):
            self.signal(bar, direction, reason)
