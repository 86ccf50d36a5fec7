"""``BackupManager``: create, list, verify, restore and rotate backups.

Layout::

    data/backups/
        backup_metadata.json             the catalogue, newest last
        backup_20261121T040500123456Z/
            trading_bot.db               consistent online copy
            bot_state.json               runtime state at that moment (if any)

Every backup is checked with ``PRAGMA integrity_check`` when taken and before it is
restored; the live database is checked again after a restore. A backup whose files no
longer match their recorded SHA-256 is refused.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ai_trader.adapters.backup import sqlite_copy
from ai_trader.adapters.backup.records import (
    BackupRecord,
    BackupStats,
    load_catalogue,
    save_catalogue,
)
from ai_trader.core.clock import Clock, LiveClock
from ai_trader.core.errors import ConfigurationError, DataError, InvariantViolation
from ai_trader.core.files import write_atomically

logger = logging.getLogger(__name__)


class BackupManager:
    def __init__(
        self,
        database_path: Path,
        backup_dir: Path,
        state_path: Path | None = None,
        keep: int = 10,
        clock: Clock | None = None,
    ) -> None:
        if keep < 1:
            raise ConfigurationError(f"keep must be at least 1 backup, got {keep}")
        self.database_path = database_path
        self.backup_dir = backup_dir
        self.state_path = state_path
        self.keep = keep
        self._clock = clock or LiveClock()

    # -- create -------------------------------------------------------------------------

    def create(self, reason: str = "manual", *, rotate: bool = True) -> BackupRecord:
        """Take a consistent backup of the live database (and state file), check it,
        record it in the catalogue, then (with ``rotate``) drop the oldest beyond ``keep``."""
        if not self.database_path.exists():
            raise ConfigurationError(f"no database to back up at {self.database_path}")
        moment = self._clock.utc_now()
        backup_id = base_id = f"backup_{moment:%Y%m%dT%H%M%S%fZ}"
        suffix = 1
        while (self.backup_dir / backup_id).exists():  # two backups in one microsecond
            suffix += 1
            backup_id = f"{base_id}-{suffix}"
        folder = self.backup_dir / backup_id
        staging = self.backup_dir / f".{backup_id}.partial"
        staging.mkdir(parents=True, exist_ok=False)
        try:
            record = self._fill(staging, backup_id, moment.isoformat(), reason)
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        records = [*load_catalogue(self.backup_dir), record]
        save_catalogue(self.backup_dir, records)
        if rotate:
            self._rotate(records)
        logger.info("backup %s created (%d bytes)", backup_id, record.database_bytes)
        return record

    def _fill(self, staging: Path, backup_id: str, created_at: str, reason: str) -> BackupRecord:
        database = staging / self.database_path.name
        sqlite_copy.online_copy(self.database_path, database)
        verdict = sqlite_copy.integrity_check(database)
        if verdict != "ok":
            raise InvariantViolation(f"fresh backup failed integrity_check: {verdict}")
        state_name = state_sha = None
        if self.state_path is not None and self.state_path.exists():
            state = staging / self.state_path.name
            write_atomically(state, self.state_path.read_bytes())
            state_name, state_sha = f"{backup_id}/{state.name}", sqlite_copy.sha256_of(state)
        return BackupRecord(
            backup_id=backup_id,
            created_at=created_at,
            reason=reason,
            database_file=f"{backup_id}/{database.name}",
            database_sha256=sqlite_copy.sha256_of(database),
            database_bytes=database.stat().st_size,
            state_file=state_name,
            state_sha256=state_sha,
            row_counts=sqlite_copy.row_counts(database),
        )

    def _rotate(self, records: list[BackupRecord]) -> None:
        excess = len(records) - self.keep
        if excess <= 0:
            return
        for record in records[:excess]:
            shutil.rmtree(self.backup_dir / record.backup_id, ignore_errors=True)
            logger.info("backup %s rotated out (keep %d)", record.backup_id, self.keep)
        save_catalogue(self.backup_dir, records[excess:])

    # -- inspect ------------------------------------------------------------------------

    def list_backups(self) -> list[BackupRecord]:
        """Newest first."""
        return list(reversed(load_catalogue(self.backup_dir)))

    def stats(self) -> BackupStats:
        records = load_catalogue(self.backup_dir)
        return BackupStats(len(records), records[-1].created if records else None)

    def verify(self, backup_id: str | None = None) -> BackupRecord:
        """Check a backup (the newest by default); raise ``DataError`` saying what is wrong."""
        record = self._find(backup_id)
        database = self.backup_dir / record.database_file
        if not database.exists():
            raise DataError(f"backup {record.backup_id}: database file is missing")
        if sqlite_copy.sha256_of(database) != record.database_sha256:
            raise DataError(f"backup {record.backup_id}: database file changed since the backup")
        verdict = sqlite_copy.integrity_check(database)
        if verdict != "ok":
            raise DataError(f"backup {record.backup_id}: integrity_check failed: {verdict}")
        if record.state_file is not None:
            state = self.backup_dir / record.state_file
            if not state.exists() or sqlite_copy.sha256_of(state) != record.state_sha256:
                raise DataError(f"backup {record.backup_id}: state file missing or changed")
        return record

    # -- restore ------------------------------------------------------------------------

    def restore_backup(self, backup_id: str | None = None) -> BackupRecord:
        """Verify, then restore the database (and state file) of a backup over the live
        ones. A safety backup of the live database is taken first when it exists."""
        record = self.verify(backup_id)
        if self.database_path.exists():
            self._safety_copy(record.backup_id)
        sqlite_copy.restore_into(self.backup_dir / record.database_file, self.database_path)
        verdict = sqlite_copy.integrity_check(self.database_path)
        if verdict != "ok":
            raise InvariantViolation(f"database after restore failed integrity_check: {verdict}")
        if record.state_file is not None and self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.state_path, (self.backup_dir / record.state_file).read_bytes())
        logger.warning("restored backup %s over %s", record.backup_id, self.database_path)
        return record

    def auto_restore_latest(self) -> BackupRecord | None:
        """Restore the newest backup that passes verification; None if there is none."""
        for record in self.list_backups():
            try:
                return self.restore_backup(record.backup_id)
            except DataError as exc:
                logger.error("skipping backup %s: %s", record.backup_id, exc)
        return None

    def _safety_copy(self, restoring: str) -> None:
        # not rotated: rotation could remove the very backup about to be restored
        self.create(reason=f"before restoring {restoring}", rotate=False)

    def _find(self, backup_id: str | None) -> BackupRecord:
        records = self.list_backups()
        if not records:
            raise ConfigurationError(f"no backups in {self.backup_dir}")
        if backup_id is None:
            return records[0]
        for record in records:
            if record.backup_id == backup_id:
                return record
        known = ", ".join(r.backup_id for r in records[:5])
        raise ConfigurationError(f"unknown backup {backup_id!r} (newest: {known})")
