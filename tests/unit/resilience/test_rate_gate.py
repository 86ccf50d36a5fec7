"""RateGate and RateBudget on a TestClock (SPEC EXE-4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from ai_trader.core.clock import NANOS_PER_SECOND, LiveClock, TestClock, ns_to_datetime
from ai_trader.core.errors import ConfigurationError, TransientVenueError
from ai_trader.resilience.rate_gate import (
    DEFAULT_BUDGETS,
    RateBudget,
    RateGate,
    RateGateTimeoutError,
    UnknownProviderError,
    load_budgets,
)

START = 1_700_000_000 * NANOS_PER_SECOND


class SleepingClock:
    """A sleeper that moves a TestClock instead of waiting, and records each sleep."""

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(round(seconds * NANOS_PER_SECOND))


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def sleeper(clock: TestClock) -> SleepingClock:
    return SleepingClock(clock)


def budget(limit: int = 10, window: float = 10, **weights: int) -> RateBudget:
    return RateBudget(provider="venue", limit=limit, window_seconds=window, weights=weights)


def gate_of(
    clock: TestClock, sleeper: SleepingClock, *budgets: RateBudget, **kwargs: object
) -> RateGate:
    chosen = budgets or (budget(),)
    return RateGate({b.provider: b for b in chosen}, clock, sleeper=sleeper, **kwargs)  # type: ignore[arg-type]


# -- budgets ----------------------------------------------------------------------------


def test_budget_weight_when_endpoint_unlisted_then_one() -> None:
    assert budget(query=4).weight("query") == 4
    assert budget(query=4).weight("order") == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"limit": 0}, "greater than or equal to 1"),
        ({"window_seconds": 0.5}, "greater than or equal to 1"),
        ({"window_seconds": 1.5}, "whole number"),
        ({"weights": {"order": 0}}, "≥ 1"),
        ({"weights": {"order": 11}}, "exceed the limit"),
        ({"burst": 3}, "Extra inputs"),
    ],
)
def test_budget_when_invalid_then_refused(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"provider": "venue", "limit": 10, "window_seconds": 10}
    with pytest.raises(ValueError, match=message):
        RateBudget(**{**values, **fields})  # type: ignore[arg-type]


def test_default_budgets_cover_the_listed_venues() -> None:
    assert {"binance", "coinbase", "kraken", "ibkr", "ccxt"} <= set(DEFAULT_BUDGETS)
    binance = DEFAULT_BUDGETS["binance"]
    assert (binance.limit, binance.window_seconds) == (6000, 60)
    assert all(name == b.provider for name, b in DEFAULT_BUDGETS.items())


def test_load_budgets_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(
        "[binance]\nlimit = 1200\nwindow_seconds = 60\nweights = { query = 20 }\n"
        "[kraken]\nlimit = 15\nwindow_seconds = 45\n"
    )

    budgets = load_budgets(path)

    assert budgets["binance"] == RateBudget(
        provider="binance", limit=1200, window_seconds=60, weights={"query": 20}
    )
    assert budgets["kraken"].weight("order") == 1


def test_load_budgets_when_invalid_then_one_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="rate budget 'x'"):
        load_budgets({"x": {"limit": -1, "window_seconds": 60}})
    with pytest.raises(ConfigurationError, match="cannot read rate budgets"):
        load_budgets(tmp_path / "missing.toml")


# -- gate -------------------------------------------------------------------------------


def test_try_acquire_within_budget_then_true_until_full(
    clock: TestClock, sleeper: SleepingClock
) -> None:
    gate = gate_of(clock, sleeper, budget(limit=5, query=2))

    assert [gate.try_acquire("venue", "query") for _ in range(3)] == [True, True, False]
    assert gate.try_acquire("venue", "order") is True
    assert gate.try_acquire("venue", "order") is False
    assert gate.status()[0].backoff_count == 0


def test_try_acquire_after_window_then_budget_back(
    clock: TestClock, sleeper: SleepingClock
) -> None:
    gate = gate_of(clock, sleeper, budget(limit=2, window=10))
    gate.try_acquire("venue", "order")
    clock.advance(5 * NANOS_PER_SECOND)
    gate.try_acquire("venue", "order")

    clock.advance(5 * NANOS_PER_SECOND + 1)

    assert gate.try_acquire("venue", "order") is True
    assert gate.try_acquire("venue", "order") is False


def test_acquire_when_full_then_waits_and_counts_backoffs(
    clock: TestClock, sleeper: SleepingClock
) -> None:
    gate = gate_of(clock, sleeper, budget(limit=2, window=10))
    gate.acquire("venue", "order")
    gate.acquire("venue", "order")

    gate.acquire("venue", "order")

    assert sleeper.sleeps == [pytest.approx(10.0, abs=0.01)]  # once, until the first two left
    status = gate.status()[0]
    assert status.backoff_count == 1
    assert status.last_backoff_at == ns_to_datetime(START)
    assert status.used == 1


def test_acquire_with_timeout_when_budget_does_not_free_then_transient_error(
    clock: TestClock, sleeper: SleepingClock
) -> None:
    gate = gate_of(clock, sleeper, budget(limit=1, window=60))
    gate.acquire("venue", "order")

    with pytest.raises(RateGateTimeoutError, match="within 5 s") as error:
        gate.acquire("venue", "order", timeout=5.0)

    assert isinstance(error.value, TransientVenueError)
    assert sleeper.sleeps == []


def test_unknown_provider_then_error_lists_known(clock: TestClock, sleeper: SleepingClock) -> None:
    gate = gate_of(clock, sleeper, budget())

    with pytest.raises(UnknownProviderError, match="known: venue"):
        gate.acquire("nope", "order")
    with pytest.raises(UnknownProviderError):
        gate.reset("nope")


def test_status_reports_budget_use_per_provider(clock: TestClock, sleeper: SleepingClock) -> None:
    other = RateBudget(provider="other", limit=3, window_seconds=1)
    gate = gate_of(clock, sleeper, budget(limit=10, query=4), other)
    gate.acquire("venue", "query")
    gate.acquire("venue", "order")

    statuses = gate.status()

    assert [s.provider for s in statuses] == ["other", "venue"]
    venue = statuses[1]
    assert (venue.limit, venue.window_seconds, venue.used, venue.remaining) == (10, 10, 5, 5)
    assert (statuses[0].used, statuses[0].remaining) == (0, 3)


def test_reset_one_provider_then_only_its_window_and_backoffs_clear(
    clock: TestClock, sleeper: SleepingClock
) -> None:
    other = RateBudget(provider="other", limit=1, window_seconds=60)
    gate = gate_of(clock, sleeper, budget(limit=1, window=1), other)
    gate.acquire("venue", "order")
    gate.acquire("venue", "order")  # waits once
    gate.acquire("other", "order")

    assert gate.reset("venue") == ["venue"]

    by_name = {s.provider: s for s in gate.status()}
    assert (by_name["venue"].used, by_name["venue"].backoff_count) == (0, 0)
    assert by_name["venue"].last_backoff_at is None
    assert by_name["other"].used == 1
    assert gate.reset() == ["other", "venue"]
    assert gate.try_acquire("other", "order") is True


def test_backoff_gauge_on_the_given_registry(clock: TestClock, sleeper: SleepingClock) -> None:
    registry = CollectorRegistry()
    gate = gate_of(clock, sleeper, budget(limit=1, window=1), registry=registry)

    def backoffs() -> float | None:
        return registry.get_sample_value("rate_gate_backoff_count", {"provider": "venue"})

    assert backoffs() == 0.0
    gate.acquire("venue", "order")
    gate.acquire("venue", "order")
    assert backoffs() == gate.status()[0].backoff_count >= 1
    gate.reset()
    assert backoffs() == 0.0


def test_simulated_clock_without_sleeper_then_refused(clock: TestClock) -> None:
    with pytest.raises(ConfigurationError, match="sleeper"):
        RateGate({"venue": budget()}, clock)


def test_budget_keyed_under_another_name_then_refused(clock: TestClock) -> None:
    with pytest.raises(ConfigurationError, match="keyed as"):
        RateGate({"other": budget()}, clock, sleeper=lambda s: None)


def test_wall_clock_gate_uses_limits_memory_storage() -> None:
    gate = RateGate({"venue": budget(limit=2, window=60)}, LiveClock())

    assert [gate.try_acquire("venue", "order") for _ in range(3)] == [True, True, False]
    assert gate.status()[0].used == 2
    gate.reset("venue")
    assert gate.try_acquire("venue", "order") is True
