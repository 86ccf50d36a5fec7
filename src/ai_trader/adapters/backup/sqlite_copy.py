"""Consistent copies of a live SQLite database with SQLite's online backup API.

A plain file copy of a database in WAL mode can miss committed pages still in the
``-wal`` file, or catch a page mid-write; the backup API copies a consistent snapshot
while writers go on.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

from ai_trader.core.errors import DataError

BUSY_TIMEOUT_MS = 30_000


def online_copy(source: Path, target: Path) -> None:
    """Copy the database at ``source`` into a new file ``target``."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.backup(dst)
        dst.commit()


def restore_into(backup: Path, live: Path) -> None:
    """Overwrite the live database's content with the backup's, through SQLite (so the
    live file's WAL and locks are respected)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(live, timeout=30)) as dst,
    ):
        dst.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.backup(dst)
        dst.commit()


def integrity_check(path: Path) -> str:
    """``PRAGMA integrity_check`` of the file: "ok" or SQLite's first complaint."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return str(row[0]) if row else "no answer"


def row_counts(path: Path) -> dict[str, int]:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return {
                table: int(connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
                for table in tables
            }
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{path}: not a readable SQLite database ({exc})") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
