"""Strategies for tests: one that follows a script, one that fails on purpose."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.domain.fills import Fill
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.params import StrategyParams
from ai_trader.testing.bars import DEFAULT_SYMBOL


class ScriptedStrategy(Strategy[StrategyParams]):
    """Emits ``script[i]`` on the i-th bar it sees (0-based) and records bars and fills."""

    name: ClassVar[str] = "scripted"
    params_type: ClassVar[type] = StrategyParams

    def __init__(
        self,
        script: Mapping[int, SignalAction],
        symbol: str = DEFAULT_SYMBOL,
        *,
        stop_distance: Decimal | None = None,
        take_profit_distance: Decimal | None = None,
    ) -> None:
        super().__init__(StrategyParams(), symbol)
        self.script = dict(script)
        self.stop_distance = stop_distance
        self.take_profit_distance = take_profit_distance
        self.bars_seen: list[Bar] = []
        self.fills_seen: list[Fill] = []

    def on_bar(self, bar: Bar) -> None:
        index = len(self.bars_seen)
        self.bars_seen.append(bar)
        action = self.script.get(index)
        if action is None:
            return
        bracket = action is not SignalAction.EXIT
        self.signal(
            bar,
            action,
            f"scripted at bar {index}",
            stop_distance=self.stop_distance if bracket else None,
            take_profit_distance=self.take_profit_distance if bracket else None,
        )

    def on_fill(self, fill: Fill) -> None:
        self.fills_seen.append(fill)


class RaisingStrategy(Strategy[StrategyParams]):
    """Raises ``error`` on its ``fail_at``-th bar (0-based); counts the bars it saw."""

    name: ClassVar[str] = "raising"
    params_type: ClassVar[type] = StrategyParams

    def __init__(self, error: Exception, fail_at: int = 0, symbol: str = DEFAULT_SYMBOL) -> None:
        super().__init__(StrategyParams(), symbol)
        self.error = error
        self.fail_at = fail_at
        self.calls = 0

    def on_bar(self, bar: Bar) -> None:
        index = self.calls
        self.calls += 1
        if index == self.fail_at:
            raise self.error
