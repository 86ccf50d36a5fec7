"""The plotly figures of a backtest report: price with trade markers, equity against
buy-and-hold, drawdown and the monthly returns heatmap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped]

from ai_trader.backtest.report_data import (
    Markers,
    MonthlyReturns,
    extreme_indices,
    to_datetimes,
)
from ai_trader.domain.bar import BarSeries, FloatArray, IntArray

MAX_CANDLES = 1_500
"""Up to this many bars the price is drawn as candles; longer series as a close line."""
BUY_COLOUR = "#1a9850"
SELL_COLOUR = "#d73027"
DIVERGING = [[0.0, SELL_COLOUR], [0.5, "#f7f7f7"], [1.0, BUY_COLOUR]]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MARKER_STYLE = {  # long trades filled, short trades hollow; buys green up, sells red down
    "long entry": ("triangle-up", BUY_COLOUR),
    "long exit": ("triangle-down", SELL_COLOUR),
    "short entry": ("triangle-down-open", SELL_COLOUR),
    "short exit": ("triangle-up-open", BUY_COLOUR),
}


def price_figure(series: BarSeries, markers: Sequence[Markers]) -> go.Figure:
    figure = go.Figure()
    if len(series) <= MAX_CANDLES:
        figure.add_trace(
            go.Candlestick(
                x=to_datetimes(series.ts_event),
                open=series.open,
                high=series.high,
                low=series.low,
                close=series.close,
                name="price",
            )
        )
    else:
        keep = extreme_indices(series.close)
        figure.add_trace(
            go.Scatter(
                x=to_datetimes(series.ts_event[keep]),
                y=series.close[keep],
                mode="lines",
                name="close",
                line={"color": "#4a5568", "width": 1},
            )
        )
    for group in markers:
        symbol, colour = _MARKER_STYLE[group.name]
        figure.add_trace(
            go.Scatter(
                x=to_datetimes(group.ts_event),
                y=group.price,
                mode="markers",
                name=group.name,
                marker={"symbol": symbol, "color": colour, "size": 9},
                customdata=group.trade_numbers,
                hovertemplate="trade %{customdata}<br>%{x}<br>%{y:,.4f}<extra>"
                + group.name
                + "</extra>",
            )
        )
    figure.update_layout(xaxis_rangeslider_visible=False, yaxis_title="price")
    return _styled(figure, "Price and trades (UTC)")


def equity_figure(
    timestamps: IntArray, equity: FloatArray, benchmark: tuple[IntArray, FloatArray]
) -> go.Figure:
    figure = go.Figure()
    for name, times, values, colour in (
        ("strategy", timestamps, equity, "#2b6cb0"),
        ("buy and hold", benchmark[0], benchmark[1], "#a0aec0"),
    ):
        keep = extreme_indices(values)
        figure.add_trace(
            go.Scatter(
                x=to_datetimes(times[keep]),
                y=values[keep],
                mode="lines",
                name=name,
                line={"color": colour, "width": 1.5},
            )
        )
    figure.update_layout(yaxis_title="equity")
    return _styled(figure, "Equity against buy and hold (same starting cash)")


def drawdown_figure(timestamps: IntArray, drawdowns: FloatArray) -> go.Figure:
    keep = extreme_indices(drawdowns)
    figure = go.Figure(
        go.Scatter(
            x=to_datetimes(timestamps[keep]),
            y=drawdowns[keep] * 100.0,
            mode="lines",
            fill="tozeroy",
            name="drawdown",
            line={"color": SELL_COLOUR, "width": 1},
            hovertemplate="%{x}<br>%{y:.2f}%<extra></extra>",
        )
    )
    figure.update_layout(yaxis_title="drawdown %", yaxis_ticksuffix="%", showlegend=False)
    return _styled(figure, "Drawdown from the running peak")


def monthly_returns_figure(monthly: MonthlyReturns) -> go.Figure:
    percent = monthly.returns * 100.0
    text = [["" if np.isnan(v) else f"{v:.1f}%" for v in row] for row in percent.tolist()]
    limit = float(np.nanmax(np.abs(percent))) if np.isfinite(percent).any() else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=percent,
            x=list(MONTHS),
            y=[str(year) for year in monthly.years],
            text=text,
            texttemplate="%{text}",
            colorscale=DIVERGING,
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            colorbar={"title": {"text": "%"}},
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(yaxis={"type": "category", "autorange": "reversed"})
    height = max(220, 90 + 36 * len(monthly.years))
    return _styled(figure, "Monthly returns (UTC calendar months)", height=height)


def _styled(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 13, "color": "#4a5568"}},
        template="plotly_white",
        height=height,
        autosize=True,
        margin={"l": 50, "r": 20, "t": 36, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return figure
