"""``ai-trader data download`` against a local server speaking Binance's REST format:
pagination, bars stamped at their close, resume without duplicates, retries on 503, clear
errors for an unknown market, timeframe or exchange."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from ai_trader.adapters.data.download import DownloadRequest, download_ohlcv, open_exchange
from ai_trader.adapters.data.files import load_bars
from ai_trader.core.errors import ConfigurationError
from tests.acceptance.conftest import CLI, cli_environment
from tests.integration.recorded.binance_server import RecordedBinance, kline

pytestmark = pytest.mark.integration

HOUR_MS = 3_600_000
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
NOW_MS = int(datetime(2024, 4, 1, tzinfo=UTC).timestamp() * 1000)  # 2,184 hourly candles


def request(tmp_path: Path, **changes: object) -> DownloadRequest:
    values: dict[str, object] = {
        "symbol": "BTC/USDT",
        "timeframe": "1h",
        "since": SINCE,
        "output": tmp_path / "btc.parquet",
        "page_limit": 1000,
        "checkpoint_pages": 2,
    }
    values.update(changes)
    return DownloadRequest(**values)  # type: ignore[arg-type]


def test_download_when_history_spans_pages_then_every_bar_once_stamped_at_close(
    tmp_path: Path,
) -> None:
    with RecordedBinance(NOW_MS) as server:
        result = download_ohlcv(
            open_exchange("binance", server.url), request(tmp_path), now=lambda: NOW_MS / 1000
        )

    series = load_bars(tmp_path / "btc.parquet", "BTC/USDT")
    assert result.bars_added == len(series) == (NOW_MS - int(SINCE.timestamp() * 1000)) // HOUR_MS
    assert result.pages >= 3
    assert np.all(np.diff(series.ts_event) == HOUR_MS * 1_000_000)
    first_open_ms = int(SINCE.timestamp() * 1000)
    assert series.ts_event[0] == (first_open_ms + HOUR_MS) * 1_000_000
    assert series.close[0] == float(kline(first_open_ms, HOUR_MS)[4])


def test_download_when_run_again_later_then_resumes_without_duplicates(tmp_path: Path) -> None:
    halfway = NOW_MS - 1000 * HOUR_MS
    with RecordedBinance(halfway) as server:
        first = download_ohlcv(
            open_exchange("binance", server.url), request(tmp_path), now=lambda: halfway / 1000
        )
    with RecordedBinance(NOW_MS) as server:
        second = download_ohlcv(
            open_exchange("binance", server.url), request(tmp_path), now=lambda: NOW_MS / 1000
        )
        first_request = server.kline_requests[0]

    series = load_bars(tmp_path / "btc.parquet", "BTC/USDT")
    assert second.bars_before == first.bars_total
    assert second.bars_added == 1000
    assert len(np.unique(series.ts_event)) == len(series)
    assert int(first_request["startTime"]) == halfway  # the open of the bar after the last


def test_download_when_server_fails_twice_then_retried(tmp_path: Path) -> None:
    with RecordedBinance(NOW_MS) as server:
        server.fail_next = 2
        waits: list[float] = []
        result = download_ohlcv(
            open_exchange("binance", server.url),
            request(tmp_path, until=datetime(2024, 1, 5, tzinfo=UTC)),
            sleep=waits.append,
        )

    assert result.bars_added == 4 * 24
    assert waits == [1.0, 2.0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"symbol": "NOPE/USDT"}, "has no market 'NOPE/USDT'"),
        ({"timeframe": "7m"}, "has no timeframe '7m'"),
        ({"until": datetime(2023, 1, 1, tzinfo=UTC)}, "nothing to download"),
    ],
)
def test_download_when_request_bad_then_configuration_error_and_no_file(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with RecordedBinance(NOW_MS) as server, pytest.raises(ConfigurationError, match=message):
        download_ohlcv(open_exchange("binance", server.url), request(tmp_path, **changes))
    assert not (tmp_path / "btc.parquet").exists()


def test_open_exchange_when_unknown_or_bad_url_then_one_line_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown exchange 'nopex'"):
        open_exchange("nopex")
    with pytest.raises(ConfigurationError, match="must be http"):
        open_exchange("binance", "ftp://x")


def test_cli_download_when_run_then_file_written_and_bad_symbol_is_one_line(
    tmp_path: Path,
) -> None:
    with RecordedBinance(NOW_MS) as server:
        common = ["data", "download", "--exchange", "binance", "--timeframe", "1h"]
        ok = run_cli(
            tmp_path,
            *common,
            "--symbol", "BTC/USDT", "--since", "2024-01-01", "--until", "2024-01-03",
            "--api-url", server.url,
        )  # fmt: skip
        bad = run_cli(
            tmp_path, *common, "--symbol", "NOPE/USDT", "--since", "2024-01-01",
            "--api-url", server.url,
        )  # fmt: skip

    assert ok.returncode == 0, ok.stderr
    assert "48 bars added" in ok.stdout
    assert (tmp_path / "data" / "bars" / "binance_BTC-USDT_1h.parquet").exists()
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: binance has no market 'NOPE/USDT'")
    assert len(bad.stderr.strip().splitlines()) == 1


def run_cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        env=cli_environment(),
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
