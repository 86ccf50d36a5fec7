"""deploy/systemd/ai-trader.service: parses, runs `ai-trader run` from the venv, restarts on
failure, stops gracefully and is hardened (SPEC OPS-3)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy._product import DEPLOY, REPO

UNIT = DEPLOY / "systemd" / "ai-trader.service"
INSTALL_ROOT = "/opt/ai-trader"
STATE_DIRECTORIES = (
    "data",
    "results",
    "logs",
    "audit_logs",
    "snapshots",
    "state",
    "backups",
    "reports",
)


def _unit() -> configparser.ConfigParser:
    # strict=False: systemd repeats keys (Environment=, ReadWritePaths=); the last one wins
    # here, which is enough for the single-valued keys checked below.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def _values(key: str) -> list[str]:
    """Every value of a repeatable key, each whitespace-separated item on its own."""
    values = []
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            values.extend(value.split())
    return values


def test_unit_runs_ai_trader_run_from_the_venv() -> None:
    service = _unit()["Service"]

    assert service["Type"] == "simple"
    assert service["ExecStart"] == f"{INSTALL_ROOT}/.venv/bin/ai-trader run"
    assert service["WorkingDirectory"] == INSTALL_ROOT
    assert service["EnvironmentFile"] == "/etc/ai-trader/env"
    assert service["User"] == "ai-trader"


def test_unit_restarts_on_failure_and_stops_gracefully() -> None:
    service = _unit()["Service"]

    assert service["Restart"] == "on-failure"
    assert int(service["RestartSec"]) > 0
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30


def test_unit_is_hardened_and_may_write_only_its_state_directories() -> None:
    service = _unit()["Service"]
    writable = {path.lstrip("-") for path in _values("ReadWritePaths")}

    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert writable == {f"{INSTALL_ROOT}/{name}" for name in STATE_DIRECTORIES}


def test_unit_is_enabled_for_multi_user_target() -> None:
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (optional check)")
    if not (REPO / ".venv" / "bin" / "ai-trader").exists():
        pytest.skip("the ai-trader entry point is not installed in .venv (run make bootstrap)")
    # verify insists ExecStart exists: check a copy whose install root is this checkout.
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALL_ROOT, str(REPO)))

    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, f"systemd-analyze verify:\n{result.stdout}{result.stderr}"
