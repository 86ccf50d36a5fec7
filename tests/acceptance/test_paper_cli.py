"""``ai-trader paper``: live-paced paper trading that stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.acceptance.conftest import CLI, RunCli

pytestmark = pytest.mark.acceptance


def test_paper_with_max_bars_trades_and_writes_results(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "paper"
    result = run_cli(
        "paper", "--max-bars", "40", "--bar-seconds", "0.02", "--warmup-bars", "200",
        "--param", "fast=3", "--param", "slow=6", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["bars"] == 40
    assert stats["mode"] == "paper"
    assert "paper trading sma_cross" in result.stdout


def test_paper_when_interrupted_then_shuts_down_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "paper"
    process = subprocess.Popen(
        [str(CLI), "paper", "--bar-seconds", "0.05", "--output", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    time.sleep(3.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "SIGINT received" in stdout
    assert "Traceback" not in stdout + stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["bars"] > 0
