"""``ai-trader backup create|list|restore|verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.adapters.backup import BackupManager, BackupRecord

DEFAULT_DATABASE = Path("data/trading_bot.db")
DEFAULT_BACKUP_DIR = Path("data/backups")
DEFAULT_STATE_FILE = Path("data/bot_state.json")

DatabaseOption = Annotated[Path, typer.Option(help="the SQLite database")]
BackupDirOption = Annotated[Path, typer.Option(help="where backups are kept")]
StateFileOption = Annotated[Path, typer.Option(help="the runtime state file")]
KeepOption = Annotated[int, typer.Option(help="backups to keep (oldest removed first)")]
BackupIdArgument = Annotated[str | None, typer.Argument(help="backup id (default: newest)")]

app = typer.Typer(help="Versioned backups of the database and the runtime state.")


def _manager(database: Path, backup_dir: Path, state_file: Path, keep: int) -> BackupManager:
    return BackupManager(database, backup_dir, state_path=state_file, keep=keep)


@app.command("create")
def create(
    reason: Annotated[str, typer.Option(help="why this backup was taken")] = "manual",
    database: DatabaseOption = DEFAULT_DATABASE,
    backup_dir: BackupDirOption = DEFAULT_BACKUP_DIR,
    state_file: StateFileOption = DEFAULT_STATE_FILE,
    keep: KeepOption = 10,
) -> None:
    """Take a consistent online backup, check its integrity, rotate old ones."""
    record = _manager(database, backup_dir, state_file, keep).create(reason)
    Console().print(f"created {record.backup_id} ({record.database_bytes:,} bytes, integrity ok)")


@app.command("list")
def list_backups(
    database: DatabaseOption = DEFAULT_DATABASE,
    backup_dir: BackupDirOption = DEFAULT_BACKUP_DIR,
    state_file: StateFileOption = DEFAULT_STATE_FILE,
    keep: KeepOption = 10,
) -> None:
    """List backups, newest first."""
    records = _manager(database, backup_dir, state_file, keep).list_backups()
    table = Table(title=f"backups in {backup_dir}", title_justify="left")
    for column in ("backup", "created (UTC)", "reason", "bytes", "rows", "state"):
        table.add_column(column)
    for record in records:
        table.add_row(*_row(record))
    Console().print(table)


@app.command("verify")
def verify(
    backup_id: BackupIdArgument = None,
    database: DatabaseOption = DEFAULT_DATABASE,
    backup_dir: BackupDirOption = DEFAULT_BACKUP_DIR,
    state_file: StateFileOption = DEFAULT_STATE_FILE,
    keep: KeepOption = 10,
) -> None:
    """Check a backup's checksums and integrity; exit 1 with the reason if it is bad."""
    record = _manager(database, backup_dir, state_file, keep).verify(backup_id)
    Console().print(f"{record.backup_id}: checksums match, integrity ok")


@app.command("restore")
def restore(
    backup_id: BackupIdArgument = None,
    database: DatabaseOption = DEFAULT_DATABASE,
    backup_dir: BackupDirOption = DEFAULT_BACKUP_DIR,
    state_file: StateFileOption = DEFAULT_STATE_FILE,
    keep: KeepOption = 10,
) -> None:
    """Restore a verified backup over the live database and state file (stop the
    service first). The live database is backed up before it is overwritten."""
    record = _manager(database, backup_dir, state_file, keep).restore_backup(backup_id)
    Console().print(f"restored {record.backup_id}; integrity ok")


def _row(record: BackupRecord) -> tuple[str, ...]:
    return (
        record.backup_id,
        record.created.strftime("%Y-%m-%d %H:%M:%S"),
        record.reason,
        f"{record.database_bytes:,}",
        f"{sum(record.row_counts.values()):,}",
        "yes" if record.state_file else "no",
    )
