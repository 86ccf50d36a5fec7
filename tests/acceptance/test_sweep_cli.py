"""``ai-trader sweep`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance


def test_sweep_writes_every_combination_and_prints_the_best(
    run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    result = run_cli(
        "sweep", "--strategy", "sma_cross", "--bars", "5000", "--grid", "fast=5:15:5",
        "--grid", "slow=20,40", "--top", "3", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out / "sweep.csv")
    assert sorted(zip(frame["fast"], frame["slow"], strict=True)) == [
        (5, 20), (5, 40), (10, 20), (10, 40), (15, 20), (15, 40),
    ]  # fmt: skip
    assert "6 combinations (0 dropped)" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--grid", "fast=1:5:1"], "must be an integer in [2, 500]"),
        (["--grid", "fast=5:10:1", "--sort", "luck"], "--sort must be one of"),
        ([], "give at least one --grid"),
        (["--grid", "fast=40:50:5", "--grid", "slow=20:30:5"], "no valid combination"),
        (["--grid", "fast=5:10:1", "--max-volume-share", "0.1"], "No such option"),
    ],
)
def test_sweep_bad_input_then_one_line_error(
    run_cli: RunCli, args: list[str], expected: str
) -> None:
    result = run_cli("sweep", "--bars", "500", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
