"""What the web dashboard shows (SPEC API-5), gathered in one response.

One request per refresh instead of eight: the page asks ``GET /dashboard/state`` when it
opens, when the websocket says something changed (a fill, a mode change, an incident) and
every few seconds for the marks; the equity curve then grows from the websocket's
``equity`` messages between refreshes.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field, ValidationError

from ai_trader.core.clock import ns_to_datetime
from ai_trader.domain.enums import SignalAction
from ai_trader.domain.fills import Fill
from ai_trader.portfolio.stats import drawdown_series
from ai_trader.service import schemas
from ai_trader.service.backtests import LATEST_REPORT
from ai_trader.service.facade import TradingFacade
from ai_trader.service.operations_routes import IncidentView, incident_view

logger = logging.getLogger(__name__)

MAX_CURVE_POINTS = 600
RECENT_FILLS = 20
RECENT_SIGNALS = 15
RECENT_NEWS = 15
NEWS_FILE = "news.json"
LATEST_BACKTEST_ROUTE = "/reports/backtest/latest"
VOTES = {SignalAction.ENTER_LONG: 1.0, SignalAction.ENTER_SHORT: -1.0, SignalAction.EXIT: 0.0}


class CurvePoint(schemas.Model):
    ts: datetime
    equity: float
    drawdown: float = Field(description="fraction below the running peak, 0 at a new high")


class FillRow(schemas.Model):
    ts: datetime
    symbol: str
    side: str
    quantity: str
    price: str
    fee: str
    client_order_id: str


class Contribution(schemas.Model):
    member: str
    contribution: float = Field(description="signed vote × confidence × weight, in [-1, 1]")


class DashboardSignal(schemas.SignalView):
    contributions: list[Contribution]


class NewsItem(schemas.Model):
    title: str
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    sentiment: float | None = None


class BacktestReportLink(schemas.Model):
    url: str
    generated_at: datetime


class DashboardState(schemas.Model):
    generated_at: datetime
    run_id: str
    mode: schemas.ModeResponse
    trading: schemas.TradingView
    portfolio: schemas.PortfolioView
    performance: schemas.PerformanceView
    bar_seconds: float = Field(description="wall seconds between the paper market's bars")
    equity_curve: list[CurvePoint] = Field(description="at most 600 points, oldest first")
    recent_fills: list[FillRow] = Field(description="newest first")
    slo: schemas.SloResponse
    incidents: list[IncidentView] = Field(description="unresolved, oldest first")
    signals: list[DashboardSignal] = Field(description="newest first")
    news: list[NewsItem] = Field(description="newest first; empty until news is ingested")
    latest_backtest_report: BacktestReportLink | None


def dashboard_state(facade: TradingFacade) -> DashboardState:
    portfolio, performance, trading = facade.overview()
    with facade.engine_lock:
        curve = facade.engine.portfolio.equity_curve
        timestamps, values = curve.timestamps.copy(), curve.values.copy()
    fills = facade.storage.journal.recent_fills(RECENT_FILLS)
    return DashboardState(
        generated_at=datetime.now(UTC),
        run_id=facade.run_id,
        mode=facade.mode(),
        trading=trading,
        portfolio=portfolio,
        performance=performance,
        bar_seconds=facade.settings.bar_interval_seconds,
        equity_curve=curve_points(timestamps, values, MAX_CURVE_POINTS),
        recent_fills=[_fill_row(f) for f in fills],
        slo=facade.slo_report(),
        incidents=[incident_view(i) for i in facade.operations.incidents.unresolved()],
        signals=[_with_contributions(s) for s in facade.signals(RECENT_SIGNALS).signals],
        news=read_news(facade.settings.data_dir / NEWS_FILE, RECENT_NEWS),
        latest_backtest_report=_latest_report(facade.reports.output_dir / LATEST_REPORT),
    )


def curve_points(
    timestamps: npt.NDArray[np.int64], values: npt.NDArray[np.float64], limit: int
) -> list[CurvePoint]:
    """The curve thinned to ``limit`` points (always keeping the last), with each point's
    drawdown measured against the peak of the whole curve up to it, not the thinned one."""
    if len(values) == 0:
        return []
    drawdowns = drawdown_series(values)
    picked = np.unique(np.linspace(0, len(values) - 1, min(limit, len(values))).astype(np.int64))
    return [
        CurvePoint(
            ts=ns_to_datetime(int(timestamps[i])),
            equity=float(values[i]),
            drawdown=max(0.0, float(drawdowns[i])),
        )
        for i in picked
    ]


def read_news(path: Path, limit: int) -> list[NewsItem]:
    """Items of the news file (``data/news.json``, written by news ingestion: a list, or an
    object with ``items``), newest first. A missing file is no news; a broken one is
    logged and shown as no news rather than failing the whole dashboard."""
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        raw = document.get("items", []) if isinstance(document, dict) else document
        items = [_news_item(entry) for entry in raw if isinstance(entry, dict)]
    except (OSError, ValueError, ValidationError) as exc:
        logger.warning("news file %s unreadable: %s", path, exc)
        return []
    dated = sorted(
        (i for i in items if i.published_at is not None),
        key=lambda i: i.published_at or datetime.min,
        reverse=True,
    )
    return (dated + [i for i in items if i.published_at is None])[:limit]


def _news_item(entry: dict[str, Any]) -> NewsItem:
    sentiment = entry.get("sentiment")
    if isinstance(sentiment, dict):
        sentiment = sentiment.get("compound")
    return NewsItem(
        title=str(entry.get("title", "")).strip() or "(untitled)",
        url=entry.get("url") or entry.get("link"),
        source=entry.get("source"),
        published_at=entry.get("published_at") or entry.get("published"),
        sentiment=sentiment,
    )


def _with_contributions(signal: schemas.SignalView) -> DashboardSignal:
    """A strategy's own signal is one member voting with its confidence; an ensemble
    signal (SPEC AI-1) will carry its members' shares the same way."""
    vote = VOTES.get(SignalAction(signal.action), 0.0)
    return DashboardSignal(
        **signal.model_dump(),
        contributions=[Contribution(member=signal.strategy, contribution=vote * signal.confidence)],
    )


def _fill_row(fill: Fill) -> FillRow:
    return FillRow(
        ts=ns_to_datetime(fill.ts_event),
        symbol=fill.symbol,
        side=fill.side.value,
        quantity=str(fill.quantity),
        price=str(fill.price),
        fee=str(fill.fee),
        client_order_id=fill.client_order_id,
    )


def _latest_report(path: Path) -> BacktestReportLink | None:
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return BacktestReportLink(
        url=LATEST_BACKTEST_ROUTE,
        generated_at=datetime.fromtimestamp(modified).astimezone(),
    )
