"""Incidents (SPEC OPS-4): opened by the service on breaches, acknowledged and resolved by
people, kept as events in ``results/runs/<run_id>/incident_events.jsonl``.

The events file is the record: the service and ``ai-trader incident`` both append to it
under an exclusive ``flock`` and replay it to know each incident's state, so an ack written
from the command line while the service runs is seen by the service on its next tick.
A critical incident must be acknowledged within ``ACK_SLA_SECONDS``; each outcome (acked in
time, or the SLA passing without an ack) is reported once through ``on_ack_sla`` — also
when the ack was written by another process, as the event is read.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args

from ai_trader.core.errors import ConfigurationError, NotFoundError

logger = logging.getLogger(__name__)

EVENTS_FILE = "incident_events.jsonl"
ACK_SLA_SECONDS = 15 * 60
IncidentClass = Literal["data_quality", "reconciliation", "broker_connectivity", "risk", "slo"]
Severity = Literal["critical", "warning"]
INCIDENT_CLASSES: tuple[str, ...] = get_args(IncidentClass)
SEVERITIES: tuple[str, ...] = get_args(Severity)


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    run_id: str
    incident_class: str
    severity: str
    title: str
    detail: str
    key: str
    opened_at: datetime
    acked_at: datetime | None = None
    acked_by: str | None = None
    ack_notes: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolve_notes: str | None = None
    cleared_at: datetime | None = None
    """When the condition that opened it went away (it stays open until resolved)."""
    ack_sla_breached: bool = False

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "acknowledged" if self.acked_at is not None else "open"

    def age_seconds(self, now: datetime) -> float:
        return (now - self.opened_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "run_id": self.run_id,
            "class": self.incident_class,
            "severity": self.severity,
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "opened_at": _iso(self.opened_at),
            "acked_at": _iso(self.acked_at),
            "acked_by": self.acked_by,
            "ack_notes": self.ack_notes,
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolve_notes": self.resolve_notes,
            "cleared_at": _iso(self.cleared_at),
            "ack_sla_breached": self.ack_sla_breached,
        }


class IncidentLog:
    """One run's incidents. ``now`` is injectable so the SLA can be tested without waiting."""

    def __init__(
        self,
        run_dir: Path,
        run_id: str | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_ack_sla: Callable[[Incident, bool], None] | None = None,
    ) -> None:
        self.path = run_dir / EVENTS_FILE
        self.run_id = run_id or run_dir.name
        self._now = now
        self._on_ack_sla = on_ack_sla
        self._incidents: dict[str, Incident] = {}
        self._offset = 0
        self._stream: BinaryIO | None = None
        # The file lock orders processes; this orders the threads of one (tick, trading
        # loop, API): two replaying from the same offset would apply events twice and
        # move the offset past the end of a line.
        self._threads = threading.RLock()

    # -- queries ------------------------------------------------------------------------

    def incidents(self) -> list[Incident]:
        """Every incident of the run, oldest first (re-read from the file)."""
        self.refresh()
        with self._threads:
            return list(self._incidents.values())

    def unresolved(self) -> list[Incident]:
        return [i for i in self.incidents() if i.resolved_at is None]

    def get(self, incident_id: str) -> Incident:
        self.refresh()
        try:
            return self._incidents[incident_id]
        except KeyError:
            raise NotFoundError(f"no incident {incident_id!r} in run {self.run_id}") from None

    # -- changes --------------------------------------------------------------------------

    def open(
        self, incident_class: str, severity: str, title: str, detail: str, key: str
    ) -> Incident | None:
        """Open an incident, or return ``None`` when one with this ``key`` is unresolved
        (a condition that persists is one incident, not one per cycle)."""
        if incident_class not in INCIDENT_CLASSES:
            raise ConfigurationError(f"unknown incident class {incident_class!r}")
        if severity not in SEVERITIES:
            raise ConfigurationError(f"unknown severity {severity!r}")
        if self._unresolved_with(key) is not None:  # the common case each tick: no lock
            return None
        with self._locked():
            if self._unresolved_with(key) is not None:
                return None
            incident_id = f"INC-{len(self._incidents) + 1:04d}"
            self._append(
                "incident_open",
                incident_id=incident_id,
                run_id=self.run_id,
                **{"class": incident_class},
                severity=severity,
                title=title,
                detail=detail,
                key=key,
            )
            return self._incidents[incident_id]

    def ack(self, incident_id: str, ack_by: str, notes: str = "") -> Incident:
        if not ack_by.strip():
            raise ConfigurationError("--ack-by must name who acknowledges")
        with self._locked():
            incident = self._unresolved(incident_id, "acknowledged")
            if incident.acked_at is not None:
                raise ConfigurationError(
                    f"{incident_id} was already acknowledged by {incident.acked_by} "
                    f"at {_iso(incident.acked_at)}"
                )
            seconds = incident.age_seconds(self._now())
            within = seconds <= ACK_SLA_SECONDS
            self._append(
                "incident_ack",
                incident_id=incident_id,
                ack_by=ack_by,
                notes=notes,
                ack_seconds=round(seconds, 3),
                within_sla=within,
            )
            return self._incidents[incident_id]

    def resolve(self, incident_id: str, resolved_by: str, notes: str = "") -> Incident:
        if not resolved_by.strip():
            raise ConfigurationError("--resolved-by must name who resolves")
        with self._locked():
            self._unresolved(incident_id, "resolved")
            self._append(
                "incident_resolve", incident_id=incident_id, resolved_by=resolved_by, notes=notes
            )
            return self._incidents[incident_id]

    def clear(self, key: str, reason: str) -> Incident | None:
        """The condition behind ``key`` went away: noted on its unresolved incident."""
        incident = self._unresolved_with(key)
        if incident is None or incident.cleared_at is not None:  # each tick: no lock, no write
            return None
        with self._locked():
            incident = self._unresolved_with(key)
            if incident is None or incident.cleared_at is not None:
                return None
            self._append("incident_cleared", incident_id=incident.incident_id, reason=reason)
            return self._incidents[incident.incident_id]

    def check_ack_sla(self) -> list[Incident]:
        """Critical incidents whose ack SLA just passed without an ack (reported once)."""
        self.refresh()
        now = self._now()
        with self._threads:
            late = [
                i
                for i in self._incidents.values()
                if i.severity == "critical"
                and i.acked_at is None
                and i.resolved_at is None
                and not i.ack_sla_breached
                and i.age_seconds(now) > ACK_SLA_SECONDS
            ]
        breached: list[Incident] = []
        for incident in late:
            with self._locked():
                current = self._incidents[incident.incident_id]
                if current.ack_sla_breached or current.acked_at is not None:
                    continue
                self._append("incident_ack_sla_breach", incident_id=incident.incident_id)
                breached.append(self._incidents[incident.incident_id])
        return breached

    def refresh(self) -> None:
        """Replay events appended since the last read (by this or another process)."""
        if not self.path.exists():
            return
        with self._threads:
            with self.path.open("rb") as stream:
                stream.seek(self._offset)
                data = stream.read()
            complete = data[: data.rfind(b"\n") + 1]  # a torn last line is read when whole
            for raw in complete.splitlines():
                if raw.strip():
                    self._apply(json.loads(raw))
            self._offset += len(complete)

    # -- internals ------------------------------------------------------------------------

    def _unresolved_with(self, key: str) -> Incident | None:
        """The unresolved incident opened for ``key`` (file re-read first), if any."""
        with self._threads:
            self.refresh()
            for incident in self._incidents.values():
                if incident.key == key and incident.resolved_at is None:
                    return incident
        return None

    def _unresolved(self, incident_id: str, verb: str) -> Incident:
        incident = self._incidents.get(incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id!r} in run {self.run_id}")
        if incident.resolved_at is not None:
            raise ConfigurationError(
                f"{incident_id} was resolved by {incident.resolved_by} at "
                f"{_iso(incident.resolved_at)}; it cannot be {verb} again"
            )
        return incident

    def _report_sla(self, incident: Incident, within: bool) -> None:
        if self._on_ack_sla is not None:
            self._on_ack_sla(incident, within)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._threads, self.path.open("ab") as stream:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
            try:
                self.refresh()
                self._stream = stream
                yield
            finally:
                self._stream = None
                fcntl.flock(stream.fileno(), fcntl.LOCK_UN)

    def _append(self, event_type: str, **fields: Any) -> None:
        event = {"event_type": event_type, "ts": _iso(self._now()), **fields}
        line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
        if self._stream is None:
            raise RuntimeError("incident events are appended only under the file lock")
        self._stream.write(line)
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._apply(event)
        self._offset += len(line)

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event_type")
        ts = datetime.fromisoformat(event["ts"])
        if kind == "incident_open":
            self._incidents[event["incident_id"]] = Incident(
                incident_id=event["incident_id"],
                run_id=event.get("run_id", self.run_id),
                incident_class=event["class"],
                severity=event["severity"],
                title=event["title"],
                detail=event.get("detail", ""),
                key=event.get("key", event["incident_id"]),
                opened_at=ts,
            )
            return
        incident = self._incidents.get(event.get("incident_id", ""))
        if incident is None:
            logger.warning("incident event for an unknown incident skipped: %s", event)
            return
        if kind == "incident_ack":
            if incident.severity == "critical" and not incident.ack_sla_breached:
                self._report_sla(incident, bool(event.get("within_sla")))
            changed = replace(
                incident, acked_at=ts, acked_by=event["ack_by"], ack_notes=event.get("notes")
            )
        elif kind == "incident_resolve":
            changed = replace(
                incident,
                resolved_at=ts,
                resolved_by=event["resolved_by"],
                resolve_notes=event.get("notes"),
            )
        elif kind == "incident_cleared":
            changed = replace(incident, cleared_at=ts)
        elif kind == "incident_ack_sla_breach":
            self._report_sla(incident, False)
            changed = replace(incident, ack_sla_breached=True)
        else:
            return
        self._incidents[incident.incident_id] = changed


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="microseconds")
