"""Prometheus metrics for the bot (SPEC OPS-1), on a registry the caller passes in.

Nothing is registered at import time and prometheus' global ``REGISTRY`` is never used:
``TradingMetrics(CollectorRegistry())`` owns its metrics, so two instances (two tests, two
bots in one process) never clash. Metric names are the runbook's, kept exactly; the
reference is ``docs/reference/metrics.md``.

Gauges whose value is not known yet hold NaN (``win_rate``, ``sharpe_ratio``, an SLO ratio
without samples): a Prometheus comparison with NaN is false, so no alert fires on "no data".
Times never seen (``last_heartbeat``, ``last_backup_time``) hold 0, so "too long ago" alerts
do fire.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from ai_trader.observability.operations_metrics import OperationsMetrics
from ai_trader.observability.slo import OBJECTIVES, SloReport

ORDER_STATUSES: tuple[str, ...] = (
    "submitted",
    "accepted",
    "filled",
    "rejected",
    "denied",
    "canceled",
    "failed",
)


class ReconciliationFigures(Protocol):
    @property
    def mismatches(self) -> Mapping[str, int]: ...

    @property
    def max_position_drift(self) -> Decimal: ...

    @property
    def consecutive_mismatches(self) -> int: ...


BreakerState = Literal["closed", "half_open", "open"]
BREAKER_STATES: dict[str, int] = {"closed": 0, "half_open": 1, "open": 2}
SLO_TIERS: dict[str, int] = {"A": 0, "B": 1, "C": 2}

# 1 ms .. 5 s; 2 s is a bucket edge because the latency SLO is "under 2 s".
ORDER_LATENCY_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.0,
    5.0,
)
HTTP_DURATION_BUCKETS: tuple[float, ...] = ORDER_LATENCY_BUCKETS


def _gauge(name: str, documentation: str, registry: CollectorRegistry) -> Gauge:
    return Gauge(name, documentation, registry=registry)


class TradingMetrics:
    """Every metric the bot exports, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self.orders_total = Counter(
            "ai_trader_orders_total",
            "Orders by outcome.",
            ["status"],
            registry=registry,
        )
        for status in ORDER_STATUSES:
            self.orders_total.labels(status=status)
        self.order_latency_seconds = Histogram(
            "ai_trader_order_latency_seconds",
            "Seconds from submitting an order to the venue's answer.",
            buckets=ORDER_LATENCY_BUCKETS,
            registry=registry,
        )
        self.http_request_duration_seconds = Histogram(
            "ai_trader_http_request_duration_seconds",
            "Seconds the API took to answer a request.",
            ["method", "route", "status"],
            buckets=HTTP_DURATION_BUCKETS,
            registry=registry,
        )
        self._create_slo_gauges(registry)
        self._create_state_gauges(registry)
        self._create_portfolio_gauges(registry)
        self.operations = OperationsMetrics(registry)

    def _create_slo_gauges(self, registry: CollectorRegistry) -> None:
        self.slo_compliance_ratio = Gauge(
            "ai_trader_slo_compliance_ratio",
            "Share of good events per SLO over the rolling window (NaN: no samples).",
            ["slo"],
            registry=registry,
        )
        for objective in OBJECTIVES:
            self.slo_compliance_ratio.labels(slo=objective.name).set(math.nan)
        self.slo_tier = _gauge(
            "ai_trader_slo_tier", "SLO tier: 0 = A (all met), 1 = B, 2 = C.", registry
        )

    def _create_state_gauges(self, registry: CollectorRegistry) -> None:
        self.bot_running = _gauge("bot_running", "1 while the bot runs, else 0.", registry)
        self.api_connected = _gauge(
            "api_connected", "1 while the venue connection is up, else 0.", registry
        )
        self.trading_halted = _gauge(
            "trading_halted", "1 while trading is halted, else 0.", registry
        )
        self.last_heartbeat = _gauge(
            "last_heartbeat", "Unix seconds of the last heartbeat (0: none yet).", registry
        )
        self.circuit_breaker_state = Gauge(
            "circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
            ["breaker"],
            registry=registry,
        )
        self.tca_fill_rate = Gauge(
            "ai_trader_tca_fill_rate",
            "Orders filled / orders decided (filled, rejected, canceled unfilled), by venue.",
            ["venue"],
            registry=registry,
        )
        self.tca_slippage_bps = Gauge(
            "ai_trader_tca_slippage_bps",
            "Mean slippage against the decision price, basis points (positive: worse).",
            ["venue"],
            registry=registry,
        )
        self.tca_fill_latency_ms = Gauge(
            "ai_trader_tca_fill_latency_ms",
            "Median submit-to-first-fill latency, milliseconds.",
            ["venue"],
            registry=registry,
        )
        self.reconciliation_mismatches = Gauge(
            "ai_trader_reconciliation_mismatches",
            "Differences found by the last reconciliation cycle, by kind.",
            ["kind"],
            registry=registry,
        )
        self.reconciliation_drift = _gauge(
            "ai_trader_reconciliation_position_drift",
            "Largest absolute position difference (venue minus journal) last cycle.",
            registry,
        )
        self.reconciliation_consecutive = _gauge(
            "ai_trader_reconciliation_consecutive_mismatches",
            "Mismatching reconciliation cycles in a row (3 is a breach).",
            registry,
        )
        self.backup_count = _gauge("backup_count", "Backups kept.", registry)
        self.last_backup_time = _gauge(
            "last_backup_time", "Unix seconds of the last backup (0: none yet).", registry
        )

    def _create_portfolio_gauges(self, registry: CollectorRegistry) -> None:
        self.total_equity = _gauge("total_equity", "Account equity.", registry)
        self.daily_pnl = _gauge("daily_pnl", "Profit and loss since the day began.", registry)
        self.open_positions = _gauge("open_positions", "Open positions.", registry)
        self.win_rate = _gauge(
            "win_rate", "Share of closed trades that won (NaN: none yet).", registry
        )
        self.win_rate.set(math.nan)
        self.sharpe_ratio = _gauge(
            "sharpe_ratio", "Sharpe ratio of the returns (NaN: not enough data).", registry
        )
        self.sharpe_ratio.set(math.nan)

    @property
    def registry(self) -> CollectorRegistry:
        return self._registry

    def observe_order(self, status: str, latency_seconds: float | None = None) -> None:
        """Count an order outcome; observe its latency when one is given."""
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}; allowed: {_listed(ORDER_STATUSES)}")
        if latency_seconds is not None and not (
            math.isfinite(latency_seconds) and latency_seconds >= 0
        ):
            raise ValueError(f"latency_seconds must be finite and ≥ 0, got {latency_seconds}")
        self.orders_total.labels(status=status).inc()
        if latency_seconds is not None:
            self.order_latency_seconds.observe(latency_seconds)

    def set_portfolio(
        self,
        equity: float,
        daily_pnl: float,
        open_positions: int,
        win_rate: float | None,
        sharpe: float | None,
    ) -> None:
        """The portfolio figures; ``None`` means "not known yet" and is exported as NaN."""
        if open_positions < 0:
            raise ValueError(f"open_positions must be ≥ 0, got {open_positions}")
        if win_rate is not None and not 0.0 <= win_rate <= 1.0:
            raise ValueError(f"win_rate must lie in [0, 1], got {win_rate}")
        self.total_equity.set(equity)
        self.daily_pnl.set(daily_pnl)
        self.open_positions.set(open_positions)
        self.win_rate.set(math.nan if win_rate is None else win_rate)
        self.sharpe_ratio.set(math.nan if sharpe is None else sharpe)

    def heartbeat(self, ts_seconds: float) -> None:
        """Record a heartbeat at ``ts_seconds`` (Unix seconds, from the caller's clock)."""
        self.last_heartbeat.set(ts_seconds)

    def set_running(self, running: bool) -> None:
        self.bot_running.set(int(running))

    def set_api_connected(self, connected: bool) -> None:
        self.api_connected.set(int(connected))

    def set_halted(self, halted: bool) -> None:
        self.trading_halted.set(int(halted))

    def set_circuit_breaker(self, breaker: str, state: BreakerState) -> None:
        """Export one breaker's state: closed 0, half_open 1, open 2."""
        if state not in BREAKER_STATES:
            raise ValueError(f"unknown breaker state {state!r}; allowed: {_listed(BREAKER_STATES)}")
        self.circuit_breaker_state.labels(breaker=breaker).set(BREAKER_STATES[state])

    def set_backups(self, count: int, last_time: datetime | None) -> None:
        """Backups kept and when the last one was taken (timezone-aware; ``None``: never)."""
        if count < 0:
            raise ValueError(f"count must be ≥ 0, got {count}")
        if last_time is not None and last_time.tzinfo is None:
            raise ValueError(f"naive datetime {last_time!r}: last_time must be timezone-aware")
        self.backup_count.set(count)
        self.last_backup_time.set(0.0 if last_time is None else last_time.timestamp())

    def set_tca(
        self,
        venue: str,
        fill_rate: float | None,
        slippage_bps: float | None,
        fill_latency_ms: float | None,
    ) -> None:
        """Export one venue's TCA scorecard (NaN where there is no sample yet)."""
        for gauge, value in (
            (self.tca_fill_rate, fill_rate),
            (self.tca_slippage_bps, slippage_bps),
            (self.tca_fill_latency_ms, fill_latency_ms),
        ):
            gauge.labels(venue=venue).set(math.nan if value is None else value)

    def set_reconciliation(self, metrics: ReconciliationFigures) -> None:
        """Export the reconciler's figures (anything with ``mismatches`` by kind,
        ``max_position_drift`` and ``consecutive_mismatches``)."""
        for kind, count in metrics.mismatches.items():
            self.reconciliation_mismatches.labels(kind=kind).set(count)
        self.reconciliation_drift.set(float(metrics.max_position_drift))
        self.reconciliation_consecutive.set(metrics.consecutive_mismatches)

    def set_slo(self, report: SloReport) -> None:
        """Export an ``SloTracker`` report: one ratio per SLO (NaN without samples), the tier."""
        for name, status in report.slos.items():
            ratio = math.nan if status.actual is None else status.actual
            self.slo_compliance_ratio.labels(slo=name).set(ratio)
        self.slo_tier.set(SLO_TIERS[report.tier])

    def observe_http(self, method: str, route: str, status: int | str, seconds: float) -> None:
        """Observe one API request; ``route`` is the route template, not the raw path."""
        self.http_request_duration_seconds.labels(
            method=method.upper(), route=route, status=str(status)
        ).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in the text exposition format, and its content type."""
        return generate_latest(self._registry), CONTENT_TYPE_LATEST


def _listed(names: Sequence[str] | dict[str, int]) -> str:
    return ", ".join(names)
