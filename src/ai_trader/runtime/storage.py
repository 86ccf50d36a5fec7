"""Where a running system keeps what must outlive it (SPEC STO-1..3), opened in one call.

``open_storage(StorageConfig(...))`` on start:

1. connects to the database (``database_url``, else SQLite at ``<data_dir>/trading_bot.db``)
   and migrates it to the newest revision — an unknown scheme or an unreachable server is a
   one-line ``ConfigurationError``;
2. opens the runtime state: Redis at ``redis_url``, else ``<data_dir>/bot_state.json``. A
   corrupt state file is moved aside to ``bot_state.json.corrupt`` and the state is taken
   from the newest verified backup that holds one (empty if there is none); what happened
   is in :attr:`Storage.state_recovery` for the caller to report;
3. prepares the ``BackupManager`` over ``<data_dir>/backups`` (SQLite only: a PostgreSQL
   database is backed up with the server's own tools, see docs/operations/backups.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from ai_trader.adapters.backup import BackupManager
from ai_trader.adapters.db import (
    Repositories,
    SqlJournal,
    create_database_engine,
    mask_url,
    upgrade_database,
)
from ai_trader.adapters.state import FileStateStore, RuntimeState, open_state_store
from ai_trader.core.errors import AiTraderError, ConfigurationError

logger = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-migration INFO is noise here

DATABASE_FILE = "trading_bot.db"
STATE_FILE = "bot_state.json"
BACKUP_DIR = "backups"
PAPER_VENUE_FILE = "paper_venue.db"


class StorageConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Path("data")
    database_url: str | None = Field(None, description="default: SQLite in data_dir")
    redis_url: str | None = Field(None, description="default: the JSON state file")
    backup_keep: int = Field(10, ge=1, le=10_000)
    backup_interval_seconds: float = Field(
        3600.0, ge=0.0, description="periodic backups while running; 0 turns them off"
    )

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / BACKUP_DIR

    @property
    def paper_venue_path(self) -> Path:
        return self.data_dir / PAPER_VENUE_FILE


@dataclass(frozen=True, slots=True)
class StateRecovery:
    """A corrupt state file found on start, and where the state came from instead."""

    corrupt_file: Path
    backup_id: str | None  # None: no usable backup held a state file; started empty

    def describe(self) -> str:
        source = f"backup {self.backup_id}" if self.backup_id else "empty (no usable backup)"
        return f"state file was corrupt: kept as {self.corrupt_file}, restored from {source}"


@dataclass(slots=True)
class Storage:
    config: StorageConfig
    database: Engine
    journal: SqlJournal
    repositories: Repositories
    state: RuntimeState
    backups: BackupManager | None
    state_recovery: StateRecovery | None = None
    lock: DataDirectoryLock | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def database_label(self) -> str:
        return mask_url(self.database.url)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.database.dispose()
            if self.lock is not None:
                self.lock.release()


def open_storage(config: StorageConfig) -> Storage:
    """Connect, migrate and open everything; see the module docstring."""
    lock = DataDirectoryLock.acquire(config.data_dir)
    try:
        return _open(config, lock)
    except BaseException:
        lock.release()
        raise


def _open(config: StorageConfig, lock: DataDirectoryLock) -> Storage:
    database = create_database_engine(config.database_url, config.database_path)
    try:
        revision = upgrade_database(database)
        logger.info("database %s at revision %s", mask_url(database.url), revision)
        sqlite = database.url.get_backend_name() == "sqlite"
        backups = (
            BackupManager(
                Path(database.url.database or config.database_path),
                config.backup_dir,
                state_path=None if (config.redis_url or "").strip() else config.state_path,
                keep=config.backup_keep,
            )
            if sqlite
            else None
        )
        restorer = _StateFromBackup(backups)
        redis_url = (config.redis_url or "").strip()
        store = (
            open_state_store(redis_url, config.state_path)
            if redis_url
            else FileStateStore(config.state_path, on_corrupt=restorer)
        )
        recovery = None
        if isinstance(store, FileStateStore) and store.recovered_from_corruption is not None:
            recovery = StateRecovery(store.recovered_from_corruption, restorer.used_backup)
            logger.warning("%s", recovery.describe())
        return Storage(
            config=config,
            database=database,
            journal=SqlJournal(database),
            repositories=Repositories.for_engine(database),
            state=RuntimeState(store),
            backups=backups,
            state_recovery=recovery,
            lock=lock,
        )
    except BaseException:
        database.dispose()
        raise


LOCK_FILE = "ai-trader.lock"


class DataDirectoryLock:
    """One process per data directory: two writers on one journal and one venue ledger
    would each reconcile against state the other is changing. An advisory ``flock`` on
    ``<data_dir>/ai-trader.lock``, released by the kernel when the process dies (so a
    crash never leaves a stale lock behind)."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, data_dir: Path) -> DataDirectoryLock:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / LOCK_FILE
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "?"
            os.close(descriptor)
            raise ConfigurationError(
                f"{data_dir} is in use by another ai-trader process (pid {holder}); stop it "
                "or use another --data-dir"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        return cls(path, descriptor)

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the flock
            self._descriptor = None


class _StateFromBackup:
    """``FileStateStore``'s ``on_corrupt``: the state file of the newest good backup."""

    def __init__(self, backups: BackupManager | None) -> None:
        self._backups = backups
        self.used_backup: str | None = None

    def __call__(self, corrupt_file: Path) -> Mapping[str, object]:
        if self._backups is None:
            return {}
        for record in self._backups.list_backups():
            if record.state_file is None:
                continue
            try:
                self._backups.verify(record.backup_id)
                document = json.loads(
                    (self._backups.backup_dir / record.state_file).read_text("utf-8")
                )
            except (AiTraderError, OSError, ValueError) as exc:
                logger.error("backup %s cannot restore the state: %s", record.backup_id, exc)
                continue
            if isinstance(document, dict):
                self.used_backup = record.backup_id
                return document
        return {}
