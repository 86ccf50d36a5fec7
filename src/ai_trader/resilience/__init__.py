"""Resilience around venues (SPEC EXE-3, EXE-4): circuit breakers and the rate gate."""

from ai_trader.resilience.breaker import (
    BreakerListener,
    BreakerRegistry,
    BreakerState,
    BreakerStatus,
    CircuitBreaker,
    CircuitOpenError,
)
from ai_trader.resilience.rate_gate import (
    DEFAULT_BUDGETS,
    ProviderStatus,
    RateBudget,
    RateGate,
    RateGateTimeoutError,
    UnknownProviderError,
    load_budgets,
)
from ai_trader.resilience.resilient_executor import ResilientExecutor

__all__ = [
    "DEFAULT_BUDGETS",
    "BreakerListener",
    "BreakerRegistry",
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "CircuitOpenError",
    "ProviderStatus",
    "RateBudget",
    "RateGate",
    "RateGateTimeoutError",
    "ResilientExecutor",
    "UnknownProviderError",
    "load_budgets",
]
