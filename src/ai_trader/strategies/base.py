"""The strategy contract: react to bars and fills, express intent as ``Signal``s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import ClassVar, Generic, Protocol

from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import SignalAction
from ai_trader.domain.fills import Fill
from ai_trader.domain.signals import Signal
from ai_trader.strategies.params import ParamsT


class StrategyContext(Protocol):
    """What a strategy may ask of the engine it runs in."""

    def position_quantity(self, symbol: str) -> float:
        """Signed position size (long > 0), as a float for quick decisions."""

    def has_working_entry(self, symbol: str) -> bool:
        """True while an entry order for ``symbol`` is still waiting to fill."""

    def emit(self, signal: Signal) -> None:
        """Hand a signal to the risk engine."""


class Strategy(ABC, Generic[ParamsT]):
    """Base class. Subclasses set ``name`` and ``params_type`` and implement ``on_bar``.

    A strategy instance trades one symbol and keeps only bounded state (indicators), so a
    long run never grows its memory.
    """

    name: ClassVar[str]
    params_type: ClassVar[type]

    def __init__(self, params: ParamsT, symbol: str) -> None:
        self.params = params
        self.symbol = symbol
        self._context: StrategyContext | None = None

    @property
    def context(self) -> StrategyContext:
        if self._context is None:
            raise RuntimeError(f"strategy {self.name} is not attached to an engine")
        return self._context

    def attach(self, context: StrategyContext) -> None:
        self._context = context

    @abstractmethod
    def on_bar(self, bar: Bar) -> None:
        """Called once per bar of ``symbol``, after the venue matched orders on it."""

    def on_fill(self, fill: Fill) -> None:
        """Called for every fill of this strategy's orders."""

    def signal(
        self,
        bar: Bar,
        action: SignalAction,
        reason: str,
        stop_distance: Decimal | None = None,
        take_profit_distance: Decimal | None = None,
    ) -> None:
        """Emit ``action`` for this strategy's symbol, priced at the bar's close."""
        self.context.emit(
            Signal(
                symbol=bar.symbol,
                action=action,
                ts_event=bar.ts_event,
                reference_price=bar.close,
                strategy=self.name,
                reason=reason,
                stop_distance=stop_distance,
                take_profit_distance=take_profit_distance,
            )
        )
