"""Versioned backups of the SQLite database and the runtime state file (STO-3)."""

from ai_trader.adapters.backup.manager import BackupManager
from ai_trader.adapters.backup.records import BackupRecord, BackupStats

__all__ = ["BackupManager", "BackupRecord", "BackupStats"]
