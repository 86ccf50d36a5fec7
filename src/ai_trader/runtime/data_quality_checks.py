"""Data-quality checks on bars (SPEC DAT-2): pure functions, no state, no clock.

Each check looks at one bar (or one bar against the one before it, or one symbol against
the time now) and returns a :class:`QualityIssue` or ``None``. The monitor in
:mod:`ai_trader.runtime.data_quality` keeps the state between bars and decides when to run
them. Severities:

=================  ======================================================================
kind               severity
=================  ======================================================================
``corrupt``        critical — NaN/infinite, high < low, open or close outside [low, high],
                   a price ≤ 0, negative volume
``duplicate``      critical — the same ``ts_event`` twice
``non_monotonic``  critical — a ``ts_event`` earlier than the last one
``missing``        warning for a gap of up to ``missing_critical_bars`` missing bars,
                   critical beyond
``stale``          warning after ``stale_after_bars`` bar intervals without a new bar,
                   critical after ``stale_critical_after_bars``
``price_jump``     ``jump_severity`` (warning by default): a jump is as often a real move
                   as a bad print, and halting entries on every real move would be wrong
=================  ======================================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ai_trader.core.clock import ns_to_datetime

__all__ = [
    "CRITICAL",
    "ISSUE_KINDS",
    "WARNING",
    "DataQualityConfig",
    "QualityIssue",
    "check_jump",
    "check_row",
    "check_sequence",
    "check_stale",
    "robust_sigma",
]

CRITICAL = "critical"
WARNING = "warning"
ISSUE_KINDS = ("stale", "missing", "duplicate", "non_monotonic", "corrupt", "price_jump")
MAD_TO_SIGMA = 1.4826  # median absolute deviation -> standard deviation of a normal law
STD_FLOOR = 0.5  # the robust sigma is at least this fraction of the plain standard deviation


class DataQualityConfig(BaseModel):
    """Thresholds of the checks; all counted in bar intervals or samples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stale_after_bars: float = Field(3.0, gt=0, allow_inf_nan=False)
    stale_critical_after_bars: float = Field(10.0, gt=0, allow_inf_nan=False)
    jump_sigma: float = Field(8.0, gt=0, allow_inf_nan=False)
    jump_min_samples: int = Field(30, ge=2)
    jump_severity: Literal["critical", "warning"] = "warning"
    window: int = Field(500, ge=3)
    missing_critical_bars: int = Field(5, ge=0)

    @model_validator(mode="after")
    def _stale_thresholds_in_order(self) -> DataQualityConfig:
        if self.stale_critical_after_bars < self.stale_after_bars:
            raise ValueError(
                f"stale_critical_after_bars ({self.stale_critical_after_bars}) must be at "
                f"least stale_after_bars ({self.stale_after_bars})"
            )
        if self.jump_min_samples >= self.window:
            raise ValueError(
                f"jump_min_samples ({self.jump_min_samples}) must be below window ({self.window})"
            )
        return self


@dataclass(frozen=True, slots=True)
class QualityIssue:
    symbol: str
    kind: str  # one of ISSUE_KINDS
    severity: str  # CRITICAL or WARNING
    ts_event: int | None  # the bar's close time (epoch ns) when the issue is about a bar
    detail: str  # one human line

    @property
    def critical(self) -> bool:
        return self.severity == CRITICAL

    def to_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "severity": self.severity,
            "ts_event": self.ts_event,
            "bar_time": _iso(self.ts_event),
            "detail": self.detail,
        }


def check_row(
    symbol: str,
    ts_event: int,
    open: float,  # noqa: A002 - the market's own word for it
    high: float,
    low: float,
    close: float,
    volume: float,
) -> QualityIssue | None:
    """A ``corrupt`` issue when the row could not be a bar (``Bar.create``'s rules)."""
    problem = _row_problem(open, high, low, close, volume)
    if problem is None:
        return None
    return QualityIssue(symbol, "corrupt", CRITICAL, ts_event, f"{_at(ts_event)}: {problem}")


def _row_problem(
    open: float,  # noqa: A002 - the market's own word for it
    high: float,
    low: float,
    close: float,
    volume: float,
) -> str | None:
    values = (open, high, low, close, volume)
    if not all(math.isfinite(value) for value in values):
        return f"NaN or infinite value in open/high/low/close/volume {values}"
    if high < low:
        return f"high {high} < low {low}"
    if not (low <= open <= high and low <= close <= high):
        return f"open {open} or close {close} outside [low {low}, high {high}]"
    if min(open, high, low, close) <= 0:
        return f"non-positive price in {values[:4]}"
    if volume < 0:
        return f"negative volume {volume}"
    return None


def check_sequence(
    symbol: str, previous_ns: int | None, ts_event: int, bar_ns: int, missing_critical_bars: int
) -> QualityIssue | None:
    """``duplicate``, ``non_monotonic`` or ``missing`` for a bar after the one at
    ``previous_ns`` (``None``: the first bar seen, nothing to compare)."""
    if previous_ns is None:
        return None
    if ts_event == previous_ns:
        return QualityIssue(
            symbol, "duplicate", CRITICAL, ts_event, f"{_at(ts_event)}: the same bar time twice"
        )
    if ts_event < previous_ns:
        return QualityIssue(
            symbol,
            "non_monotonic",
            CRITICAL,
            ts_event,
            f"{_at(ts_event)}: earlier than the previous bar at {_at(previous_ns)}",
        )
    gap = ts_event - previous_ns
    if gap <= bar_ns:
        return None
    missing = max(1, round(gap / bar_ns) - 1)
    severity = CRITICAL if missing > missing_critical_bars else WARNING
    return QualityIssue(
        symbol,
        "missing",
        severity,
        ts_event,
        f"{_at(ts_event)}: {missing} bar(s) missing since {_at(previous_ns)}",
    )


def robust_sigma(returns: Sequence[float] | np.ndarray) -> float:
    """The scale of ``returns``: 1.4826 × their median absolute deviation (a standard
    deviation that one wild value cannot inflate), but at least half their standard
    deviation — when most returns are near-identical (a price moving in fixed ticks) the
    MAD alone is close to 0 and would make every other move look like a jump."""
    values = np.asarray(returns, dtype=np.float64)
    if values.size < 2:
        return 0.0
    mad = float(np.median(np.abs(values - np.median(values))))
    return max(MAD_TO_SIGMA * mad, STD_FLOOR * float(np.std(values)))


def check_jump(
    symbol: str,
    ts_event: int,
    log_return: float,
    recent_returns: Sequence[float] | np.ndarray,
    config: DataQualityConfig,
) -> QualityIssue | None:
    """``price_jump`` when ``log_return`` lies more than ``jump_sigma`` robust standard
    deviations from the median of ``recent_returns`` (needs ``jump_min_samples`` of them;
    a series that never moved has no scale and is not judged)."""
    if len(recent_returns) < config.jump_min_samples or not math.isfinite(log_return):
        return None
    values = np.asarray(recent_returns, dtype=np.float64)
    sigma = robust_sigma(values)
    if sigma <= 0:
        return None
    distance = abs(log_return - float(np.median(values))) / sigma
    if distance <= config.jump_sigma:
        return None
    return QualityIssue(
        symbol,
        "price_jump",
        config.jump_severity,
        ts_event,
        f"{_at(ts_event)}: log return {log_return:+.4f} is {distance:.1f} sigma "
        f"(limit {config.jump_sigma:g}, sigma {sigma:.6f} over {values.size} returns)",
    )


def check_stale(
    symbol: str,
    last_ns: int | None,
    since_ns: int,
    now_ns: int,
    bar_ns: int,
    config: DataQualityConfig,
) -> QualityIssue | None:
    """``stale`` when no bar arrived for too long: measured from the last bar's
    ``ts_event``, or from ``since_ns`` (the first check) when none ever came."""
    reference = since_ns if last_ns is None else last_ns
    intervals = (now_ns - reference) / bar_ns
    if intervals <= config.stale_after_bars:
        return None
    critical = intervals > config.stale_critical_after_bars
    what = "no bar yet" if last_ns is None else f"last bar {_at(last_ns)}"
    limit = config.stale_critical_after_bars if critical else config.stale_after_bars
    return QualityIssue(
        symbol,
        "stale",
        CRITICAL if critical else WARNING,
        last_ns,
        f"{what}: {intervals:.1f} bar intervals without a new bar (limit {limit:g})",
    )


def _iso(ts_ns: int | None) -> str | None:
    if ts_ns is None:
        return None
    try:
        return ns_to_datetime(ts_ns).isoformat(timespec="microseconds")
    except (OverflowError, OSError, ValueError):
        return None


def _at(ts_ns: int) -> str:
    try:
        return f"bar {ns_to_datetime(ts_ns):%Y-%m-%d %H:%M:%S}"
    except (OverflowError, OSError, ValueError):
        return f"bar {ts_ns}"
