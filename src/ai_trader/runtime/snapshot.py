"""Incident snapshots (SPEC OPS-6): one ``.tgz`` with what an investigation needs.

``capture_snapshot`` writes ``snapshots/snapshot_<YYYYmmddTHHMMSSffffffZ>.tgz`` holding:

- ``config.json`` — the effective settings, secrets and URL passwords redacted;
- ``state.json`` — the runtime state (every key of the runbook, from Redis or the file);
- ``database/trading_bot.db`` — a consistent copy made with SQLite's online backup API
  (checked with ``integrity_check``), or for PostgreSQL ``database/<table>.jsonl`` read in
  one ``REPEATABLE READ`` transaction;
- ``logs/`` — the last ``log_tail_bytes`` of each log file;
- ``health.json``, ``status.json`` — as the service reports them (or why they are missing);
- ``incidents.json`` — the unresolved incidents; ``audit.json`` — the audit chain's head and
  verification; ``run/`` — the run's small result files (latest snapshots, SLO events tail);
- ``manifest.json`` — what is inside, each file's SHA-256, and what could not be captured.

The archive is built under a temporary name and renamed into place: a failure leaves no
half-written snapshot. Nothing here needs the data directory's lock, so the command works
next to a running service.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, text

from ai_trader import __version__
from ai_trader.adapters.backup.sqlite_copy import integrity_check, online_copy
from ai_trader.adapters.db import create_database_engine, resolve_database_url
from ai_trader.adapters.state import keys, open_state_store
from ai_trader.config.settings import Settings
from ai_trader.core.errors import AiTraderError
from ai_trader.observability.audit import AuditJournal
from ai_trader.runtime.storage import DATABASE_FILE, STATE_FILE

DEFAULT_DIRECTORY = Path("snapshots")
LOG_TAIL_BYTES = 2_000_000
RUN_FILE_LIMIT = 5_000_000


@dataclass(frozen=True, slots=True)
class SnapshotInputs:
    settings: Settings
    data_dir: Path = Path("data")
    logs_dir: Path = Path("logs")
    audit_dir: Path = Path("audit_logs")
    run_dir: Path | None = None
    health: Mapping[str, Any] | None = None
    status: Mapping[str, Any] | None = None
    incidents: Sequence[Mapping[str, Any]] = ()
    unavailable: Mapping[str, str] = field(default_factory=dict)
    """Parts the caller could not get, with why (e.g. ``health``: service not reachable)."""


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    path: Path
    files: dict[str, str]
    missing: dict[str, str]
    size_bytes: int


class _Archive:
    def __init__(self, stream: tarfile.TarFile, prefix: str) -> None:
        self._tar = stream
        self._prefix = prefix
        self.files: dict[str, str] = {}
        self.missing: dict[str, str] = {}

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{self._prefix}/{name}")
        info.size = len(data)
        info.mtime = int(datetime.now(UTC).timestamp())
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self.files[name] = hashlib.sha256(data).hexdigest()

    def add_json(self, name: str, value: Any) -> None:
        self.add_bytes(name, json.dumps(value, indent=2, default=_json_default).encode())

    def add_file(self, name: str, path: Path) -> None:
        self.add_bytes(name, path.read_bytes())

    def attempt(self, part: str, action: Callable[[], None]) -> None:
        """Capture one part; a part that fails is listed in the manifest, never fatal."""
        try:
            action()
        except (AiTraderError, OSError, sqlite3.Error, ValueError) as exc:
            self.missing[part] = f"{type(exc).__name__}: {exc}"


def capture_snapshot(
    inputs: SnapshotInputs, output_dir: Path = DEFAULT_DIRECTORY, *, now: datetime | None = None
) -> SnapshotResult:
    moment = now or datetime.now(UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%S%fZ")
    name = f"snapshot_{stamp}"
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"{name}.tgz"
    handle, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=output_dir)
    try:
        with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            archive = _Archive(tar, name)
            _fill(archive, inputs)
            missing = {**inputs.unavailable, **archive.missing}
            archive.add_json(
                "manifest.json",
                {
                    "created_at": moment.isoformat(timespec="microseconds"),
                    "version": __version__,
                    "files": dict(archive.files),
                    "missing": missing,
                },
            )
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return SnapshotResult(target, archive.files, missing, target.stat().st_size)


def _fill(archive: _Archive, inputs: SnapshotInputs) -> None:
    settings = inputs.settings
    archive.add_json("config.json", settings.redacted())
    archive.attempt("state", lambda: archive.add_json("state.json", _state(inputs)))
    archive.attempt("database", lambda: _database(archive, inputs))
    archive.attempt("logs", lambda: _logs(archive, inputs.logs_dir))
    for part, value in (("health", inputs.health), ("status", inputs.status)):
        if value is not None:
            archive.add_json(f"{part}.json", value)
    archive.add_json("incidents.json", list(inputs.incidents))
    archive.attempt("audit", lambda: archive.add_json("audit.json", _audit(inputs.audit_dir)))
    if inputs.run_dir is not None:
        run_dir = inputs.run_dir
        archive.attempt("run", lambda: _run_files(archive, run_dir))


def _state(inputs: SnapshotInputs) -> dict[str, Any]:
    state_file = inputs.data_dir / STATE_FILE
    redis_url = inputs.settings.redis_url
    if redis_url is None and not state_file.exists():
        return {"source": str(state_file), "keys": {}, "note": "no state file yet"}
    store = open_state_store(redis_url, state_file)
    values: dict[str, Any] = {}
    for key in keys.ALL_KEYS:
        if key == keys.RISK_STATS:
            values[key] = dict(store.get_hash(key))
        else:
            values[key] = store.get(key)
    source = "redis" if redis_url else str(state_file)
    return {"source": source, "keys": values}


def _database(archive: _Archive, inputs: SnapshotInputs) -> None:
    url = inputs.settings.database_url
    resolved = resolve_database_url(url, inputs.data_dir / DATABASE_FILE)
    if resolved.get_backend_name() == "sqlite":
        path = Path(resolved.database or "")
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}")
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / DATABASE_FILE
            online_copy(path, copy)
            check = integrity_check(copy)
            if check != "ok":
                raise ValueError(f"the database copy failed integrity_check: {check}")
            archive.add_file(f"database/{DATABASE_FILE}", copy)
        return
    _dump_tables(archive, resolved.render_as_string(hide_password=False), inputs.data_dir)


def _dump_tables(archive: _Archive, url: str, data_dir: Path) -> None:
    """Every table as JSON lines, read in one repeatable-read transaction (consistent)."""
    engine = create_database_engine(url, data_dir / DATABASE_FILE)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.execute(text("SELECT 1"))  # the snapshot the transaction reads starts here
            for table in metadata.sorted_tables:
                rows = conn.execute(table.select()).mappings()
                lines = [json.dumps(dict(row), default=_json_default) for row in rows]
                archive.add_bytes(f"database/{table.name}.jsonl", "\n".join(lines).encode())
    finally:
        engine.dispose()


def _logs(archive: _Archive, logs_dir: Path) -> None:
    if not logs_dir.is_dir():
        raise FileNotFoundError(f"no log directory {logs_dir}")
    for path in sorted(logs_dir.rglob("*.log")):
        archive.add_bytes(f"logs/{path.relative_to(logs_dir)}", _tail(path, LOG_TAIL_BYTES))


def _audit(directory: Path) -> dict[str, Any]:
    journal = AuditJournal(directory)
    verification = journal.verify()
    head = journal.head()
    return {
        "directory": str(directory),
        "ok": verification.ok,
        "records": verification.records,
        "first_bad_seq": verification.first_bad_seq,
        "problem": verification.problem,
        "head": {"seq": head.seq, "hash": head.hash} if head else None,
    }


def _run_files(archive: _Archive, run_dir: Path) -> None:
    if not run_dir.is_dir():
        return
    for path in sorted(run_dir.iterdir()):
        if path.is_file() and path.suffix in {".json", ".jsonl"}:
            archive.add_bytes(f"run/{path.name}", _tail(path, RUN_FILE_LIMIT))


def _tail(path: Path, limit: int) -> bytes:
    with path.open("rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - limit))
        data = stream.read()
    if size > limit:  # start at a whole line
        data = data[data.find(b"\n") + 1 :]
    return data


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a snapshot archive (for checks and tests)."""
    with closing(tarfile.open(path, "r:gz")) as tar:
        for member in tar.getmembers():
            if member.name.endswith("/manifest.json"):
                stream = tar.extractfile(member)
                if stream is not None:
                    loaded: dict[str, Any] = json.loads(stream.read())
                    return loaded
    raise ValueError(f"{path} holds no manifest.json")
