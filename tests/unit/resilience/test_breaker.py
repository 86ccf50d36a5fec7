"""CircuitBreaker and BreakerRegistry on a TestClock (SPEC EXE-3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError, TransientVenueError, VenueRejectedError
from ai_trader.resilience.breaker import BreakerRegistry, CircuitBreaker, CircuitOpenError

START = 1_700_000_000 * NANOS_PER_SECOND


def fail(exc: BaseException) -> Callable[[], None]:
    def raiser() -> None:
        raise exc

    return raiser


def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(TransientVenueError):
            breaker.call(fail(TransientVenueError("timeout")))


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def breaker(clock: TestClock) -> CircuitBreaker:
    return CircuitBreaker("binance:orders", clock, failure_threshold=3, recovery_timeout=60.0)


def test_call_when_closed_then_returns_the_result(breaker: CircuitBreaker) -> None:
    assert breaker.call(lambda a, b: a + b, 2, 3) == 5
    assert breaker.state == "closed"


def test_failures_below_threshold_then_stays_closed(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)

    assert breaker.state == "closed"
    assert breaker.failures == 2
    assert breaker.last_error == "TransientVenueError: timeout"


def test_success_when_closed_then_failure_count_resets(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    breaker.call(lambda: None)
    trip(breaker, 2)

    assert breaker.state == "closed"


def test_threshold_failures_then_opens(breaker: CircuitBreaker, clock: TestClock) -> None:
    trip(breaker, 3)

    assert breaker.state == "open"
    assert breaker.opened_at == clock.utc_now()


def test_open_when_called_then_refuses_without_calling(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    trip(breaker, 3)
    calls: list[int] = []

    with pytest.raises(CircuitOpenError) as refused:
        breaker.call(lambda: calls.append(1))

    assert calls == []
    assert isinstance(refused.value, TransientVenueError)
    assert refused.value.breaker == "binance:orders"
    assert refused.value.retry_at == clock.utc_now() + timedelta(seconds=60)
    assert "binance:orders" in str(refused.value)
    assert refused.value.retry_at.isoformat() in str(refused.value)


def test_open_before_recovery_timeout_then_still_refuses(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    trip(breaker, 3)
    clock.advance(59 * NANOS_PER_SECOND)

    with pytest.raises(CircuitOpenError):
        breaker.call(lambda: None)
    assert breaker.state == "open"


def test_open_after_recovery_timeout_then_half_open(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    trip(breaker, 3)
    clock.advance(60 * NANOS_PER_SECOND)

    assert breaker.state == "half_open"
    assert breaker.retry_at is None


def test_half_open_success_then_closes(breaker: CircuitBreaker, clock: TestClock) -> None:
    trip(breaker, 3)
    clock.advance(60 * NANOS_PER_SECOND)

    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed"
    assert breaker.failures == 0


def test_half_open_failure_then_reopens_for_another_timeout(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    trip(breaker, 3)
    clock.advance(61 * NANOS_PER_SECOND)

    trip(breaker, 1)

    assert breaker.state == "open"
    assert breaker.opened_at == clock.utc_now()
    clock.advance(59 * NANOS_PER_SECOND)
    assert breaker.state == "open"
    clock.advance(1 * NANOS_PER_SECOND)
    assert breaker.state == "half_open"


def test_half_open_when_trial_in_flight_then_second_call_refused(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    trip(breaker, 3)
    clock.advance(60 * NANOS_PER_SECOND)
    refusals: list[CircuitOpenError] = []

    def trial() -> str:
        with pytest.raises(CircuitOpenError) as refused:
            breaker.call(lambda: "second")
        refusals.append(refused.value)
        return "first"

    assert breaker.call(trial) == "first"
    assert len(refusals) == 1
    assert refusals[0].retry_at is None
    assert breaker.state == "closed"


def test_non_failure_exception_then_propagates_and_counts_as_success(
    breaker: CircuitBreaker,
) -> None:
    trip(breaker, 2)

    with pytest.raises(VenueRejectedError):
        breaker.call(fail(VenueRejectedError("insufficient balance")))

    assert breaker.failures == 0
    assert breaker.state == "closed"


@pytest.mark.parametrize("exc", [OSError("reset by peer"), TimeoutError("read timed out")])
def test_default_failure_types_include_os_and_timeout_errors(
    clock: TestClock, exc: BaseException
) -> None:
    breaker = CircuitBreaker("kraken:queries", clock, failure_threshold=1)

    with pytest.raises(type(exc)):
        breaker.call(fail(exc))

    assert breaker.state == "open"


def test_custom_failure_types_then_only_those_count(clock: TestClock) -> None:
    breaker = CircuitBreaker("model", clock, failure_threshold=1, failure_types=(KeyError,))

    with pytest.raises(TransientVenueError):
        breaker.call(fail(TransientVenueError("x")))
    assert breaker.state == "closed"
    with pytest.raises(KeyError):
        breaker.call(fail(KeyError("y")))
    assert breaker.state == "open"


def test_reset_then_closed_and_forgotten(breaker: CircuitBreaker) -> None:
    trip(breaker, 3)

    breaker.reset()

    assert breaker.state == "closed"
    assert breaker.failures == 0
    assert breaker.opened_at is None
    assert breaker.last_error is None
    assert breaker.call(lambda: 1) == 1


def test_listeners_hear_every_state_change_with_a_reason(
    breaker: CircuitBreaker, clock: TestClock
) -> None:
    heard: list[tuple[str, str, str, str]] = []
    breaker.add_listener(lambda *change: heard.append(change))

    trip(breaker, 3)
    clock.advance(60 * NANOS_PER_SECOND)
    trip(breaker, 1)
    clock.advance(60 * NANOS_PER_SECOND)
    breaker.call(lambda: None)
    trip(breaker, 3)
    breaker.reset()

    assert [(old, new) for _, old, new, _ in heard] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
        ("closed", "open"),
        ("open", "closed"),
    ]
    assert {name for name, *_ in heard} == {"binance:orders"}
    assert "3 consecutive failures" in heard[0][3]
    assert heard[1][3] == "recovery timeout passed"
    assert heard[-1][3] == "reset by operator"


def test_listener_may_read_the_breaker_without_deadlock(
    breaker: CircuitBreaker,
) -> None:
    seen: list[str] = []
    breaker.add_listener(lambda name, old, new, reason: seen.append(breaker.state))

    trip(breaker, 3)

    assert seen == ["open"]


@pytest.mark.parametrize(
    "settings",
    [
        {"failure_threshold": 0},
        {"recovery_timeout": 0.0},
        {"half_open_max_calls": 0},
    ],
)
def test_invalid_settings_then_configuration_error(
    clock: TestClock, settings: dict[str, float]
) -> None:
    with pytest.raises(ConfigurationError):
        CircuitBreaker("x", clock, **settings)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        BreakerRegistry(clock, **settings)  # type: ignore[arg-type]


# -- registry ---------------------------------------------------------------------------


def test_registry_get_when_same_key_then_same_breaker(clock: TestClock) -> None:
    registry = BreakerRegistry(clock)

    orders = registry.get("binance", "orders")

    assert registry.get("binance", "orders") is orders
    assert registry.get("binance", "market_data") is not orders
    assert orders.name == "binance:orders"
    assert registry.names() == ["binance:market_data", "binance:orders"]


def test_registry_breakers_use_the_registry_settings(clock: TestClock) -> None:
    registry = BreakerRegistry(clock, failure_threshold=2, recovery_timeout=10.0)
    breaker = registry.get("kraken", "orders")

    trip(breaker, 2)
    assert breaker.state == "open"
    clock.advance(10 * NANOS_PER_SECOND)
    assert breaker.state == "half_open"


def test_registry_snapshot_and_any_open(clock: TestClock) -> None:
    registry = BreakerRegistry(clock, failure_threshold=1)
    registry.get("binance", "queries")
    trip(registry.get("binance", "orders"), 1)

    snapshot = {status.name: status for status in registry.snapshot()}
    any_open = registry.any_open()

    assert snapshot["binance:queries"].state == "closed"
    assert snapshot["binance:orders"].state == "open"
    assert snapshot["binance:orders"].failures == 1
    assert snapshot["binance:orders"].last_error == "TransientVenueError: timeout"
    assert snapshot["binance:orders"].opened_at == clock.utc_now()
    assert snapshot["binance:orders"].retry_at is not None
    assert any_open is not None
    assert any_open.name == "binance:orders"


def test_registry_any_open_when_none_open_then_none(clock: TestClock) -> None:
    registry = BreakerRegistry(clock, failure_threshold=1)
    trip(registry.get("binance", "orders"), 1)

    clock.advance(60 * NANOS_PER_SECOND)

    assert registry.any_open() is None


def test_registry_reset_one_and_all(clock: TestClock) -> None:
    registry = BreakerRegistry(clock, failure_threshold=1)
    trip(registry.get("binance", "orders"), 1)
    trip(registry.get("kraken", "orders"), 1)

    registry.reset("binance:orders")
    assert registry.get("binance", "orders").state == "closed"
    assert registry.get("kraken", "orders").state == "open"

    assert registry.reset_all() == ["binance:orders", "kraken:orders"]
    assert registry.any_open() is None


def test_registry_reset_unknown_then_error_lists_known(clock: TestClock) -> None:
    registry = BreakerRegistry(clock)
    registry.get("binance", "orders")

    with pytest.raises(ConfigurationError, match="binance:orders"):
        registry.reset("binance:nope")


def test_registry_listeners_reach_existing_and_future_breakers(clock: TestClock) -> None:
    heard: list[str] = []
    registry = BreakerRegistry(
        clock, failure_threshold=1, listeners=[lambda name, old, new, r: heard.append(name)]
    )
    trip(registry.get("a", "orders"), 1)
    late: list[str] = []
    registry.add_listener(lambda name, old, new, r: late.append(f"{name} {new}"))

    trip(registry.get("b", "orders"), 1)
    registry.reset_all()

    assert heard == ["a:orders", "b:orders", "a:orders", "b:orders"]
    assert late == ["b:orders open", "a:orders closed", "b:orders closed"]
