"""Data quality (SPEC DAT-2): every kind of issue with its severity, the breach-and-resume
rule, the event lines and the snapshot, and properties over generated series."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import Bar
from ai_trader.runtime.data_quality import (
    EVENTS_FILE,
    LATEST_FILE,
    DataQualityConfig,
    DataQualityMonitor,
    DataQualityReport,
)
from ai_trader.runtime.data_quality_checks import ISSUE_KINDS, robust_sigma

SYMBOL = "BTC/USDT"
OTHER = "ETH/USDT"
BAR_SECONDS = 60.0
STEP = int(BAR_SECONDS * NANOS_PER_SECOND)
START_NS = 1_704_164_645_678_901_000  # 2024-01-02T03:04:05.678901Z


def price(i: int) -> float:
    """A gently wobbling price: log returns of a few tenths of a percent, never constant."""
    return 100.0 * math.exp(0.002 * math.sin(i * 0.7) + 0.001 * ((i * 7) % 5))


def bar(i: int, symbol: str = SYMBOL, close: float | None = None) -> Bar:
    c = price(i) if close is None else close
    return Bar(symbol, START_NS + i * STEP, c, c * 1.001, c * 0.999, c, 10.0 + i % 3)


def monitor(
    tmp_path: Path | None = None, symbols: tuple[str, ...] = (SYMBOL,), **config: float
) -> DataQualityMonitor:
    return DataQualityMonitor(
        DataQualityConfig(**config),
        bar_seconds=BAR_SECONDS,
        symbols=symbols,
        run_dir=tmp_path,
    )


def feed(dq: DataQualityMonitor, indices: range, symbol: str = SYMBOL) -> int:
    """Observe clean bars ``indices``; returns the ts_event of the last one."""
    for i in indices:
        dq.observe(bar(i, symbol))
    return START_NS + indices[-1] * STEP


def kinds(report: DataQualityReport) -> list[tuple[str, str]]:
    return [(issue.kind, issue.severity) for issue in report.issues]


# -- each kind ------------------------------------------------------------------------------


def test_run_cycle_when_bars_are_clean_then_no_issue() -> None:
    dq = monitor()
    last = feed(dq, range(100))

    report = dq.run_cycle(last + STEP // 2)

    assert report.issues == ()
    assert (report.errors, report.stale_warnings, report.critical) == (0, 0, False)
    assert report.breach is None
    assert not report.resumed
    assert not dq.breached


@pytest.mark.parametrize(
    ("values", "what"),
    [
        ((math.nan, 101.0, 99.0, 100.0, 1.0), "NaN"),
        ((100.0, math.inf, 99.0, 100.0, 1.0), "NaN or infinite"),
        ((100.0, 99.0, 101.0, 100.0, 1.0), "high 99.0 < low 101.0"),
        ((102.0, 101.0, 99.0, 100.0, 1.0), "outside"),
        ((100.0, 101.0, 99.0, 98.0, 1.0), "outside"),
        ((0.0, 1.0, 0.0, 0.5, 1.0), "non-positive"),
        ((100.0, 101.0, 99.0, 100.0, -1.0), "negative volume"),
    ],
)
def test_observe_raw_when_row_is_corrupt_then_critical_issue(
    values: tuple[float, ...], what: str
) -> None:
    dq = monitor()
    last = feed(dq, range(10))

    dq.observe_raw(SYMBOL, last + STEP, *values)
    report = dq.run_cycle(last + STEP)

    assert kinds(report) == [("corrupt", "critical")]
    assert what in report.issues[0].detail
    assert report.issues[0].ts_event == last + STEP


def test_observe_when_same_bar_time_twice_then_critical_duplicate() -> None:
    dq = monitor()
    last = feed(dq, range(10))

    dq.observe(bar(9))
    report = dq.run_cycle(last)

    assert kinds(report) == [("duplicate", "critical")]
    assert report.issues[0].ts_event == last


def test_observe_when_bar_earlier_than_last_then_critical_non_monotonic() -> None:
    dq = monitor()
    last = feed(dq, range(10))

    dq.observe(bar(5))
    dq.observe(bar(10))  # the sequence continues from the last good bar: no gap, no issue
    report = dq.run_cycle(last + STEP)

    assert kinds(report) == [("non_monotonic", "critical")]
    assert report.issues[0].ts_event == START_NS + 5 * STEP


def test_observe_when_small_gap_then_missing_warning_and_large_gap_critical() -> None:
    dq = monitor(missing_critical_bars=3)
    feed(dq, range(10))

    dq.observe(bar(13))  # 10, 11, 12 missing: 3, not more than 3
    dq.observe(bar(18))  # 14..17 missing: 4
    report = dq.run_cycle(START_NS + 18 * STEP)

    assert kinds(report) == [("missing", "warning"), ("missing", "critical")]
    assert "3 bar(s) missing" in report.issues[0].detail
    assert "4 bar(s) missing" in report.issues[1].detail


def test_observe_when_price_jumps_beyond_sigma_then_price_jump_warning() -> None:
    dq = monitor()
    feed(dq, range(60))

    dq.observe(bar(60, close=price(59) * 1.25))
    report = dq.run_cycle(START_NS + 60 * STEP)

    assert kinds(report) == [("price_jump", "warning")]
    assert "sigma" in report.issues[0].detail


def test_observe_when_jump_severity_is_critical_then_price_jump_breaches() -> None:
    dq = monitor(jump_severity="critical")  # type: ignore[arg-type]
    feed(dq, range(60))

    dq.observe(bar(60, close=price(59) * 1.25))
    report = dq.run_cycle(START_NS + 60 * STEP)

    assert kinds(report) == [("price_jump", "critical")]
    assert report.breach is not None


def test_jump_sigma_is_configurable() -> None:
    returns = [math.log(price(i) / price(i - 1)) for i in range(1, 60)]
    sigma = robust_sigma(returns)
    move = price(59) * math.exp(6 * sigma + max(abs(r) for r in returns))  # > 6, < 8+ sigma
    reports = []
    for limit in (8.0, 4.0):
        dq = monitor(jump_sigma=limit)
        feed(dq, range(60))
        dq.observe(bar(60, close=move))
        reports.append(dq.run_cycle(START_NS + 60 * STEP))

    assert [len(report.issues) for report in reports] == [0, 1]


def test_observe_when_fewer_returns_than_min_samples_then_no_jump_judged() -> None:
    dq = monitor(jump_min_samples=50)
    feed(dq, range(40))

    dq.observe(bar(40, close=price(39) * 2))
    report = dq.run_cycle(START_NS + 40 * STEP)

    assert report.issues == ()


def test_run_cycle_when_no_new_bar_for_long_then_stale_warning_then_critical() -> None:
    dq = monitor(tmp_path=None, symbols=(SYMBOL, OTHER))
    feed(dq, range(10))
    last_other = feed(dq, range(10), OTHER)

    warning = dq.run_cycle(last_other + 5 * STEP)  # 5 intervals: > 3, <= 10
    critical = dq.run_cycle(last_other + 11 * STEP)

    assert kinds(warning) == [("stale", "warning"), ("stale", "warning")]
    assert (warning.stale_warnings, warning.errors) == (2, 0)
    assert kinds(critical) == [("stale", "critical"), ("stale", "critical")]
    assert (critical.stale_warnings, critical.errors) == (0, 2)


def test_run_cycle_when_symbol_never_had_a_bar_then_stale_from_first_cycle() -> None:
    dq = monitor(symbols=(SYMBOL, OTHER))
    last = feed(dq, range(10))

    first = dq.run_cycle(last)
    later = dq.run_cycle(last + 4 * STEP)

    assert first.issues == ()
    assert [(i.symbol, i.kind, i.ts_event) for i in later.issues] == [
        (SYMBOL, "stale", last),
        (OTHER, "stale", None),
    ]


def test_run_cycle_reports_only_bars_since_previous_cycle() -> None:
    dq = monitor()
    last = feed(dq, range(10))
    dq.observe(bar(9))

    first = dq.run_cycle(last)
    second = dq.run_cycle(last)

    assert len(first.issues) == 1
    assert second.issues == ()


# -- breach and resume ----------------------------------------------------------------------


def test_breach_when_critical_then_halts_until_one_clean_cycle_and_resumes_once() -> None:
    dq = monitor()
    last = feed(dq, range(10))
    dq.observe(bar(9))  # duplicate

    breach = dq.run_cycle(last)
    dq.observe_raw(SYMBOL, last + STEP, 100.0, 99.0, 101.0, 100.0, 1.0)  # corrupt
    still = dq.run_cycle(last + STEP)
    assert dq.breached
    feed(dq, range(11, 12))
    clean = dq.run_cycle(START_NS + 11 * STEP)
    feed(dq, range(12, 13))
    after = dq.run_cycle(START_NS + 12 * STEP)

    assert breach.breach is not None
    assert breach.breach.startswith("data_quality")
    assert "duplicate" in breach.breach
    assert breach.breached
    assert still.critical
    assert still.breach is None
    assert not still.resumed
    assert clean.resumed
    assert not clean.critical
    assert not clean.breached
    assert not after.resumed
    assert after.breach is None
    assert not dq.breached
    assert dq.last_report == after


def test_breach_when_only_warnings_then_no_breach() -> None:
    dq = monitor()
    feed(dq, range(10))
    dq.observe(bar(12))  # two missing: a warning

    report = dq.run_cycle(START_NS + 12 * STEP)

    assert report.warnings == 1
    assert report.breach is None
    assert not dq.breached


# -- files ----------------------------------------------------------------------------------


def test_run_cycle_writes_one_line_per_issue_and_a_cycle_line_and_the_snapshot(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "results" / "runs" / "run-1"
    dq = monitor(run_dir, symbols=(SYMBOL, OTHER))
    last = feed(dq, range(10))
    feed(dq, range(10), OTHER)
    dq.observe(bar(9))
    dq.observe_raw(OTHER, last + STEP, math.nan, 1.0, 1.0, 1.0, 1.0)

    dq.run_cycle(last + STEP)
    feed(dq, range(10, 12))
    feed(dq, range(11, 12), OTHER)  # the corrupt row held bar 10's place
    dq.run_cycle(START_NS + 11 * STEP)

    lines = [json.loads(line) for line in (run_dir / EVENTS_FILE).read_text().splitlines()]
    assert [line["event_type"] for line in lines] == [
        "data_quality_issue",
        "data_quality_issue",
        "data_quality_cycle",
        "data_quality_cycle",
    ]
    duplicate, corrupt, cycle, clean = lines
    assert (duplicate["symbol"], duplicate["kind"], duplicate["severity"]) == (
        SYMBOL,
        "duplicate",
        "critical",
    )
    assert duplicate["ts_event"] == last
    assert duplicate["ts"] == "2024-01-02T03:14:05.678901+00:00"
    assert duplicate["bar_time"] == "2024-01-02T03:13:05.678901+00:00"
    assert (corrupt["symbol"], corrupt["kind"]) == (OTHER, "corrupt")
    assert cycle["cycle"] == 1
    assert cycle["errors"] == 2
    assert cycle["critical"] is True
    assert cycle["breach"].startswith("data_quality: 2 critical issue(s)")
    assert cycle["by_kind"] == {kind: int(kind in ("duplicate", "corrupt")) for kind in ISSUE_KINDS}
    assert clean["resumed"] is True
    assert clean["errors"] == 0
    assert clean["breached"] is False
    latest = json.loads((run_dir / LATEST_FILE).read_text())
    assert latest["cycle"] == 2
    assert latest["issues"] == []
    assert latest["resumed"] is True
    assert latest["symbols"] == [SYMBOL, OTHER]
    assert latest["checked_at"] == "2024-01-02T03:15:05.678901+00:00"


def test_run_cycle_without_run_dir_then_writes_nothing(tmp_path: Path) -> None:
    dq = monitor(None)
    feed(dq, range(10))
    dq.observe(bar(9))

    dq.run_cycle(START_NS)

    assert list(tmp_path.iterdir()) == []


# -- config ---------------------------------------------------------------------------------


def test_config_refuses_unknown_keys_and_inconsistent_thresholds() -> None:
    with pytest.raises(ValidationError):
        DataQualityConfig(stale_after=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="stale_critical_after_bars"):
        DataQualityConfig(stale_after_bars=5, stale_critical_after_bars=4)
    with pytest.raises(ValidationError, match="jump_min_samples"):
        DataQualityConfig(window=20, jump_min_samples=30)


def test_monitor_refuses_non_positive_bar_seconds() -> None:
    with pytest.raises(ConfigurationError, match="bar_seconds"):
        DataQualityMonitor(DataQualityConfig(), bar_seconds=0, symbols=[SYMBOL])


# -- properties -----------------------------------------------------------------------------

closes = st.lists(
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(closes=closes, step_seconds=st.integers(min_value=1, max_value=86_400))
def test_property_evenly_spaced_clean_series_has_no_critical_issue(
    closes: list[float], step_seconds: int
) -> None:
    dq = DataQualityMonitor(DataQualityConfig(), bar_seconds=step_seconds, symbols=[SYMBOL])
    step = step_seconds * NANOS_PER_SECOND
    for i, close in enumerate(closes):
        dq.observe(Bar(SYMBOL, START_NS + i * step, close, close, close, close, 1.0))

    report = dq.run_cycle(START_NS + (len(closes) - 1) * step)

    assert not report.critical
    assert {issue.kind for issue in report.issues} <= {"price_jump"}


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=2, max_value=80))
def test_property_injected_duplicate_is_always_flagged(data: st.DataObject, size: int) -> None:
    at = data.draw(st.integers(min_value=0, max_value=size - 1))
    dq = monitor()
    for i in range(size):
        dq.observe(bar(i))
        if i == at:
            dq.observe(bar(i))

    report = dq.run_cycle(START_NS + (size - 1) * STEP)

    assert ("duplicate", "critical") in kinds(report)
    assert report.breach is not None
    assert dq.breached
