"""Clocks. The engine never reads the wall clock directly: it is handed a ``Clock``.

Time is kept as integer nanoseconds since the Unix epoch (UTC) on hot paths and exposed
as timezone-aware ``datetime`` objects at the edges.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

NANOS_PER_SECOND = 1_000_000_000


def ns_to_datetime(ts_ns: int) -> datetime:
    """Convert epoch nanoseconds to an aware UTC datetime (microsecond precision)."""
    seconds, nanos = divmod(ts_ns, NANOS_PER_SECOND)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000)


def datetime_to_ns(moment: datetime) -> int:
    """Convert an aware datetime to epoch nanoseconds; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: timestamps must be timezone-aware (UTC)")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NANOS_PER_SECOND + delta.microseconds * 1000


class Clock(ABC):
    """Source of the current time for everything inside the engine."""

    @abstractmethod
    def timestamp_ns(self) -> int:
        """Current time in epoch nanoseconds (UTC)."""

    def utc_now(self) -> datetime:
        return ns_to_datetime(self.timestamp_ns())


class TestClock(Clock):
    """A clock that only moves when told to: backtests and tests drive it bar by bar."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns

    def timestamp_ns(self) -> int:
        return self._now_ns

    def set_time(self, ts_ns: int) -> None:
        if ts_ns < self._now_ns:
            raise ValueError(f"TestClock cannot move backwards: {ts_ns} < {self._now_ns}")
        self._now_ns = ts_ns

    def advance(self, nanos: int) -> None:
        self.set_time(self._now_ns + nanos)


class LiveClock(Clock):
    """The wall clock, for paper and live trading."""

    def timestamp_ns(self) -> int:
        return time.time_ns()

    def sleep_until(self, ts_ns: int) -> None:
        remaining = (ts_ns - self.timestamp_ns()) / NANOS_PER_SECOND
        if remaining > 0:
            time.sleep(remaining)
