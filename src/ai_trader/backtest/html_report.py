"""One self-contained HTML file from a backtest: header, statistics, charts and trades.

plotly.js is embedded once, in the head, so the file opens with no network. Every piece of
text that comes from the run (symbol, parameters, data path) is HTML-escaped; plotly's own
JSON escapes ``<`` inside the figures. ``write_html_report`` writes through a temporary file
and a rename: a failure half-way leaves the previous report (or none), never half of one.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.io as pio  # type: ignore[import-untyped]
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from ai_trader.backtest import report_data, report_figures
from ai_trader.backtest.report_table import stats_rows, trades_table
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import DataError
from ai_trader.core.files import write_text_atomically
from ai_trader.domain.bar import BarSeries
from ai_trader.runtime.result import RunResult
from ai_trader.runtime.results import stats_document

REPORT_FILE = "report.html"
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1a202c;background:#f7fafc;line-height:1.4}
main{max-width:1200px;margin:0 auto;padding:12px}
header,section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;
padding:12px 16px;margin:0 0 12px}
h1{font-size:1.3rem;margin:0 0 8px}h2{font-size:1.05rem;margin:0 0 8px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dl.meta dt{font-weight:600;color:#4a5568}dl.meta dd{margin:0;word-break:break-all}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #edf2f7;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
table.stats{width:auto;min-width:min(100%,420px)}
.pos{color:#1a7f37}.neg{color:#c53030}.note{color:#718096;font-size:.85rem}
.chart{width:100%}
@media (max-width:600px){main{padding:4px}header,section{padding:8px}
th,td{padding:3px 5px}}
"""


def write_html_report(
    result: RunResult,
    series: BarSeries,
    path: Path,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write the report of ``result`` on ``series`` to ``path``, atomically; return it.

    Raises ``DataError`` when there is nothing to draw (no bars or no equity points)."""
    write_text_atomically(path, lambda stream: stream.writelines(_chunks(result, series, extra)))
    return path


def render_html_report(
    result: RunResult, series: BarSeries, extra: Mapping[str, Any] | None = None
) -> str:
    """The report as one string (for an HTTP response)."""
    return "".join(_chunks(result, series, extra))


def _chunks(result: RunResult, series: BarSeries, extra: Mapping[str, Any] | None) -> Iterator[str]:
    portfolio = result.session.engine.portfolio
    curve = portfolio.equity_curve
    if len(series) == 0 or len(curve) == 0:
        raise DataError(
            f"cannot report on run {result.run_id}: {len(series)} bars and "
            f"{len(curve)} equity points (a report needs at least one of each)"
        )
    document = stats_document(result, {"symbol": series.symbol, **(extra or {})})
    trades = list(portfolio.trades.closed)
    title = f"Backtest {document['strategy']} on {series.symbol}"
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n"
        '<script type="text/javascript">'
    )
    yield get_plotlyjs()
    yield "</script>\n</head>\n<body>\n<main>\n"
    yield _header(title, document, series)
    yield _section("statistics", "Statistics", stats_rows(document, trades))
    for name, heading, figure in _figures(result, series):
        yield _section(name, heading, _figure_html(figure, name))
    yield _section("trades", "Trades", trades_table(trades))
    yield "</main>\n</body>\n</html>\n"


def _figures(result: RunResult, series: BarSeries) -> list[tuple[str, str, go.Figure]]:
    portfolio = result.session.engine.portfolio
    curve = portfolio.equity_curve
    timestamps, equity = curve.timestamps, curve.values
    cash = float(portfolio.starting_cash)
    trades = [t for t in portfolio.trades.closed if t.symbol == series.symbol]
    benchmark = (series.ts_event, report_data.buy_and_hold(series, cash))
    monthly = report_data.monthly_returns(timestamps, equity, cash)
    return [
        (
            "price",
            "Price",
            report_figures.price_figure(series, report_data.trade_markers(trades)),
        ),
        ("equity", "Equity", report_figures.equity_figure(timestamps, equity, benchmark)),
        (
            "drawdown",
            "Drawdown",
            report_figures.drawdown_figure(timestamps, report_data.drawdown(equity, cash)),
        ),
        ("monthly-returns", "Monthly returns", report_figures.monthly_returns_figure(monthly)),
    ]


def _figure_html(figure: go.Figure, name: str) -> str:
    return str(
        pio.to_html(
            figure,
            config=PLOTLY_CONFIG,
            include_plotlyjs=False,
            full_html=False,
            div_id=f"chart-{name}",
            default_height=f"{figure.layout.height}px",
        )
    )


def _header(title: str, document: Mapping[str, Any], series: BarSeries) -> str:
    first = ns_to_datetime(int(series.ts_event[0])).isoformat()
    last = ns_to_datetime(int(series.ts_event[-1])).isoformat()
    params = document.get("params") or {}
    rows: list[tuple[str, object]] = [
        ("Strategy", document["strategy"]),
        ("Symbol", series.symbol),
        ("Parameters", ", ".join(f"{k}={v}" for k, v in params.items()) or "(defaults)"),
        ("Period (UTC)", f"{first} → {last} ({len(series):,} bars)"),
        ("Run id", document["run_id"]),
        ("Sizing", document.get("sizing")),
        ("Costs", f"commission {document.get('commission')}, slippage "
                  f"{document.get('slippage_bps')} bps"),
    ]  # fmt: skip
    if document.get("data") is not None:
        rows.append(("Data", document["data"]))
    if document.get("seed") is not None:
        rows.append(("Seed", document["seed"]))
    items = "".join(
        f"<dt>{html.escape(label)}</dt><dd>{html.escape(str(value))}</dd>" for label, value in rows
    )
    return (
        f'<header id="summary">\n<h1>{html.escape(title)}</h1>\n'
        f'<dl class="meta">{items}</dl>\n</header>\n'
    )


def _section(name: str, heading: str, body: str) -> str:
    return f'<section id="{name}">\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>\n'


__all__ = ["REPORT_FILE", "render_html_report", "write_html_report"]
