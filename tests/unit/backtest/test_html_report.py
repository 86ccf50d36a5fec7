"""The self-contained HTML backtest report (ENG-6): sections, one inline plotly.js, no
network loads, escaping, the numbers behind the charts and the atomic write."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.backtest import report_data
from ai_trader.backtest.html_report import render_html_report, write_html_report
from ai_trader.backtest.report_figures import price_figure
from ai_trader.backtest.report_table import MAX_TRADE_ROWS, trades_table
from ai_trader.backtest.runner import run_backtest
from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import DataError
from ai_trader.domain.bar import BarSeries
from ai_trader.portfolio.trades import ClosedTrade
from ai_trader.runtime.result import RunResult
from ai_trader.runtime.spec import build_spec
from ai_trader.testing import make_series

SECTIONS = ("summary", "statistics", "price", "equity", "drawdown", "monthly-returns", "trades")
HOSTILE = '<script>alert("x")</script>'


def backtest(series: BarSeries, **params: int) -> RunResult:
    spec = build_spec(strategy="sma_cross", params=params or {"fast": 5, "slow": 20})
    return run_backtest(spec, [series], run_id="20240101T000000Z-test")


@pytest.fixture(scope="module")
def synthetic() -> tuple[RunResult, BarSeries]:
    series = generate_bars(SyntheticMarketConfig(), 3_000, 7)
    return backtest(series), series


def ts(year: int, month: int, day: int) -> int:
    return datetime_to_ns(datetime(year, month, day, tzinfo=UTC))


def test_report_when_rendered_then_every_section_and_chart_is_there(
    synthetic: tuple[RunResult, BarSeries],
) -> None:
    result, series = synthetic

    page = render_html_report(result, series)

    for section in SECTIONS:
        assert f'<section id="{section}">' in page or f'<header id="{section}">' in page
    for chart in ("price", "equity", "drawdown", "monthly-returns"):
        assert f'id="chart-{chart}"' in page
    assert page.count("Plotly.newPlot(") == 4
    for label in ("Total return", "CAGR", "Sharpe", "Sortino", "Max drawdown", "Win rate"):
        assert f"<th>{label}</th>" in page
    for label in ("Profit factor", "Gross P&amp;L (closed trades)", "Net P&amp;L (closed trades)"):
        assert f"<th>{label}</th>" in page
    assert "20240101T000000Z-test" in page
    assert "fast=5, slow=20" in page


def test_report_embeds_plotlyjs_once_and_loads_nothing_from_the_network(
    synthetic: tuple[RunResult, BarSeries],
) -> None:
    result, series = synthetic

    page = render_html_report(result, series)

    assert page.count("plotly.js v") == 1  # the bundle's banner: embedded exactly once
    assert re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE) is None
    assert re.search(r"<link\b", page, re.IGNORECASE) is None
    assert re.search(r"<(img|iframe)\b[^>]*\bsrc\s*=\s*[\"']?https?:", page, re.I) is None
    assert '"responsive": true' in page


def test_report_when_symbol_and_params_are_hostile_then_they_are_escaped() -> None:
    series = make_series([100.0 + (i % 40) for i in range(300)], symbol=HOSTILE)
    result = backtest(series)

    page = render_html_report(
        result, series, {"data": f"{HOSTILE}.csv", "params": {HOSTILE: HOSTILE}}
    )

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_monthly_returns_match_a_hand_computed_case() -> None:
    timestamps = np.array(
        [ts(2023, 12, 5), ts(2023, 12, 31), ts(2024, 1, 10), ts(2024, 3, 1), ts(2024, 3, 2)],
        dtype=np.int64,
    )
    equity = np.array([105.0, 110.0, 99.0, 120.0, 118.8])

    monthly = report_data.monthly_returns(timestamps, equity, starting_cash=100.0)

    assert monthly.years == [2023, 2024]
    expected = np.full((2, 12), np.nan)
    expected[0, 11] = 110.0 / 100.0 - 1  # December against the starting cash
    expected[1, 0] = 99.0 / 110.0 - 1  # January: -10 %
    expected[1, 2] = 118.8 / 99.0 - 1  # March against January (no bar in February)
    np.testing.assert_allclose(monthly.returns, expected, equal_nan=True)


def test_buy_and_hold_buys_at_the_first_open_with_the_starting_cash() -> None:
    series = make_series([50.0, 55.0, 40.0, 60.0])  # the first open is the first close

    values = report_data.buy_and_hold(series, starting_cash=1_000.0)

    np.testing.assert_allclose(values, [1_000.0, 1_100.0, 800.0, 1_200.0])


def test_drawdown_counts_the_starting_cash_as_the_first_peak() -> None:
    values = report_data.drawdown(np.array([90.0, 120.0, 60.0, 130.0]), 100.0)

    np.testing.assert_allclose(values, [-0.1, 0.0, -0.5, 0.0])


def test_long_series_when_downsampled_then_markers_stay_exact() -> None:
    series = generate_bars(SyntheticMarketConfig(), 12_000, 3)
    result = backtest(series)
    trades = result.session.engine.portfolio.trades.closed
    assert trades, "the test needs trades"

    figure = price_figure(series, report_data.trade_markers(trades))

    line, *markers = figure.data
    assert len(line.x) <= report_data.MAX_LINE_POINTS + 2
    assert sum(len(trace.x) for trace in markers) == 2 * len(trades)
    exits = {(np.datetime64(x, "ms"), y) for t in markers if "exit" in t.name for x, y in
             zip(t.x, t.y, strict=True)}  # fmt: skip
    assert exits == {
        (np.datetime64(t.exit_ts, "ns").astype("datetime64[ms]"), float(t.exit_price))
        for t in trades
    }


def test_extreme_indices_keep_the_lowest_and_highest_point() -> None:
    values = np.sin(np.linspace(0, 40, 100_000))
    values[54_321] = 5.0
    values[12_345] = -5.0

    keep = report_data.extreme_indices(values, max_points=1_000)

    assert keep.size <= 1_002
    assert {0, 99_999, 54_321, 12_345} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)


def test_trade_table_shows_the_last_trades_with_a_note() -> None:
    trade = ClosedTrade(
        "X", "short", ts(2024, 1, 1), ts(2024, 1, 2), Decimal(1), Decimal(10), Decimal(9),
        Decimal(1), Decimal("0.1"),
    )  # fmt: skip
    table = trades_table([trade] * (MAX_TRADE_ROWS + 7))

    assert table.count("<tr class=") == MAX_TRADE_ROWS
    assert f"Showing the last {MAX_TRADE_ROWS} of {MAX_TRADE_ROWS + 7:,}" in table
    assert "<td>8</td><td>short</td>" in table  # numbering goes on from the hidden ones


def test_report_written_to_path_then_returned_and_complete(
    synthetic: tuple[RunResult, BarSeries], tmp_path: Path
) -> None:
    result, series = synthetic

    path = write_html_report(result, series, tmp_path / "run" / "report.html")

    assert path == tmp_path / "run" / "report.html"
    assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_report_when_generation_fails_then_the_old_file_stays_and_no_temp_is_left(
    synthetic: tuple[RunResult, BarSeries], tmp_path: Path
) -> None:
    result, _ = synthetic
    path = tmp_path / "report.html"
    path.write_text("previous report")
    empty = make_series([100.0]).slice(0, 0)

    with pytest.raises(DataError, match="cannot report on run"):
        write_html_report(result, empty, path)

    assert path.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
