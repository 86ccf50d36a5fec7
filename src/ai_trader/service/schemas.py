"""Request and response models of the HTTP API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.domain.enums import Mode

Money = float
"""Amounts shown to people and dashboards; the journal keeps the exact decimals."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- health and status ----------------------------------------------------------------


class Pong(Model):
    pong: bool = True


class HealthResponse(Model):
    status: Literal["healthy", "degraded", "unhealthy"]
    reasons: list[str] = Field(description="why it is not healthy; empty when healthy")
    checked_at: datetime


class PositionView(Model):
    symbol: str
    quantity: Decimal
    average_price: Decimal
    mark_price: Decimal | None
    unrealized_pnl: Money


class OrderView(Model):
    client_order_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    filled: Decimal
    price: Decimal | None
    status: str
    tag: str
    reason: str = ""


class PortfolioView(Model):
    starting_cash: Money
    cash: Money
    equity: Money
    realized_pnl: Money
    unrealized_pnl: Money
    fees_paid: Money
    positions: list[PositionView]
    open_orders: list[OrderView]


class PerformanceView(Model):
    total_return: float
    daily_pnl: Money
    drawdown: float
    peak_equity: Money
    closed_trades: int
    win_rate: float | None
    sharpe: float | None
    max_drawdown: float


class TradingView(Model):
    mode: Mode
    halted: bool
    halt_reason: str | None
    trading_halted_until: datetime | None
    exec_mode: str
    dry_run: bool
    strategy: str
    symbols: list[str]


class ComponentView(Model):
    status: Literal["ok", "degraded", "down"]
    detail: str = ""


class StatusResponse(Model):
    run_id: str
    started_at: datetime
    portfolio: PortfolioView
    performance: PerformanceView
    trading: TradingView
    components: dict[str, ComponentView]


# -- trading --------------------------------------------------------------------------


class OpenRequest(Model):
    symbol: str = Field(min_length=1, max_length=64, examples=["SYN/USD"])
    side: Literal["buy", "sell"]
    order_type: Literal["market", "limit"] = "market"
    quantity: Decimal | None = Field(None, gt=0, description="units; or give risk_fraction")
    risk_fraction: Decimal | None = Field(
        None, gt=0, le=1, description="fraction of equity risked to the stop (or to zero)"
    )
    limit_price: Decimal | None = Field(None, gt=0, description="required for limit orders")
    stop_loss: Decimal | None = Field(None, gt=0, description="protective stop price")
    take_profit: Decimal | None = Field(None, gt=0, description="take-profit price")


class CloseRequest(Model):
    symbol: str = Field(min_length=1, max_length=64, examples=["SYN/USD"])
    reason: str = Field("closed by operator", max_length=200)


class ReasonRequest(Model):
    reason: str = Field("operator request", min_length=1, max_length=200)


class FillView(Model):
    trade_id: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    ts: datetime


class OrderResult(Model):
    client_order_id: str
    status: str
    symbol: str
    side: str
    quantity: Decimal
    reason: str = ""
    fills: list[FillView] = Field(default_factory=list)


class ActionResult(Model):
    action: str
    orders: list[OrderResult] = Field(default_factory=list)
    canceled_orders: int = 0
    mode: Mode
    halt_reason: str | None = None


class ErrorItem(Model):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(Model):
    detail: str = Field(description="what was wrong, in one line")
    errors: list[ErrorItem] | None = Field(None, description="every problem of an invalid body")


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing, invalid or revoked token"},
    403: {"model": ErrorResponse, "description": "the token's role is too low"},
}
"""The OpenAPI answers every token-protected route shares."""


class TradeView(Model):
    timestamp: datetime
    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    pnl: Decimal
    fees: Decimal
    entry_time: datetime
    strategy: str


class TradesResponse(Model):
    trades: list[TradeView]


class PerformanceResponse(Model):
    bars: int
    closed_trades: int
    starting_cash: Money
    final_equity: Money
    total_return: float
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    win_rate: float | None
    profit_factor: float | None
    fees: Money
    realized_pnl: Money
    unrealized_pnl: Money


class SignalView(Model):
    strategy: str
    symbol: str
    action: str
    confidence: float
    reference_price: float
    reason: str
    ts: datetime


class SignalsResponse(Model):
    strategies: list[str]
    signals: list[SignalView] = Field(description="newest first")


# -- mode -----------------------------------------------------------------------------


class ModeResponse(Model):
    mode: Mode
    halted: bool
    halt_reason: str | None
    trading_halted_until: datetime | None
    changed_at: datetime | None
    changed_by: str | None


class ModeRequest(Model):
    mode: Mode
    reason: str = Field("", max_length=200)
    until: datetime | None = Field(None, description="halt only: resume automatically then")


# -- observability --------------------------------------------------------------------


class SloView(Model):
    target: float
    actual: float | None
    met: bool
    samples: int


class SloResponse(Model):
    tier: Literal["A", "B", "C"]
    slos: dict[str, SloView]


class VenueScoreView(Model):
    venue: str
    orders_submitted: int
    orders_filled: int
    orders_rejected: int
    orders_canceled_unfilled: int
    fill_rate: float | None
    mean_slippage_bps: float | None = Field(description="vs the decision price; + is worse")
    worst_slippage_bps: float | None
    median_fill_latency_ms: float | None


class TcaResponse(Model):
    venues: list[VenueScoreView]


class CapitalChangeView(Model):
    from_percent: float
    to_percent: float
    approved_by: str
    approved_at: datetime
    reason: str
    slo_tier: str


class CapitalResponse(Model):
    percent: float = Field(description="stage in use: 10, 20, 30, 50, 70 or 100")
    effective_capital: Money
    total_capital: Money
    approved_by: str | None
    approved_at: datetime | None
    reason: str | None
    history: list[CapitalChangeView]


class CapitalRequest(Model):
    stage: int = Field(description="10, 20, 30, 50, 70 or 100; up one stage at a time")
    reason: str = Field(min_length=1, max_length=500)


class ColorView(Model):
    color: str
    path: str
    active: bool
    strategy: str | None
    params: dict[str, str | int | float | bool]
    problem: str | None


class CanaryResponse(Model):
    active: str
    colors: list[ColorView]


class CanaryRequest(Model):
    color: Literal["blue", "green"] | None = Field(None, description="omit to roll back")
    reason: str = Field(min_length=1, max_length=500)


class HealSnapshotView(Model):
    component: str
    exec_mode: str
    dry_run: bool
    venue: str
    testnet: bool
    error_type: str
    error_message: str
    created_at: str
    heals: int
    replayed_at: str | None


class HealResponse(Model):
    snapshots: list[HealSnapshotView]
    heals_this_run: int


class HealReplayResponse(Model):
    component: str
    outcome: str


# -- backtest -------------------------------------------------------------------------


class BacktestRequest(Model):
    strategy: str = "sma_cross"
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    bars: int = Field(5_000, ge=50, le=200_000, description="synthetic bars")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    cash: Decimal = Field(Decimal(100_000), gt=0, le=Decimal(10) ** 12)
    commission: float = Field(0.001, ge=0, le=0.1)
    slippage_bps: float = Field(0.0, ge=0, le=1000)
    sizing: str = Field("all_in", max_length=32)
    report: bool = Field(
        False,
        description="answer with the self-contained HTML report (text/html) instead of JSON; "
        "it is also kept as the latest report (GET /reports/backtest/latest)",
    )


class EquityPoint(Model):
    ts: datetime
    equity: Money


class BacktestTrade(Model):
    symbol: str
    direction: str
    entry_time: datetime
    exit_time: datetime
    quantity: Decimal
    entry_price: Decimal
    exit_price: Decimal
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal


class BacktestResponse(Model):
    run_id: str
    stats: dict[str, float | int | str | bool | None]
    equity_curve: list[EquityPoint] = Field(description="at most 1,000 points, evenly spaced")
    trades: list[BacktestTrade]
