"""Service-level objectives over a rolling window (SPEC OPS-2).

Four SLOs are tracked from events the trading and supervision threads record:

    order_success          ≥ 0.98   successful orders / all orders
    latency_under_2s       ≥ 0.95   orders answered in under 2 s / all orders
    executor_availability  ≥ 0.99   executor checks that found it available / all checks
    incident_ack_15m       = 1.00   critical incidents acknowledged within 15 minutes /
                                    critical incidents acknowledged or past 15 minutes

Events older than the window are dropped (an event recorded at ``t`` counts while
``now - t < window``). An SLO with no events in the window has ``actual=None`` and is met:
nothing failed. The tier sums the SLOs up: ``A`` all met; ``C`` any SLO below its
C threshold (order_success < 0.95, executor_availability < 0.97, latency_under_2s < 0.90;
a late incident acknowledgement makes the tier B, never C);
``B`` otherwise.

``evaluate()`` also appends one JSON line per SLO to ``events_path`` when the met flags or
the tier change, and otherwise at most once every ``emit_every_seconds``.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ai_trader.core.clock import NANOS_PER_SECOND, Clock, ns_to_datetime
from ai_trader.core.errors import ConfigurationError

Tier = Literal["A", "B", "C"]

ORDER_SUCCESS = "order_success"
LATENCY_UNDER_2S = "latency_under_2s"
EXECUTOR_AVAILABILITY = "executor_availability"
INCIDENT_ACK = "incident_ack_15m"
LATENCY_LIMIT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class SloObjective:
    """One SLO: the ratio it must reach (``target``) and below which the tier is C."""

    name: str
    target: float
    tier_c_below: float


OBJECTIVES: tuple[SloObjective, ...] = (
    SloObjective(ORDER_SUCCESS, target=0.98, tier_c_below=0.95),
    SloObjective(LATENCY_UNDER_2S, target=0.95, tier_c_below=0.90),
    SloObjective(EXECUTOR_AVAILABILITY, target=0.99, tier_c_below=0.97),
    SloObjective(INCIDENT_ACK, target=1.0, tier_c_below=0.0),
)


@dataclass(frozen=True, slots=True)
class SloStatus:
    """Where one SLO stands: ``actual`` is ``None`` when the window holds no samples."""

    target: float
    actual: float | None
    met: bool
    samples: int

    def to_dict(self) -> dict[str, float | bool | int | None]:
        return {
            "target": self.target,
            "actual": self.actual,
            "met": self.met,
            "samples": self.samples,
        }


@dataclass(frozen=True, slots=True)
class SloReport:
    """Every SLO's status at one moment and the tier they add up to."""

    slos: dict[str, SloStatus]
    tier: Tier

    def to_dict(self) -> dict[str, dict[str, float | bool | int | None]]:
        """``{name: {"target", "actual", "met", "samples"}}``, ready for ``json.dumps``."""
        return {name: status.to_dict() for name, status in self.slos.items()}


def _status(objective: SloObjective, good: int, samples: int) -> SloStatus:
    actual = good / samples if samples else None
    met = actual is None or actual >= objective.target
    return SloStatus(target=objective.target, actual=actual, met=met, samples=samples)


def _tier(slos: dict[str, SloStatus]) -> Tier:
    if all(status.met for status in slos.values()):
        return "A"
    for objective in OBJECTIVES:
        actual = slos[objective.name].actual
        if actual is not None and actual < objective.tier_c_below:
            return "C"
    return "B"


class _Window:
    """Timestamped 0/1 outcomes with running sums; expiry is O(1) amortised per event."""

    def __init__(self, columns: int) -> None:
        self._events: deque[tuple[int, tuple[bool, ...]]] = deque()
        self._sums = [0] * columns

    def append(self, ts_ns: int, outcomes: tuple[bool, ...]) -> None:
        self._events.append((ts_ns, outcomes))
        for column, outcome in enumerate(outcomes):
            self._sums[column] += outcome

    def expire(self, cutoff_ns: int) -> list[tuple[int, tuple[bool, ...]]]:
        """Drop the events recorded at or before ``cutoff_ns``; return them."""
        dropped = []
        while self._events and self._events[0][0] <= cutoff_ns:
            event = self._events.popleft()
            for column, outcome in enumerate(event[1]):
                self._sums[column] -= outcome
            dropped.append(event)
        return dropped

    def count(self) -> int:
        return len(self._events)

    def total(self, column: int) -> int:
        return self._sums[column]


class SloTracker:
    """Records order outcomes and executor checks; reports the SLOs over a rolling window.

    Thread-safe: orders are recorded from the trading thread while the API thread reads
    reports. ``client_order_id`` makes recording idempotent: an order id already counted
    inside the window is not counted again (a replayed or re-reported outcome).
    """

    def __init__(
        self,
        clock: Clock,
        window_seconds: float = 3600.0,
        events_path: Path | None = None,
        emit_every_seconds: float = 60.0,
    ) -> None:
        if not (math.isfinite(window_seconds) and window_seconds > 0):
            raise ConfigurationError(f"window_seconds must be positive, got {window_seconds}")
        if not (math.isfinite(emit_every_seconds) and emit_every_seconds >= 0):
            raise ConfigurationError(
                f"emit_every_seconds must be zero or positive, got {emit_every_seconds}"
            )
        self._clock = clock
        self._window_ns = round(window_seconds * NANOS_PER_SECOND)
        self._events_path = events_path
        self._emit_every_ns = round(emit_every_seconds * NANOS_PER_SECOND)
        self._lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self._orders = _Window(columns=2)  # (success, latency under 2 s)
        self._order_ids: deque[str | None] = deque()  # parallel to the order window
        self._counted_ids: set[str] = set()
        self._checks = _Window(columns=1)  # (available,)
        self._acks = _Window(columns=1)  # (acknowledged within the SLA,)
        self._last_state: tuple[tuple[bool, ...], Tier] | None = None
        self._last_emit_ns: int | None = None

    @property
    def window_seconds(self) -> float:
        return self._window_ns / NANOS_PER_SECOND

    def record_order(
        self, success: bool, latency_seconds: float, client_order_id: str | None = None
    ) -> bool:
        """Count one order outcome; ``False`` when ``client_order_id`` was already counted."""
        if not (math.isfinite(latency_seconds) and latency_seconds >= 0):
            raise ValueError(f"latency_seconds must be finite and ≥ 0, got {latency_seconds}")
        with self._lock:
            now_ns = self._expire()
            if client_order_id is not None:
                if client_order_id in self._counted_ids:
                    return False
                self._counted_ids.add(client_order_id)
            self._orders.append(now_ns, (success, latency_seconds < LATENCY_LIMIT_SECONDS))
            self._order_ids.append(client_order_id)
            return True

    def record_executor_check(self, available: bool) -> None:
        """Count one health check of the executor (venue connection)."""
        with self._lock:
            now_ns = self._expire()
            self._checks.append(now_ns, (available,))

    def record_incident_ack(self, within_sla: bool) -> None:
        """Count one critical incident: acknowledged in time, or its SLA passed without."""
        with self._lock:
            now_ns = self._expire()
            self._acks.append(now_ns, (within_sla,))

    def report(self) -> SloReport:
        """Every SLO over the window ending now, and the tier."""
        with self._lock:
            self._expire()
            orders = self._orders.count()
            counts = {
                ORDER_SUCCESS: (self._orders.total(0), orders),
                LATENCY_UNDER_2S: (self._orders.total(1), orders),
                EXECUTOR_AVAILABILITY: (self._checks.total(0), self._checks.count()),
                INCIDENT_ACK: (self._acks.total(0), self._acks.count()),
            }
        slos = {obj.name: _status(obj, *counts[obj.name]) for obj in OBJECTIVES}
        return SloReport(slos=slos, tier=_tier(slos))

    def evaluate(self) -> SloReport:
        """``report()``, appending it to ``events_path`` on a change or when one is due."""
        with self._emit_lock:
            report = self.report()
            now_ns = self._clock.timestamp_ns()
            state = (tuple(status.met for status in report.slos.values()), report.tier)
            due = (
                self._last_emit_ns is None
                or state != self._last_state
                or now_ns - self._last_emit_ns >= self._emit_every_ns
            )
            if due and self._events_path is not None:
                _append_events(self._events_path, report, now_ns)
                self._last_emit_ns = now_ns
                self._last_state = state
            return report

    def _expire(self) -> int:
        """Drop events that left the window; return the current time (lock held)."""
        now_ns = self._clock.timestamp_ns()
        cutoff_ns = now_ns - self._window_ns
        for _ in self._orders.expire(cutoff_ns):
            order_id = self._order_ids.popleft()
            if order_id is not None:
                self._counted_ids.discard(order_id)
        self._checks.expire(cutoff_ns)
        self._acks.expire(cutoff_ns)
        return now_ns


def _append_events(path: Path, report: SloReport, now_ns: int) -> None:
    """One JSON line per SLO; append mode, one write per line, flushed (line-atomic)."""
    ts = ns_to_datetime(now_ns).isoformat(timespec="microseconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        for name, status in report.slos.items():
            line = {"ts": ts, "event": "slo_status", "slo": name, **status.to_dict()}
            line["tier"] = report.tier
            stream.write(json.dumps(line) + "\n")
            stream.flush()
