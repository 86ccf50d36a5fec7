"""``ai-trader drill chaos`` (SPEC OPS-7): seeded fault injection on simulated time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai_trader.cli.main import main
from ai_trader.drills import SCENARIO_NAMES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seven(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Path, int]:
    """The drill run twice with seed 7 through the CLI (missing directories included)."""
    root = tmp_path_factory.mktemp("chaos")
    first, second = root / "a" / "new" / "chaos.json", root / "b" / "chaos.json"
    code_first = main(["drill", "chaos", "--seed", "7", "--output", str(first)])
    code_second = main(["drill", "chaos", "--seed", "7", "--output", str(second)])
    return first, code_first, second, code_second


def test_chaos_when_same_seed_twice_then_byte_identical_reports(
    seven: tuple[Path, int, Path, int],
) -> None:
    first, _, second, _ = seven

    assert first.read_bytes() == second.read_bytes()


def test_chaos_when_run_then_every_scenario_detected_recovered_nothing_lost_exit_0(
    seven: tuple[Path, int, Path, int],
) -> None:
    first, code, _, _ = seven
    report = json.loads(first.read_text())

    assert code == 0
    assert report["seed"] == 7
    assert report["passed"] is True
    assert [s["name"] for s in report["scenarios"]] == list(SCENARIO_NAMES)
    for scenario in report["scenarios"]:
        assert scenario["detected"] is True, scenario
        assert scenario["recovered"] is True, scenario
        assert scenario["data_lost"] == 0, scenario
        assert 0 <= scenario["detected_after_seconds"] <= scenario["recovered_after_seconds"]


def test_chaos_when_other_seed_then_valid_report_that_differs(
    seven: tuple[Path, int, Path, int], tmp_path: Path
) -> None:
    first = json.loads(seven[0].read_text())
    output = tmp_path / "other.json"

    code = main(["drill", "chaos", "--seed", "8", "--output", str(output)])

    other = json.loads(output.read_text())
    assert code == 0
    assert other["seed"] == 8
    assert other["passed"] is True
    assert [s["name"] for s in other["scenarios"]] == list(SCENARIO_NAMES)
    assert other["scenarios"] != first["scenarios"]  # injection moments and sizes are seeded
    assert {s["injected_at"] for s in other["scenarios"]} != {
        s["injected_at"] for s in first["scenarios"]
    }


def test_chaos_when_output_is_a_directory_then_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drill", "chaos", "--output", str(tmp_path)])

    error = capsys.readouterr().err
    assert code != 0
    assert error.startswith("error: --output")
    assert len(error.strip().splitlines()) == 1
