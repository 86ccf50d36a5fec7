"""Circuit breakers per venue and endpoint group (SPEC EXE-3).

    closed ──(failure_threshold consecutive failures)──▶ open
    open ──(recovery_timeout passed)──▶ half_open
    half_open ──(a trial call succeeds)──▶ closed
    half_open ──(a trial call fails)──▶ open (the recovery timeout starts again)

Only exceptions of the breaker's ``failure_types`` count as failures (by default the venue
could not be reached: ``TransientVenueError``, ``OSError``, ``TimeoutError``). Any other
exception, a ``VenueRejectedError`` say, means the venue answered: it propagates and counts
as a success. While a breaker is open, ``call`` raises ``CircuitOpenError`` without calling
anything. Time comes from the injected ``Clock``; ``state`` moves an open breaker whose
timeout has passed to half-open, so a reader (the halt check, a metric) sees it recover.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from ai_trader.core.clock import NANOS_PER_SECOND, Clock, ns_to_datetime
from ai_trader.core.errors import ConfigurationError, TransientVenueError

T = TypeVar("T")
BreakerState = Literal["closed", "open", "half_open"]
BreakerListener = Callable[[str, BreakerState, BreakerState, str], None]
"""Called on every state change as ``listener(name, old, new, reason)``."""

DEFAULT_FAILURE_TYPES: tuple[type[BaseException], ...] = (
    TransientVenueError,
    OSError,
    TimeoutError,
)


class CircuitOpenError(TransientVenueError):
    """A breaker refused the call: nothing was sent. Retry after ``retry_at``."""

    def __init__(self, breaker: str, retry_at: datetime | None, detail: str) -> None:
        when = "a trial call finishes" if retry_at is None else retry_at.isoformat()
        super().__init__(f"circuit breaker {breaker} is {detail}; retry after {when}")
        self.breaker = breaker
        self.retry_at = retry_at


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    name: str
    state: BreakerState
    failures: int
    opened_at: datetime | None
    last_error: str | None
    retry_at: datetime | None


class CircuitBreaker:
    """Counts consecutive failures of calls made through it and refuses calls while open."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        failure_threshold: int = 5,
        recovery_timeout: float = 60.0,
        half_open_max_calls: int = 1,
        failure_types: tuple[type[BaseException], ...] = DEFAULT_FAILURE_TYPES,
    ) -> None:
        _check_settings(failure_threshold, recovery_timeout, half_open_max_calls)
        self.name = name
        self._clock = clock
        self._threshold = failure_threshold
        self._timeout_ns = int(recovery_timeout * NANOS_PER_SECOND)
        self._half_open_max = half_open_max_calls
        self._failure_types = failure_types
        self._lock = threading.Lock()
        self._listeners: list[BreakerListener] = []
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_ns: int | None = None
        self._last_error: str | None = None
        self._trials = 0

    # -- reading ------------------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        with self._lock:
            change = self._recover_if_due()
        self._notify(change)
        return self._state

    @property
    def failures(self) -> int:
        return self._failures

    @property
    def opened_at(self) -> datetime | None:
        return None if self._opened_ns is None else ns_to_datetime(self._opened_ns)

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def retry_at(self) -> datetime | None:
        """When an open breaker lets a trial call through; ``None`` unless open."""
        if self._state != "open" or self._opened_ns is None:
            return None
        return ns_to_datetime(self._opened_ns + self._timeout_ns)

    def status(self) -> BreakerStatus:
        state = self.state
        return BreakerStatus(
            name=self.name,
            state=state,
            failures=self._failures,
            opened_at=self.opened_at,
            last_error=self._last_error,
            retry_at=self.retry_at,
        )

    def add_listener(self, listener: BreakerListener) -> None:
        self._listeners.append(listener)

    # -- acting -------------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` through the breaker; raise ``CircuitOpenError`` while open."""
        self._before_call()
        try:
            result = fn(*args)
        except self._failure_types as exc:
            self._on_failure(exc)
            raise
        except Exception:
            self._on_success()  # the venue answered (a rejection, say): it is reachable
            raise
        except BaseException:  # interrupted: no verdict on the venue, free the trial slot
            self._release_trial()
            raise
        self._on_success()
        return result

    def reset(self, reason: str = "reset by operator") -> None:
        """Close the breaker and forget its failures."""
        with self._lock:
            change = self._move("closed", reason)
            self._failures = 0
            self._opened_ns = None
            self._last_error = None
            self._trials = 0
        self._notify(change)

    # -- internals (callers hold no lock; these take it) -----------------------------------

    def _before_call(self) -> None:
        with self._lock:
            change = self._recover_if_due()
            refusal = self._refusal()
            if refusal is None and self._state == "half_open":
                self._trials += 1
        self._notify(change)
        if refusal is not None:
            raise refusal

    def _refusal(self) -> CircuitOpenError | None:
        if self._state == "open":
            detail = f"open after {self._failures} failures (last: {self._last_error})"
            return CircuitOpenError(self.name, self.retry_at, detail)
        if self._state == "half_open" and self._trials >= self._half_open_max:
            return CircuitOpenError(self.name, None, "half-open with a trial call in flight")
        return None

    def _on_failure(self, exc: BaseException) -> None:
        with self._lock:
            self._failures += 1
            self._last_error = f"{type(exc).__name__}: {exc}"
            change: tuple[BreakerState, BreakerState, str] | None = None
            if self._state == "half_open":
                self._trials = max(0, self._trials - 1)
                change = self._open(f"trial call failed: {self._last_error}")
            elif self._state == "closed" and self._failures >= self._threshold:
                change = self._open(f"{self._failures} consecutive failures: {self._last_error}")
        self._notify(change)

    def _release_trial(self) -> None:
        with self._lock:
            self._trials = max(0, self._trials - 1)

    def _on_success(self) -> None:
        with self._lock:
            change = None
            if self._state == "half_open":
                self._trials = 0
                change = self._move("closed", "trial call succeeded")
            if self._state == "closed":
                self._failures = 0
        self._notify(change)

    def _open(self, reason: str) -> tuple[BreakerState, BreakerState, str] | None:
        self._opened_ns = self._clock.timestamp_ns()
        return self._move("open", reason)

    def _recover_if_due(self) -> tuple[BreakerState, BreakerState, str] | None:
        if self._state != "open" or self._opened_ns is None:
            return None
        if self._clock.timestamp_ns() < self._opened_ns + self._timeout_ns:
            return None
        self._trials = 0
        return self._move("half_open", "recovery timeout passed")

    def _move(
        self, new: BreakerState, reason: str
    ) -> tuple[BreakerState, BreakerState, str] | None:
        old, self._state = self._state, new
        return None if old == new else (old, new, reason)

    def _notify(self, change: tuple[BreakerState, BreakerState, str] | None) -> None:
        if change is None:
            return
        old, new, reason = change
        for listener in list(self._listeners):
            listener(self.name, old, new, reason)


def _check_settings(threshold: int, recovery_timeout: float, half_open_max_calls: int) -> None:
    if threshold < 1:
        raise ConfigurationError(f"failure_threshold must be ≥ 1, got {threshold}")
    if not recovery_timeout > 0:
        raise ConfigurationError(f"recovery_timeout must be > 0 s, got {recovery_timeout}")
    if half_open_max_calls < 1:
        raise ConfigurationError(f"half_open_max_calls must be ≥ 1, got {half_open_max_calls}")


class BreakerRegistry:
    """One breaker per ``"venue:group"`` (``binance:orders``, ``binance:queries`` ...),
    created on first use with the registry's settings."""

    def __init__(
        self,
        clock: Clock,
        *,
        failure_threshold: int = 5,
        recovery_timeout: float = 60.0,
        half_open_max_calls: int = 1,
        failure_types: tuple[type[BaseException], ...] = DEFAULT_FAILURE_TYPES,
        listeners: Iterable[BreakerListener] = (),
    ) -> None:
        self._clock = clock
        self._settings = (failure_threshold, recovery_timeout, half_open_max_calls)
        self._failure_types = failure_types
        self._listeners = list(listeners)
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()
        _check_settings(*self._settings)  # fail at start, not at the first venue call

    def get(self, venue: str, group: str) -> CircuitBreaker:
        name = f"{venue}:{group}"
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is None:
                breaker = CircuitBreaker(
                    name, self._clock, *self._settings, failure_types=self._failure_types
                )
                for listener in self._listeners:
                    breaker.add_listener(listener)
                self._breakers[name] = breaker
        return breaker

    def add_listener(self, listener: BreakerListener) -> None:
        """Listen to every breaker, present and future."""
        with self._lock:
            self._listeners.append(listener)
            breakers = list(self._breakers.values())
        for breaker in breakers:
            breaker.add_listener(listener)

    def names(self) -> list[str]:
        return sorted(self._breakers)

    def reset(self, name: str, reason: str = "reset by operator") -> None:
        breaker = self._breakers.get(name)
        if breaker is None:
            known = ", ".join(self.names()) or "none yet"
            raise ConfigurationError(f"unknown circuit breaker {name!r}; known: {known}")
        breaker.reset(reason)

    def reset_all(self, reason: str = "reset by operator") -> list[str]:
        """Close every breaker; return their names."""
        names = self.names()
        for name in names:
            self._breakers[name].reset(reason)
        return names

    def snapshot(self) -> list[BreakerStatus]:
        return [self._breakers[name].status() for name in self.names()]

    def any_open(self) -> BreakerStatus | None:
        """The first open breaker (by name), or ``None``: the halt check asks this."""
        return next((s for s in self.snapshot() if s.state == "open"), None)
