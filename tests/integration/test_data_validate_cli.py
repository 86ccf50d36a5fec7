"""``ai-trader data validate`` (SPEC DAT-2): bar files with and without corrupt rows, a
missing file, and the latest daily candles from a local server speaking Binance's format."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from ai_trader.adapters.sim.ledger import VenueLedger
from ai_trader.cli.main import main
from ai_trader.domain.bar import Bar
from tests.acceptance.conftest import CLI, cli_environment
from tests.integration.recorded.binance_server import RecordedBinance

pytestmark = pytest.mark.integration

DAY_MS = 86_400_000
HEADER = "timestamp,open,high,low,close,volume"


def daily_rows(count: int) -> list[str]:
    rows = []
    for i in range(count):
        day = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_704_067_200 + i * 86_400))
        close = 100.0 + (i % 5) * 0.5
        rows.append(f"{day},{close:.2f},{close + 1:.2f},{close - 1:.2f},{close:.2f},{10 + i}")
    return rows


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """In-process CLI in a scratch directory with no exchange configured."""
    monkeypatch.chdir(tmp_path)
    for variable in ("EXCHANGE", "EXCHANGE_API_URL", "SYMBOLS", "TIMEFRAME", "DATA_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return monkeypatch


def test_validate_file_when_a_row_is_corrupt_then_exit_1_and_issue_listed(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = daily_rows(40)
    rows[35] = rows[35].replace(",101.00,99.00,", ",99.00,101.00,")  # high < low
    assert ",99.00,101.00," in rows[35]
    path = write_csv(tmp_path / "btc_usdt.csv", rows)

    code = main(["data", "validate", "--file", str(path), "--bars", "30", "--output", "r.json"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "corrupt" in out
    assert "critical" in out
    assert "high 99.0 < low 101.0" in out
    assert err.count("\n") == 1
    assert err.startswith("error: data quality: 1 critical issue(s)")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["errors"] == 1
    assert report["checked"] == {"BTC_USDT": 30}
    assert [issue["kind"] for issue in report["issues"]] == ["corrupt"]


def test_validate_file_when_corrupt_row_is_older_than_the_window_then_clean(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = daily_rows(40)
    rows[2] = rows[2].replace(",101.00,99.00,", ",99.00,101.00,")
    path = write_csv(tmp_path / "old.csv", rows)

    assert main(["data", "validate", "--file", str(path), "--bars", "30"]) == 0
    assert "0 critical" in capsys.readouterr().out


def test_validate_file_when_clean_then_exit_0(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "clean.csv", daily_rows(40))

    code = main(["data", "validate", "--file", str(path)])

    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    assert "CLEAN 30 bars" in out
    assert "0 critical, 0 warning(s)" in out


def test_validate_file_when_duplicate_and_gap_then_both_reported(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = daily_rows(40)
    rows = [*rows[:31], rows[30], *rows[31:33], *rows[36:]]  # duplicate, then 3 days missing
    path = write_csv(tmp_path / "gappy.csv", rows)

    code = main(["data", "validate", "--file", str(path), "--output", "r.json"])

    assert code == 1
    issues = json.loads((tmp_path / "r.json").read_text())["issues"]
    assert [(i["kind"], i["severity"]) for i in issues] == [
        ("duplicate", "critical"),
        ("missing", "warning"),
    ]


def test_validate_when_file_is_missing_then_one_line_error_and_no_traceback(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [str(CLI), "data", "validate", "--file", "nowhere.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr == "error: no such file: nowhere.csv\n"
    assert "Traceback" not in done.stdout + done.stderr


def test_validate_when_bars_not_positive_then_one_line_error(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "clean.csv", daily_rows(5))

    code = main(["data", "validate", "--file", str(path), "--bars", "0"])

    assert code == 1
    assert capsys.readouterr().err == "error: --bars must be at least 1, got 0\n"


def test_validate_when_no_exchange_and_no_paper_bars_then_exit_2(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["data", "validate"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("no stored market to validate")
    assert err.count("\n") == 1


def write_paper_ledger(path: Path, symbol: str, times: list[int]) -> None:
    """Bars as the paper venue records the ones it traded."""
    ledger = VenueLedger(path)
    try:
        for i, ts in enumerate(times):
            close = 100.0 + (i % 5) * 0.5
            bar = Bar(symbol, ts, close, close + 1, close - 1, close, 10.0)
            ledger.commit_step("bar", ts, json.dumps(list(bar)), [], [])
    finally:
        ledger.close()


def test_validate_when_no_exchange_then_the_paper_venue_bars_are_checked(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    minute = 60 * 1_000_000_000
    times = [1_704_067_200_000_000_000 + i * minute for i in range(50)]
    write_paper_ledger(tmp_path / "data" / "paper_venue.db", "SYN/USD", [*times, times[-1]])

    code = main(["data", "validate", "--output", "r.json"])

    assert code == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["source"].startswith("paper venue ledger")
    assert report["checked"] == {"SYN/USD": 30}
    assert [(i["kind"], i["severity"]) for i in report["issues"]] == [("duplicate", "critical")]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_validate_exchange_when_latest_daily_candles_are_clean_then_exit_0(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.setenv("EXCHANGE", "binance")
    cli.setenv("SYMBOLS", "BTC/USDT")
    with RecordedBinance(now_ms()) as server:
        code = main(["data", "validate", "--api-url", server.url, "--output", "r.json"])
        intervals = {request["interval"] for request in server.kline_requests}

    out = capsys.readouterr().out
    assert code == 0, out
    assert intervals == {"1d"}
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["checked"] == {"BTC/USDT": 30}
    assert report["issues"] == []
    assert report["source"] == "binance 1d candles"


class CorruptBinance(RecordedBinance):
    """Answers with the third-latest candle's high below its low."""

    def klines(self, query: dict[str, str]) -> list[list[Any]]:
        rows = super().klines(query)
        if len(rows) >= 3:
            rows[-3] = [*rows[-3]]
            rows[-3][2], rows[-3][3] = rows[-3][3], rows[-3][2]
        return rows


def test_validate_exchange_when_a_candle_is_corrupt_then_exit_1(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.setenv("EXCHANGE", "binance")
    cli.setenv("SYMBOLS", "BTC/USDT")
    with CorruptBinance(now_ms()) as server:
        code = main(["data", "validate", "--bars", "30", "--api-url", server.url])

    out, err = capsys.readouterr()
    assert code == 1
    assert "corrupt" in out
    assert "BTC/USDT" in out
    assert err.startswith("error: data quality: 1 critical issue(s) (corrupt)")


def test_validate_exchange_when_last_candle_is_days_old_then_stale_critical(
    cli: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.setenv("EXCHANGE", "binance")
    cli.setenv("SYMBOLS", "BTC/USDT")
    with RecordedBinance(now_ms() - 12 * DAY_MS) as server:
        code = main(["data", "validate", "--api-url", server.url, "--output", "r.json"])

    assert code == 1
    issues = json.loads((tmp_path / "r.json").read_text())["issues"]
    assert [(i["kind"], i["severity"]) for i in issues] == [("stale", "critical")]
