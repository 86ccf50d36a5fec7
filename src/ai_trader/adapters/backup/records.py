"""What the backup catalogue (``backup_metadata.json``) says about each backup."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from ai_trader.core.errors import DataError
from ai_trader.core.files import write_atomically

METADATA_FILE = "backup_metadata.json"


@dataclass(frozen=True, slots=True)
class BackupRecord:
    backup_id: str
    created_at: str  # ISO-8601 UTC, microseconds
    reason: str
    database_file: str  # relative to the backup directory
    database_sha256: str
    database_bytes: int
    state_file: str | None
    state_sha256: str | None
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


@dataclass(frozen=True, slots=True)
class BackupStats:
    """For metrics: ``backup_count`` and ``last_backup_time``."""

    count: int
    last_backup_time: datetime | None


def load_catalogue(directory: Path) -> list[BackupRecord]:
    path = directory / METADATA_FILE
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [BackupRecord(**item) for item in raw["backups"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: unreadable backup catalogue ({exc})") from None


def save_catalogue(directory: Path, records: list[BackupRecord]) -> None:
    """Write the catalogue atomically (temporary file, fsync, rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {"backups": [asdict(record) for record in records]}
    write_atomically(directory / METADATA_FILE, json.dumps(document, indent=2).encode())
