"""A restart resumes the loss limits from a snapshot: the limits then behave exactly as if
the process had never stopped (same halts, same peak, same day reference)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ai_trader.risk import DAY_NS, LossLimits, RiskConfig
from ai_trader.testing import BASE_TS

CONFIG = RiskConfig(max_daily_loss=0.03, max_drawdown=0.15)
HOUR_NS = DAY_NS // 24

steps = st.lists(
    st.tuples(st.integers(1, 30 * HOUR_NS), st.floats(0.9, 1.1)), min_size=1, max_size=60
)


@given(steps=steps, split=st.integers(0, 60))
def test_restored_limits_when_fed_the_same_equity_then_same_halts(
    steps: list[tuple[int, float]], split: int
) -> None:
    uninterrupted = LossLimits(CONFIG, 10_000.0)
    first_life = LossLimits(CONFIG, 10_000.0)
    ts, equity = BASE_TS, 10_000.0
    timeline = []
    for gap, change in steps:
        ts, equity = ts + gap, equity * change
        timeline.append((ts, equity))
    split = min(split, len(timeline))
    for ts, equity in timeline[:split]:
        uninterrupted.update(ts, equity)
        first_life.update(ts, equity)

    second_life = LossLimits(CONFIG, 10_000.0)  # a restart: fresh object, restored marks
    second_life.restore(first_life.snapshot())

    for ts, equity in timeline[split:]:
        assert second_life.update(ts, equity) == uninterrupted.update(ts, equity)
    assert second_life.snapshot() == uninterrupted.snapshot()


def test_snapshot_when_no_bar_seen_then_no_day_boundary_yet() -> None:
    snapshot = LossLimits(CONFIG, 5_000.0).snapshot()

    assert (snapshot.peak, snapshot.day_start, snapshot.last) == (5_000.0, 5_000.0, 5_000.0)
    assert snapshot.next_day_ns is None
