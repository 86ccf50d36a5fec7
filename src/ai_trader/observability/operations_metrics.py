"""Metrics of the operations toolkit (SPEC OPS-2..5): risk marks against their limits, SLO
events for burn-rate alerts, data quality, incidents, the audit chain head, paging and the
capital in use. Registered on the caller's registry by ``TradingMetrics``; the alert rules in
``deploy/prometheus/rules`` read them by these exact names."""

from __future__ import annotations

import math
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector

from ai_trader.observability.slo import OBJECTIVES

SEVERITIES: tuple[str, ...] = ("critical", "warning")
SLO_OUTCOMES: tuple[str, ...] = ("good", "bad")
PAGE_OUTCOMES: tuple[str, ...] = ("delivered", "failed")


class OperationsMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        ProcessCollector(registry=registry)  # process_start_time_seconds: restart-rate alert
        self.current_drawdown = Gauge(
            "current_drawdown", "Fall of equity from its peak, as a fraction.", registry=registry
        )
        self.risk_max_drawdown = Gauge(
            "risk_max_drawdown", "Configured drawdown limit, as a fraction.", registry=registry
        )
        self.risk_daily_loss_limit = Gauge(
            "risk_daily_loss_limit",
            "Configured daily loss limit in the account currency (positive; NaN: unknown).",
            registry=registry,
        )
        self.risk_daily_loss_limit.set(math.nan)
        self.slo_events_total = Counter(
            "ai_trader_slo_events_total",
            "SLO events by objective and outcome (for burn-rate alerts).",
            ["slo", "outcome"],
            registry=registry,
        )
        for objective in OBJECTIVES:
            for outcome in SLO_OUTCOMES:
                self.slo_events_total.labels(slo=objective.name, outcome=outcome)
        self.data_quality_errors = Gauge(
            "ai_trader_data_quality_errors",
            "Critical data-quality issues found by the last cycle.",
            registry=registry,
        )
        self.data_quality_stale_warnings = Gauge(
            "ai_trader_data_quality_stale_warnings",
            "Stale-data warnings of the last data-quality cycle.",
            registry=registry,
        )
        self._create_incident_metrics(registry)

    def _create_incident_metrics(self, registry: CollectorRegistry) -> None:
        self.incidents_open = Gauge(
            "ai_trader_incidents_open",
            "Incidents not resolved yet, by severity.",
            ["severity"],
            registry=registry,
        )
        for severity in SEVERITIES:
            self.incidents_open.labels(severity=severity).set(0)
        self.incident_oldest_unacked_seconds = Gauge(
            "ai_trader_incident_oldest_unacked_seconds",
            "Age of the oldest unacknowledged critical incident (0: none).",
            registry=registry,
        )
        self.audit_chain_length = Gauge(
            "ai_trader_audit_chain_length",
            "Sequence number of the audit journal's head; it never decreases.",
            registry=registry,
        )
        self.audit_chain_valid = Gauge(
            "ai_trader_audit_chain_valid",
            "1 when the audit journal verified at the last check, 0 when it is broken.",
            registry=registry,
        )
        self.audit_chain_valid.set(1)
        self.paging_deliveries_total = Counter(
            "ai_trader_paging_deliveries_total",
            "Pages sent to the paging webhook, by outcome.",
            ["outcome"],
            registry=registry,
        )
        for outcome in PAGE_OUTCOMES:
            self.paging_deliveries_total.labels(outcome=outcome)
        self.capital_effective_ratio = Gauge(
            "ai_trader_capital_effective_ratio",
            "Fraction of the capital strategies may use (capital staging).",
            registry=registry,
        )

    def set_risk(
        self, drawdown: float, max_drawdown: float, daily_loss_limit: float | None
    ) -> None:
        """The fall from the peak and the limits it is held against (``None``: unknown)."""
        self.current_drawdown.set(drawdown)
        self.risk_max_drawdown.set(max_drawdown)
        self.risk_daily_loss_limit.set(math.nan if daily_loss_limit is None else daily_loss_limit)

    def observe_slo_event(self, slo: str, good: bool) -> None:
        if slo not in {objective.name for objective in OBJECTIVES}:
            raise ValueError(f"unknown SLO {slo!r}")
        self.slo_events_total.labels(slo=slo, outcome="good" if good else "bad").inc()

    def set_data_quality(self, errors: int, stale_warnings: int) -> None:
        self.data_quality_errors.set(errors)
        self.data_quality_stale_warnings.set(stale_warnings)

    def set_incidents(self, open_by_severity: Mapping[str, int], oldest_unacked: float) -> None:
        for severity in SEVERITIES:
            self.incidents_open.labels(severity=severity).set(open_by_severity.get(severity, 0))
        self.incident_oldest_unacked_seconds.set(oldest_unacked)

    def set_audit_chain(self, length: int, valid: bool) -> None:
        self.audit_chain_length.set(length)
        self.audit_chain_valid.set(int(valid))

    def observe_page(self, delivered: bool) -> None:
        self.paging_deliveries_total.labels(outcome="delivered" if delivered else "failed").inc()

    def set_capital(self, fraction: float) -> None:
        self.capital_effective_ratio.set(fraction)
