"""The package's public names are pinned."""

from __future__ import annotations

import ai_trader.resilience as resilience


def test_all_is_pinned() -> None:
    assert sorted(resilience.__all__) == sorted(
        [
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
    )
    assert all(hasattr(resilience, name) for name in resilience.__all__)
