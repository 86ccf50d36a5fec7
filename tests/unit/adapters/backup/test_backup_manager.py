"""BackupManager against real SQLite files in WAL mode."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from ai_trader.adapters.backup import BackupManager
from ai_trader.adapters.backup.records import METADATA_FILE
from ai_trader.core.clock import TestClock
from ai_trader.core.errors import ConfigurationError, DataError

SECOND = 1_000_000_000
START = 1_763_700_000 * SECOND


def make_database(path: Path, rows: int = 10) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, timestamp TEXT, pnl REAL)")
        db.executemany(
            "INSERT INTO trades (timestamp, pnl) VALUES (?, ?)", [("t", i) for i in range(rows)]
        )
        db.commit()


def count_rows(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM trades").fetchone()[0])


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def manager(tmp_path: Path, clock: TestClock) -> BackupManager:
    make_database(tmp_path / "trading_bot.db")
    (tmp_path / "bot_state.json").write_text('{"mode": "paper"}')
    return BackupManager(
        tmp_path / "trading_bot.db",
        tmp_path / "backups",
        state_path=tmp_path / "bot_state.json",
        keep=3,
        clock=clock,
    )


def test_create_records_the_backup_in_the_catalogue_with_row_counts(
    manager: BackupManager,
) -> None:
    record = manager.create("nightly")

    catalogue = json.loads((manager.backup_dir / METADATA_FILE).read_text())
    assert [b["backup_id"] for b in catalogue["backups"]] == [record.backup_id]
    assert record.row_counts == {"trades": 10}
    assert record.reason == "nightly"
    assert (manager.backup_dir / record.database_file).exists()
    assert (manager.backup_dir / str(record.state_file)).read_text() == '{"mode": "paper"}'


def test_rotation_keeps_the_newest_backups(manager: BackupManager, clock: TestClock) -> None:
    ids = []
    for _ in range(5):
        ids.append(manager.create().backup_id)
        clock.advance(SECOND)

    assert [r.backup_id for r in manager.list_backups()] == ids[:1:-1]
    assert not (manager.backup_dir / ids[0]).exists()
    assert manager.stats().count == 3


def test_restore_brings_back_the_rows_and_the_state_file(
    manager: BackupManager, clock: TestClock
) -> None:
    record = manager.create()
    clock.advance(SECOND)
    with closing(sqlite3.connect(manager.database_path)) as db:
        db.execute("DELETE FROM trades")
        db.commit()
    assert manager.state_path is not None
    manager.state_path.write_text('{"mode": "halt"}')

    manager.restore_backup(record.backup_id)

    assert count_rows(manager.database_path) == 10
    assert manager.state_path.read_text() == '{"mode": "paper"}'


def test_restore_takes_a_safety_backup_of_the_live_database_first(
    manager: BackupManager, clock: TestClock
) -> None:
    record = manager.create()
    clock.advance(SECOND)

    manager.restore_backup(record.backup_id)

    reasons = [r.reason for r in manager.list_backups()]
    assert reasons[0] == f"before restoring {record.backup_id}"


def test_a_tampered_backup_is_refused_with_the_reason(manager: BackupManager) -> None:
    record = manager.create()
    with (manager.backup_dir / record.database_file).open("r+b") as stream:
        stream.seek(200)
        stream.write(b"garbage")

    with pytest.raises(DataError, match="changed since the backup"):
        manager.verify(record.backup_id)
    with pytest.raises(DataError, match="changed since the backup"):
        manager.restore_backup(record.backup_id)
    assert count_rows(manager.database_path) == 10


def test_auto_restore_latest_skips_a_corrupt_newest_backup(
    manager: BackupManager, clock: TestClock
) -> None:
    good = manager.create()
    clock.advance(SECOND)
    bad = manager.create()
    (manager.backup_dir / bad.database_file).write_bytes(b"not a database")

    restored = manager.auto_restore_latest()

    assert restored is not None
    assert restored.backup_id == good.backup_id


def test_unknown_backup_id_names_the_newest_ones(manager: BackupManager) -> None:
    record = manager.create()

    with pytest.raises(ConfigurationError, match=record.backup_id):
        manager.verify("backup_nope")


def test_create_without_a_database_is_a_clear_error(tmp_path: Path) -> None:
    manager = BackupManager(tmp_path / "missing.db", tmp_path / "backups")

    with pytest.raises(ConfigurationError, match="no database to back up"):
        manager.create()


def test_stats_report_count_and_last_backup_time(manager: BackupManager, clock: TestClock) -> None:
    assert manager.stats().count == 0
    record = manager.create()

    stats = manager.stats()

    assert (stats.count, stats.last_backup_time) == (1, record.created)
    assert stats.last_backup_time is not None
    assert stats.last_backup_time.tzinfo is not None


def test_backup_under_concurrent_writes_is_consistent_and_restorable(
    manager: BackupManager, clock: TestClock
) -> None:
    stop = threading.Event()
    written = [10]

    def writer() -> None:
        with closing(sqlite3.connect(manager.database_path, timeout=30)) as db:
            db.execute("PRAGMA busy_timeout = 30000")
            while not stop.is_set():
                db.execute("INSERT INTO trades (timestamp, pnl) VALUES ('w', 1.0)")
                db.commit()
                written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    records = []
    try:
        for _ in range(3):
            records.append(manager.create("under load"))
            clock.advance(SECOND)
    finally:
        stop.set()
        thread.join()

    counts = [r.row_counts["trades"] for r in records]
    assert counts == sorted(counts)
    assert counts[0] >= 10
    assert counts[-1] <= written[0]
    for record in records:
        manager.verify(record.backup_id)
    manager.restore_backup(records[1].backup_id)
    assert count_rows(manager.database_path) == records[1].row_counts["trades"]
