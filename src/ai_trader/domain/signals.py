"""Signals: what a strategy wants, before risk decides whether and how much."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ai_trader.domain.enums import SignalAction


@dataclass(frozen=True, slots=True)
class Signal:
    """A strategy's intent for one symbol at ``ts_event``.

    ``reference_price`` is the price the strategy saw (the bar's close) and is what the
    risk engine sizes from. ``stop_distance`` / ``take_profit_distance`` ask for a bracket
    around the entry; ``stop_distance`` is also the per-unit risk for risk-based sizing.
    """

    symbol: str
    action: SignalAction
    ts_event: int
    reference_price: float
    strategy: str
    confidence: float = 1.0
    stop_distance: Decimal | None = None
    take_profit_distance: Decimal | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"signal confidence must be in [0, 1], got {self.confidence}")
        if self.reference_price <= 0:
            raise ValueError(f"signal reference price must be positive: {self.reference_price}")
