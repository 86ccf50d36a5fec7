"""The service's operations loop (SPEC DAT-2, OPS-3..5, RSK-1): data-quality cycles, incidents
opened from breaches, risk warnings, pages, the ack SLA and the operations metrics.

The facade calls :meth:`OperationsMonitor.tick` about once a second with its engine lock
held, :meth:`on_bar` for every bar, and the ``on_*`` hooks when a breach happens. Incidents
go to ``results/runs/<run_id>/incident_events.jsonl``; each opened incident is also written
to the audit journal, published on the websocket and paged when paging wants its severity.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ai_trader.config.settings import TIMEFRAME_SECONDS, Settings
from ai_trader.core.errors import AiTraderError
from ai_trader.domain.bar import Bar
from ai_trader.engine.engine import TradingEngine
from ai_trader.observability.audit import AuditJournal
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.observability.paging import Pager, PagingConfig
from ai_trader.observability.slo import SloReport, SloTracker
from ai_trader.runtime.data_quality import BREACH_REASON, DataQualityMonitor, DataQualityReport
from ai_trader.runtime.data_quality_checks import DataQualityConfig
from ai_trader.runtime.incidents import Incident, IncidentLog

logger = logging.getLogger(__name__)

AUDIT_VERIFY_EVERY_SECONDS = 60.0
RISK_WARNING_SHARE = 0.8
"""A loss or drawdown past this share of its limit is a ``risk_warning``."""
MIN_GAP_SECONDS = 10.0
MIN_STALE_SECONDS = 10.0
SLO_MIN_SAMPLES = 20
"""An SLO below target opens an incident only once it has this many samples."""


@dataclass(frozen=True, slots=True)
class RiskMarks:
    drawdown: float
    daily_loss: float
    """Loss since the day began as a fraction of the day's starting equity (0 when up)."""
    day_start: float


class OperationsMonitor:
    def __init__(
        self,
        settings: Settings,
        *,
        run_dir: Path,
        run_id: str,
        metrics: TradingMetrics,
        slo: SloTracker,
        audit: AuditJournal,
        publish: Callable[[dict[str, Any]], None],
        pager: Pager | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics.operations
        self._audit = audit
        self._publish = publish
        self.incidents = IncidentLog(
            run_dir, run_id, on_ack_sla=lambda _i, within: slo.record_incident_ack(within)
        )
        url = settings.slo_paging_webhook_url
        self.pager = pager or Pager(
            PagingConfig(
                enabled=settings.slo_paging_enabled,
                webhook_url=url.get_secret_value() if url else None,
                min_severity=settings.slo_paging_min_severity,
            ),
            on_outcome=self._metrics.observe_page,
            outcomes_path=run_dir / "paging_events.jsonl",
        )
        self._bar_seconds = bar_spacing_seconds(settings)
        self._feed_offset_ns = 0
        self.data_quality = DataQualityMonitor(
            data_quality_config(settings),
            bar_seconds=self._bar_seconds,
            symbols=settings.symbols,
            run_dir=run_dir,
        )
        self._cycle_every = settings.data_quality_interval_seconds
        self._last_cycle = 0.0
        self._last_verify = 0.0
        self._warned: set[str] = set()

    # -- hooks ----------------------------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        self.data_quality.observe(bar)
        self._feed_offset_ns = bar.ts_event - time.time_ns()

    def on_risk_breach(self, reason: str) -> None:
        self.open_incident("risk", "critical", "risk limit breached", reason, key="risk:limit")

    def on_reconciliation_breach(self, reason: str) -> None:
        self.open_incident(
            "reconciliation", "critical", "reconciliation breach", reason, key="reconciliation"
        )

    def on_reconciliation_clean(self) -> None:
        self.incidents.clear("reconciliation", "two clean reconciliation cycles")

    def on_breaker(self, name: str, state: str, reason: str) -> None:
        key = f"broker_connectivity:breaker:{name}"
        if state == "open":
            self.open_incident(
                "broker_connectivity", "critical", f"circuit breaker {name} open", reason, key=key
            )
        elif state == "closed":
            self.incidents.clear(key, "circuit breaker closed")

    def on_executor_failure(self, error: str) -> None:
        self.open_incident(
            "broker_connectivity",
            "critical",
            "executor failed (auto-heal)",
            error,
            key="broker_connectivity:executor",
        )

    # -- periodic work ----------------------------------------------------------------------

    def tick(self, engine: TradingEngine, slo_report: SloReport, capital: float) -> None:
        now = time.time()
        if now - self._last_cycle >= self._cycle_every:
            self._last_cycle = now
            # in the feed's time: a replayed or recorded market is stale only when its bars
            # stop arriving, not because they are stamped in the past
            self._data_quality_cycle(engine, time.time_ns() + self._feed_offset_ns)
        marks = risk_marks(engine)
        self._risk_warnings(marks)
        self._slo_incidents(slo_report)
        self.incidents.check_ack_sla()
        self._export(marks, capital, now)

    def _data_quality_cycle(self, engine: TradingEngine, now_ns: int) -> DataQualityReport:
        report = self.data_quality.run_cycle(now_ns)
        self._metrics.set_data_quality(report.errors, report.stale_warnings)
        if report.breach is not None:
            if engine.risk.halt is None:
                engine.halt_entries(report.breach)
            self.open_incident(
                "data_quality", "critical", "data-quality breach", report.breach, key="data_quality"
            )
        else:
            halt = engine.risk.halt
            # also a halt restored at start, which this monitor never saw begin
            held = halt is not None and halt.reason.startswith(BREACH_REASON)
            if held and not report.critical:
                engine.resume_entries("data quality clean for one cycle")
            if report.resumed or (held and not report.critical):
                self.incidents.clear("data_quality", "one clean data-quality cycle")
        return report

    def _risk_warnings(self, marks: RiskMarks) -> None:
        settings = self._settings
        for name, value, limit in (
            ("daily_loss", marks.daily_loss, settings.max_daily_loss),
            ("drawdown", marks.drawdown, settings.max_drawdown_limit),
        ):
            if value >= RISK_WARNING_SHARE * limit and name not in self._warned:
                self._warned.add(name)
                reason = f"{name} {value:.2%} reached {value / limit:.0%} of its {limit:.2%} limit"
                self._write_audit(
                    "risk engine",
                    "risk_warning",
                    reason,
                    {"measure": name, "value": value, "limit": limit},
                )
                self.open_incident(
                    "risk", "warning", f"{name} near its limit", reason, key=f"risk:warning:{name}"
                )
            elif value < 0.5 * RISK_WARNING_SHARE * limit and name in self._warned:
                self._warned.discard(name)
                self.incidents.clear(f"risk:warning:{name}", f"{name} back to {value:.2%}")

    def _slo_incidents(self, report: SloReport) -> None:
        if report.tier == "C":
            self.open_incident(
                "slo", "critical", "SLO tier C", _slo_summary(report), key="slo:tier_c"
            )
        else:
            self.incidents.clear("slo:tier_c", f"SLO tier {report.tier}")
        for name, status in report.slos.items():
            key = f"slo:{name}"
            if not status.met and status.samples >= SLO_MIN_SAMPLES:
                detail = f"{name} {status.actual:.2%} below its {status.target:.2%} target"
                self.open_incident("slo", "warning", f"SLO {name} below target", detail, key=key)
            elif status.met:
                self.incidents.clear(key, f"{name} met again")

    def _export(self, marks: RiskMarks, capital: float, now: float) -> None:
        settings = self._settings
        self._metrics.set_risk(
            marks.drawdown,
            settings.max_drawdown_limit,
            settings.max_daily_loss * marks.day_start if marks.day_start > 0 else None,
        )
        self._metrics.set_capital(capital)
        unresolved = self.incidents.unresolved()
        by_severity = {
            severity: sum(i.severity == severity for i in unresolved)
            for severity in ("critical", "warning")
        }
        now_utc = datetime.now(UTC)
        unacked = [
            i.age_seconds(now_utc)
            for i in unresolved
            if i.severity == "critical" and i.acked_at is None
        ]
        self._metrics.set_incidents(by_severity, max(unacked, default=0.0))
        if now - self._last_verify >= AUDIT_VERIFY_EVERY_SECONDS:
            self._last_verify = now
            self.verify_audit()

    def verify_audit(self) -> bool:
        verification = self._audit.verify()
        head = self._audit.head()
        self._metrics.set_audit_chain(head.seq if head else 0, verification.ok)
        if not verification.ok:
            logger.error(
                "AUDIT JOURNAL BROKEN at seq %s: %s",
                verification.first_bad_seq,
                verification.problem,
            )
        return verification.ok

    # -- incidents ----------------------------------------------------------------------------

    def open_incident(
        self, incident_class: str, severity: str, title: str, detail: str, *, key: str
    ) -> Incident | None:
        """Open (once per condition), audit, publish and page an incident."""
        incident = self.incidents.open(incident_class, severity, title, detail, key)
        if incident is None:
            return None
        log = logger.error if severity == "critical" else logger.warning
        log(
            "incident %s opened (%s, %s): %s — %s",
            incident.incident_id,
            incident_class,
            severity,
            title,
            detail,
        )
        self._write_audit("system", "incident_open", title, incident.to_dict())
        message = incident.to_dict()
        self._publish({"type": "incident", **message})
        self.pager.page(severity, {"event_type": "incident_open", **message})
        return incident

    def ack(self, incident_id: str, actor: str, notes: str) -> Incident:
        incident = self.incidents.ack(incident_id, actor, notes)
        self._write_audit(actor, "incident_ack", notes, {"incident_id": incident_id})
        return incident

    def resolve(self, incident_id: str, actor: str, notes: str) -> Incident:
        incident = self.incidents.resolve(incident_id, actor, notes)
        self._write_audit(actor, "incident_resolve", notes, {"incident_id": incident_id})
        return incident

    def close(self) -> None:
        self.pager.close()

    def _write_audit(self, actor: str, action: str, reason: str, details: dict[str, Any]) -> None:
        try:
            self._audit.append(actor, action, reason or "-", details)
        except (AiTraderError, OSError) as exc:
            logger.error("AUDIT WRITE FAILED for %s %s by %s: %s", action, reason, actor, exc)


def bar_spacing_seconds(settings: Settings) -> float:
    """Seconds between two bars' ``ts_event``: the candle size on an exchange, the pacing
    of the paper market (its bars are stamped when they are made)."""
    if settings.exchange:
        return float(TIMEFRAME_SECONDS[settings.timeframe])
    return settings.bar_interval_seconds


def data_quality_config(settings: Settings) -> DataQualityConfig:
    """The checks' thresholds in bar intervals, but never tighter than a few seconds: with
    sub-second paper bars a scheduling hiccup is not a gap in the market data."""
    bars_in = bar_spacing_seconds(settings)
    return DataQualityConfig(
        jump_sigma=settings.data_quality_jump_sigma,
        stale_after_bars=max(3.0, MIN_STALE_SECONDS / bars_in),
        stale_critical_after_bars=max(10.0, 3 * MIN_STALE_SECONDS / bars_in),
        missing_critical_bars=max(5, math.ceil(MIN_GAP_SECONDS / bars_in)),
    )


def risk_marks(engine: TradingEngine) -> RiskMarks:
    limits = engine.risk.limits_snapshot()
    equity = engine.portfolio.equity_float()
    drawdown = max(0.0, 1.0 - equity / limits.peak) if limits.peak > 0 else 0.0
    loss = limits.day_start - equity
    daily_loss = max(0.0, loss / limits.day_start) if limits.day_start > 0 else 0.0
    return RiskMarks(drawdown=drawdown, daily_loss=daily_loss, day_start=limits.day_start)


def _slo_summary(report: SloReport) -> str:
    unmet = [
        f"{name} {status.actual:.2%} < {status.target:.2%}"
        for name, status in report.slos.items()
        if not status.met and status.actual is not None
    ]
    return "; ".join(unmet) or "SLOs below their tier-C thresholds"
