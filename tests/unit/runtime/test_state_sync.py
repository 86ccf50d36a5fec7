"""``risk:stats`` is written for people and read back on restart: a halt and the limits'
marks survive; a hash this version did not write is ignored, not trusted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ai_trader.adapters.state import FileStateStore, RuntimeState
from ai_trader.portfolio import Portfolio
from ai_trader.risk import DAY_NS, Halt, RiskConfig, RiskEngine, Sizing
from ai_trader.runtime.state_sync import restore_risk, risk_stats_document
from ai_trader.testing import BASE_TS


def risk_engine() -> RiskEngine:
    return RiskEngine(RiskConfig(), Sizing.parse("fixed:1"), Portfolio(Decimal(10_000)), 0.0)


def test_risk_stats_when_restored_then_limits_and_halt_resume() -> None:
    before = risk_engine()
    before.on_equity(BASE_TS, 10_500.0)  # new peak
    before.on_equity(BASE_TS + 60_000_000_000, 9_650.0)  # -3.5 % today: daily halt
    assert before.halt is not None
    assert before.halt.until_ns == BASE_TS + DAY_NS

    document = risk_stats_document(before, 9_650.0)
    after = risk_engine()

    assert restore_risk(after, document) is True
    assert after.halt == before.halt
    assert after.limits_snapshot() == before.limits_snapshot()
    assert document["halted"] == "1"
    assert document["drawdown"] == f"{1 - 9_650 / 10_500:.6f}"
    assert document["halt_until"].startswith("2024-01-02T00:00:00")


def test_risk_stats_when_operator_halt_without_end_then_restored_without_end() -> None:
    before = risk_engine()
    before.halt_entries("operator: maintenance", BASE_TS)
    after = risk_engine()

    restore_risk(after, risk_stats_document(before, 10_000.0))

    assert after.halt == Halt("operator: maintenance", None)


def test_restore_risk_when_hash_empty_or_foreign_then_nothing_changes() -> None:
    engine = risk_engine()
    marks = engine.limits_snapshot()

    assert restore_risk(engine, {}) is False
    assert restore_risk(engine, {"drawdown": "0.1"}) is False
    assert restore_risk(engine, {**risk_stats_document(engine, 1.0), "peak_equity": "x"}) is False
    assert engine.limits_snapshot() == marks
    assert engine.halt is None


def test_risk_stats_when_written_to_state_file_then_read_back_equal(tmp_path: Path) -> None:
    engine = risk_engine()
    engine.halt_entries("mode is halt", BASE_TS, BASE_TS + DAY_NS)
    state = RuntimeState(FileStateStore(tmp_path / "bot_state.json"))

    state.risk_stats = risk_stats_document(engine, 9_990.5)
    reread = RuntimeState(FileStateStore(tmp_path / "bot_state.json")).risk_stats

    restored = risk_engine()
    assert restore_risk(restored, reread) is True
    assert restored.halt == Halt("mode is halt", BASE_TS + DAY_NS)
