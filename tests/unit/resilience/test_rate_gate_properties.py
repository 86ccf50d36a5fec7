"""The rate gate never admits more weight than the budget within any window."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.resilience.rate_gate import RateBudget, RateGate

WEIGHTS = {"order": 1, "cancel": 1, "query": 3, "account": 5}

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3 * NANOS_PER_SECOND),  # time before the call
        st.sampled_from(sorted(WEIGHTS)),
        st.booleans(),  # blocking acquire or try_acquire
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(min_value=5, max_value=20),
    window=st.integers(min_value=1, max_value=10),
    calls=steps,
)
def test_weight_admitted_within_any_window_never_exceeds_the_limit(
    limit: int, window: int, calls: list[tuple[int, str, bool]]
) -> None:
    clock = TestClock(1_700_000_000 * NANOS_PER_SECOND)
    budget = RateBudget(provider="p", limit=limit, window_seconds=window, weights=WEIGHTS)
    gate = RateGate(
        {"p": budget}, clock, sleeper=lambda s: clock.advance(round(s * NANOS_PER_SECOND))
    )
    admitted: list[tuple[int, int]] = []

    for pause, endpoint, blocking in calls:
        clock.advance(pause)
        if blocking:
            gate.acquire("p", endpoint)
            admitted.append((clock.timestamp_ns(), WEIGHTS[endpoint]))
        elif gate.try_acquire("p", endpoint):
            admitted.append((clock.timestamp_ns(), WEIGHTS[endpoint]))

    window_ns = window * NANOS_PER_SECOND
    for end, _ in admitted:
        in_window = sum(w for ts, w in admitted if end - window_ns <= ts <= end)
        assert in_window <= limit
