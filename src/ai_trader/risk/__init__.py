"""Risk (RSK-1): sizing, position limits, and loss limits that halt new entries."""

from ai_trader.risk.config import RiskConfig, Sizing, SizingKind
from ai_trader.risk.engine import RiskEngine
from ai_trader.risk.limits import DAY_NS, Halt, LimitsSnapshot, LossLimits

__all__ = [
    "DAY_NS",
    "Halt",
    "LimitsSnapshot",
    "LossLimits",
    "RiskConfig",
    "RiskEngine",
    "Sizing",
    "SizingKind",
]
