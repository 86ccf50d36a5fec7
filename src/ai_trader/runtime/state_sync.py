"""The runtime state store kept in step with the engine, and read back after a restart.

What is published (runbook key names, see docs/reference/runtime-state.md):

* ``portfolio_positions`` — open quantities by symbol;
* ``pnl:net:today`` — equity now minus equity at the start of the UTC day;
* ``risk:stats`` — equity, peak, day start, drawdown, daily loss, and the halt in force
  (``halted``, ``halt_reason``, ``halt_until``), enough to resume the loss limits where they
  were: a restart neither forgets a drawdown halt nor the day's loss so far.

Writes are throttled (``min_interval_seconds``) except on a halt or resume, which are
published at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal

from ai_trader.adapters.state import RuntimeState
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.money import to_decimal
from ai_trader.domain.bar import Bar
from ai_trader.domain.events import Event, OrderFilled, TradingHalted, TradingResumed
from ai_trader.engine.engine import TradingEngine
from ai_trader.risk.engine import RiskEngine
from ai_trader.risk.limits import Halt, LimitsSnapshot

logger = logging.getLogger(__name__)

PNL_PLACES = Decimal("0.00000001")


def risk_stats_document(risk: RiskEngine, equity: float) -> dict[str, str]:
    """The ``risk:stats`` hash: readable by people, complete enough to resume from."""
    limits = risk.limits_snapshot()
    halt = risk.halt
    return {
        "equity": repr(equity),
        "peak_equity": repr(limits.peak),
        "day_start_equity": repr(limits.day_start),
        "last_equity": repr(limits.last),
        "next_day_ns": "" if limits.next_day_ns is None else str(limits.next_day_ns),
        "drawdown": f"{_fraction_below(equity, limits.peak):.6f}",
        "daily_loss": f"{_fraction_below(equity, limits.day_start):.6f}",
        "halted": "1" if halt else "0",
        "halt_reason": halt.reason if halt else "",
        "halt_until_ns": "" if halt is None or halt.until_ns is None else str(halt.until_ns),
        "halt_until": (
            ""
            if halt is None or halt.until_ns is None
            else ns_to_datetime(halt.until_ns).isoformat()
        ),
    }


def restore_risk(risk: RiskEngine, stats: Mapping[str, str]) -> bool:
    """Resume ``risk`` from a ``risk:stats`` hash; False (and nothing changed) when the hash
    is empty or not one this version wrote."""
    if not stats:
        return False
    try:
        limits = LimitsSnapshot(
            peak=float(stats["peak_equity"]),
            day_start=float(stats["day_start_equity"]),
            last=float(stats["last_equity"]),
            next_day_ns=int(stats["next_day_ns"]) if stats["next_day_ns"] else None,
        )
        halt = None
        if stats["halted"] == "1":
            until = stats.get("halt_until_ns", "")
            halt = Halt(
                stats["halt_reason"] or "halted before restart", int(until) if until else None
            )
    except (KeyError, ValueError) as exc:
        logger.warning(
            "risk:stats not usable (%s: %s); limits start afresh", type(exc).__name__, exc
        )
        return False
    risk.restore(limits, halt)
    logger.info(
        "risk resumed: peak equity %.2f, day start %.2f%s",
        limits.peak,
        limits.day_start,
        f", entries halted ({halt.reason})" if halt else "",
    )
    return True


class RuntimeStatePublisher:
    """Subscribe :meth:`on_bar` and :meth:`on_event` to the engine; :meth:`publish` forces."""

    def __init__(
        self,
        state: RuntimeState,
        engine: TradingEngine,
        *,
        min_interval_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._state = state
        self._engine = engine
        self._interval = min_interval_seconds
        self._monotonic = monotonic
        self._last_publish: float | None = None
        self._pending = True

    def on_event(self, event: Event) -> None:
        if isinstance(event, TradingHalted | TradingResumed):
            self.publish()
        elif isinstance(event, OrderFilled):
            self._pending = True

    def on_bar(self, bar: Bar) -> None:
        now = self._monotonic()
        if self._last_publish is None or now - self._last_publish >= self._interval:
            self.publish()

    def publish(self) -> None:
        engine = self._engine
        portfolio = engine.portfolio
        equity = portfolio.equity_float()
        day_start = engine.risk.limits_snapshot().day_start
        positions = None
        if self._pending:
            positions = {p.symbol: p.quantity for p in portfolio.open_positions()}
        self._state.publish_trading_state(
            risk_stats=risk_stats_document(engine.risk, equity),
            pnl_net_today=to_decimal(equity - day_start).quantize(PNL_PLACES),
            positions=positions,
        )
        self._pending = False
        self._last_publish = self._monotonic()


def _fraction_below(value: float, reference: float) -> float:
    return max(0.0, 1.0 - value / reference) if reference > 0 else 0.0
