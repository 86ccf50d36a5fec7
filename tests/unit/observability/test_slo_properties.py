"""Property: every SLO ratio is the brute-force ratio over the events inside the window."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.observability import SloTracker

WINDOW_SECONDS = 10.0
WINDOW_NS = int(WINDOW_SECONDS * NANOS_PER_SECOND)


@dataclass(frozen=True)
class Step:
    advance_ns: int
    kind: str  # "order" or "check"
    good: bool
    latency: float


steps = st.lists(
    st.builds(
        Step,
        advance_ns=st.integers(min_value=0, max_value=4 * NANOS_PER_SECOND),
        kind=st.sampled_from(["order", "check"]),
        good=st.booleans(),
        latency=st.floats(min_value=0.0, max_value=4.0, allow_nan=False),
    ),
    max_size=60,
)


def brute_force(
    events: list[tuple[int, Step]], now_ns: int, kind: str, good: str
) -> tuple[float | None, int]:
    inside = [step for ts, step in events if step.kind == kind and now_ns - ts < WINDOW_NS]
    if not inside:
        return None, 0
    if good == "success":
        hits = sum(step.good for step in inside)
    else:
        hits = sum(step.latency < 2.0 for step in inside)
    return hits / len(inside), len(inside)


@settings(max_examples=200, deadline=None)
@given(steps=steps, tail_ns=st.integers(min_value=0, max_value=12 * NANOS_PER_SECOND))
def test_ratios_equal_the_brute_force_ratio_over_the_window(
    steps: list[Step], tail_ns: int
) -> None:
    clock = TestClock(start_ns=0)
    tracker = SloTracker(clock, window_seconds=WINDOW_SECONDS)
    events: list[tuple[int, Step]] = []
    for step in steps:
        clock.advance(step.advance_ns)
        if step.kind == "order":
            tracker.record_order(success=step.good, latency_seconds=step.latency)
        else:
            tracker.record_executor_check(available=step.good)
        events.append((clock.timestamp_ns(), step))
        _check(tracker, events, clock.timestamp_ns())
    clock.advance(tail_ns)
    _check(tracker, events, clock.timestamp_ns())


def _check(tracker: SloTracker, events: list[tuple[int, Step]], now_ns: int) -> None:
    slos = tracker.report().slos
    expected = {
        "order_success": brute_force(events, now_ns, "order", "success"),
        "latency_under_2s": brute_force(events, now_ns, "order", "latency"),
        "executor_availability": brute_force(events, now_ns, "check", "success"),
    }
    for name, (actual, samples) in expected.items():
        status = slos[name]
        assert status.samples == samples
        assert status.actual == actual
        assert status.actual is None or 0.0 <= status.actual <= 1.0
        assert status.met == (status.actual is None or status.actual >= status.target)
