"""``ai-trader incident list|ack|resolve`` on a run's events file and ``ai-trader snapshot
capture`` from files (SQLite and PostgreSQL), as an on-call would run them."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from ai_trader.adapters.db import create_database_engine, upgrade_database
from ai_trader.observability.audit import AuditJournal
from ai_trader.runtime.incidents import IncidentLog
from ai_trader.runtime.snapshot import read_manifest
from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance


def seed_incidents(root: Path) -> IncidentLog:
    log = IncidentLog(root / "results" / "runs" / "run-a")
    log.open("reconciliation", "critical", "reconciliation breach", "3 cycles", key="r")
    log.open("data_quality", "warning", "stale bars", "SYN/USD", key="d")
    return log


def test_list_ack_resolve(run_cli: RunCli, tmp_path: Path) -> None:
    log = seed_incidents(tmp_path)

    listed = run_cli("incident", "list")
    acked = run_cli(
        "incident", "ack", "--run-id", "run-a", "--incident-id", "INC-0001",
        "--ack-by", "oncall-anna", "--notes", "venue drift, entries stay halted",
    )  # fmt: skip
    twice = run_cli(
        "incident", "ack", "--run-id", "run-a", "--incident-id", "INC-0001", "--ack-by", "bob"
    )
    resolved = run_cli(
        "incident", "resolve", "--incident-id", "INC-0001", "--resolved-by", "oncall-anna"
    )
    remaining = run_cli("incident", "list")
    everything = run_cli("incident", "list", "--all")

    assert listed.returncode == 0, listed.stderr
    assert "INC-0001" in listed.stdout
    assert "INC-0002" in listed.stdout
    assert acked.returncode == 0, acked.stderr
    assert "acknowledged by oncall-anna" in acked.stdout
    assert twice.returncode == 1
    assert twice.stderr.strip().splitlines() == [
        twice.stderr.strip().splitlines()[0]
    ]  # one line, no traceback
    assert "already acknowledged by oncall-anna" in twice.stderr
    assert resolved.returncode == 0, resolved.stderr
    assert "INC-0001" not in remaining.stdout
    assert "INC-0001" in everything.stdout
    incident = log.get("INC-0001")
    assert incident.status == "resolved"
    assert incident.ack_notes == "venue drift, entries stay halted"
    journal = AuditJournal(tmp_path / "audit_logs")
    assert journal.verify().ok
    assert [r.action for r in journal.records()] == ["incident_ack", "incident_resolve"]
    assert journal.records()[0].actor == "oncall-anna"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("incident", "list"), "no run under results/runs has incidents"),
        (("incident", "list", "--run-id", "nope"), "run 'nope' has no incident_events.jsonl"),
        (
            ("incident", "ack", "--incident-id", "INC-1", "--ack-by", "x", "--run-id", "nope"),
            "run 'nope' has no",
        ),
    ],
)
def test_bad_input_is_one_line(run_cli: RunCli, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_incident_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    seed_incidents(tmp_path)

    result = run_cli("incident", "ack", "--incident-id", "INC-0042", "--ack-by", "x")

    assert result.returncode == 1
    assert "no incident 'INC-0042' in run run-a" in result.stderr


def make_files(root: Path) -> None:
    (root / "logs" / "error_logs").mkdir(parents=True)
    (root / "logs" / "app.log").write_text("".join(f"line {n}\n" for n in range(1000)))
    (root / "logs" / "error_logs" / "errors.log").write_text("ERROR venue timeout\n")
    AuditJournal(root / "audit_logs").append("alice", "operator_action", "halt", {})


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as archive:
        found = {}
        for member in archive.getmembers():
            stream = archive.extractfile(member)
            assert stream is not None
            found[member.name.split("/", 1)[1]] = stream.read()
        return found


def test_offline_snapshot_from_sqlite(run_cli: RunCli, tmp_path: Path) -> None:
    engine = create_database_engine(None, tmp_path / "data" / "trading_bot.db")
    upgrade_database(engine)
    engine.dispose()
    make_files(tmp_path)
    seed_incidents(tmp_path)

    result = run_cli(
        "snapshot", "capture", "--url", "http://127.0.0.1:9", env={"EXCHANGE_API_KEY": "k-123"}
    )

    assert result.returncode == 0, result.stderr
    [archive] = (tmp_path / "snapshots").glob("snapshot_*.tgz")
    assert str(archive.relative_to(tmp_path)) in result.stdout
    assert "not captured: health: the service at http://127.0.0.1:9 did not answer" in (
        result.stderr
    )
    files = members(archive)
    manifest = read_manifest(archive)
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    assert b"SQLite format 3" in files["database/trading_bot.db"][:16]
    assert files["logs/error_logs/errors.log"] == b"ERROR venue timeout\n"
    assert files["logs/app.log"].endswith(b"line 999\n")
    config = json.loads(files["config.json"])
    assert config["exchange_api_key"] == "***"
    assert b"k-123" not in b"".join(files.values())
    incidents = json.loads(files["incidents.json"])
    assert [i["incident_id"] for i in incidents] == ["INC-0001", "INC-0002"]
    assert json.loads(files["audit.json"])["ok"] is True
    assert "run/incident_events.jsonl" in files
    assert list((tmp_path / "snapshots").glob(".*partial")) == []


def test_offline_snapshot_from_postgresql(
    run_cli: RunCli, tmp_path: Path, postgres_url: str
) -> None:
    postgres_url = postgres_url.replace("postgres@", "postgres:pw-s3cret@", 1)  # trust auth
    engine = create_database_engine(postgres_url, tmp_path / "unused.db")
    upgrade_database(engine)
    engine.dispose()
    make_files(tmp_path)

    result = run_cli("snapshot", "capture", "--offline", env={"DATABASE_URL": postgres_url})

    assert result.returncode == 0, result.stderr
    [archive] = (tmp_path / "snapshots").glob("snapshot_*.tgz")
    files = members(archive)
    assert "database/orders.jsonl" in files
    assert "database/alembic_version.jsonl" in files
    assert json.loads(files["database/alembic_version.jsonl"])["version_num"]
    config = json.loads(files["config.json"])
    assert ":***@" in config["database_url"]
    assert b"pw-s3cret" not in b"".join(files.values())
