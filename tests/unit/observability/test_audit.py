"""The audit journal (SPEC OPS-5): hash chain round trip, every tampering kind, threads, CLI."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ai_trader.cli.audit_command import build_audit_app
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.observability.audit import (
    GENESIS_HASH,
    HEAD_FILE,
    JOURNAL_FILE,
    AuditJournal,
    ChainHead,
    record_hash,
)

START = 1_700_000_000 * NANOS_PER_SECOND + 123_456_000


def _fill(directory: Path, count: int) -> AuditJournal:
    journal = AuditJournal(directory, clock=TestClock(START))
    for index in range(1, count + 1):
        journal.append("operator", "operator_action", f"step {index}", {"index": index})
    return journal


def _lines(directory: Path) -> list[str]:
    text = (directory / JOURNAL_FILE).read_bytes().decode("utf-8")
    return text.split("\n")[:-1]  # not splitlines(): reasons may hold U+2028 and friends


def _write_lines(directory: Path, lines: list[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    (directory / JOURNAL_FILE).write_bytes(text.encode("utf-8"))


def _forged(seq: int, prev_hash: str) -> str:
    """A forgery with a self-consistent hash: only the chain gives it away."""
    body: dict[str, Any] = {
        "seq": seq,
        "ts": "2023-11-14T22:13:20.123456+00:00",
        "actor": "mallory",
        "action": "approval",
        "reason": "forged",
        "details": {},
        "prev_hash": prev_hash,
    }
    return json.dumps({**body, "hash": record_hash(body)}, sort_keys=True, separators=(",", ":"))


def _edit(lines: list[str], position: int) -> list[str]:
    body = json.loads(lines[position - 1])
    body["reason"] += " (edited)"
    return [*lines[: position - 1], json.dumps(body), *lines[position:]]


def _insert(lines: list[str], position: int) -> list[str]:
    prev_hash = json.loads(lines[position - 2])["hash"] if position > 1 else GENESIS_HASH
    return [*lines[: position - 1], _forged(position, prev_hash), *lines[position - 1 :]]


def _swap(lines: list[str], position: int) -> list[str]:
    swapped = list(lines)
    swapped[position - 1], swapped[position] = swapped[position], swapped[position - 1]
    return swapped


def test_append_then_verify_round_trip(tmp_path: Path) -> None:
    journal = _fill(tmp_path, 5)
    result = journal.verify()
    assert result.ok
    assert (result.records, result.first_bad_seq, result.problem) == (5, None, "")
    records = journal.records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(records))
    assert records[0].ts == "2023-11-14T22:13:20.123456+00:00"
    assert journal.head() == ChainHead(seq=5, hash=records[-1].hash)
    assert result.head_hash == records[-1].hash
    assert [r.reason for r in journal.records(2)] == ["step 4", "step 5"]


def test_a_reopened_journal_continues_the_sequence(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    record = AuditJournal(tmp_path).append("risk", "risk_warning", "drawdown 4%", {"pct": 4.0})
    assert record.seq == 4
    assert AuditJournal(tmp_path).verify().ok


def test_the_hash_covers_the_canonical_record_without_hash(tmp_path: Path) -> None:
    _fill(tmp_path, 1)
    body = json.loads(_lines(tmp_path)[0])
    stored = body.pop("hash")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert stored == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        pytest.param(lambda lines: _edit(lines, 3), 3, id="edit record 3"),
        pytest.param(lambda lines: lines[:2] + lines[3:], 3, id="delete line 3"),
        pytest.param(lambda lines: [*lines[:2], "{}", *lines[2:]], 3, id="insert junk at 3"),
        pytest.param(lambda lines: _insert(lines, 3), 3, id="insert forged record at 3"),
        pytest.param(lambda lines: _swap(lines, 2), 2, id="swap lines 2 and 3"),
        pytest.param(lambda lines: lines[:-1], 5, id="truncate the last line"),
        pytest.param(lambda lines: [*lines[:-1], lines[-1][:40]], 5, id="cut the last line"),
        pytest.param(lambda lines: [], 1, id="delete everything but keep the head"),
        pytest.param(lambda lines: [*lines[:3], "{not json", *lines[4:]], 4, id="malformed"),
        pytest.param(lambda lines: [*lines, _forged(6, "f" * 64)], 6, id="append a forgery"),
    ],
)
def test_tampering_is_found_at_the_first_bad_seq(
    tmp_path: Path, tamper: Any, first_bad: int
) -> None:
    _fill(tmp_path, 5)
    _write_lines(tmp_path, tamper(_lines(tmp_path)))
    result = AuditJournal(tmp_path).verify()
    assert not result.ok
    assert result.first_bad_seq == first_bad, result.problem
    assert result.problem


def test_a_consistent_rewrite_is_caught_by_the_chain_head(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    head = (tmp_path / HEAD_FILE).read_bytes()
    (tmp_path / JOURNAL_FILE).unlink()
    rewritten = AuditJournal(tmp_path / "other", clock=TestClock(START))
    for index in range(1, 4):
        rewritten.append("operator", "operator_action", f"rewritten {index}")
    _write_lines(tmp_path, _lines(tmp_path / "other"))
    (tmp_path / HEAD_FILE).write_bytes(head)
    result = AuditJournal(tmp_path).verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "chain head" in result.problem


def test_a_missing_head_is_reported(tmp_path: Path) -> None:
    _fill(tmp_path, 2)
    (tmp_path / HEAD_FILE).unlink()
    result = AuditJournal(tmp_path).verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_a_broken_chain_refuses_appends_naming_the_first_bad_seq(tmp_path: Path) -> None:
    _fill(tmp_path, 4)
    _write_lines(tmp_path, _edit(_lines(tmp_path), 2))
    journal = AuditJournal(tmp_path)
    with pytest.raises(ConfigurationError, match="broken at seq 2"):
        journal.append("operator", "operator_action", "after tampering")
    assert len(_lines(tmp_path)) == 4


def test_two_writers_share_one_chain(tmp_path: Path) -> None:
    """The service and ``ai-trader incident ack`` append to the same journal."""
    service = _fill(tmp_path, 2)
    command_line = AuditJournal(tmp_path)

    command_line.append("oncall", "incident_ack", "ack from the command line")
    after = service.append("operator", "mode_change", "halt from the API")
    command_line.append("oncall", "incident_resolve", "resolved")

    assert after.seq == 4
    verification = AuditJournal(tmp_path).verify()
    assert verification.ok, verification.problem
    assert verification.records == 5
    assert AuditJournal(tmp_path).head() == service.head()


def test_a_journal_rewritten_behind_its_back_refuses_appends(tmp_path: Path) -> None:
    journal = _fill(tmp_path, 3)
    lines = _lines(tmp_path)
    _write_lines(tmp_path, lines[:2])  # truncated by someone else
    with pytest.raises(ConfigurationError, match="changed since it was opened"):
        journal.append("operator", "operator_action", "would fork the chain")


def test_a_forged_record_appended_behind_its_back_refuses_appends(tmp_path: Path) -> None:
    journal = _fill(tmp_path, 2)
    lines = _lines(tmp_path)
    _write_lines(tmp_path, [*lines, lines[-1]])  # a copy of the last record: bad seq/link
    with pytest.raises(ConfigurationError, match="broken at seq 3"):
        journal.append("operator", "operator_action", "after the forgery")


@pytest.mark.parametrize(
    ("actor", "action", "details"),
    [
        (" ", "approval", None),
        ("operator", "Mode Change", None),
        ("operator", "approval", {"bad": float("nan")}),
        ("operator", "approval", {"bad": object()}),
    ],
)
def test_bad_input_is_refused(
    tmp_path: Path, actor: str, action: str, details: dict[str, Any] | None
) -> None:
    with pytest.raises(ConfigurationError):
        AuditJournal(tmp_path).append(actor, action, "reason", details)
    assert not (tmp_path / JOURNAL_FILE).exists()


def test_two_threads_append_one_unbroken_chain(tmp_path: Path) -> None:
    journal = AuditJournal(tmp_path)

    def work(name: str) -> None:
        for index in range(50):
            journal.append(name, "operator_action", f"{name} {index}")

    threads = [threading.Thread(target=work, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = AuditJournal(tmp_path).verify()
    assert (result.ok, result.records) == (True, 100)
    assert [r.seq for r in journal.records()] == list(range(1, 101))


TAMPERS = ["edit", "delete", "insert", "swap", "truncate", "malformed"]


def _tampered(kind: str, lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    """The tampered lines and the seq that verification must report."""
    count = len(lines)
    if kind == "truncate":
        kept = data.draw(st.integers(0, count - 1), label="kept")
        return lines[:kept], kept + 1
    if kind == "swap":
        position = data.draw(st.integers(1, count - 1), label="position")
        return _swap(lines, position), position
    if kind == "insert":
        position = data.draw(st.integers(1, count + 1), label="position")
        return _insert(lines, position), position
    position = data.draw(st.integers(1, count), label="position")
    if kind == "edit":
        return _edit(lines, position), position
    if kind == "delete":
        return lines[: position - 1] + lines[position:], position
    return [*lines[: position - 1], '{"seq": ', *lines[position:]], position


@settings(max_examples=60, deadline=None)
@given(
    reasons=st.lists(st.text(max_size=12), min_size=2, max_size=10),
    kind=st.sampled_from(TAMPERS),
    data=st.data(),
)
def test_any_single_tamper_is_found_where_it_was_made(
    reasons: list[str], kind: str, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        journal = AuditJournal(directory, clock=TestClock(START))
        for reason in reasons:
            journal.append("operator", "config_change", reason, {"reason": reason})
        assert journal.verify().ok
        lines, expected = _tampered(kind, _lines(directory), data)
        _write_lines(directory, lines)
        result = AuditJournal(directory).verify()
    assert not result.ok
    assert result.first_bad_seq == expected, result.problem


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(build_audit_app())
    return app


def test_cli_verify_and_tail(tmp_path: Path) -> None:
    journal = _fill(tmp_path, 3)
    runner = CliRunner()
    ok = runner.invoke(_cli(), ["audit", "verify", "--directory", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == f"audit chain ok: 3 records, head {journal.verify().head_hash[:12]}"
    shown = runner.invoke(_cli(), ["audit", "tail", "--limit", "2", "--directory", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "step 3" in shown.output
    assert "step 2" in shown.output
    assert "step 1" not in shown.output


def test_cli_verify_fails_on_a_broken_chain(tmp_path: Path) -> None:
    _fill(tmp_path, 4)
    _write_lines(tmp_path, _lines(tmp_path)[:2] + _lines(tmp_path)[3:])
    result = CliRunner().invoke(_cli(), ["audit", "verify", "--directory", str(tmp_path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigurationError)
    assert str(result.exception).startswith("audit chain broken at seq 3: ")
    assert "\n" not in str(result.exception)


def test_cli_tail_on_an_empty_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["audit", "tail", "--directory", str(tmp_path)])
    assert result.exit_code == 0
    assert "no audit records" in result.output
