"""``ai-trader backtest`` as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance

STATS_KEYS = {
    "bars",
    "trades",
    "final_equity",
    "total_return",
    "sharpe",
    "sortino",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "fees",
    "elapsed_seconds",
    "bars_per_second",
}


def test_backtest_on_synthetic_data_writes_stats_trades_and_equity(
    run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "backtest", "--strategy", "sma_cross", "--data", "synthetic", "--bars", "5000",
        "--param", "fast=10", "--param", "slow=30", "--sizing", "fixed:1",
        "--seed", "3", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats.keys() >= STATS_KEYS
    assert stats["bars"] == 5000
    assert stats["trades"] > 0
    with (out / "trades.csv").open() as handle:
        trades = list(csv.DictReader(handle))
    assert len(trades) == stats["closed_trades"]
    with (out / "equity.csv").open() as handle:
        assert sum(1 for _ in handle) == 5000 + 1
    assert "final_equity" in result.stdout


def test_backtest_twice_with_the_same_seed_gives_the_same_trades(
    run_cli: RunCli, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        result = run_cli(
            "backtest", "--data", "synthetic", "--bars", "3000", "--seed", "11",
            "--output", str(tmp_path / name),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "a" / "trades.csv").read_text() == (
        tmp_path / "b" / "trades.csv"
    ).read_text()


def test_backtest_on_a_csv_file_with_default_output_directory(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = ["Timestamp,Open,High,Low,Close,Volume"]
    price = 100.0
    for day in range(1, 29):
        for hour in range(24):
            price *= 1.0 + (0.004 if (day + hour // 6) % 4 < 2 else -0.004)
            rows.append(
                f"2024-02-{day:02d}T{hour:02d}:00:00Z,{price},{price * 1.002},{price * 0.998},"
                f"{price},1000"
            )
    (tmp_path / "bars.csv").write_text("\n".join(rows) + "\n")
    result = run_cli("backtest", "--data", "bars.csv", "--strategy", "breakout")
    assert result.returncode == 0, result.stderr
    runs = list((tmp_path / "results" / "runs").iterdir())
    assert len(runs) == 1
    stats = json.loads((runs[0] / "stats.json").read_text())
    assert stats["bars"] == 28 * 24
    assert stats["symbol"] == "BARS"


def test_backtest_with_report_writes_report_html_and_prints_its_path(
    run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_cli(
        "backtest", "--data", "synthetic", "--bars", "3000", "--seed", "5", "--report",
        "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = out / "report.html"
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert page.count("Plotly.newPlot(") == 4
    printed = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
               for line in result.stdout.splitlines() if ": " in line}  # fmt: skip
    assert printed["report"] == str(report)


def test_backtest_without_report_flag_writes_no_report(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("backtest", "--bars", "500", "--output", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "run" / "report.html").exists()
    assert "report:" not in result.stdout


BAD_INPUTS = [
    (["--report", "report.html"], "unexpected extra argument"),
    (["--report", "--strategy", "smacross"], "did you mean 'sma_cross'"),
    (["--strategy", "smacross"], "did you mean 'sma_cross'"),
    (["--param", "fast=1"], "must be an integer in [2, 500]"),
    (["--param", "fsat=3"], "did you mean 'fast'"),
    (["--param", "fast=40"], "must be smaller than slow"),
    (["--param", "fast"], "NAME=VALUE"),
    (["--sizing", "fixed:x"], "sizing must be all_in"),
    (["--cash", "-5"], "cash"),
    (["--cash", "abc"], "--cash"),
    (["--commission", "2"], "commission"),
    (["--data", "missing.csv"], "no such file"),
    (["--data", "no_volume.csv"], "missing column(s) 'volume'"),
    (["--data", "unsorted.csv"], "not sorted"),
    (["--data", "duplicate.csv"], "duplicate timestamp"),
    (["--data", "nan.csv"], "NaN"),
    (["--data", "high_low.csv"], "high < low"),
    (["--data", "bars.txt"], ".csv"),
    (["--bogus"], "No such option"),
]

BAD_FILES = {
    "no_volume.csv": "timestamp,open,high,low,close\n2024-01-01,1,2,0.5,1.5\n",
    "unsorted.csv": "timestamp,open,high,low,close,volume\n"
    "2024-01-02,1,2,0.5,1.5,10\n2024-01-01,1,2,0.5,1.5,10\n",
    "duplicate.csv": "timestamp,open,high,low,close,volume\n"
    "2024-01-01,1,2,0.5,1.5,10\n2024-01-01,1,2,0.5,1.5,10\n",
    "nan.csv": "timestamp,open,high,low,close,volume\n2024-01-01,1,2,0.5,NaN,10\n",
    "high_low.csv": "timestamp,open,high,low,close,volume\n2024-01-01,1,0.5,2,1,10\n",
    "bars.txt": "whatever\n",
}


@pytest.mark.parametrize(("args", "expected"), BAD_INPUTS)
def test_backtest_bad_input_then_one_line_error_and_nonzero_exit(
    run_cli: RunCli, tmp_path: Path, args: list[str], expected: str
) -> None:
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "out"
    result = run_cli("backtest", "--bars", "500", *args, "--output", str(out))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists(), "nothing may be written for a refused run"
