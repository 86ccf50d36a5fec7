"""``ai-trader drill dr`` as an operator runs it weekly: a real service stopped with SIGTERM
and with SIGKILL, restarted, RTO and RPO measured against the targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance


def test_dr_drill_when_stopped_and_killed_then_restarts_within_targets_no_fill_lost(
    run_cli: RunCli, tmp_path: Path
) -> None:
    output = tmp_path / "results" / "dr.json"

    result = run_cli("drill", "dr", "--output", str(output), "--bar-seconds", "0.05", timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(output.read_text())
    assert report["passed"] is True
    assert report["fills_lost"] == 0
    assert [s["signal"] for s in report["stops"]] == ["SIGTERM", "SIGKILL"]
    for stop in report["stops"]:
        assert stop["fills_lost"] == 0
        assert stop["fills_before_stop"] > 0
        assert 0 < stop["rto_seconds"] < 900
        assert stop["detected_after_seconds"] >= 0
    assert report["rpo_seconds"] <= 60
    assert "DR drill passed" in result.stdout
