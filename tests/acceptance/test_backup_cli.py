"""``ai-trader backup`` as an operator runs it, on a real SQLite database in WAL mode."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance


@pytest.fixture
def live_database(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    with closing(sqlite3.connect(data / "trading_bot.db")) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, timestamp TEXT)")
        db.executemany("INSERT INTO trades (timestamp) VALUES (?)", [("t",)] * 25)
        db.commit()
    (data / "bot_state.json").write_text('{"mode": "paper"}')
    return data / "trading_bot.db"


def test_create_list_verify_restore_with_default_paths(
    run_cli: RunCli, live_database: Path
) -> None:
    created = run_cli("backup", "create", "--reason", "acceptance")
    assert created.returncode == 0, created.stderr
    catalogue = json.loads((live_database.parent / "backups" / "backup_metadata.json").read_text())
    backup_id = catalogue["backups"][0]["backup_id"]

    listed = run_cli("backup", "list")
    assert "acceptance" in listed.stdout

    assert run_cli("backup", "verify").returncode == 0
    with closing(sqlite3.connect(live_database)) as db:
        db.execute("DELETE FROM trades")
        db.commit()
    restored = run_cli("backup", "restore", backup_id)
    assert restored.returncode == 0, restored.stderr
    with closing(sqlite3.connect(live_database)) as db:
        assert db.execute("SELECT COUNT(*) FROM trades").fetchone()[0] == 25


def test_a_corrupt_backup_is_refused_with_one_line(run_cli: RunCli, live_database: Path) -> None:
    assert run_cli("backup", "create").returncode == 0
    backups = live_database.parent / "backups"
    database_copy = next(backups.glob("backup_*/trading_bot.db"))
    database_copy.write_bytes(b"this is not a database")

    result = run_cli("backup", "restore")

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: backup ")
    assert "changed since the backup" in lines[0]


def test_backup_without_a_database_is_a_one_line_error(run_cli: RunCli) -> None:
    result = run_cli("backup", "create")

    assert result.returncode == 1
    assert result.stderr.strip() == "error: no database to back up at data/trading_bot.db"
