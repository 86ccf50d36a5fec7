"""Channel breakout with an ATR stop and a take-profit at a fixed reward/risk ratio."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ai_trader.core.money import to_decimal
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.indicators import AverageTrueRange, RollingMaximum
from ai_trader.strategies.params import StrategyParams


class BreakoutParams(StrategyParams):
    lookback: int = Field(20, ge=2, le=500, description="channel length (bars)")
    atr_period: int = Field(14, ge=2, le=200, description="ATR period (bars), Wilder")
    atr_multiplier: float = Field(2.0, ge=1.0, le=4.0, description="stop distance in ATRs")
    risk_reward: float = Field(2.0, ge=1.5, le=4.0, description="take-profit / stop distance")


class Breakout(Strategy[BreakoutParams]):
    """Long-only. Enter when the close of bar t is above the highest high of the
    ``lookback`` bars before it, while flat. The entry carries a bracket: stop at
    ``atr_multiplier * ATR(t)`` below the fill price and take-profit at ``risk_reward``
    times that distance above it; whichever is hit first closes the trade."""

    name: ClassVar[str] = "breakout"
    params_type: ClassVar[type] = BreakoutParams

    def __init__(self, params: BreakoutParams, symbol: str) -> None:
        super().__init__(params, symbol)
        self._channel_high = RollingMaximum(params.lookback)
        self._atr = AverageTrueRange(params.atr_period)

    def on_bar(self, bar: Bar) -> None:
        channel_high = self._channel_high.update(bar.high)
        atr = self._atr.update(bar.high, bar.low, bar.close)
        if channel_high is None or atr is None or bar.close <= channel_high or atr <= 0.0:
            return
        context = self.context
        if context.position_quantity(self.symbol) != 0 or context.has_working_entry(self.symbol):
            return
        stop_distance = atr * self.params.atr_multiplier
        self.signal(
            bar,
            SignalAction.ENTER_LONG,
            f"close above {self.params.lookback}-bar high",
            stop_distance=to_decimal(stop_distance),
            take_profit_distance=to_decimal(stop_distance * self.params.risk_reward),
        )
