"""A ``limits`` storage whose time comes from an injected ``Clock``.

``limits.storage.MemoryStorage`` reads ``time.time()`` and expires entries on a wall-clock
timer thread, so it cannot follow a ``TestClock`` (a backtest, a test). This storage
implements the same moving-window contract (``MovingWindowSupport``: ``acquire_entry``,
``get_moving_window``) with the same semantics: an entry counts while
``entry_time >= now - expiry``. The strategy on top stays ``limits``'
``MovingWindowRateLimiter``. Only the moving window is supported; the fixed-window calls
raise ``NotImplementedError``.
"""

from __future__ import annotations

import bisect
import threading

from limits.storage import MovingWindowSupport, Storage

from ai_trader.core.clock import NANOS_PER_SECOND, Clock


class ClockMovingWindowStorage(Storage, MovingWindowSupport):
    """Moving-window log per key, newest entry first, timestamps in clock nanoseconds."""

    STORAGE_SCHEME = None  # not reachable by URI: built directly with its clock

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock
        self._events: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self._clock.timestamp_ns()
        with self._lock:
            events = self._prune(key, now, expiry)
            if len(events) + amount > limit:
                return False
            events[:0] = [now] * amount
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self._clock.timestamp_ns()
        with self._lock:
            events = self._prune(key, now, expiry)
            if not events:
                return now / NANOS_PER_SECOND, 0
            return events[-1] / NANOS_PER_SECOND, len(events)

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._events)
            self._events.clear()
        return count

    def check(self) -> bool:
        return True

    def _prune(self, key: str, now: int, expiry: int) -> list[int]:
        """Drop entries older than the window; entries are sorted newest first."""
        events = self._events.setdefault(key, [])
        oldest_kept = now - expiry * NANOS_PER_SECOND
        # bisect on the negated times: the first index whose entry is older than the window
        keep = bisect.bisect_right(events, -oldest_kept, key=lambda ts: -ts)
        del events[keep:]
        return events

    # -- fixed-window API: not used by the moving window --------------------------------

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        raise NotImplementedError("ClockMovingWindowStorage supports the moving window only")

    def get(self, key: str) -> int:
        raise NotImplementedError("ClockMovingWindowStorage supports the moving window only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("ClockMovingWindowStorage supports the moving window only")
