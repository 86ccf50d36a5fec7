"""The incident log: lifecycle, de-duplication, the ack SLA, and sharing the events file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.core.errors import ConfigurationError, NotFoundError
from ai_trader.runtime.incidents import ACK_SLA_SECONDS, Incident, IncidentLog

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_log(
    tmp_path: Path, clock: Clock, sla: list[tuple[str, bool]] | None = None
) -> IncidentLog:
    def on_sla(incident: Incident, within: bool) -> None:
        if sla is not None:
            sla.append((incident.incident_id, within))

    return IncidentLog(tmp_path / "run-1", now=clock, on_ack_sla=on_sla)


def events(log: IncidentLog) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.path.read_text().splitlines()]


def test_open_ack_resolve_writes_the_three_events(tmp_path: Path, clock: Clock) -> None:
    log = make_log(tmp_path, clock)

    opened = log.open("reconciliation", "critical", "drift", "3 mismatches", key="recon")
    assert opened is not None
    clock.advance(60)
    log.ack(opened.incident_id, "alice", "looking at venue")
    clock.advance(60)
    resolved = log.resolve(opened.incident_id, "alice", "venue caught up")

    assert opened.incident_id == "INC-0001"
    assert resolved.status == "resolved"
    assert resolved.acked_by == "alice"
    assert resolved.ack_notes == "looking at venue"
    assert [e["event_type"] for e in events(log)] == [
        "incident_open",
        "incident_ack",
        "incident_resolve",
    ]
    first = events(log)[0]
    assert first["class"] == "reconciliation"
    assert first["severity"] == "critical"
    assert first["ts"] == "2026-11-21T08:00:00.000000+00:00"
    assert events(log)[1]["ack_seconds"] == 60.0


def test_a_persisting_condition_is_one_incident_until_resolved(
    tmp_path: Path, clock: Clock
) -> None:
    log = make_log(tmp_path, clock)

    first = log.open("data_quality", "critical", "corrupt bar", "NaN", key="dq")
    again = log.open("data_quality", "critical", "corrupt bar", "NaN", key="dq")
    assert first is not None
    assert again is None
    log.resolve(first.incident_id, "bob")

    reopened = log.open("data_quality", "critical", "corrupt bar", "NaN", key="dq")
    assert reopened is not None
    assert reopened.incident_id == "INC-0002"


def test_clear_marks_the_condition_gone_but_keeps_it_open(tmp_path: Path, clock: Clock) -> None:
    log = make_log(tmp_path, clock)
    opened = log.open("broker_connectivity", "critical", "breaker open", "", key="breaker")
    assert opened is not None

    cleared = log.clear("breaker", "breakers closed")

    assert cleared is not None
    assert cleared.cleared_at == START
    assert cleared.status == "open"
    assert log.clear("breaker", "again") is None  # noted once


def test_ack_within_the_sla_is_reported_good(tmp_path: Path, clock: Clock) -> None:
    sla: list[tuple[str, bool]] = []
    log = make_log(tmp_path, clock, sla)
    opened = log.open("risk", "critical", "daily loss", "", key="risk")
    assert opened is not None

    clock.advance(ACK_SLA_SECONDS)
    log.ack(opened.incident_id, "carol")

    assert sla == [("INC-0001", True)]
    assert log.check_ack_sla() == []


def test_the_sla_passing_without_an_ack_is_reported_once(tmp_path: Path, clock: Clock) -> None:
    sla: list[tuple[str, bool]] = []
    log = make_log(tmp_path, clock, sla)
    opened = log.open("slo", "critical", "tier C", "", key="slo")
    assert opened is not None

    clock.advance(ACK_SLA_SECONDS - 1)
    assert log.check_ack_sla() == []
    clock.advance(2)
    late = log.check_ack_sla()
    assert [i.incident_id for i in late] == ["INC-0001"]
    assert log.check_ack_sla() == []
    ack = log.ack(opened.incident_id, "dave")  # late ack: not counted a second time

    assert sla == [("INC-0001", False)]
    assert ack.ack_sla_breached
    assert [e["within_sla"] for e in events(log) if e["event_type"] == "incident_ack"] == [False]


def test_warnings_have_no_ack_sla(tmp_path: Path, clock: Clock) -> None:
    sla: list[tuple[str, bool]] = []
    log = make_log(tmp_path, clock, sla)
    opened = log.open("data_quality", "warning", "stale", "", key="stale")
    assert opened is not None
    clock.advance(ACK_SLA_SECONDS * 2)

    assert log.check_ack_sla() == []
    log.ack(opened.incident_id, "erin")
    assert sla == []


def test_bad_requests_are_refused_with_a_message(tmp_path: Path, clock: Clock) -> None:
    log = make_log(tmp_path, clock)
    opened = log.open("risk", "critical", "x", "", key="k")
    assert opened is not None

    with pytest.raises(NotFoundError, match="no incident 'INC-9999'"):
        log.ack("INC-9999", "frank")
    with pytest.raises(ConfigurationError, match="--ack-by"):
        log.ack(opened.incident_id, " ")
    log.ack(opened.incident_id, "frank")
    with pytest.raises(ConfigurationError, match="already acknowledged by frank"):
        log.ack(opened.incident_id, "grace")
    log.resolve(opened.incident_id, "frank")
    with pytest.raises(ConfigurationError, match="cannot be resolved again"):
        log.resolve(opened.incident_id, "frank")
    with pytest.raises(ConfigurationError, match="unknown incident class"):
        log.open("weather", "critical", "x", "", key="w")
    with pytest.raises(ConfigurationError, match="unknown severity"):
        log.open("risk", "page-me", "x", "", key="w")


def test_an_ack_written_by_another_process_is_seen(tmp_path: Path, clock: Clock) -> None:
    sla: list[tuple[str, bool]] = []
    service = make_log(tmp_path, clock, sla)
    opened = service.open("reconciliation", "critical", "drift", "", key="r")
    assert opened is not None
    assert service.unresolved()[0].status == "open"

    command_line = IncidentLog(tmp_path / "run-1", now=clock)  # what `incident ack` does
    command_line.ack(opened.incident_id, "oncall", "on it")

    assert service.unresolved()[0].status == "acknowledged"
    assert sla == [("INC-0001", True)]  # the service counts the ack SLA of a CLI ack
    second = service.open("risk", "critical", "loss", "", key="risk")
    assert second is not None
    assert second.incident_id == "INC-0002"  # ids stay unique across writers


def test_a_torn_last_line_is_read_once_it_is_complete(tmp_path: Path, clock: Clock) -> None:
    log = make_log(tmp_path, clock)
    log.open("risk", "critical", "x", "", key="k")
    reader = IncidentLog(tmp_path / "run-1", now=clock)
    assert len(reader.incidents()) == 1

    line = json.dumps(
        {
            "event_type": "incident_open",
            "ts": START.isoformat(),
            "incident_id": "INC-0002",
            "class": "slo",
            "severity": "warning",
            "title": "t",
        }
    )
    with log.path.open("a") as stream:
        stream.write(line[:20])
    assert len(reader.incidents()) == 1
    with log.path.open("a") as stream:
        stream.write(line[20:] + "\n")
    assert len(reader.incidents()) == 2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["open", "ack", "resolve"]), max_size=25))
def test_replaying_the_file_gives_the_writers_view(
    tmp_path_factory: pytest.TempPathFactory, actions: list[str]
) -> None:
    run_dir = tmp_path_factory.mktemp("run")
    clock = Clock()
    writer = IncidentLog(run_dir, now=clock)
    for number, action in enumerate(actions):
        clock.advance(1)
        unresolved = [i for i in writer.incidents() if i.resolved_at is None]
        if action == "open":
            writer.open("slo", "critical", f"t{number}", "", key=f"k{number % 3}")
        elif unresolved and action == "ack" and unresolved[0].acked_at is None:
            writer.ack(unresolved[0].incident_id, "x")
        elif unresolved and action == "resolve":
            writer.resolve(unresolved[-1].incident_id, "x")

    replayed = IncidentLog(run_dir, now=clock).incidents()

    assert replayed == writer.incidents()
    keys = [i.key for i in replayed if i.resolved_at is None]
    assert len(keys) == len(set(keys))  # never two unresolved incidents for one condition


def test_threads_reading_while_another_process_writes_apply_each_event_once(
    tmp_path: Path, clock: Clock
) -> None:
    """The service reads the log from its tick, its trading loop and its API threads at
    once while the CLI appends: each event is applied once and the read offset never
    lands mid-line (which once ended every later read with a JSON error)."""
    import threading

    service = make_log(tmp_path, clock)
    cli = make_log(tmp_path, clock)
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                service.refresh()
            except BaseException as exc:  # the assertion below reports it
                failures.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(8)]
    for reader in readers:
        reader.start()
    try:
        for number in range(150):
            opened = cli.open("risk", "warning", f"condition {number}", "detail", f"k{number}")
            assert opened is not None
            cli.ack(opened.incident_id, "oncall", "seen")
    finally:
        done.set()
        for reader in readers:
            reader.join()

    assert failures == []
    incidents = service.incidents()
    assert len(incidents) == 150
    assert all(i.acked_by == "oncall" for i in incidents)
    assert service.path.stat().st_size == service._offset
