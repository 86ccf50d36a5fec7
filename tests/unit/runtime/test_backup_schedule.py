"""Backups while running: due when the newest is older than the interval, taken off the
loop, one at a time; a failure is counted and logged, trading goes on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ai_trader.adapters.backup import BackupManager
from ai_trader.domain.bar import Bar
from ai_trader.runtime.backup_schedule import BackupSchedule

BAR = Bar.create("SYN/USD", 1, 1.0, 1.0, 1.0, 1.0, 1.0)


class Ticks:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def manager(tmp_path: Path) -> BackupManager:
    database = tmp_path / "trading_bot.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
        connection.execute("INSERT INTO t VALUES (1)")
    return BackupManager(database, tmp_path / "backups", keep=5)


def test_schedule_when_no_backup_yet_then_first_bar_takes_one(manager: BackupManager) -> None:
    ticks = Ticks()
    schedule = BackupSchedule(manager, 3600, monotonic=ticks)

    schedule.on_bar(BAR)
    schedule.close()

    assert manager.stats().count == 1
    assert manager.list_backups()[0].reason == "scheduled"


def test_schedule_when_recent_backup_exists_then_waits_for_the_rest_of_the_interval(
    manager: BackupManager,
) -> None:
    manager.create("manual")
    newest = manager.stats().last_backup_time
    assert newest is not None
    ticks = Ticks()
    schedule = BackupSchedule(
        manager, 3600, monotonic=ticks, wall=lambda: newest + timedelta(minutes=50)
    )

    schedule.on_bar(BAR)
    ticks.now += 9 * 60
    schedule.on_bar(BAR)
    schedule.close()
    assert manager.stats().count == 1

    ticks.now += 61
    schedule.on_bar(BAR)
    schedule.close()
    assert manager.stats().count == 2


def test_schedule_when_backup_fails_then_counted_and_loop_unaffected(tmp_path: Path) -> None:
    missing = BackupManager(tmp_path / "absent.db", tmp_path / "backups")
    schedule = BackupSchedule(missing, 60, monotonic=Ticks(), wall=lambda: datetime.now(UTC))

    schedule.on_bar(BAR)
    schedule.close()

    assert schedule.failures == 1


def test_schedule_when_interval_not_positive_then_refused(manager: BackupManager) -> None:
    with pytest.raises(ValueError, match="interval_seconds must be positive"):
        BackupSchedule(manager, 0)
