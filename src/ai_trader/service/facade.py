"""The application facade (SPEC API-1): every interface — HTTP API, CLI, chat, dashboard —
acts on the running system through this one object.

It owns the paper session (the engine runs on its own thread and holds ``engine_lock``
while it handles a bar; every call here takes the same lock, so an operator's order is
placed between two bars, at once, never in the middle of one), the mode controller, the
metrics and the SLO tracker, and the hub that streams events to websocket clients.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ai_trader.adapters.state import Color
from ai_trader.config import Settings
from ai_trader.core.clock import LiveClock, ns_to_datetime
from ai_trader.core.errors import AiTraderError, ConfigurationError, InvariantViolation
from ai_trader.core.ids import new_run_id
from ai_trader.domain.bar import Bar
from ai_trader.domain.commands import OpenPosition
from ai_trader.domain.enums import Mode, OrderType, Side
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SignalGenerated,
    TradingHalted,
    TradingResumed,
)
from ai_trader.domain.orders import Order
from ai_trader.engine.engine import TradingEngine
from ai_trader.engine.order_book import OrderRecord
from ai_trader.live.exchange import ExchangeConfig, ExchangeSession
from ai_trader.live.paper import PaperConfig, PaperSession
from ai_trader.live.session import DurableSession
from ai_trader.observability.audit import AuditJournal
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.observability.slo import (
    EXECUTOR_AVAILABILITY,
    LATENCY_LIMIT_SECONDS,
    LATENCY_UNDER_2S,
    ORDER_SUCCESS,
    SloReport,
    SloTracker,
)
from ai_trader.portfolio.stats import PerformanceStats, max_drawdown
from ai_trader.resilience import DEFAULT_BUDGETS, BreakerRegistry, RateGate
from ai_trader.risk.config import RiskConfig
from ai_trader.runtime.auto_heal import TRADING_EXECUTOR, AutoHealStore
from ai_trader.runtime.capital_staging import PAPER_DEFAULT_FRACTION, CapitalStaging
from ai_trader.runtime.deployments import Deployments
from ai_trader.runtime.reconciliation import Reconciler, ReconciliationLoop
from ai_trader.runtime.recovery import RecoveryReport
from ai_trader.runtime.reports import ReportSchedule
from ai_trader.runtime.result import RunResult, engine_stats
from ai_trader.runtime.snapshot import SnapshotInputs, SnapshotResult, capture_snapshot
from ai_trader.runtime.spec import SessionSpec, build_spec
from ai_trader.runtime.storage import Storage
from ai_trader.service import schemas
from ai_trader.service.events import EventHub
from ai_trader.service.modes import ModeChange, ModeController
from ai_trader.service.operations import OperationsMonitor
from ai_trader.service.tca import TcaTracker

logger = logging.getLogger(__name__)

RECENT_SIGNALS = 100
BREAKER_REASON = "circuit breaker"
RISK_LIMITS = ("max_daily_loss", "max_drawdown")
MAX_HEALS_PER_HOUR = 5
RESUME_AFTER_CLEAN = 2
SHARPE_EVERY_SECONDS = 60.0


class ActionRefusedError(AiTraderError):
    """The request was well formed but cannot be carried out now (HTTP 409)."""


def session_spec_from(settings: Settings) -> SessionSpec:
    """The trading session the settings describe."""
    return build_spec(
        strategy=settings.strategy,
        params=dict(settings.strategy_params),
        cash=settings.total_capital,
        commission=settings.commission,
        slippage_bps=settings.slippage_bps,
        sizing=f"risk:{settings.risk_per_trade}",
        risk=RiskConfig(
            max_daily_loss=settings.max_daily_loss, max_drawdown=settings.max_drawdown_limit
        ),
    )


@dataclass(slots=True)
class _Heartbeat:
    wall: float | None = None  # time.time() of the last bar handled


class TradingFacade:
    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        *,
        metrics: TradingMetrics,
        slo: SloTracker,
        run_id: str | None = None,
        max_bars: int | None = None,
        results_dir: Path = Path("results") / "runs",
        heal_store: AutoHealStore | None = None,
        audit: AuditJournal | None = None,
        reports_dir: Path = Path("reports"),
        snapshots_dir: Path = Path("snapshots"),
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.metrics = metrics
        self.slo = slo
        self.run_id = run_id or new_run_id()
        self.results_dir = results_dir / self.run_id
        self.started_at = datetime.now(UTC)
        self.engine_lock = threading.RLock()
        self.hub = EventHub()
        self._stop = threading.Event()
        self._base_spec = self._spec = session_spec_from(settings)
        self._paper_config = PaperConfig(
            bar_seconds=settings.bar_interval_seconds,
            symbol=settings.symbols[0],
            max_bars=max_bars,
            warmup_bars=min(500, max(60, 3 * _largest_window(self._spec))),
        )
        self.deployments = Deployments(
            storage.state,
            storage.repositories.audit_events,
            settings.canary_config_dir,
            LiveClock(),
        )
        self.breakers = BreakerRegistry(LiveClock())
        self.breakers.add_listener(
            lambda name, old, new, reason: metrics.set_circuit_breaker(name, new)
        )
        self.rate_gate = RateGate(DEFAULT_BUDGETS, LiveClock(), registry=metrics.registry)
        self._session = self._new_session()
        self.heal_store = heal_store or AutoHealStore()
        self.audit = audit or AuditJournal()
        self.operations = OperationsMonitor(
            settings,
            run_dir=self.results_dir,
            run_id=self.run_id,
            metrics=metrics,
            slo=slo,
            audit=self.audit,
            publish=self.hub.publish,
        )
        self.breakers.add_listener(
            lambda name, old, new, reason: self.operations.on_breaker(name, new, reason)
        )
        self.reports = ReportSchedule(storage.database, reports_dir)
        self.snapshots_dir = snapshots_dir
        self._heal_times: deque[float] = deque(maxlen=MAX_HEALS_PER_HOUR)
        self._modes: ModeController | None = None
        self._thread: threading.Thread | None = None
        self._loop_error: str | None = None
        self._result: RunResult | None = None
        self._heartbeat = _Heartbeat()
        self._submitted: dict[str, float] = {}
        self._signals: deque[SignalGenerated] = deque(maxlen=RECENT_SIGNALS)
        self.recovery: RecoveryReport | None = None
        self.tca: TcaTracker | None = None
        self.reconciliation: ReconciliationLoop | None = None
        self.capital = CapitalStaging(
            storage.state,
            storage.repositories.audit_events,
            LiveClock(),
            default_fraction=PAPER_DEFAULT_FRACTION,
        )
        self.bars_seen = 0
        self.heals = 0
        self._reconfigure = False
        """Executor failures healed by this process."""
        self._metrics_refreshed_at = 0.0
        self._sharpe: float | None = None
        self._sharpe_at = 0.0
        """Live bars handled by this process (the engine counts only when a run ends)."""
        self.on_loop_end: Callable[[], None] | None = None
        """Called when the trading loop ends by itself (``max_bars``), not on errors."""

    # -- lifecycle ----------------------------------------------------------------------

    def _effective_spec(self) -> SessionSpec:
        """The settings' session, or the active blue/green colour's strategy when both
        deployment files exist (an invalid one is refused at switch time, not here)."""
        if not any(self.deployments.path(color).is_file() for color in ("blue", "green")):
            return self._base_spec
        try:
            return self.deployments.active_config().apply_to(self._base_spec)
        except ConfigurationError as exc:
            logger.error("canary: %s; trading the settings' strategy", exc)
            return self._base_spec

    def _new_session(self) -> DurableSession:
        self._spec = self._effective_spec()
        settings = self.settings
        if settings.exchange:
            return ExchangeSession(
                self._spec,
                ExchangeConfig(
                    exchange=settings.exchange,
                    symbol=settings.symbols[0],
                    timeframe=settings.timeframe,
                    poll_seconds=settings.poll_seconds,
                    max_bars=self._paper_config.max_bars,
                    api_url=settings.exchange_api_url,
                    testnet=settings.exchange_testnet,
                ),
                settings,
                run_id=self.run_id,
                stop_event=self._stop,
                storage=self.storage,
                breakers=self.breakers,
                rate_gate=self.rate_gate,
                listeners=(self._on_event,),
                engine_lock=self.engine_lock,
                on_rejected_candle=self._rejected_candle,
            )
        return PaperSession(
            self._spec,
            self._paper_config,
            run_id=self.run_id,
            stop_event=self._stop,
            storage=self.storage,
            listeners=(self._on_event,),
            engine_lock=self.engine_lock,
        )

    def open(self) -> RecoveryReport:
        """Recover and prepare the session; no bar is traded before :meth:`start`. A
        snapshot an earlier process left after an executor failure is replayed here."""
        pending = self.heal_store.pending(TRADING_EXECUTOR)
        if pending is not None:
            logger.warning("auto-heal: replaying the snapshot left by %s", pending.describe())
        with self.engine_lock:
            report = self._attach(self._session)
        if pending is not None:
            self.heal_store.mark_replayed(TRADING_EXECUTOR)
        self.metrics.set_running(False)
        return report

    def _attach(self, session: DurableSession) -> RecoveryReport:
        """Open ``session`` (recovery first) and wire the facade's listeners to its engine."""
        self.recovery = session.open()
        self._session = session
        engine = session.engine
        self._modes = ModeController(self.storage.state, engine, Mode.PAPER)
        engine.subscribe(self._modes.on_event)
        self.tca = TcaTracker(
            session.session.venue.venue, lambda symbol: _mark_or_none(self.engine, symbol)
        )
        engine.subscribe(self.tca.on_event)
        self.reports.venue = session.session.venue.venue
        engine.subscribe_bars(self._on_bar)
        engine.risk.capital_fraction = self.capital.current().fraction
        self.reconciliation = ReconciliationLoop(
            Reconciler(
                self.storage.journal,
                session.venue,
                LiveClock(),
                self.results_dir,
                report=engine.process,
            ),
            self.settings.reconciliation_interval_seconds,
        )
        if not self.reconciliation.reconciler.reconcile_at_start():
            result = self.reconciliation.reconciler.last_result
            reason = f"reconciliation at start: {result.describe() if result else 'mismatch'}"
            engine.halt_entries(reason)  # fail closed: no new order until it is clean
            self.operations.on_reconciliation_breach(reason)
        return self.recovery

    # -- capital staging and blue/green ---------------------------------------------------

    def capital_view(self) -> schemas.CapitalResponse:
        stage = self.capital.current()
        return schemas.CapitalResponse(
            percent=float(stage.percent),
            effective_capital=float(self.capital.effective_capital(self._spec.cash)),
            total_capital=float(self._spec.cash),
            approved_by=stage.approved_by,
            approved_at=stage.approved_at,
            reason=stage.reason,
            history=[
                schemas.CapitalChangeView.model_validate(change, from_attributes=True)
                for change in self.capital.history(10)
            ],
        )

    def stage_capital(self, percent: int, reason: str, actor: str) -> schemas.CapitalResponse:
        tier = self.slo.report().tier
        stage = self.capital.request(percent, approved_by=actor, reason=reason, slo_tier=tier)
        self._audit(actor, "approval", reason, {"capital_stage": percent, "slo_tier": tier})
        with self.engine_lock:
            self.engine.risk.capital_fraction = stage.fraction
        return self.capital_view()

    def canary_view(self) -> schemas.CanaryResponse:
        return schemas.CanaryResponse(
            active=self.deployments.active(),
            colors=[
                schemas.ColorView(
                    color=d.color,
                    path=str(d.path),
                    active=d.active,
                    strategy=d.config.strategy.name if d.config else None,
                    params=dict(d.config.strategy.params) if d.config else {},
                    problem=d.problem,
                )
                for d in self.deployments.describe()
            ],
        )

    def canary_switch(self, color: str | None, reason: str, actor: str) -> schemas.CanaryResponse:
        """Switch the active colour (``None``: roll back to the other one)."""
        if color is None:
            change = self.deployments.rollback(actor, reason)
        else:
            change = self.deployments.switch(_color(color), actor, reason)
        if change.changed:
            self._audit(
                actor,
                "config_change",
                reason,
                {"canary_from": change.from_color, "to": change.to_color},
            )
            self._rebuild(f"canary {change.from_color} → {change.to_color} by {actor}")
        return self.canary_view()

    def _rebuild(self, why: str) -> None:
        """Swap in a new session between two bars (the loop finishes its bar first)."""
        logger.warning("rebuilding the trading session: %s", why)
        with self.engine_lock:
            if not self.running:
                self.configure()
                return
            self._reconfigure = True
            self.engine.stop()

    def heal_snapshots(self) -> schemas.HealResponse:
        return schemas.HealResponse(
            snapshots=[
                schemas.HealSnapshotView.model_validate(snapshot, from_attributes=True)
                for snapshot in self.heal_store.list()
            ],
            heals_this_run=self.heals,
        )

    def replay_heal(self, component: str, actor: str) -> str:
        """``POST /heal/replay/{component}``: rebuild the executor between two bars (the
        loop finishes its bar, the session is rebuilt from durable state, trading goes on)."""
        snapshot = self.heal_store.require(component)
        logger.warning("auto-heal replay of %s requested by %s", component, actor)
        self._audit(actor, "operator_action", "auto-heal replay", {"component": component})
        running = self.running
        self._rebuild(f"auto-heal replay of {component} by {actor}")
        self.heal_store.mark_replayed(component)
        if not running:
            return "rebuilt (the loop was not running)"
        return f"rebuild requested; snapshot of {snapshot.created_at}"

    def configure(self) -> RecoveryReport:
        """Rebuild the executor and the session from durable state and swap them in: the
        failed session is released, recovery reconciles journal and venue again, and only
        then can the new engine trade. Used by auto-heal and ``POST /heal/replay``."""
        with self.engine_lock:
            self._session.close()
            report = self._attach(self._new_session())
        logger.warning(
            "executor rebuilt: %d fills in the journal, %d orders working",
            len(report.fills),
            len(report.open_orders),
        )
        return report

    def start(self) -> None:
        """Trade on a background thread until :meth:`stop`."""
        if self._thread is not None:
            raise InvariantViolation("the trading loop is already started")
        self._thread = threading.Thread(target=self._run_loop, name="trading-loop", daemon=True)
        self._thread.start()
        self.metrics.set_running(True)

    def _run_loop(self) -> None:
        try:
            while True:
                try:
                    self._result = self._session.run()
                except Exception as exc:  # the API stays up; heal, or report unhealthy
                    logger.exception("the trading loop failed")
                    self._loop_error = f"{type(exc).__name__}: {exc}"
                    if self._stop.is_set() or not self._heal(exc):
                        return
                    continue
                if self._reconfigure and not self._stop.is_set():
                    self._reconfigure = False
                    self.configure()
                    self.heals += 1
                    continue
                if self.on_loop_end is not None and not self._stop.is_set():
                    self.on_loop_end()
                return
        finally:
            self.metrics.set_running(False)

    def _heal(self, error: Exception) -> bool:
        """Snapshot, rebuild the executor, recover; False when healing is exhausted."""
        now = time.monotonic()
        if len(self._heal_times) == MAX_HEALS_PER_HOUR and now - self._heal_times[0] < 3600:
            logger.error("auto-heal: %d heals in the last hour; giving up", MAX_HEALS_PER_HOUR)
            return False
        self._heal_times.append(now)
        self.operations.on_executor_failure(f"{type(error).__name__}: {error}")
        self.heal_store.record_failure(
            TRADING_EXECUTOR,
            error,
            exec_mode=self.settings.exec_mode,
            dry_run=self.settings.dry_run,
            venue=self._session.session.venue.venue,
            testnet=self.settings.exchange_testnet,
            config=self.settings.redacted(),
        )
        try:
            self.configure()
        except Exception:  # healing failed too: stay down, health says why
            logger.exception("auto-heal: rebuilding the executor failed")
            return False
        self.heal_store.mark_replayed(TRADING_EXECUTOR)
        self._loop_error = None
        self.heals += 1
        return True

    def stop(self, timeout: float = 30.0) -> RunResult | None:
        """Finish the current bar, publish the state, release the venue; returns the run."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._session.close()
        self.operations.close()
        return self._result

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def engine(self) -> TradingEngine:
        return self._session.engine

    @property
    def session(self) -> DurableSession:
        """The current paper session (a new one after each rebuild)."""
        return self._session

    @property
    def modes(self) -> ModeController:
        if self._modes is None:
            raise InvariantViolation("the facade is not open")
        return self._modes

    # -- periodic work (background task, about once a second) -----------------------------

    def tick(self) -> SloReport:
        """Pick up a mode changed elsewhere, check the executor, evaluate the SLOs and
        refresh the metrics."""
        with self.engine_lock:
            self._sync_mode()
            self._session.on_tick()
            self._reconcile_if_due()
            self._halt_while_breaker_open()
            if time.time() - self._sharpe_at >= SHARPE_EVERY_SECONDS:
                self._sharpe = self._compute_stats().sharpe
                self._sharpe_at = time.time()
            self._refresh_metrics()
        available = self.running or self._stop.is_set()
        self.slo.record_executor_check(available)
        self.metrics.operations.observe_slo_event(EXECUTOR_AVAILABILITY, available)
        report = self.slo.evaluate()
        self.metrics.set_slo(report)
        with self.engine_lock:
            self.operations.tick(self.engine, report, float(self.capital.current().fraction))
        self.reports.run_due(datetime.now(UTC))  # off the lock: a daily report takes a while
        if self.storage.backups is not None:
            stats = self.storage.backups.stats()
            self.metrics.set_backups(stats.count, stats.last_backup_time)
        return report

    def _halt_while_breaker_open(self) -> None:
        """An open circuit breaker halts new entries, with its name as the reason; the halt
        lifts when every breaker is closed again (a halt set for another reason stays)."""
        engine = self.engine
        halt = engine.risk.halt
        open_breaker = self.breakers.any_open()
        if open_breaker is not None and halt is None:
            cause = open_breaker.last_error or "failures"
            engine.halt_entries(f"{BREAKER_REASON} {open_breaker.name} open: {cause}")
        elif open_breaker is None and halt is not None and halt.reason.startswith(BREAKER_REASON):
            engine.resume_entries("circuit breakers closed")

    def _reconcile_if_due(self) -> None:
        """A reconciliation cycle when due; a breach halts entries, two clean cycles after
        it resume them (only a halt reconciliation itself set)."""
        if self.reconciliation is None:
            return
        result = self.reconciliation.run_if_due(time.time_ns())
        if result is None:
            return
        engine = self.engine
        halt = engine.risk.halt
        held = halt is not None and halt.reason.startswith("reconciliation")
        # a halt restored at start (restart, auto-heal) predates this reconciler, whose
        # state begins "ok": its clean cycles count just the same
        clean_enough = result.state == "ok" and result.consecutive_clean >= RESUME_AFTER_CLEAN
        if result.breach is not None:
            engine.halt_entries(result.breach)
            self.operations.on_reconciliation_breach(result.breach)
        elif result.resumed or (held and clean_enough):
            if held:
                engine.resume_entries(f"reconciliation clean for {RESUME_AFTER_CLEAN} cycles")
            self.operations.on_reconciliation_clean()
        self.metrics.set_reconciliation(self.reconciliation.reconciler.metrics())

    def _refresh_metrics(self) -> None:
        self._metrics_refreshed_at = time.time()
        portfolio = self.engine.portfolio
        closed = portfolio.trades.closed
        wins = sum(trade.net_pnl > 0 for trade in closed)
        self.metrics.set_portfolio(
            equity=portfolio.equity_float(),
            daily_pnl=self._daily_pnl(),
            open_positions=len(portfolio.open_positions()),
            win_rate=wins / len(closed) if closed else None,
            sharpe=self._sharpe,
        )
        self.metrics.set_halted(self.engine.risk.halt is not None)
        if self.tca is not None:
            for score in self.tca.scorecard():
                self.metrics.set_tca(
                    score.venue,
                    score.fill_rate,
                    score.mean_slippage_bps,
                    score.median_fill_latency_ms,
                )
        if self._heartbeat.wall is not None:
            self.metrics.heartbeat(self._heartbeat.wall)

    # -- engine callbacks (trading thread, lock held) -----------------------------------

    def _on_bar(self, bar: Bar) -> None:
        self.bars_seen += 1
        self.operations.on_bar(bar)
        now = time.time()
        self._heartbeat.wall = now
        if now - self._metrics_refreshed_at >= 1.0:
            self._refresh_metrics()
        if self._modes is not None:
            self._sync_mode()
        if self.hub.subscribers:
            self.hub.publish({"type": "bar", **_bar_message(bar)})
            self.hub.publish(
                {
                    "type": "equity",
                    "ts": ns_to_datetime(bar.ts_event).isoformat(),
                    "equity": self.engine.portfolio.equity_float(),
                }
            )

    def _on_event(self, event: Event) -> None:
        if isinstance(event, OrderSubmitted):
            self._submitted[event.order.client_order_id] = time.perf_counter()
            self.metrics.observe_order("submitted", None)
        elif isinstance(event, OrderAccepted | OrderRejected):
            self._venue_answered(event)
        elif isinstance(event, OrderFilled):
            if event.remaining <= 0:
                self.metrics.observe_order("filled", None)
            self.hub.publish({"type": "fill", **_fill_message(event)})
        elif isinstance(event, OrderDenied):
            self.metrics.observe_order("denied", None)
        elif isinstance(event, OrderCanceled):
            self.metrics.observe_order("canceled", None)
        elif isinstance(event, SignalGenerated):
            self._signals.appendleft(event)
        elif isinstance(event, TradingHalted | TradingResumed):
            if isinstance(event, TradingHalted) and event.reason.startswith(RISK_LIMITS):
                self._audit("risk engine", "risk_limit_breach", event.reason)
                self.operations.on_risk_breach(event.reason)
            self.hub.publish(self._mode_message(event.reason))

    def _rejected_candle(self, symbol: str, ts_event: int, *values: float) -> None:
        """A corrupt candle the feed skipped: data quality reports it next cycle."""
        with self.engine_lock:
            self.operations.data_quality.observe_raw(symbol, ts_event, *values)

    def _sync_mode(self) -> None:
        change = self.modes.sync()
        if change is not None:
            self._audit_mode(change)

    def _venue_answered(self, event: OrderAccepted | OrderRejected) -> None:
        """Order latency is submit → the venue's answer; a rejection is an SLO failure."""
        started = self._submitted.pop(event.order.client_order_id, None)
        if started is None:  # an order from before a restart, or a venue-made exit leg
            return
        latency = time.perf_counter() - started
        success = isinstance(event, OrderAccepted)
        if self.slo.record_order(success, latency, event.order.client_order_id):
            self.metrics.operations.observe_slo_event(ORDER_SUCCESS, success)
            self.metrics.operations.observe_slo_event(
                LATENCY_UNDER_2S, latency < LATENCY_LIMIT_SECONDS
            )
        self.metrics.observe_order("accepted" if success else "rejected", latency)

    # -- queries --------------------------------------------------------------------------

    def health(self) -> schemas.HealthResponse:
        reasons: list[str] = []
        status: str = "healthy"
        if not self.running:
            status = "unhealthy"
            reasons.append(
                f"trading loop stopped: {self._loop_error}"
                if self._loop_error
                else "trading loop stopped"
            )
        stale_after = max(self.settings.heartbeat_stale_seconds, 2 * self._bar_seconds + 5)
        beat = self._heartbeat.wall
        if self.running and beat is not None and time.time() - beat > stale_after:
            status = "unhealthy"
            reasons.append(f"heartbeat {time.time() - beat:.0f}s old (limit {stale_after:.0f}s)")
        database = self._database_check()
        if database:
            status = "unhealthy"
            reasons.append(database)
        with self.engine_lock:
            halt = self.engine.risk.halt
        if halt is not None:
            if status == "healthy":
                status = "degraded"
            reasons.append(f"trading halted: {halt.reason}")
        return schemas.HealthResponse(
            status=status,
            reasons=reasons,
            checked_at=datetime.now(UTC),
        )

    def _database_check(self) -> str:
        try:
            with self.storage.database.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means the journal cannot be written
            return f"database unreachable: {type(exc).__name__}"
        return ""

    @property
    def _bar_seconds(self) -> float:
        return self.settings.bar_interval_seconds

    def status(self) -> schemas.StatusResponse:
        portfolio, performance, trading = self.overview()
        return schemas.StatusResponse(
            run_id=self.run_id,
            started_at=self.started_at,
            portfolio=portfolio,
            performance=performance,
            trading=trading,
            components=self._components(),  # database and backup checks: not under the lock
        )

    def overview(
        self,
    ) -> tuple[schemas.PortfolioView, schemas.PerformanceView, schemas.TradingView]:
        """Portfolio, performance and trading state as of one moment between two bars."""
        with self.engine_lock:
            engine = self.engine
            return (
                self._portfolio_view(engine),
                self._performance_view(engine),
                self._trading_view(engine),
            )

    def _portfolio_view(self, engine: TradingEngine) -> schemas.PortfolioView:
        portfolio = engine.portfolio
        positions = []
        for position in portfolio.open_positions():
            mark = _mark_or_none(engine, position.symbol)
            positions.append(
                schemas.PositionView(
                    symbol=position.symbol,
                    quantity=position.quantity,
                    average_price=position.average_price,
                    mark_price=mark,
                    unrealized_pnl=float(position.unrealized_pnl(mark)) if mark else 0.0,
                )
            )
        return schemas.PortfolioView(
            starting_cash=float(portfolio.starting_cash),
            cash=float(portfolio.cash),
            equity=portfolio.equity_float(),
            realized_pnl=float(portfolio.realized_pnl()),
            unrealized_pnl=float(portfolio.unrealized_pnl()),
            fees_paid=float(portfolio.fees_paid),
            positions=positions,
            open_orders=[_order_view(r) for r in engine.orders.open_records()],
        )

    def _performance_view(self, engine: TradingEngine) -> schemas.PerformanceView:
        portfolio = engine.portfolio
        limits = engine.risk.limits_snapshot()
        equity = portfolio.equity_float()
        closed = portfolio.trades.closed
        curve = portfolio.equity_curve.values
        return schemas.PerformanceView(
            total_return=equity / float(portfolio.starting_cash) - 1.0,
            daily_pnl=equity - limits.day_start,
            drawdown=max(0.0, 1.0 - equity / limits.peak) if limits.peak > 0 else 0.0,
            peak_equity=limits.peak,
            closed_trades=len(closed),
            win_rate=sum(t.net_pnl > 0 for t in closed) / len(closed) if closed else None,
            sharpe=self._sharpe,
            max_drawdown=max_drawdown(curve) if len(curve) else 0.0,
        )

    def _trading_view(self, engine: TradingEngine) -> schemas.TradingView:
        halt = engine.risk.halt
        return schemas.TradingView(
            mode=self.modes.current,
            halted=halt is not None,
            halt_reason=halt.reason if halt else None,
            trading_halted_until=_until(halt.until_ns) if halt else None,
            exec_mode=self.settings.exec_mode,
            dry_run=self.settings.dry_run,
            strategy=self._spec.strategy,
            symbols=list(engine.feed.symbols),
        )

    def _components(self) -> dict[str, schemas.ComponentView]:
        loop = (
            schemas.ComponentView(status="ok", detail=f"{self.bars_seen} bars")
            if self.running
            else schemas.ComponentView(status="down", detail=self._loop_error or "stopped")
        )
        database = self._database_check()
        backups = self.storage.backups
        if backups is None:
            backup_view = schemas.ComponentView(status="ok", detail="server-side (PostgreSQL)")
        else:
            stats = backups.stats()
            last = stats.last_backup_time.isoformat() if stats.last_backup_time else "none"
            backup_view = schemas.ComponentView(
                status="ok" if stats.count else "degraded",
                detail=f"{stats.count} backups, last {last}",
            )
        store = "redis" if (self.storage.config.redis_url or "").strip() else "file"
        return {
            "trading_loop": loop,
            "executor": schemas.ComponentView(
                status="ok" if self.running else "down", detail="paper venue (simulated)"
            ),
            "database": schemas.ComponentView(
                status="down" if database else "ok",
                detail=database or self.storage.database_label,
            ),
            "state_store": schemas.ComponentView(status="ok", detail=store),
            "backups": backup_view,
        }

    def mode(self) -> schemas.ModeResponse:
        with self.engine_lock:
            halt = self.engine.risk.halt
            change = self.modes.last_change
            return schemas.ModeResponse(
                mode=self.modes.current,
                halted=halt is not None,
                halt_reason=halt.reason if halt else None,
                trading_halted_until=_until(halt.until_ns) if halt else None,
                changed_at=change.at if change else None,
                changed_by=change.actor if change else None,
            )

    def trades(self, limit: int) -> schemas.TradesResponse:
        with self.engine_lock:
            recorder = self._session.recorder
            if recorder is not None:
                recorder.flush()  # the tables trail the fills by at most a bar
        rows = self.storage.repositories.trades.list_recent(limit)
        return schemas.TradesResponse(
            trades=[
                schemas.TradeView(
                    timestamp=row.timestamp,
                    symbol=row.symbol,
                    side=row.side,
                    quantity=row.quantity,
                    entry_price=row.entry_price,
                    exit_price=row.exit_price,
                    pnl=row.pnl,
                    fees=row.fees,
                    entry_time=row.entry_time,
                    strategy=row.strategy,
                )
                for row in rows
            ]
        )

    def _compute_stats(self) -> PerformanceStats:
        """Statistics of this run so far; call with the engine lock held."""
        return engine_stats(self.engine)

    def performance(self) -> schemas.PerformanceResponse:
        with self.engine_lock:
            stats = self._compute_stats()
        return schemas.PerformanceResponse(
            bars=stats.bars,
            closed_trades=stats.closed_trades,
            starting_cash=stats.starting_cash,
            final_equity=stats.final_equity,
            total_return=stats.total_return,
            sharpe=stats.sharpe,
            sortino=stats.sortino,
            max_drawdown=stats.max_drawdown,
            win_rate=stats.win_rate,
            profit_factor=stats.profit_factor,
            fees=stats.fees,
            realized_pnl=stats.realized_pnl,
            unrealized_pnl=stats.unrealized_pnl,
        )

    def signals(self, limit: int) -> schemas.SignalsResponse:
        with self.engine_lock:
            recent = list(self._signals)[:limit]
            names = sorted({s.name for s in self.engine.strategies})
        return schemas.SignalsResponse(
            strategies=names,
            signals=[
                schemas.SignalView(
                    strategy=e.signal.strategy,
                    symbol=e.signal.symbol,
                    action=e.signal.action.value,
                    confidence=e.signal.confidence,
                    reference_price=e.signal.reference_price,
                    reason=e.signal.reason,
                    ts=ns_to_datetime(e.signal.ts_event),
                )
                for e in recent
            ],
        )

    def tca_scorecard(self) -> schemas.TcaResponse:
        scores = self.tca.scorecard() if self.tca is not None else []
        return schemas.TcaResponse(
            venues=[schemas.VenueScoreView.model_validate(s, from_attributes=True) for s in scores]
        )

    def slo_report(self) -> schemas.SloResponse:
        report = self.slo.report()
        return schemas.SloResponse(
            tier=report.tier,
            slos={
                name: schemas.SloView(
                    target=s.target, actual=s.actual, met=s.met, samples=s.samples
                )
                for name, s in report.slos.items()
            },
        )

    def metrics_exposition(self) -> tuple[bytes, str]:
        """Without the engine lock: a scrape never waits for a bar or an order. The gauges
        are refreshed by the trading loop (at most once a second) and the tick."""
        return self.metrics.exposition()

    # -- commands -------------------------------------------------------------------------

    def open_position(self, request: schemas.OpenRequest, actor: str) -> schemas.OrderResult:
        try:
            command = OpenPosition(
                symbol=request.symbol,
                side=Side(request.side),
                order_type=OrderType(request.order_type),
                quantity=request.quantity,
                risk_fraction=request.risk_fraction,
                limit_price=request.limit_price,
                stop_loss=request.stop_loss,
                take_profit=request.take_profit,
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        with self.engine_lock:
            engine = self.engine
            if request.symbol not in engine.feed.symbols:
                raise ConfigurationError(
                    f"unknown symbol {request.symbol!r}; trading {', '.join(engine.feed.symbols)}"
                )
            try:
                decision = engine.open_position(command)
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
            except InvariantViolation as exc:
                raise ActionRefusedError(str(exc)) from None
            logger.info("open %s by %s: %s", request.symbol, actor, _describe(decision))
            self._audit(
                actor,
                "operator_action",
                "open position",
                {
                    "command": "open",
                    **request.model_dump(mode="json", exclude_none=True),
                    "outcome": _describe(decision),
                },
            )
            if isinstance(decision, OrderDenied):
                raise ActionRefusedError(f"order denied: {decision.reason}")
            return _order_result(engine, decision)

    def close_position(self, symbol: str, reason: str, actor: str) -> schemas.ActionResult:
        with self.engine_lock:
            engine = self.engine
            if symbol not in engine.feed.symbols:
                raise ConfigurationError(
                    f"unknown symbol {symbol!r}; trading {', '.join(engine.feed.symbols)}"
                )
            order = engine.close_position(symbol, f"{reason} ({actor})")
            self._audit(actor, "operator_action", reason, {"command": "close", "symbol": symbol})
            orders = [_order_result(engine, order)] if order is not None else []
            return self._action("close", orders)

    def close_all(self, reason: str, actor: str) -> schemas.ActionResult:
        with self.engine_lock:
            engine = self.engine
            orders = engine.close_all(f"{reason} ({actor})")
            self._audit(
                actor, "operator_action", reason, {"command": "close_all", "orders": len(orders)}
            )
            return self._action("close_all", [_order_result(engine, o) for o in orders])

    def set_mode(
        self, mode: Mode, *, reason: str, actor: str, until: datetime | None = None
    ) -> schemas.ModeResponse:
        with self.engine_lock:
            change = self.modes.set(mode, reason=reason, actor=actor, until=until)
        self._audit_mode(change, until)
        self.hub.publish(self._mode_message(reason))
        return self.mode()

    def _audit_mode(self, change: ModeChange, until: datetime | None = None) -> None:
        details: dict[str, Any] = {"from": change.previous.value, "to": change.mode.value}
        if until is not None:
            details["until"] = until.isoformat()
        self._audit(change.actor, "mode_change", change.reason, details)

    def disable(self, reason: str, actor: str) -> schemas.ActionResult:
        """Stop new entries (mode halt); positions and their exits stay as they are."""
        with self.engine_lock:
            change = self.modes.set(Mode.HALT, reason=f"trading disabled: {reason}", actor=actor)
            self._audit_mode(change)
            return self._action("disable", [])

    def emergency_stop(self, reason: str, actor: str) -> schemas.ActionResult:
        """Halt, cancel every working order, flatten every position."""
        with self.engine_lock:
            engine = self.engine
            change = self.modes.set(Mode.HALT, reason=f"emergency stop: {reason}", actor=actor)
            canceled = engine.cancel_all(f"emergency stop ({actor})")
            orders = engine.close_all(f"emergency stop ({actor})")
            self._audit_mode(change)
            self._audit(
                actor,
                "operator_action",
                reason,
                {"command": "emergency_stop", "canceled": canceled, "closed": len(orders)},
            )
            logger.warning(
                "EMERGENCY STOP by %s: %d orders canceled, %d positions closed",
                actor,
                canceled,
                len(orders),
            )
            result = self._action(
                "emergency_stop", [_order_result(engine, o) for o in orders], canceled
            )
        self.hub.publish(self._mode_message(reason))
        return result

    def capture_snapshot(self, actor: str, reason: str) -> SnapshotResult:
        """``POST /snapshot``: an incident snapshot with the live health and status."""
        settings = self.settings
        inputs = SnapshotInputs(
            settings,
            data_dir=settings.data_dir,
            logs_dir=settings.log_dir,
            audit_dir=self.audit.directory,
            run_dir=self.results_dir,
            health=self.health().model_dump(mode="json"),
            status=self.status().model_dump(mode="json"),
            incidents=[i.to_dict() for i in self.operations.incidents.unresolved()],
        )
        result = capture_snapshot(inputs, self.snapshots_dir)
        self._audit(actor, "snapshot_capture", reason, {"path": str(result.path)})
        return result

    def audit_chat_command(self, actor: str, reason: str, details: dict[str, Any]) -> None:
        """Record a chat-ops command and its outcome (``docs/operations/chatops.md``)."""
        self._audit(actor, "chat_command", reason, details)

    def _audit(
        self, actor: str, action: str, reason: str, details: dict[str, Any] | None = None
    ) -> None:
        """Record an operator action, mode change, approval or breach (OPS-5). A journal
        that cannot be written is logged loudly; it never blocks the action itself."""
        try:
            self.audit.append(actor, action, reason or "-", details or {})
        except (AiTraderError, OSError) as exc:
            logger.error("AUDIT WRITE FAILED for %s %s by %s: %s", action, reason, actor, exc)

    def _action(
        self, action: str, orders: list[schemas.OrderResult], canceled: int = 0
    ) -> schemas.ActionResult:
        halt = self.engine.risk.halt
        return schemas.ActionResult(
            action=action,
            orders=orders,
            canceled_orders=canceled,
            mode=self.modes.current,
            halt_reason=halt.reason if halt else None,
        )

    def _mode_message(self, reason: str) -> dict[str, Any]:
        halt = self.engine.risk.halt
        return {
            "type": "mode",
            "mode": self.modes.current.value if self._modes else None,
            "halted": halt is not None,
            "halt_reason": halt.reason if halt else None,
            "reason": reason,
        }

    def _daily_pnl(self) -> float:
        limits = self.engine.risk.limits_snapshot()
        return self.engine.portfolio.equity_float() - limits.day_start


# -- helpers ----------------------------------------------------------------------------


def _color(value: str) -> Color:
    if value == "blue":
        return "blue"
    if value == "green":
        return "green"
    raise ConfigurationError(f"unknown colour {value!r}; allowed: blue, green")


def _largest_window(spec: SessionSpec) -> int:
    numbers = [int(v) for v in spec.params.values() if isinstance(v, int) and v > 0]
    return max(numbers, default=50)


def _mark_or_none(engine: TradingEngine, symbol: str) -> Decimal | None:
    try:
        return engine.portfolio.mark_price(symbol)
    except InvariantViolation:
        return None


def _until(until_ns: int | None) -> datetime | None:
    return ns_to_datetime(until_ns) if until_ns is not None else None


def _order_view(record: OrderRecord) -> schemas.OrderView:
    order = record.order
    return schemas.OrderView(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side.value,
        order_type=order.order_type.value,
        quantity=order.quantity,
        filled=record.filled,
        price=order.price,
        status=record.status.value,
        tag=order.tag,
        reason=record.reason,
    )


def _order_result(engine: TradingEngine, order: Order) -> schemas.OrderResult:
    record = engine.orders.get(order.client_order_id)
    fills = record.fills if record is not None else []
    return schemas.OrderResult(
        client_order_id=order.client_order_id,
        status=record.status.value if record is not None else "unknown",
        symbol=order.symbol,
        side=order.side.value,
        quantity=order.quantity,
        reason=record.reason if record is not None else "",
        fills=[
            schemas.FillView(
                trade_id=f.trade_id,
                price=f.price,
                quantity=f.quantity,
                fee=f.fee,
                ts=ns_to_datetime(f.ts_event),
            )
            for f in fills
        ],
    )


def _describe(decision: Order | OrderDenied) -> str:
    if isinstance(decision, OrderDenied):
        return f"denied ({decision.reason})"
    return f"{decision.side.value} {decision.quantity} ({decision.client_order_id})"


def _bar_message(bar: Bar) -> dict[str, Any]:
    return {
        "symbol": bar.symbol,
        "ts": ns_to_datetime(bar.ts_event).isoformat(),
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": bar.volume,
    }


def _fill_message(event: OrderFilled) -> dict[str, Any]:
    fill = event.fill
    return {
        "client_order_id": fill.client_order_id,
        "trade_id": fill.trade_id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "quantity": str(fill.quantity),
        "price": str(fill.price),
        "fee": str(fill.fee),
        "ts": ns_to_datetime(fill.ts_event).isoformat(),
    }
