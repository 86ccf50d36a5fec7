"""Loss limits that halt new entries: max daily loss and max drawdown."""

from __future__ import annotations

from dataclasses import dataclass

from ai_trader.core.clock import ns_to_datetime
from ai_trader.risk.config import RiskConfig

DAY_NS = 86_400 * 1_000_000_000
# A loss "reaches" a limit within this much: 10 000 → 9 000 is a 10 % loss even though
# 1 - 9000/10000 is 0.09999999999999998 in binary floating point.
LIMIT_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Halt:
    reason: str
    until_ns: int | None  # None: until an operator resumes


@dataclass(frozen=True, slots=True)
class LimitsSnapshot:
    """What the limits remember between bars, so a restart measures from the same marks."""

    peak: float
    day_start: float
    last: float
    next_day_ns: int | None


class LossLimits:
    """Fed the equity after every bar; returns a ``Halt`` when a limit is reached.

    The day's reference is the equity after the previous UTC day's last bar (the
    starting equity on the first day). Drawdown is measured from the running peak.
    """

    __slots__ = (
        "_day_floor",
        "_day_start",
        "_drawdown_floor",
        "_last",
        "_max_daily_loss",
        "_max_drawdown",
        "_next_day_ns",
        "peak",
    )

    def __init__(self, config: RiskConfig, starting_equity: float) -> None:
        self._max_daily_loss = config.max_daily_loss - LIMIT_TOLERANCE
        self._max_drawdown = config.max_drawdown - LIMIT_TOLERANCE
        self._next_day_ns: int | None = None  # start of the next UTC day; None before any bar
        self._last = starting_equity
        self.peak = starting_equity
        self._set_day_start(starting_equity)
        self._drawdown_floor = starting_equity * (1.0 - self._max_drawdown)

    def _set_day_start(self, equity: float) -> None:
        self._day_start = equity
        self._day_floor = equity * (1.0 - self._max_daily_loss)

    def rebase(self) -> None:
        """After an operator resumes: measure drawdown from the current equity, or the very
        next bar would halt again against the old peak."""
        self.peak = self._last
        self._drawdown_floor = self._last * (1.0 - self._max_drawdown)

    def snapshot(self) -> LimitsSnapshot:
        return LimitsSnapshot(self.peak, self._day_start, self._last, self._next_day_ns)

    def restore(self, snapshot: LimitsSnapshot) -> None:
        """Continue from a snapshot taken before a restart (peak, the day's start equity)."""
        self.peak = snapshot.peak
        self._drawdown_floor = snapshot.peak * (1.0 - self._max_drawdown)
        self._set_day_start(snapshot.day_start)
        self._last = snapshot.last
        self._next_day_ns = snapshot.next_day_ns

    def update(self, ts_event: int, equity: float) -> Halt | None:
        next_day = self._next_day_ns
        if next_day is None or ts_event >= next_day:
            if next_day is not None:
                self._set_day_start(self._last)
            next_day = self._next_day_ns = (ts_event // DAY_NS + 1) * DAY_NS
        self._last = equity
        if equity > self.peak:
            self.peak = equity
            self._drawdown_floor = equity * (1.0 - self._max_drawdown)
        # cheap pre-check on precomputed floors; the exact ratio decides below
        if equity > self._drawdown_floor and equity > self._day_floor:
            return None
        drawdown = 1.0 - equity / self.peak
        if drawdown >= self._max_drawdown:
            return Halt(
                f"max_drawdown: drawdown {drawdown:.2%} reached the "
                f"{self._max_drawdown + LIMIT_TOLERANCE:.2%} limit; "
                "entries halted until an operator resumes",
                None,
            )
        daily_loss = 1.0 - equity / self._day_start
        if daily_loss >= self._max_daily_loss:
            until = next_day
            return Halt(
                f"max_daily_loss: loss today {daily_loss:.2%} reached the "
                f"{self._max_daily_loss + LIMIT_TOLERANCE:.2%} limit; entries halted until "
                f"{ns_to_datetime(until):%Y-%m-%dT%H:%MZ}",
                until,
            )
        return None
