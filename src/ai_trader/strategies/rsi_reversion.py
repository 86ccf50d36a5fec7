"""RSI mean reversion: buy oversold, sell once the RSI has recovered."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.indicators import RelativeStrengthIndex
from ai_trader.strategies.params import StrategyParams


class RsiReversionParams(StrategyParams):
    period: int = Field(14, ge=2, le=100, description="RSI period (bars), Wilder smoothing")
    oversold: float = Field(30.0, ge=1.0, le=49.0, description="enter long below this RSI")
    exit_level: float = Field(55.0, ge=2.0, le=99.0, description="exit the long above this RSI")

    @model_validator(mode="after")
    def _exit_above_entry(self) -> RsiReversionParams:
        if self.exit_level <= self.oversold:
            raise ValueError(
                f"exit_level ({self.exit_level:g}) must be above oversold ({self.oversold:g})"
            )
        return self


class RsiReversion(Strategy[RsiReversionParams]):
    """Long-only. Enter when RSI(close) < oversold on bar t while flat; exit when
    RSI > exit_level while long. Orders fill at bar t+1's open."""

    name: ClassVar[str] = "rsi_reversion"
    params_type: ClassVar[type] = RsiReversionParams

    def __init__(self, params: RsiReversionParams, symbol: str) -> None:
        super().__init__(params, symbol)
        self._rsi = RelativeStrengthIndex(params.period)

    def on_bar(self, bar: Bar) -> None:
        rsi = self._rsi.update(bar.close)
        if rsi is None:
            return
        position = self.context.position_quantity(self.symbol)
        if position > 0:
            if rsi > self.params.exit_level:
                self.signal(bar, SignalAction.EXIT, f"RSI {rsi:.1f} above exit level")
        elif rsi < self.params.oversold and not self.context.has_working_entry(self.symbol):
            self.signal(bar, SignalAction.ENTER_LONG, f"RSI {rsi:.1f} oversold")
