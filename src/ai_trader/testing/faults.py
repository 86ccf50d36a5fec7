"""Fault injection on a venue: ``FaultyVenue`` wraps any ``Executor`` and makes chosen
calls fail the way real venues fail, as a seeded, deterministic ``FaultPlan`` says.

    fault                 reaches the venue?        the caller sees
    ====================  ========================  ==========================================
    TimeoutAfterAccept    yes, and takes effect     ``TransientVenueError``; the answer and
                                                    the reports the call caused are lost
    ServerError           no (a 5xx)                ``TransientVenueError``
    RateLimited           no (a 429)                ``VenueRateLimitedError`` (transient)
    Disconnect(n)         no, for n calls           ``TransientVenueError`` on this call and
                                                    the next ``n - 1`` calls
    ====================  ========================  ==========================================

Every port call (not ``venue``/``connect``) is numbered from 0 in ``calls``, faulted or not;
``injected`` counts the faults by kind. Bars are the market, not calls: a bar-driven inner
venue gets ``process_bar`` straight through, never faulted. ``trade_behind_our_back``
plays another client on the same account: its reports never reach the engine.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from ai_trader.adapters.sim.intercepted import InterceptedExecutor
from ai_trader.core.clock import Clock
from ai_trader.core.errors import TransientVenueError
from ai_trader.domain.bar import Bar
from ai_trader.domain.orders import Order
from ai_trader.ports.executor import Executor

T = TypeVar("T")


class VenueRateLimitedError(TransientVenueError):
    """The venue answered 429: too many requests; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class TimeoutAfterAccept:
    """The call reaches the venue and takes effect; then the answer times out. With
    ``reports_lost`` (the default) the reports the call caused are dropped too."""

    reports_lost: bool = True
    kind: ClassVar[str] = "timeout_after_accept"


@dataclass(frozen=True, slots=True)
class ServerError:
    """The venue answers ``status`` before doing anything."""

    status: int = 503
    kind: ClassVar[str] = "server_error"


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The venue answers 429 before doing anything."""

    retry_after: float = 1.0
    kind: ClassVar[str] = "rate_limited"


@dataclass(frozen=True, slots=True)
class Disconnect:
    """The connection drops: this call and the next ``for_calls - 1`` calls fail."""

    for_calls: int = 1
    kind: ClassVar[str] = "disconnect"

    def __post_init__(self) -> None:
        if self.for_calls < 1:
            raise ValueError(f"Disconnect.for_calls must be ≥ 1, got {self.for_calls}")


Fault = TimeoutAfterAccept | ServerError | RateLimited | Disconnect


@dataclass(frozen=True, slots=True)
class VenueCall:
    """One port call as the venue received it: its number, method and venue time."""

    index: int
    method: str
    ts_ns: int | None


Trigger = int | Callable[[VenueCall], bool]
"""A call index, or a predicate on the call (true: inject)."""


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Which calls fail how: the first rule whose trigger matches a call wins."""

    rules: tuple[tuple[Trigger, Fault], ...] = ()

    @classmethod
    def at(cls, faults: Mapping[int, Fault]) -> FaultPlan:
        """A plan by call index: ``FaultPlan.at({0: ServerError(), 3: Disconnect(2)})``."""
        rules: tuple[tuple[Trigger, Fault], ...] = tuple(
            (index, faults[index]) for index in sorted(faults)
        )
        return cls(rules)

    @classmethod
    def seeded(
        cls,
        seed: int,
        *,
        calls: int,
        probability: float = 0.2,
        faults: Sequence[Fault] = (TimeoutAfterAccept(), ServerError(), RateLimited()),
    ) -> FaultPlan:
        """Each of the first ``calls`` calls fails with ``probability``, with a fault drawn
        from ``faults``; the same seed gives the same plan."""
        rng = random.Random(seed)
        return cls.at({i: rng.choice(faults) for i in range(calls) if rng.random() < probability})

    def fault_for(self, call: VenueCall) -> Fault | None:
        for trigger, fault in self.rules:
            if (trigger == call.index) if isinstance(trigger, int) else trigger(call):
                return fault
        return None


class FaultyVenue(InterceptedExecutor[Executor]):
    """An ``Executor`` that delegates to ``inner`` and injects ``plan``'s faults. It takes
    over ``inner``'s report handler; ``clock`` (optional) stamps ``calls``."""

    def __init__(self, inner: Executor, plan: FaultPlan, clock: Clock | None = None) -> None:
        super().__init__(inner)
        self._plan = plan
        self._clock = clock
        self._disconnected_for = 0
        self.calls: list[VenueCall] = []
        self.injected: Counter[str] = Counter()

    @property
    def rate_limited(self) -> int:
        """How many calls were answered 429."""
        return self.injected[RateLimited.kind]

    # -- the market: passed through to a bar-driven venue, never faulted ------------------

    @property
    def working_orders(self) -> int:
        return int(getattr(self._inner, "working_orders", 0))

    @property
    def needs_every_bar(self) -> bool:
        return bool(getattr(self._inner, "needs_every_bar", False))

    def process_bar(self, bar: Bar) -> None:
        process: Callable[[Bar], None] | None = getattr(self._inner, "process_bar", None)
        if process is None:
            raise TypeError(f"{type(self._inner).__name__} is not bar-driven")
        process(bar)

    # -- internals ----------------------------------------------------------------------

    def _call(self, method: str, fn: Callable[..., T], *args: object) -> T:
        ts_ns = None if self._clock is None else self._clock.timestamp_ns()
        call = VenueCall(len(self.calls), method, ts_ns)
        self.calls.append(call)
        if self._disconnected_for > 0:
            self._disconnected_for -= 1
            self.injected[Disconnect.kind] += 1
            raise TransientVenueError(f"{self.venue}: {method} failed, connection lost")
        fault = self._plan.fault_for(call)
        if fault is None:
            return fn(*args)
        self.injected[fault.kind] += 1
        if isinstance(fault, TimeoutAfterAccept):
            with self.reports_dropped() if fault.reports_lost else contextlib.nullcontext():
                fn(*args)
            raise TransientVenueError(f"{self.venue}: {method} timed out waiting for the answer")
        if isinstance(fault, Disconnect):
            self._disconnected_for = fault.for_calls - 1
            raise TransientVenueError(f"{self.venue}: {method} failed, connection lost")
        if isinstance(fault, RateLimited):
            raise VenueRateLimitedError(
                f"{self.venue}: {method} answered 429 Too Many Requests", fault.retry_after
            )
        raise TransientVenueError(f"{self.venue}: {method} answered {fault.status}")


def trade_behind_our_back(venue: FaultyVenue, order: Order) -> None:
    """Submit ``order`` as another client on the same account would: straight to the
    inner venue, no fault, not in ``calls``, and no report reaches the engine."""
    with venue.reports_dropped():
        venue.inner.submit(order)
