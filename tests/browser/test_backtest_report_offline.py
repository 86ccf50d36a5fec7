"""The backtest report in headless Chromium with the network cut: every chart renders from
the plotly.js embedded in the file, and nothing errors."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.backtest.html_report import write_html_report
from ai_trader.backtest.runner import run_backtest
from ai_trader.runtime.spec import build_spec
from tests.browser.conftest import ConsoleErrors, save_screenshot


def make_report(path: Path, bars: int) -> tuple[Path, int]:
    """Write a report of a synthetic backtest; return its path and its closed trades."""
    series = generate_bars(SyntheticMarketConfig(), bars, 9)
    spec = build_spec(strategy="sma_cross", params={"fast": 10, "slow": 40})
    result = run_backtest(spec, [series], run_id="20240101T000000Z-browser")
    write_html_report(result, series, path, {"data": "synthetic", "seed": 9})
    return path, len(result.session.engine.portfolio.trades.closed)


def test_report_when_offline_then_all_charts_render_without_errors(
    offline_page: Page, console_errors: ConsoleErrors, tmp_path: Path
) -> None:
    report, trades = make_report(tmp_path / "report.html", bars=20_000)

    offline_page.goto(report.as_uri())
    offline_page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length >= 4 && "
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".every(p => p.querySelector('svg.main-svg'))"
    )

    plots = offline_page.locator(".js-plotly-plot")
    assert plots.count() == 4
    for index in range(4):
        assert plots.nth(index).locator("svg.main-svg").count() >= 1
    assert offline_page.locator("#chart-monthly-returns .heatmaplayer image").count() == 1
    assert offline_page.locator("#chart-monthly-returns .heatmaplayer text").count() >= 1
    assert trades > 0
    assert offline_page.locator("#chart-price .scatterlayer .point").count() == 2 * trades
    assert offline_page.locator("#trades table tbody tr").count() > 0
    assert console_errors == []
    save_screenshot(offline_page, "backtest-report-offline")
