"""Periodic backups while the system runs, off the trading loop.

A backup is due when the newest one in the catalogue is older than the interval (so a
restart does not take one if a recent one exists). It runs on a background thread — the
SQLite online backup copies pages while the engine keeps writing — and at most one runs at a
time; ``close()`` waits for a running one, so a clean stop never leaves half a backup.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ai_trader.adapters.backup import BackupManager
from ai_trader.core.errors import AiTraderError
from ai_trader.domain.bar import Bar

logger = logging.getLogger(__name__)


class BackupSchedule:
    """Call :meth:`on_bar` from the loop (cheap); it starts a backup when one is due."""

    def __init__(
        self,
        backups: BackupManager,
        interval_seconds: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds must be positive, got {interval_seconds}")
        self._backups = backups
        self._interval = interval_seconds
        self._monotonic = monotonic
        self._thread: threading.Thread | None = None
        self.failures = 0
        last = backups.stats().last_backup_time
        age = (wall() - last).total_seconds() if last is not None else None
        # monotonic time at which the next backup is due
        self._due = monotonic() + (0.0 if age is None else max(0.0, interval_seconds - age))

    def on_bar(self, bar: Bar) -> None:
        if self._monotonic() >= self._due:
            self.start("scheduled")

    def start(self, reason: str) -> bool:
        """Start a backup now unless one is running; False if one was."""
        if self._thread is not None and self._thread.is_alive():
            return False
        self._due = self._monotonic() + self._interval
        self._thread = threading.Thread(
            target=self._create, args=(reason,), name="backup", daemon=True
        )
        self._thread.start()
        return True

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def _create(self, reason: str) -> None:
        try:
            self._backups.create(reason)
        except (AiTraderError, OSError) as exc:
            self.failures += 1
            logger.error("backup failed: %s", exc)
