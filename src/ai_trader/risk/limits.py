"""Loss limits that halt new entries: max daily loss and max drawdown."""

from __future__ import annotations

from dataclasses import dataclass

from ai_trader.core.clock import ns_to_datetime
from ai_trader.risk.config import RiskConfig

DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class Halt:
    reason: str
    until_ns: int | None  # None: until an operator resumes


class LossLimits:
    """Fed the equity after every bar; says when a limit is hit and when a halt expires.

    The day's reference is the equity at the close of the previous UTC day's last bar
    (the starting cash on the first day).
    """

    __slots__ = ("_day", "_day_start", "_last", "_max_daily_loss", "_max_drawdown", "peak")

    def __init__(self, config: RiskConfig, starting_equity: float) -> None:
        self._max_daily_loss = config.max_daily_loss
        self._max_drawdown = config.max_drawdown
        self._day = -1
        self._day_start = starting_equity
        self._last = starting_equity
        self.peak = starting_equity

    def update(self, ts_event: int, equity: float) -> Halt | None:
        day = ts_event // DAY_NS
        if day != self._day:
            if self._day != -1:
                self._day_start = self._last
            self._day = day
        self._last = equity
        if equity > self.peak:
            self.peak = equity
            return None
        drawdown = 1.0 - equity / self.peak
        if drawdown >= self._max_drawdown:
            return Halt(
                f"max_drawdown: drawdown {drawdown:.2%} reached the "
                f"{self._max_drawdown:.2%} limit; entries halted until an operator resumes",
                None,
            )
        daily_loss = 1.0 - equity / self._day_start
        if daily_loss >= self._max_daily_loss:
            until = (day + 1) * DAY_NS
            return Halt(
                f"max_daily_loss: loss today {daily_loss:.2%} reached the "
                f"{self._max_daily_loss:.2%} limit; entries halted until "
                f"{ns_to_datetime(until):%Y-%m-%dT%H:%MZ}",
                until,
            )
        return None
