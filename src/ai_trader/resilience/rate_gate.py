"""The rate gate (SPEC EXE-4): per-provider request budgets, declared as data.

A ``RateBudget`` says how much request weight a provider accepts per moving window and
what each endpoint weighs (1 unless listed). ``RateGate.acquire`` blocks until the weight
fits, sleeping between attempts; every sleep is one backoff, counted per provider and
exported as the gauge ``rate_gate_backoff_count{provider}`` when a ``CollectorRegistry`` is
passed in. The accounting is ``limits``' ``MovingWindowRateLimiter``: on the wall clock
(no clock, or a ``LiveClock``) with ``limits``' own ``MemoryStorage``; on any other clock
(a ``TestClock``) with a storage that reads that clock (``_clock_storage``).
"""

from __future__ import annotations

import logging
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from prometheus_client import CollectorRegistry, Gauge
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ai_trader.core.clock import NANOS_PER_SECOND, Clock, LiveClock, ns_to_datetime
from ai_trader.core.errors import ConfigurationError, TransientVenueError
from ai_trader.resilience._clock_storage import ClockMovingWindowStorage

logger = logging.getLogger(__name__)

Sleeper = Callable[[float], None]


class RateBudget(BaseModel):
    """``limit`` units of request weight per ``window_seconds`` (a moving window)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1)
    limit: int = Field(ge=1)
    window_seconds: float = Field(ge=1)
    weights: dict[str, int] = Field(default_factory=dict)

    @field_validator("window_seconds")
    @classmethod
    def _whole_seconds(cls, value: float) -> float:
        if not float(value).is_integer():
            raise ValueError(f"window_seconds must be a whole number of seconds, got {value}")
        return value

    @field_validator("weights")
    @classmethod
    def _positive_weights(cls, weights: dict[str, int]) -> dict[str, int]:
        bad = {endpoint: w for endpoint, w in weights.items() if w < 1}
        if bad:
            raise ValueError(f"endpoint weights must be ≥ 1, got {bad}")
        return weights

    @model_validator(mode="after")
    def _weights_fit(self) -> RateBudget:
        heavy = {endpoint: w for endpoint, w in self.weights.items() if w > self.limit}
        if heavy:
            raise ValueError(f"endpoint weights {heavy} exceed the limit {self.limit}")
        return self

    def weight(self, endpoint: str) -> int:
        return self.weights.get(endpoint, 1)


def _budget(provider: str, limit: int, window: float, **weights: int) -> RateBudget:
    return RateBudget(provider=provider, limit=limit, window_seconds=window, weights=weights)


DEFAULT_BUDGETS: dict[str, RateBudget] = {
    # Spot REST: REQUEST_WEIGHT 6,000 per minute per IP (GET /api/v3/exchangeInfo; it was
    # 1,200 before 2023). GET /api/v3/account and /myTrades weigh 20, an order 1.
    "binance": _budget("binance", 6000, 60, order=1, cancel=1, query=20, account=20),
    # Advanced Trade REST: 30 requests per second per user on private endpoints.
    "coinbase": _budget("coinbase", 30, 1),
    # Spot REST private counter, starter tier: at most 15, decays 0.33 per second, so
    # 15 per 45 s; trade and ledger history cost 2.
    "kraken": _budget("kraken", 15, 45, query=2),
    # TWS API: at most 50 messages per second.
    "ibkr": _budget("ibkr", 50, 1),
    # Any other ccxt exchange: ccxt's default ``rateLimit`` of 2,000 ms between requests.
    "ccxt": _budget("ccxt", 30, 60),
}


def load_budgets(source: Path | Mapping[str, Mapping[str, Any]]) -> dict[str, RateBudget]:
    """Budgets from a TOML file or a mapping: one table per provider, e.g.

    ``[binance]`` / ``limit = 6000`` / ``window_seconds = 60`` / ``weights = {query = 20}``
    """
    if isinstance(source, Path):
        try:
            source = tomllib.loads(source.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read rate budgets from {source}: {exc}") from None
    budgets = {}
    for provider, table in source.items():
        try:
            budgets[provider] = RateBudget(provider=provider, **table)
        except (ValidationError, TypeError) as exc:
            raise ConfigurationError(f"rate budget {provider!r}: {exc}") from None
    return budgets


class UnknownProviderError(ConfigurationError):
    """The gate has no budget for this provider."""

    def __init__(self, provider: str, known: list[str]) -> None:
        super().__init__(f"no rate budget for provider {provider!r}; known: {', '.join(known)}")
        self.provider = provider
        self.known = known


class RateGateTimeoutError(TransientVenueError):
    """``acquire`` waited its whole timeout without the weight fitting."""


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    provider: str
    limit: int
    window_seconds: float
    used: int
    remaining: int
    backoff_count: int
    last_backoff_at: datetime | None


@dataclass
class _Provider:
    budget: RateBudget
    item: RateLimitItem
    backoff_count: int = 0
    last_backoff_ns: int | None = None


class RateGate:
    """Admits venue calls within each provider's budget; never sends past it."""

    def __init__(
        self,
        budgets: Mapping[str, RateBudget],
        clock: Clock | None = None,
        *,
        sleeper: Sleeper | None = None,
        registry: CollectorRegistry | None = None,
        min_backoff: float = 0.05,
    ) -> None:
        wall = clock is None or isinstance(clock, LiveClock)
        if not wall and sleeper is None:
            raise ConfigurationError(
                "a RateGate on a simulated clock needs a sleeper that advances that clock"
            )
        if not min_backoff > 0:
            raise ConfigurationError(f"min_backoff must be > 0 s, got {min_backoff}")
        self._clock: Clock = clock if clock is not None else LiveClock()
        self._sleeper: Sleeper = sleeper if sleeper is not None else time.sleep
        self._min_backoff = min_backoff
        storage: Storage = MemoryStorage() if wall else ClockMovingWindowStorage(self._clock)
        self._limiter = MovingWindowRateLimiter(storage)
        self._providers = {name: _provider(name, budget) for name, budget in budgets.items()}
        self._lock = threading.Lock()
        self._gauge = _backoff_gauge(registry, list(self._providers))

    @property
    def providers(self) -> list[str]:
        return sorted(self._providers)

    def acquire(self, provider: str, endpoint: str, timeout: float | None = None) -> None:
        """Block until ``endpoint``'s weight fits ``provider``'s budget, then take it.

        Raises ``RateGateTimeoutError`` when ``timeout`` seconds would pass first.
        """
        state = self._provider(provider)
        cost = state.budget.weight(endpoint)
        started = self._now_seconds()
        while not self._limiter.hit(state.item, provider, cost=cost):
            delay = self._delay(state, provider)
            if timeout is not None and self._now_seconds() + delay - started > timeout:
                raise RateGateTimeoutError(
                    f"rate gate: {provider} {endpoint} (weight {cost}) did not fit the budget "
                    f"of {state.budget.limit} per {state.budget.window_seconds:g} s "
                    f"within {timeout:g} s"
                )
            self._count_backoff(state, provider)
            logger.info("rate gate: %s %s waits %.3f s", provider, endpoint, delay)
            self._sleeper(delay)

    def try_acquire(self, provider: str, endpoint: str) -> bool:
        """Take the weight if it fits now; never waits, never counts a backoff."""
        state = self._provider(provider)
        return self._limiter.hit(state.item, provider, cost=state.budget.weight(endpoint))

    def status(self) -> list[ProviderStatus]:
        return [self._status(name, self._providers[name]) for name in self.providers]

    def reset(self, provider: str | None = None) -> list[str]:
        """Empty the window and the backoff count of one provider, or of all; return which."""
        if provider is not None:
            self._provider(provider)  # unknown: UnknownProviderError
        names = self.providers if provider is None else [provider]
        for name in names:
            state = self._providers[name]
            self._limiter.clear(state.item, name)
            with self._lock:
                state.backoff_count = 0
                state.last_backoff_ns = None
            if self._gauge is not None:
                self._gauge.labels(provider=name).set(0)
        return names

    # -- internals ----------------------------------------------------------------------

    def _provider(self, provider: str) -> _Provider:
        state = self._providers.get(provider)
        if state is None:
            raise UnknownProviderError(provider, self.providers)
        return state

    def _now_seconds(self) -> float:
        return self._clock.timestamp_ns() / NANOS_PER_SECOND

    def _delay(self, state: _Provider, provider: str) -> float:
        """Until the oldest entry leaves the window (a little after), at least min_backoff."""
        reset_at, _ = self._limiter.get_window_stats(state.item, provider)
        until_free = reset_at - self._now_seconds() + 0.001
        longest = state.budget.window_seconds + self._min_backoff
        return min(max(self._min_backoff, until_free), longest)

    def _count_backoff(self, state: _Provider, provider: str) -> None:
        with self._lock:
            state.backoff_count += 1
            state.last_backoff_ns = self._clock.timestamp_ns()
            count = state.backoff_count
        if self._gauge is not None:
            self._gauge.labels(provider=provider).set(count)

    def _status(self, name: str, state: _Provider) -> ProviderStatus:
        _, remaining = self._limiter.get_window_stats(state.item, name)
        remaining = max(0, remaining)
        last = state.last_backoff_ns
        return ProviderStatus(
            provider=name,
            limit=state.budget.limit,
            window_seconds=state.budget.window_seconds,
            used=state.budget.limit - remaining,
            remaining=remaining,
            backoff_count=state.backoff_count,
            last_backoff_at=None if last is None else ns_to_datetime(last),
        )


def _provider(name: str, budget: RateBudget) -> _Provider:
    if name != budget.provider:
        raise ConfigurationError(f"rate budget for {budget.provider!r} is keyed as {name!r}")
    window = int(budget.window_seconds)
    return _Provider(budget, RateLimitItemPerSecond(budget.limit, window, namespace="gate"))


def _backoff_gauge(registry: CollectorRegistry | None, providers: list[str]) -> Gauge | None:
    if registry is None:
        return None
    gauge = Gauge(
        "rate_gate_backoff_count",
        "Times the rate gate made a venue call wait for its budget, per provider.",
        ["provider"],
        registry=registry,
    )
    for provider in providers:
        gauge.labels(provider=provider).set(0)
    return gauge
