"""The audit journal (SPEC OPS-5): an append-only, hash-chained JSON-lines file.

Each line of ``audit.jsonl`` is one record; ``hash`` is the SHA-256 of the record's canonical
JSON without ``hash``, and ``prev_hash`` is the previous record's ``hash`` (``"0" * 64`` for
the first). Records are never updated in place. After every append the chain head
(``{"seq": n, "hash": h}``) is replaced atomically in ``chain_head.json``, so a truncated
journal is detected, and a copy of the head kept elsewhere detects a full, consistent rewrite.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ai_trader.core.clock import Clock, LiveClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.files import write_atomically

DEFAULT_DIRECTORY = Path("audit_logs")
JOURNAL_FILE = "audit.jsonl"
HEAD_FILE = "chain_head.json"
GENESIS_HASH = "0" * 64
ACTIONS = frozenset(
    {
        "operator_action",
        "mode_change",
        "risk_warning",
        "risk_limit_breach",
        "config_change",
        "approval",
        "incident_open",
        "incident_ack",
        "incident_resolve",
        "snapshot_capture",
    }
)
_ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_FIELDS = {
    "seq": int,
    "ts": str,
    "actor": str,
    "action": str,
    "reason": str,
    "details": dict,
    "prev_hash": str,
    "hash": str,
}


def canonical_json(value: dict[str, Any]) -> str:
    """The one serialisation that is hashed and written."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``body`` without its ``hash`` field."""
    unhashed = {key: value for key, value in body.items() if key != "hash"}
    return hashlib.sha256(canonical_json(unhashed).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    ts: str
    actor: str
    action: str
    reason: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_line(self) -> str:
        return canonical_json(asdict(self))


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditVerification:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH


@dataclass(slots=True)
class _Scan:
    records: list[AuditRecord] = field(default_factory=list)
    first_bad_seq: int | None = None
    problem: str = ""


def _parse_line(raw: bytes) -> AuditRecord | str:
    """The record on ``raw``, or why it is not one."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"malformed line ({exc.__class__.__name__})"
    if not isinstance(body, dict) or set(body) != set(_FIELDS):
        return "malformed line (not a record with the audit fields)"
    for name, kind in _FIELDS.items():
        if not isinstance(body[name], kind) or isinstance(body[name], bool):
            return f"malformed line ({name!r} is not {kind.__name__})"
    if record_hash(body) != body["hash"]:
        return "hash mismatch (record edited)"
    return AuditRecord(**body)


def _scan(path: Path) -> _Scan:
    """Read the journal, stopping at the first line that breaks the chain."""
    scan = _Scan()
    if not path.exists():
        return scan
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    prev_hash = GENESIS_HASH
    for expected, raw in enumerate(lines, start=1):
        parsed = _parse_line(raw)
        if isinstance(parsed, str):
            scan.first_bad_seq, scan.problem = expected, parsed
            return scan
        if parsed.seq != expected:
            # a gap (deleted or reordered) is bad from ``expected``; a repeat from its own seq
            scan.first_bad_seq = min(parsed.seq, expected) if parsed.seq > 0 else expected
            scan.problem = f"expected seq {expected}, found seq {parsed.seq}"
            return scan
        if parsed.prev_hash != prev_hash:
            scan.first_bad_seq = expected
            scan.problem = f"prev_hash does not match record {expected - 1}"
            return scan
        scan.records.append(parsed)
        prev_hash = parsed.hash
    return scan


def _check_head(head: ChainHead | None, records: list[AuditRecord]) -> tuple[int, str] | None:
    """Where the journal disagrees with its chain head, if it does."""
    count = len(records)
    if head is None:
        return None if count == 0 else (count + 1, "chain head file is missing or unreadable")
    if head.seq > count:
        return count + 1, f"chain head is at seq {head.seq} but the journal ends at seq {count}"
    if head.seq < count:
        return head.seq + 1, f"record {head.seq + 1} is past the chain head (seq {head.seq})"
    last_hash = records[-1].hash if records else GENESIS_HASH
    if head.seq > 0 and head.hash != last_hash:
        return count, "last record does not match the chain head hash (chain rewritten)"
    return None


class AuditJournal:
    """Append-only audit journal in ``directory`` (``audit.jsonl`` + ``chain_head.json``)."""

    def __init__(self, directory: Path = DEFAULT_DIRECTORY, clock: Clock | None = None) -> None:
        self.directory = directory
        self.path = directory / JOURNAL_FILE
        self.head_path = directory / HEAD_FILE
        self._clock = clock or LiveClock()
        self._lock = threading.Lock()
        opened = self.verify()
        self._broken = None if opened.ok else opened
        self._seq = opened.records
        self._last_hash = opened.head_hash
        self._size = self.path.stat().st_size if self.path.exists() else 0

    def append(
        self, actor: str, action: str, reason: str, details: dict[str, Any] | None = None
    ) -> AuditRecord:
        """Write one record (flushed and fsynced), then move the chain head to it."""
        plain_details = _validate(actor, action, details)
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("ab") as stream:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX)  # released when the file closes
            self._catch_up(os.fstat(stream.fileno()).st_size)
            if self._broken is not None:
                raise ConfigurationError(
                    f"audit chain broken at seq {self._broken.first_bad_seq}: "
                    f"{self._broken.problem}; refusing to append to {self.path}"
                )
            body: dict[str, Any] = {
                "seq": self._seq + 1,
                "ts": self._clock.utc_now().isoformat(timespec="microseconds"),
                "actor": actor,
                "action": action,
                "reason": reason,
                "details": plain_details,
                "prev_hash": self._last_hash,
            }
            record = AuditRecord(**body, hash=record_hash(body))
            data = (record.to_line() + "\n").encode("utf-8")
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            self._seq, self._last_hash = record.seq, record.hash
            self._size += len(data)
            head = canonical_json({"seq": record.seq, "hash": record.hash}) + "\n"
            write_atomically(self.head_path, head.encode("utf-8"))  # still under the flock
            return record

    def _catch_up(self, size: int) -> None:
        """Adopt records another process appended since our last write (``ai-trader
        incident ack`` next to the service), after checking they continue our chain; a file
        that shrank or a record that does not chain marks the journal broken."""
        if size == self._size:
            return
        if size < self._size:
            raise ConfigurationError(
                f"{self.path} changed since it was opened (it shrank from {self._size} to "
                f"{size} bytes); refusing to append"
            )
        with self.path.open("rb") as reader:
            reader.seek(self._size)
            appended = reader.read(size - self._size)
        for raw in appended.split(b"\n")[:-1]:
            parsed = _parse_line(raw)
            expected = self._seq + 1
            if isinstance(parsed, str) or parsed.seq != expected:
                problem = parsed if isinstance(parsed, str) else f"seq {parsed.seq} out of order"
                self._broken = AuditVerification(False, self._seq, expected, problem)
                return
            if parsed.prev_hash != self._last_hash:
                self._broken = AuditVerification(
                    False, self._seq, expected, "prev_hash does not link to the record before"
                )
                return
            self._seq, self._last_hash = parsed.seq, parsed.hash
        self._size = size

    def verify(self) -> AuditVerification:
        """Check every record and the chain head; report the first bad seq."""
        scan = _scan(self.path)
        count = len(scan.records)
        last_hash = scan.records[-1].hash if scan.records else GENESIS_HASH
        if scan.first_bad_seq is not None:
            return AuditVerification(False, count, scan.first_bad_seq, scan.problem, last_hash)
        mismatch = _check_head(self.head(), scan.records)
        if mismatch is not None:
            return AuditVerification(False, count, mismatch[0], mismatch[1], last_hash)
        return AuditVerification(True, count, None, "", last_hash)

    def head(self) -> ChainHead | None:
        """The chain head file's content, or None if it is missing or unreadable."""
        try:
            body = json.loads(self.head_path.read_bytes())
            return ChainHead(seq=int(body["seq"]), hash=str(body["hash"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def records(self, limit: int | None = None) -> list[AuditRecord]:
        """The last ``limit`` well-formed records (all if None), newest last."""
        if not self.path.exists():
            return []
        parsed = [_parse_line(raw) for raw in self.path.read_bytes().split(b"\n") if raw]
        found = [record for record in parsed if isinstance(record, AuditRecord)]
        return found if limit is None else found[-limit:] if limit > 0 else []


def _validate(actor: str, action: str, details: dict[str, Any] | None) -> dict[str, Any]:
    """``details`` as the JSON object that will be written (keys as strings)."""
    if not actor.strip():
        raise ConfigurationError("audit actor must not be empty")
    if not _ACTION_PATTERN.fullmatch(action):
        raise ConfigurationError(
            f"audit action {action!r} must be snake_case, e.g. {', '.join(sorted(ACTIONS))}"
        )
    if details is not None and not isinstance(details, dict):
        raise ConfigurationError("audit details must be a JSON object")
    try:
        plain: dict[str, Any] = json.loads(json.dumps(details or {}, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"audit details are not plain JSON: {exc}") from exc
    return plain
